"""`riskwarn retrain`: idempotent, and a kill mid-run leaves the registry's aliases alone."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from serving.cli import app
from training import tracking
from training.data import temporal_split
from training.retrain import TRAIN_MONTHS, retrain_window

runner = CliRunner()
KEYS = ("food", "ecommerce", "quasi_financial")


def _aliases():
    out = {}
    for key in KEYS:
        for alias in ("challenger", "champion"):
            version = tracking.version_by_alias(key, alias)
            out[key, alias] = None if version is None else str(version.version)
    return out


def _versions(client):
    return {key: len(client.search_model_versions(f"name='riskwarn-{key}'")) for key in KEYS}


def _own_copy(features, tmp_path):
    """retrain keeps only its window in the folder: not the session's shared dataset."""
    return shutil.copytree(features, tmp_path / "features")


def test_retrain_then_again_changes_nothing(market, monthly_features, registry, tmp_path):
    features = _own_copy(monthly_features, tmp_path)  # same sources: retrain reuses it
    first = runner.invoke(app, ["retrain", "--sources", str(market), "--features", str(features)])
    assert first.exit_code == 0, first.output
    after_first = _aliases()
    assert all(after_first[key, "challenger"] for key in KEYS)
    client = MlflowClient(registry)
    counts = _versions(client)
    second = runner.invoke(app, ["retrain", "--sources", str(market), "--features",
                                 str(features)])
    assert second.exit_code == 0, second.output
    assert second.output.count("unchanged") == 3
    assert _aliases() == after_first and _versions(client) == counts


def test_a_broken_source_stops_retrain_naming_file_and_column(market, monthly_features,
                                                               registry, tmp_path):
    """The features are built in a process of their own; its error comes back whole."""
    sources = shutil.copytree(market, tmp_path / "sources")
    pd.read_parquet(sources / "penalties.parquet").drop(columns="known_at").to_parquet(
        sources / "penalties.parquet")
    before = _aliases()
    result = runner.invoke(app, ["retrain", "--sources", str(sources), "--features",
                                 str(_own_copy(monthly_features, tmp_path))])
    assert result.exit_code == 2, result.output
    assert "penalties.parquet: missing column known_at" in result.output
    assert "Traceback" not in result.output and _aliases() == before


def test_killing_retrain_mid_run_leaves_every_alias(market, monthly_features, registry,
                                                    tmp_path):
    features = _own_copy(monthly_features, tmp_path)
    client = MlflowClient(registry)
    before, counts = _aliases(), _versions(client)
    tuned = tmp_path / "mlruns" / "tuned"
    tuned.mkdir(parents=True)
    for key in KEYS:  # new parameters, so the run really trains again
        (tuned / f"{key}.json").write_text(json.dumps({"params": {"n_estimators": 60}}))
    env = {**os.environ, "RISKWARN_MLRUNS": str(tmp_path / "mlruns"),
           "MLFLOW_TRACKING_URI": registry}
    started = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "serving.cli", "retrain", "--sources", str(market),
         "--features", str(features)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    experiment = tracking.experiment_id("ecommerce")
    while time.time() - started < 300 and proc.poll() is None:
        runs = client.search_runs([experiment], "tags.kind = 'train'",
                                  order_by=["start_time DESC"], max_results=1)
        if runs and runs[0].info.start_time / 1000 > started:
            break  # the second industry is training: food is done, nothing registered yet
        time.sleep(0.2)
    assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _aliases() == before
    assert _versions(client) == counts


def test_retrain_window_is_what_the_temporal_split_uses():
    start, end = pd.Timestamp("2021-01-01"), pd.Timestamp("2025-12-31")
    window = retrain_window(start, end)
    qf = window["quasi_financial"]  # 365-day horizon: labels complete to 2024-12-31
    assert qf[-3:] == list(pd.date_range("2024-10-31", "2024-12-31", freq="ME"))
    assert qf[-4] == pd.Timestamp("2023-10-31") and len(qf) == TRAIN_MONTHS + 4
    split = temporal_split(pd.DataFrame({"as_of": qf, "label": 0.0}), 365)
    assert list(split.train["as_of"]) == qf[:-4]
    assert split.calibration["as_of"].tolist() == [qf[-4]]
    # food's probability is calibrated on the next month's random inspections: every
    # month-end from a horizon before the test to a month before it is built too
    food = window["food"]
    assert food[-3:] == list(pd.date_range("2025-04-30", "2025-06-30", freq="ME"))
    assert food[-9:-3] == list(pd.date_range("2024-10-31", "2025-03-31", freq="ME"))
    assert len(food) == TRAIN_MONTHS + 9
    frame = pd.DataFrame({"as_of": food, "label": 0.0, "label_random": 1.0})
    frame.loc[::2, "label_random"] = 0.0
    split = temporal_split(pd.concat([frame] * 40), 180, target="label_random",
                           target_days=30)  # 40 random visits a month-end
    assert split.calibration["as_of"].drop_duplicates().tolist() == food[-8:-3]
    assert split.train["as_of"].max() < food[-8]
    short = retrain_window(pd.Timestamp("2023-06-01"), end)["quasi_financial"]
    assert short[0] == pd.Timestamp("2023-06-30")  # never before the first event


def test_a_kill_while_registering_is_rolled_back_by_the_next_run(
        market, monthly_features, registry, tmp_path, monkeypatch):
    from training import attempts
    from training.retrain import retrain

    features = _own_copy(monthly_features, tmp_path)
    client = MlflowClient(registry)
    before, counts = _aliases(), _versions(client)
    tuned = tmp_path / "mlruns" / "tuned"
    tuned.mkdir(parents=True)
    for key in KEYS:  # new parameters, so the run really trains again
        (tuned / f"{key}.json").write_text(json.dumps({"params": {"n_estimators": 50}}))
    monkeypatch.setattr("features.settings.TUNED_DIR", tuned)
    real_set_alias, moved = tracking.set_alias, []

    def killed_after_two(industry, alias, version):  # the process dies with no clean-up
        if len(moved) == 2:
            raise SystemExit("killed")
        moved.append((industry, alias))
        real_set_alias(industry, alias, version)

    monkeypatch.setattr(tracking, "set_alias", killed_after_two)
    with pytest.raises(SystemExit, match="killed"):
        retrain(str(market), features)
    assert len(moved) == 2 and _versions(client) != counts  # half-done, as a kill leaves it
    monkeypatch.setattr(tracking, "set_alias", real_set_alias)
    assert sorted(attempts.roll_back_unfinished(KEYS)) == sorted(KEYS)
    assert _aliases() == before and _versions(client) == counts
    assert attempts.roll_back_unfinished(KEYS) == []  # nothing left to undo
