"""The triggers' thresholds: features/triggers.yaml loaded into Pydantic, defaults for any key
left out, checked before any rule runs."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "triggers.yaml"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComplaintSurge(_Rule):
    window_days: int = Field(default=30, gt=0, le=366)
    baseline_days: int = Field(default=365, gt=0, le=3660)
    min_count: int = Field(default=5, ge=1)
    alpha: float = Field(default=0.001, gt=0, lt=1)
    floor_per_window: float = Field(default=0.5, gt=0)


class AreaComplaintSurge(_Rule):
    window_days: int = Field(default=30, gt=0, le=366)
    baseline_days: int = Field(default=365, gt=0, le=3660)
    min_count: int = Field(default=10, ge=1)
    alpha: float = Field(default=0.001, gt=0, lt=1)
    # at least this multiple of the expected count: seasons and overdispersion stay below it
    min_ratio: float = Field(default=1.5, ge=1)
    floor_per_window: float = Field(default=1.0, gt=0)


class ClusterRegistration(_Rule):
    window_days: int = Field(default=90, gt=0, le=3660)
    min_firms: int = Field(default=5, ge=2)


class OneRepManyFirms(_Rule):
    window_days: int = Field(default=180, gt=0, le=3660)
    min_firms: int = Field(default=5, ge=2)


class PhoenixFirm(_Rule):
    window_days: int = Field(default=180, gt=0, le=3660)
    lookback_days: int = Field(default=1095, gt=0, le=7300)
    # listings that tell of misconduct; a late annual report alone does not
    listing_reasons: list[str] = Field(default_factory=lambda: [
        "false_info", "unreachable", "abnormal_3y", "serious_violation"])
    # an address ties firms only where few firms ever registered (not a business centre)
    max_firms_at_address: int = Field(default=3, ge=1)
    # a person ties firms only where they represent few (an agent or nominee heading hundreds
    # ties unrelated firms; one_rep_many_firms watches such a person's new firms)
    max_firms_of_rep: int = Field(default=3, ge=1)


class RepeatedChanges(_Rule):
    window_days: int = Field(default=180, gt=0, le=3660)
    min_changes: int = Field(default=3, ge=2)
    change_types: list[str] = Field(default_factory=lambda: ["legal_rep", "address", "scope"])


class QuasiFinancialScope(_Rule):
    window_days: int = Field(default=180, gt=0, le=3660)
    lookback_days: int = Field(default=1095, gt=0, le=7300)
    keywords: list[str] = Field(default_factory=lambda: [
        "投资", "资产管理", "融资", "理财", "担保", "借贷", "贷款", "保理", "典当", "财富管理"],
        min_length=1)


class TriggerConfig(BaseModel):
    """The whole file; every rule's section optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    complaint_surge: ComplaintSurge = Field(default_factory=ComplaintSurge)
    area_complaint_surge: AreaComplaintSurge = Field(default_factory=AreaComplaintSurge)
    cluster_registration: ClusterRegistration = Field(default_factory=ClusterRegistration)
    one_rep_many_firms: OneRepManyFirms = Field(default_factory=OneRepManyFirms)
    phoenix_firm: PhoenixFirm = Field(default_factory=PhoenixFirm)
    repeated_changes: RepeatedChanges = Field(default_factory=RepeatedChanges)
    quasi_financial_scope: QuasiFinancialScope = Field(default_factory=QuasiFinancialScope)


def load_config(path: Path | str | None = None) -> TriggerConfig:
    """The thresholds in `path` (default features/triggers.yaml); a bad key or value raises
    ValueError naming the file and the field."""
    path = Path(path) if path else DEFAULT_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return TriggerConfig.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the trigger thresholds: {exc}") from exc
    except ValueError as exc:  # pydantic's ValidationError
        errors: list[dict[str, Any]] = list(getattr(exc, "errors", lambda: [])())
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"
        why = errors[0]["msg"] if errors else str(exc)
        raise ValueError(f"{path}: field {where}: {why}") from exc


@cache
def default_config() -> TriggerConfig:
    return load_config()
