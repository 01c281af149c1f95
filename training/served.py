"""The models a service worker serves, and one file that hands them to every worker.

`riskwarn serve` looks each industry's champion up in the registry once, before its workers
start, and keeps the loaded champions with the registry's summaries as one entry under
`settings.PREPARED_DIR` (`keep` in `training.champions`; `features.kept`: written whole or not
at all, the newest two kept); each worker reads that entry (`read`) and so never imports
MLflow. At city scale that is ~85 MB less in every worker (MLflow's modules, its client and
store, its model loader), and every worker serves the same versions, whatever the aliases do
meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from features import kept

if TYPE_CHECKING:  # `riskwarn serve` reads KEPT_ENV here without loading LightGBM
    from training.fastpath import FastModel
    from training.model import Calibrated

KEPT_ENV = "RISKWARN_CHAMPIONS"  # where `riskwarn serve` kept the champions for its workers
UNDATED = date.min  # champions hold no dated rows: their entry serves every day


@dataclass
class Champion:
    industry: str
    version: str
    model: Calibrated
    fast: FastModel
    cutoffs: list[float]
    reference: dict[str, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return self.fast.features


@dataclass(frozen=True)
class Served:
    """What a worker serves: the champions by industry and the registry's model summaries."""

    champions: dict[str, Champion]
    summaries: list[dict[str, Any]]


def write(served: Served, path: Path) -> None:
    """As the entry at `path` (`features.kept.write`)."""
    kept.write(path, served, UNDATED, later=False)


def read(path: Path) -> Served:
    found = kept.read(path, UNDATED)
    if not isinstance(found, Served):
        raise FileNotFoundError(f"{path}: no champions kept there (removed, or cut short): "
                                "start `riskwarn serve` again")
    return found
