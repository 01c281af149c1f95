"""`riskwarn`: one console command, one subcommand per stage; each a thin wrapper.

The commands live with their stage (`data`, `models`, `operations`, `service`); this module
only puts them in order on one Typer app.
"""

from __future__ import annotations

import gc
import os

import typer

from serving.cli import data, models, operations, reports, service

# nothing leaves the machine at run time: no usage telemetry from MLflow or BentoML
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

app = typer.Typer(help="Risk warnings for a market-supervision bureau.", no_args_is_help=True,
                  pretty_exceptions_enable=False)

for command in (data.simulate, data.validate, data.features, models.train, models.tune,
                models.promote, models.evaluate, models.retrain, models.backtest,
                operations.score, operations.nightly, operations.prune, reports.report,
                service.serve, service.build, operations.schedule, service.demo):
    app.command()(command)
app.add_typer(operations.users, name="users")
app.add_typer(data.adapt, name="adapt")
app.add_typer(models.benchmark, name="benchmark")


def main() -> None:
    """The console command. When a command returns, the process ends: its objects are frozen
    out of the garbage collector first, so the interpreter's last full collections skip them
    (about 1 s after a city's nightly batch, which leaves ~375,000 objects)."""
    try:
        app(prog_name="riskwarn")
    finally:
        gc.freeze()
