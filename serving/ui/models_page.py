"""The model page: each industry's champion and challenger (`Workspace.models`) with their test
metrics, and the training run's calibration curve and bias audit as pictures.

The pictures are the MLflow run's artifacts, fetched once and kept in a per-process temporary
directory. Where MLflow is out of reach (the BentoML-store deployment) the page says the
picture is not available; a failed fetch is not retried for RETRY_SECONDS.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from serving.store import jobs
from serving.ui.web import redirect, render, signed_in, workspace

PICTURES = {"tier_calibration": "plots/tier_calibration.png",
            "calibration": "plots/calibration.png", "bias_audit": "plots/bias_audit.png"}
METRICS = {"precision_at_k": "test_precision_at_k", "rule_precision_at_k":
           "test_rule_precision_at_k", "auc": "test_roc_auc", "ece": "test_calibration_ece",
           "ipw": "test_precision_at_k_random_ipw", "ipw_se": "test_precision_at_k_random_ipw_se",
           "rule_ipw": "test_rule_precision_at_k_random_ipw"}
RETRY_SECONDS = 300.0
_lock = threading.Lock()
_cache: dict[str, Path] = {}
_failed: dict[tuple[str, str, str], float] = {}


def _cache_dir() -> Path:
    if "dir" not in _cache:
        _cache["dir"] = Path(tempfile.mkdtemp(prefix="riskwarn-ui-pictures-"))
        atexit.register(shutil.rmtree, _cache["dir"], True)  # no debris after the process
    return _cache["dir"]


def _fetch(industry: str, version: str, name: str, into: Path) -> None:
    import mlflow  # here, not at start: a worker serving kept champions has no other use for it

    from training import tracking

    found = tracking.client().get_model_version(tracking.model_name(industry), version)
    with tempfile.TemporaryDirectory(dir=_cache_dir()) as scratch:
        got = mlflow.artifacts.download_artifacts(
            run_id=found.run_id, artifact_path=PICTURES[name], dst_path=scratch,
            tracking_uri=tracking.tracking_uri())
        into.parent.mkdir(parents=True, exist_ok=True)
        Path(got).replace(into)


def picture(industry: str, version: str, name: str) -> Path | None:
    """The model version's picture `name` as a local file, or None when not available."""
    if name not in PICTURES or os.environ.get("RISKWARN_MODEL_STORE") == "bentoml":
        return None
    key = (industry, version, name)
    with _lock:
        cached = _cache_dir() / industry / version / f"{name}.png"
        if cached.exists():
            return cached
        if time.monotonic() - _failed.get(key, -RETRY_SECONDS) < RETRY_SECONDS:
            return None
        try:
            _fetch(industry, version, name, cached)
        except Exception:  # MLflow unreachable, run or artifact missing: say so, never a 500
            _failed[key] = time.monotonic()
            return None
    return cached


def _summary(industry: str, alias: str) -> dict[str, Any] | None:
    return next((m for m in workspace().models
                 if m["industry"] == industry and m["alias"] == alias), None)


def models_page(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    rows = []
    for model in workspace().models:
        metrics = model.get("metrics") or {}
        rows.append({**model, **{k: metrics.get(m) for k, m in METRICS.items()},
                     "pictures": {name: picture(model["industry"], str(model["version"]), name)
                                  is not None for name in PICTURES}})
    drift = jobs.latest_detail(workspace().engine, "drift")
    return render(request, "models.html", sess, user, models=rows, pictures=list(PICTURES),
                  drift_as_of=drift[0] if drift else None,
                  drift=(drift[1].get("industries") or {}) if drift else {},
                  drift_run=drift[1].get("run_id") if drift else None)


def drift_report(request: Request) -> Response:
    """GET /drift/{run_id}.html: the nightly drift report of a scoring run (signed-in users)."""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    from serving.batch.drift import report_dir

    found = report_dir() / f"run-{int(request.path_params['run_id'])}.html"
    if not found.is_file():
        return Response("404: no drift report for this run", status_code=404,
                        media_type="text/plain; charset=utf-8")
    return FileResponse(found, media_type="text/html; charset=utf-8")


def picture_file(request: Request) -> Response:
    """GET /models/{industry}/{alias}/{name}.png"""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    p = request.path_params
    model = _summary(p["industry"], p["alias"])
    found = picture(model["industry"], str(model["version"]), p["name"]) if model else None
    if found is None:
        return Response("404: picture not available", status_code=404,
                        media_type="text/plain; charset=utf-8")
    return FileResponse(found, media_type="image/png")
