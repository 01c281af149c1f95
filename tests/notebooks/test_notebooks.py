"""The analysts' notebooks run top to bottom on the demo data from a fresh start: no sources,
no features and no registry, all under a temporary `RISKWARN_DATA_DIR` and MLflow database
(never the project's own data/ or mlruns/), from a working directory outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPLORE, REPORT = "01-explore-sources.ipynb", "02-model-report.ipynb"
TIMEOUT = 600  # seconds per cell; the whole of both takes about a minute and a half


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a fresh checkout, pointed at empty temporary folders."""
    root = tmp_path_factory.mktemp("notebook-world")
    return {**os.environ,
            "RISKWARN_DATA_DIR": str(root / "data"),
            "RISKWARN_MLRUNS": str(root / "mlruns"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"}


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("working-directory")


def outputs(nb: nbformat.NotebookNode, kind: str) -> list[str]:
    """Every output of `kind` ("image/png", "error", "stderr", ...) in the executed notebook."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error" and kind == "error":
                found.append(f"{out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out["name"] == kind:
                found.append(out["text"])
            elif kind in out.get("data", {}):
                found.append(out["data"][kind])
    return found


@pytest.mark.parametrize("name", [EXPLORE, REPORT])
def test_stored_without_outputs(name: str):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code"
    assert all(not c.outputs and c.execution_count is None for c in code), (
        f"{name} is stored with outputs: clear them before committing")
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_python3_kernel_is_this_environment(elsewhere: Path):
    nb = new_notebook(cells=[new_code_cell("import sys\nprint(sys.prefix)")])
    NotebookClient(nb, kernel_name="python3", timeout=60,
                   resources={"metadata": {"path": str(elsewhere)}}).execute()
    assert outputs(nb, "stdout") == [sys.prefix + "\n"]


def test_explore_sources_runs_with_nbconvert(world: dict[str, str], elsewhere: Path):
    """`jupyter nbconvert --to notebook --execute`, as a person would run it; the demo
    sources are generated on the way."""
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         f"--ExecutePreprocessor.timeout={TIMEOUT}", "--output-dir", str(elsewhere),
         str(NOTEBOOKS / EXPLORE)],
        cwd=elsewhere, env=world, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    nb = nbformat.read(elsewhere / EXPLORE, as_version=4)
    assert not outputs(nb, "error")
    assert len(outputs(nb, "image/png")) >= 5  # every section has its plot
    sources = Path(world["RISKWARN_DATA_DIR"]) / "demo" / "sources"
    assert (sources / "registrations.parquet").exists()
    text = "\n".join(outputs(nb, "stdout"))
    assert f"sources: {sources}" in text


def test_model_report_runs_and_makes_its_champion(world: dict[str, str], elsewhere: Path):
    nb = nbformat.read(NOTEBOOKS / REPORT, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                   resources={"metadata": {"path": str(elsewhere)}}).execute(env=world)
    assert not outputs(nb, "error")
    assert len(outputs(nb, "image/png")) >= 6
    text = "\n".join(outputs(nb, "stdout"))
    assert "trained version 1" in text and "promotion gate:" in text
    reasons = "\n".join(outputs(nb, "text/markdown"))
    assert reasons.count("probability ") == 3 and "tier D" in reasons
    registry = Path(world["MLFLOW_TRACKING_URI"].removeprefix("sqlite:///"))
    assert registry.exists()
    features = Path(world["RISKWARN_DATA_DIR"]) / "demo" / "features"
    assert (features / "industry=quasi_financial").is_dir()
