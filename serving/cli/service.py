"""The service stage: `serve`, `build` and `demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serving.cli.common import (
    Engine,
    IndustryChoice,
    ModelIndustry,
    console,
    database,
    err,
)
from serving.cli.data import features, simulate, validate
from serving.cli.models import promote, train
from serving.cli.operations import score


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 3000,
    sources: Annotated[str | None, typer.Option(
        help="the sources (default: those of the latest scoring run)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
) -> None:
    """Run the risk service (BentoML) with each industry's champion; SIGTERM or Ctrl+C stops
    the server and its workers."""
    import os
    import secrets
    import sys

    from features import settings
    from serving.cli.processes import in_child, run_forwarding
    from serving.store.database import open_database
    from training import served

    refuse_busy_port(host, port)
    database(open_database)  # upgrade first: workers must not race to migrate
    # new-style services ignore --api-workers; the worker count is service configuration
    options = " ".join(filter(None, [os.environ.get("BENTOML_CONFIG_OPTIONS"),
                                     f"services.riskwarn.workers={workers}"]))
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", "BENTOML_CONFIG_OPTIONS": options}
    # one signing key for the review workspace's sessions across the workers
    env.setdefault("RISKWARN_UI_SECRET", secrets.token_urlsafe(32))
    if sources:
        from serving.batch.score import location_of

        env["RISKWARN_SOURCES"] = location_of(sources)
    command = [sys.executable, "-m", "bentoml", "serve", "serving.api.service:RiskWarn",
               "--host", host, "--port", str(port)]
    try:  # the champions looked up and loaded once, in a process that then ends, for every
        # worker to read: no worker imports MLflow (`training.served`)
        env[served.KEPT_ENV] = in_child(keep_champions, str(settings.PREPARED_DIR))
    except Exception as exc:  # the registry's own message, without a traceback
        err.print(f"error: cannot load the champions: {exc}", markup=False)
        raise typer.Exit(2) from exc
    raise typer.Exit(run_forwarding(command, env))


def keep_champions(folder: str) -> str:
    """`training.champions.keep`, named here so that `riskwarn serve` never imports MLflow."""
    from training import champions

    return str(champions.keep(Path(folder)))


def refuse_busy_port(host: str, port: int) -> None:
    """Exit 2 with one line when the port cannot be listened on."""
    from serving.cli.processes import port_in_use

    problem = port_in_use(host, port)
    if problem:
        err.print(f"error: {problem}; stop what listens there or choose another --port",
                  markup=False, soft_wrap=True)
        raise typer.Exit(2)


def build() -> None:
    """Copy the champions into BentoML's model store and build a Bento of the service."""
    from serving.api.bento_store import build_bento, import_champions

    tags = import_champions()
    if not tags:
        err.print("error: no industry has a champion model to build with", markup=False)
        raise typer.Exit(2)
    for key, tag in tags.items():
        console.print(f"{key}: champion imported as {tag}")
    console.print(f"built Bento {build_bento(tags)}: serve it without the MLflow database "
                  f"with `bentoml serve riskwarn:latest`")



def _demo_officer() -> str:
    """A fresh token for the demo's officer (the user is created on the first demo)."""
    from serving.store.database import open_database
    from serving.store.users import add_user, list_users, new_token_for

    engine = database(open_database)
    if any(u["name"] == DEMO_OFFICER for u in list_users(engine)):
        return new_token_for(engine, DEMO_OFFICER)
    return add_user(engine, DEMO_OFFICER, "officer", None)


DEMO_OFFICER = "demo-officer"


def demo(
    serve_after: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="end by starting the service")] = True,
    port: Annotated[int, typer.Option(help="the service's port (checked first)")] = 3000,
) -> None:
    """Generate the embedded default data set, run the pipeline on it, score it and serve."""
    from features import settings

    if serve_after:
        refuse_busy_port("127.0.0.1", port)

    simulate(settings.DEMO_ENTITIES, str(settings.DEMO_START), str(settings.DEMO_END),
             settings.DEMO_SEED, settings.DEMO_SOURCES)
    validate(str(settings.DEMO_SOURCES))
    features(str(settings.DEMO_SOURCES), settings.DEMO_FEATURES, None,
             settings.DEMO_MONTHLY, IndustryChoice.all, Engine.pandas, None)
    train(settings.DEMO_FEATURES, ModelIndustry.all)
    promote(ModelIndustry.all, None)
    score(str(settings.DEMO_SOURCES), settings.DEMO_SCORE_AS_OF)
    token = _demo_officer()
    console.print(f"review workspace: http://127.0.0.1:{port}/ui/ - sign in with the demo "
                  f"officer's token {token}", soft_wrap=True)
    if serve_after:
        console.print(f"the service starts at http://127.0.0.1:{port} (Ctrl+C stops it); more "
                      "tokens: riskwarn users add NAME --role viewer|officer|scheduler|admin")
        serve("127.0.0.1", port, None, 1)
