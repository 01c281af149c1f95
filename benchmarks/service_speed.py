"""Serving speed: riskwarn's `/score` beside the tutorial-path BentoML service, and batch scoring.

    .venv/bin/python benchmarks/service_speed.py [online] [--seconds 20] [--workers 1]
    .venv/bin/python benchmarks/service_speed.py batch --sources /tmp/city/sources \
        [--as-of 2026-01-01]

`online` starts both servers as real processes on free loopback ports with the same number of
workers: `riskwarn serve` (scores from a fresh scoring run of the demo data, under --workdir) and
`benchmarks/plain_service.py` (pyfunc predict of the same champion on a posted feature row). For
each it measures sequential single-firm latency over one keep-alive connection (the first pass
over riskwarn's firms separately: tier A reasons are computed on that first request) and
throughput under concurrent connections with wrk, the CPU of client and server beside it.
`--baseline REF` adds `riskwarn serve` of the packages as they were at git ref REF (e.g. `main`
before a change) on the same data and requests: the cost of a change, side by side in one run.

`batch` times the stages of `riskwarn score` by calling the same library functions (load,
prepare, features, encode, predict, pred_contrib, reason formatting, row preparation and the
database write). Time the real command beside it with GNU time for the end-to-end figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `benchmarks.loadgen` when run as a script
from benchmarks.loadgen import Request, Throughput, post_json, sequential, wrk  # noqa: E402

DEMO_SOURCES = REPO / "data" / "demo" / "sources"
DEMO_FEATURES = REPO / "data" / "demo" / "features"
MODEL_URI = "models:/riskwarn-quasi_financial@champion"
HOST = "127.0.0.1"
TARGETS = {"p99_ms": 10.0, "p999_ms": 20.0, "ratio": 8.0, "fresh_ms": 200.0}  # issue 19


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path, cwd: Path = REPO
           ) -> Iterator[subprocess.Popen[bytes]]:
    """A server process (its own process group), ready on /readyz; stopped on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_ready(port, proc, log)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 240.0
               ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}); see {log}")
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"server on port {port} not ready after {timeout:.0f} s; see {log}")


def workers_of(proc: subprocess.Popen[bytes]) -> int:
    """Processes under BentoML's arbiter that serve requests (its own Python children)."""
    import psutil

    tree = psutil.Process(proc.pid).children(recursive=True)
    return sum(1 for p in tree if "_bentoml_impl.worker" in " ".join(p.cmdline()))


def tree_memory(proc: subprocess.Popen[bytes]) -> float:
    """GiB the server holds: the proportional set size (PSS) summed over its processes, so a
    page two workers share (the sources they map) counts once, not twice."""
    import psutil

    root = psutil.Process(proc.pid)
    return sum(p.memory_full_info().pss for p in [root, *root.children(recursive=True)]) / 2**30


def in_use(port: int, score: list[Request], firms: int = 200) -> None:
    """`/firm` for `firms` firms and `fresh` scores for as many more: the work that reads the
    sources and feature rows (stored scores read the database alone), from 8 connections so
    that every worker takes some."""
    import concurrent.futures

    asks = [Request("/firm", json.dumps({"uscc": json.loads(r.body)["firms"][0]["uscc"]})
                    .encode(), r.headers) for r in score[:firms]]
    asks += [as_fresh(r) for r in score[firms:2 * firms]]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda ask: sequential(HOST, port, [ask], 1), asks))


# -- setup -----------------------------------------------------------------------------------
def riskwarn_cli(*args: str, env: dict[str, str]) -> str:
    exe = str(Path(sys.executable).with_name("riskwarn"))
    done = subprocess.run([exe, *args], env=env, cwd=REPO, check=True, capture_output=True,
                          text=True)
    return done.stdout


def fresh_database(workdir: Path, env: dict[str, str], sources: Path = DEMO_SOURCES,
                   as_of: str = "2026-01-01") -> str:
    """A new warnings database with one scoring run of `sources`; returns a viewer token."""
    for old in workdir.glob("riskwarn.db*"):
        old.unlink()
    riskwarn_cli("score", "--sources", str(sources), "--as-of", as_of, env=env)
    out = riskwarn_cli("users", "add", f"bench-serving-{int(time.time())}", "--role", "viewer",
                       env=env)
    return out.strip().splitlines()[-1].strip()


def plain_rows(tracking_uri: str, features: Path, limit: int = 1000) -> list[dict[str, Any]]:
    """Realistic feature rows for the plain service: the latest quasi-financial month of a
    feature dataset, as JSON (missing values as null), restricted to the model's inputs."""
    import mlflow
    import pandas as pd

    mlflow.set_tracking_uri(tracking_uri)
    inputs = mlflow.models.get_model_info(MODEL_URI).signature.inputs.input_names()
    latest = sorted((features / "industry=quasi_financial").glob("as_of=*"))[-1]
    frame = pd.read_parquet(latest)[inputs].head(limit)
    return json.loads(frame.to_json(orient="records"))


# -- measurement -----------------------------------------------------------------------------
def latency(port: int, requests: list[Request], count: int) -> dict[str, float]:
    start = time.perf_counter()
    ms = sequential(HOST, port, requests, count)
    rate = count / (time.perf_counter() - start)
    return {"p50": float(np.percentile(ms, 50)), "p90": float(np.percentile(ms, 90)),
            "p99": float(np.percentile(ms, 99)), "p999": float(np.percentile(ms, 99.9)),
            "max": float(ms.max()), "mean": float(ms.mean()), "n": count, "rate": rate}


def fresh_cold(port: int, score: list[Request]) -> dict[str, float]:
    """ms of the first `fresh: true` request for one firm after the server is ready (the
    sources' feature rows built, or being built, by the warm-up), then of one more firm."""
    return {name: float(sequential(HOST, port, [as_fresh(request)], 1)[0])
            for name, request in (("first", score[0]), ("second", score[1]))}


def as_fresh(request: Request) -> Request:
    """The same `/score` request with `fresh: true`."""
    return Request(request.path, json.dumps({**json.loads(request.body), "fresh": True})
                   .encode(), request.headers)


def measure(name: str, port: int, proc: subprocess.Popen[bytes], requests: list[Request],
            opts: argparse.Namespace) -> dict[str, Any]:
    sequential(HOST, port, requests, min(200, len(requests)))  # warm-up
    lat = latency(port, requests, opts.requests)
    load: Throughput = wrk(f"http://{HOST}:{port}{requests[0].path}", requests, opts.seconds,
                           opts.connections, opts.threads, proc.pid)
    print(f"  {name}: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, p99.9 {lat['p999']:.2f} "
          f"ms, max {lat['max']:.1f} ms; {load.rate:,.0f} req/s "
          f"({load.errors} errors), server {load.server_cpu:.2f} cores, "
          f"wrk {load.client_cpu:.2f} cores, other {load.other_cpu:.2f} cores", flush=True)
    return {"latency": lat, "load": load}


def score_requests(port: int, token: str) -> tuple[list[Request], dict[str, int]]:
    """One /score request per firm of the latest run (all tiers), and the tier mix."""
    auth = {"Authorization": f"Bearer {token}"}
    page = post_json(HOST, port, Request("/warnings", b'{"limit": 1000}', auth))
    items = page["items"]  # type: ignore[index]
    tiers: dict[str, int] = {}
    for item in items:
        tiers[item["tier"]] = tiers.get(item["tier"], 0) + 1
    order = np.random.default_rng(0).permutation(len(items))  # tiers mixed, not ranked
    bodies = [json.dumps({"firms": [{"uscc": items[i]["uscc"]}], "fresh": False}).encode()
              for i in order]
    return [Request("/score", b, auth) for b in bodies], dict(sorted(tiers.items()))


def online(opts: argparse.Namespace) -> None:
    workdir = opts.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "BENTOML_DO_NOT_TRACK": "true",
           "BENTOML_HOME": str(REPO / ".bentoml"), "PYTHONWARNINGS": "ignore",
           "MLFLOW_TRACKING_URI": os.environ.get(
               "MLFLOW_TRACKING_URI", f"sqlite:///{REPO / 'mlruns' / 'mlflow.db'}"),
           "RISKWARN_DATABASE_URL": f"sqlite:///{workdir / 'riskwarn.db'}"}
    sources = opts.sources or DEMO_SOURCES
    print(f"setting up: a scoring run of {sources}, a viewer, feature rows", flush=True)
    token = fresh_database(workdir, env, sources, opts.as_of)
    rows = plain_rows(env["MLFLOW_TRACKING_URI"], opts.features)
    plain_requests = [Request("/predict", json.dumps({"row": r}).encode(), {}) for r in rows]
    # `riskwarn serve --workers` is not applied to a BentoML 1.2+ service; the config is
    extra = "".join(f" services.riskwarn.{option}" for option in opts.config)
    env_rw = {**env, "BENTOML_CONFIG_OPTIONS":
              f"services.riskwarn.workers={opts.workers}{extra}"}
    env_plain = {**env, "BENTOML_CONFIG_OPTIONS": f"services.plain_risk.workers={opts.workers}"}
    p_rw, p_plain = free_port(), free_port()
    riskwarn = str(Path(sys.executable).with_name("riskwarn"))
    rw_cmd = [riskwarn, "serve", "--host", HOST, "--port", str(p_rw),
              "--workers", str(opts.workers)]
    plain_cmd = [sys.executable, "-m", "bentoml", "serve", "plain_service:PlainRisk",
                 "--working-dir", str(REPO / "benchmarks"), "--host", HOST, "--port",
                 str(p_plain)]
    print(f"starting both servers ({opts.workers} worker(s) each)", flush=True)
    with server(plain_cmd, env_plain, p_plain, workdir / "plain.log") as plain_proc, \
            server(rw_cmd, env_rw, p_rw, workdir / "riskwarn.log") as rw_proc:
        counts = {"plain": workers_of(plain_proc), "riskwarn": workers_of(rw_proc)}
        score, tiers = score_requests(p_rw, token)
        print(f"  workers running: {counts}; {len(score)} firms, tiers {tiers}", flush=True)
        fresh = fresh_cold(p_rw, score)
        print(f"  fresh: first {fresh['first']:.0f} ms, second {fresh['second']:.0f} ms",
              flush=True)
        cold = latency(p_rw, score, len(score))  # first request per firm: tier A explained
        print(f"  riskwarn first pass over {len(score)} firms: p50 {cold['p50']:.2f} ms, "
              f"p99 {cold['p99']:.2f} ms, mean {cold['mean']:.2f} ms", flush=True)
        results = {"plain": measure("plain", p_plain, plain_proc, plain_requests, opts),
                   "riskwarn": measure("riskwarn", p_rw, rw_proc, score, opts)}
        if opts.baseline:
            name = f"riskwarn @{opts.baseline}"
            results[name], counts[name] = baseline(score, env_rw, opts)
        if opts.floor:
            results["bentoml floor"], counts["bentoml floor"] = floor(score, env, opts)
        in_use(p_rw, score)
        memory = tree_memory(rw_proc)
        print(f"  riskwarn memory after /firm and fresh scores: {memory:.2f} GiB (PSS of its "
              f"{counts['riskwarn']} worker(s) and server processes)", flush=True)
        if opts.profile:
            profile(p_rw, rw_proc, score, opts, workdir)
    report(results, cold, counts, tiers, opts)
    targets(results, fresh)
    if opts.summary:
        rw, plain = results["riskwarn"], results["plain"]
        opts.summary.write_text(json.dumps({
            "workers": counts["riskwarn"], "memory_gib": memory, "fresh_ms": fresh["first"],
            "rate": rw["load"].rate, "plain_rate": plain["load"].rate,
            "p99_ms": rw["latency"]["p99"], "p999_ms": rw["latency"]["p999"]}))


def baseline(requests: list[Request], env: dict[str, str], opts: argparse.Namespace
             ) -> tuple[dict[str, Any], int]:
    """`riskwarn serve` of the packages as they were at git ref `opts.baseline` (e.g. main
    before the durable audit), on the same database, models and requests."""
    import shutil

    tree = opts.workdir / "baseline"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", opts.baseline, "features",
                              "training", "serving"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    port = free_port()
    command = [sys.executable, "-m", "serving.cli", "serve", "--host", HOST, "--port",
               str(port), "--workers", str(opts.workers)]
    env_old = {**env, "PYTHONPATH": str(tree)}  # its packages before the installed ones
    with server(command, env_old, port, opts.workdir / "baseline.log", cwd=tree) as proc:
        return (measure(f"riskwarn @{opts.baseline}", port, proc, requests, opts),
                workers_of(proc))


def floor(requests: list[Request], env: dict[str, str], opts: argparse.Namespace
          ) -> tuple[dict[str, Any], int]:
    """The empty BentoML service (`plain_service.Floor`) under the same /score requests."""
    port = free_port()
    command = [sys.executable, "-m", "bentoml", "serve", "plain_service:Floor",
               "--working-dir", str(REPO / "benchmarks"), "--host", HOST, "--port", str(port)]
    env_floor = {**env, "BENTOML_CONFIG_OPTIONS": f"services.floor.workers={opts.workers}"}
    with server(command, env_floor, port, opts.workdir / "floor.log") as proc:
        return measure("bentoml floor", port, proc, requests, opts), workers_of(proc)


def profile(port: int, proc: subprocess.Popen[bytes], requests: list[Request],
            opts: argparse.Namespace, workdir: Path) -> None:
    """py-spy on the riskwarn server under the same load; prints where its time goes."""
    import threading

    out = workdir / f"riskwarn-w{opts.workers}.pyspy.txt"
    spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record",
                            "--pid", str(proc.pid), "--subprocesses", "--duration",
                            str(int(opts.seconds)), "--rate", "200", "--format", "raw",
                            "--nonblocking", "-o", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    load = threading.Thread(target=wrk, args=(f"http://{HOST}:{port}/score", requests,
                                              opts.seconds, opts.connections, opts.threads,
                                              proc.pid))
    load.start()
    load.join()
    spy.wait()
    print(f"  py-spy stacks (collapsed) in {out}", flush=True)
    summarise_stacks(out)


def summarise_stacks(path: Path, top: int = 25) -> None:
    """Inclusive share of samples per function, from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a frame's text can hold a line break: not a stack's end
            continue
        n = int(count)
        total += n
        for frame in set(stack.split(";")[1:]):  # first frame: the process
            inclusive[frame] = inclusive.get(frame, 0) + n
    print(f"  {total} samples; functions by inclusive share:")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / max(total, 1):5.1f}%  {frame}")


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def report(results: dict[str, dict[str, Any]], cold: dict[str, float], counts: dict[str, int],
           tiers: dict[str, int], opts: argparse.Namespace) -> None:
    plain_rate = results["plain"]["load"].rate
    print(f"\nserving benchmark: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}; 1 connection: "
          f"{opts.requests} sequential requests; {opts.connections} connections: wrk x "
          f"{opts.seconds:.0f} s; workers {counts}")
    print(f"| server | workers | 1 conn. p50 / p99 / p99.9 ms | 1 conn. req/s | "
          f"{opts.connections} conn. p50 / p99 / p99.9 ms | {opts.connections} conn. req/s | "
          "errors | server / wrk / other cores | ratio to plain |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        lat, load = r["latency"], r["load"]
        print(f"| {name} | {counts[name]} | {lat['p50']:.2f} / {lat['p99']:.2f} / "
              f"{lat['p999']:.2f} | {lat['rate']:,.0f} | {load.p50_ms:.1f} / {load.p99_ms:.1f}"
              f" / {load.p999_ms:.1f} | {load.rate:,.0f} | {load.errors} | "
              f"{load.server_cpu:.2f} / {load.client_cpu:.2f} / {load.other_cpu:.2f} | "
              f"{load.rate / plain_rate:.1f} |")
    print(f"\nriskwarn first pass over {sum(tiers.values())} firms (tiers {tiers}): p50 "
          f"{cold['p50']:.2f} ms, p99 {cold['p99']:.2f} ms, max {cold['max']:.1f} ms")


def targets(results: dict[str, dict[str, Any]], fresh: dict[str, float]) -> None:
    """Issue 19's serving targets beside the figures."""
    rw, plain_rate = results["riskwarn"], results["plain"]["load"].rate
    ratio = rw["load"].rate / plain_rate
    rows = [(f"/score p99 ≤ {TARGETS['p99_ms']:.0f} ms, 1 connection",
             f"{rw['latency']['p99']:.2f} ms", rw["latency"]["p99"] <= TARGETS["p99_ms"]),
            (f"no stall: p99.9 ≤ {TARGETS['p999_ms']:.0f} ms, 1 connection",
             f"{rw['latency']['p999']:.2f} ms (max {rw['latency']['max']:.0f} ms)",
             rw["latency"]["p999"] <= TARGETS["p999_ms"]),
            (f"throughput ≥ {TARGETS['ratio']:.0f} × plain, side by side",
             f"{ratio:.1f} × ({rw['load'].rate:,.0f} vs {plain_rate:,.0f} req/s)",
             ratio >= TARGETS["ratio"]),
            (f"`fresh` for one firm ≤ {TARGETS['fresh_ms']:.0f} ms (first after start)",
             f"{fresh['first']:.0f} ms (next firm {fresh['second']:.0f} ms)",
             fresh["first"] <= TARGETS["fresh_ms"])]
    print("| target | measured | verdict |\n|---|---|---|")
    for target, measured, ok in rows:
        print(f"| {target} | {measured} | {verdict(ok)} |")


# -- in-process parts of one /score request --------------------------------------------------
def per_call(fn: Any, args: list[Any], rounds: int) -> float:
    """Median microseconds per call over `rounds` calls, arguments taken round-robin."""
    out = np.empty(rounds)
    for i in range(rounds):
        start = time.perf_counter()
        fn(*args[i % len(args)])
        out[i] = time.perf_counter() - start
    return float(np.median(out) * 1e6)


def valid_code(uscc: str) -> bool:
    """GB 32100 for one code in plain Python: what a scalar check would cost."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(uscc) != 18 or any(c not in alphabet for c in uscc):
        return False
    org = sum((int(c) if c.isdigit() else ord(c) - 55) * w
              for c, w in zip(uscc[8:16], (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    r = 11 - org % 11
    if uscc[16] != ("X" if r == 10 else "0" if r == 11 else str(r)):
        return False
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(uscc[:17]))
    return uscc[17] == alphabet[(31 - total % 31) % 31]


def parts(opts: argparse.Namespace) -> None:
    """Per-call cost of the pieces of one stored /score answer, in process (one thread), and
    the cost of a first request for a tier A firm (reasons computed on request)."""
    import sqlite3

    import pandas as pd

    warnings.filterwarnings("ignore")
    from serving.api.schemas import ScoreResponse
    from serving.store import runs
    from serving.store.database import open_database
    from serving.store.users import add_user, audit, user_for_token
    from serving.workspace.scores import Workspace, check_code
    from training import champions

    engine = open_database()
    token = add_user(engine, f"bench-parts-{int(time.time())}", "viewer", None)
    user = user_for_token(engine, token)
    assert user is not None
    started = time.perf_counter()
    workspace = Workspace(engine, champions.load_all())
    run = workspace.latest_run()
    assert run is not None
    items, total = runs.warnings_page(engine, run.id, limit=opts.firms)
    print(f"database {engine.url}: run {run.id} ({total:,} firms), as_of {run.as_of}; "
          f"champions loaded in {time.perf_counter() - started:.1f} s", flush=True)
    tier_a = [r["uscc"] for r in runs.warnings_page(engine, run.id, tier="A", offset=1000,
                                                      limit=opts.cold)[0]]
    if tier_a:
        started = time.perf_counter()
        workspace.loaded()
        print(f"first need of the sources (load + prepare, inside a request): "
              f"{time.perf_counter() - started:.2f} s", flush=True)
        cold = [per_call(workspace.score, [(user, [u], False)], 1) / 1000 for u in tier_a]
        print(f"first request of a tier A firm (features + reasons on request), "
              f"{len(cold)} firms: median {np.median(cold):.1f} ms, max {max(cold):.1f} ms")
        if opts.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.001) as profiler:
                workspace._compute(tier_a[:1], pd.Timestamp(run.as_of))
            print(profiler.output_text(unicode=False, color=False, show_all=False))
    usccs = [r["uscc"] for r in items]
    workspace.score(user, usccs, False)  # every firm's reasons stored
    one = [(u,) for u in usccs]
    found = workspace.score(user, usccs[:1], False)
    path = str(engine.url.database)
    raw = sqlite3.connect(path, check_same_thread=False)
    rows = [
        ("check_code (pandas + pyarrow on a 1-row Series)", per_call(check_code, one, 2000)),
        ("  a scalar GB 32100 check in plain Python", per_call(valid_code, one, 2000)),
        ("user_for_token (SQLAlchemy; cached 5 s in TokenAuth)",
         per_call(lambda t: user_for_token(engine, t), [(token,)], 500)),
        ("audit (one INSERT + COMMIT per request)",
         per_call(lambda u: audit(engine, user.name, "POST /score", None,
                                  {"status": 200, "firms": [u], "count": 1, "fresh": False}),
                  one, 500)),
        ("runs.scores_for (SQLAlchemy select of one firm)",
         per_call(lambda u: runs.scores_for(engine, run.id, [u]), one, 2000)),
        ("  the same row by sqlite3 directly",
         per_call(lambda u: raw.execute("SELECT * FROM warnings WHERE run_id = ? AND uscc = ?",
                                        (run.id, u)).fetchone(), one, 2000)),
        ("Workspace.score (check + stored row), stored reasons",
         per_call(lambda u: workspace.score(user, [u], False), one, 2000)),
        ("ScoreResponse.model_validate",
         per_call(lambda: ScoreResponse.model_validate({"results": found}), [()], 2000)),
    ]
    print("| part of one /score request | µs per call (median) |\n|---|---|")
    for name, us in rows:
        print(f"| {name} | {us:,.0f} |")


# -- batch -----------------------------------------------------------------------------------
class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.rows.append((stage, time.perf_counter() - start))
        print(f"  {stage}: {self.rows[-1][1]:.1f} s", flush=True)


def batch(opts: argparse.Namespace) -> None:
    """The stages of `riskwarn score`, timed one by one with the library's own functions."""
    import resource

    import pandas as pd

    warnings.filterwarnings("ignore")
    timer = Timer()
    with timer("import + load champions"):
        from features.build import build_as_of
        from features.loading import load_sources
        from features.prepare import prepare
        from serving.store import runs
        from serving.store.database import open_database
        from training import champions as champion_store
        from training.reasons import reasons_json
        from training.scoring import COLUMNS, names_of
        from training.tiers import assign_tiers

        champions = champion_store.load_all()
    as_of = pd.Timestamp(opts.as_of)
    with timer("load sources"):
        loaded = load_sources(opts.sources)
    with timer("prepare"):
        prep = prepare(loaded.tables)
    with timer("features (build_as_of)"):
        frames = build_as_of(prep, as_of, list(champions))
    parts: dict[str, float] = {"encode": 0.0, "predict": 0.0, "pred_contrib": 0.0,
                               "reason formatting": 0.0}
    scored, explained_rows = [], 0
    for industry, frame in frames.items():
        champion = champions[industry]
        t0 = time.perf_counter()
        x = champion.fast.encode(frame)
        t1 = time.perf_counter()
        probability = champion.fast.predict(x)
        tier = assign_tiers(probability, champion.cutoffs)
        t2 = time.perf_counter()
        contrib = champion.fast.effects(x)
        t3 = time.perf_counter()
        reasons = reasons_json(contrib, frame.reset_index(drop=True), champion.reference)
        t4 = time.perf_counter()
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[key] += dt
        explained_rows += len(frame)
        scored.append(pd.DataFrame({
            "uscc": frame["uscc"].to_numpy(), "industry": industry,
            "town_code": frame["town_code"].to_numpy(), "as_of": as_of.date(),
            "probability": probability, "tier": tier, "model_version": champion.version,
            "reasons": pd.Series(reasons, dtype=object)}))
        print(f"  {industry}: {len(frame):,} firms, tier A {int((tier == 'A').sum()):,}",
              flush=True)
    for key, dt in parts.items():
        timer.rows.append((key, dt))
        print(f"  {key}: {dt:.1f} s", flush=True)
    with timer("assemble + names"):
        out = pd.concat(scored, ignore_index=True)
        out["name"] = names_of(loaded["registrations"], out["uscc"])
        out = out[COLUMNS]
    with timer("warning rows (checks, sort, rank)"):
        runs._warning_rows(out)
    opts.database.parent.mkdir(parents=True, exist_ok=True)
    for old in opts.database.parent.glob(opts.database.name + "*"):
        old.unlink()
    engine = open_database(f"sqlite:///{opts.database}")
    run_id = runs.start_run(engine, as_of.date(), str(opts.sources),
                            {k: c.version for k, c in champions.items()})
    with timer("write_warnings (rows again + SQLite insert)"):
        runs.write_warnings(engine, run_id, out)
    runs.finish_run(engine, run_id, len(out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    total = sum(dt for stage, dt in timer.rows if not stage.startswith("warning rows"))
    print(f"\nbatch breakdown: {len(out):,} firms, {explained_rows:,} with reasons (every "
          f"tier), peak RSS {peak:.2f} GB")
    print("| stage | seconds | share |\n|---|---|---|")
    for stage, dt in timer.rows:
        print(f"| {stage} | {dt:.1f} | {100 * dt / total:.0f}% |")
    print(f"| total (the rows step counted once, inside write_warnings) | {total:.1f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", choices=["online", "batch", "parts"], default="online")
    parser.add_argument("--seconds", type=float, default=20.0, help="wrk duration per server")
    parser.add_argument("--workers", type=int, default=1, help="workers of each server")
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--floor", action="store_true",
                        help="also measure an empty BentoML service (the framework's ceiling)")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="extra BentoML option for riskwarn, e.g. threads=4 (repeatable)")
    parser.add_argument("--profile", action="store_true", help="py-spy riskwarn under load")
    parser.add_argument("--baseline", metavar="GIT_REF",
                        help="also serve riskwarn as it was at this ref, side by side")
    parser.add_argument("--firms", type=int, default=1000, help="parts: firms to request")
    parser.add_argument("--cold", type=int, default=20, help="parts: tier A firms asked first")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/riskwarn-bench"))
    parser.add_argument("--sources", type=Path,
                        help="the sources to score (batch: required; online: the demo's)")
    parser.add_argument("--features", type=Path, default=DEMO_FEATURES,
                        help="online: feature dataset of the plain service's rows (the demo's)")
    parser.add_argument("--as-of", default="2026-01-01", help="the scoring date")
    parser.add_argument("--summary", type=Path, help="online: write the figures here (JSON)")
    parser.add_argument("--database", type=Path,
                        default=Path("/tmp/riskwarn-bench/batch/riskwarn.db"),
                        help="batch: a scratch SQLite database")
    opts = parser.parse_args()
    if opts.mode == "batch":
        if opts.sources is None:
            parser.error("batch needs --sources")
        batch(opts)
    elif opts.mode == "parts":
        parts(opts)
    else:
        online(opts)


if __name__ == "__main__":
    main()
