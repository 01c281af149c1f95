"""Industry definitions: one validated config (features/industries.yaml) loaded into Pydantic."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

IndustryKey = Literal["food", "ecommerce", "quasi_financial"]
LabelEvent = Literal["inspection_violation", "penalty", "serious_violation_list"]
# what the probability shown for a firm is the chance of: that an inspection finds a problem
# (calibrated on random inspections' outcomes), or one of the industry's label events
Probability = Literal["inspection", "label"]
INDUSTRY_KEYS: tuple[IndustryKey, ...] = ("food", "ecommerce", "quasi_financial")
INSPECTION_WINDOW_DAYS = 30  # "an inspection within the next month finds a problem"


class Industry(BaseModel):
    """One key industry: which codes belong to it, what counts as adverse, and capacity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_zh: str
    codes: list[str] = Field(min_length=1)
    label_events: list[LabelEvent] = Field(min_length=1)
    horizon_days: int = Field(gt=0, le=730)
    monthly_capacity: int = Field(gt=0)
    tier_proportions: dict[Literal["A", "B", "C", "D"], float]
    probability: Probability = "label"
    meaning_zh: str = Field(min_length=1)  # the probability in words, for officers
    meaning_en: str = Field(min_length=1)

    @property
    def random_window_days(self) -> int:
        """The window of `label_random`, random inspections' outcomes: the next month where
        the probability is that an inspection finds a problem, else the label's horizon."""
        return INSPECTION_WINDOW_DAYS if self.probability == "inspection" else self.horizon_days

    @model_validator(mode="after")
    def _proportions_sum_to_one(self) -> Industry:
        if set(self.tier_proportions) != {"A", "B", "C", "D"}:
            raise ValueError("tier_proportions needs exactly the tiers A, B, C and D")
        if abs(sum(self.tier_proportions.values()) - 1) > 1e-6:
            raise ValueError("tier_proportions must sum to 1")
        return self


class CalendarConfig(BaseModel):
    """Days the official calendar package lacks: extra holidays and makeup working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: list[date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)


class SchedulingConfig(BaseModel):
    """Defaults of inspection plans (双随机: yearly random-sampling ratio per tier)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ratios: dict[str, float] = Field(
        default_factory=lambda: {"A": 0.03, "B": 0.10, "C": 0.40, "D": 0.80})
    targeted_share: float = Field(default=0.30, ge=0, le=1)
    reach: int = Field(default=1, ge=0, le=5)  # borders an inspector may cross: 0 own areas
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)

    @model_validator(mode="after")
    def _every_tier_sampled(self) -> SchedulingConfig:
        if set(self.ratios) != {"A", "B", "C", "D"}:
            raise ValueError("scheduling.ratios needs exactly the tiers A, B, C and D")
        if not all(0 < r <= 1 for r in self.ratios.values()):
            raise ValueError("scheduling.ratios must each be in (0, 1]: no tier goes unsampled")
        return self


class IndustryConfig(BaseModel):
    """The whole config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    industries: dict[IndustryKey, Industry]
    complaint_categories: dict[str, list[str]] = Field(default_factory=dict)
    scheduling: SchedulingConfig = Field(default_factory=SchedulingConfig)

    @model_validator(mode="after")
    def _codes_unique(self) -> IndustryConfig:
        seen: dict[str, str] = {}
        for key, industry in self.industries.items():
            for code in industry.codes:
                if code in seen:
                    raise ValueError(f"code {code} is in both {seen[code]} and {key}")
                seen[code] = key
        names: dict[str, str] = {}
        for group, categories in self.complaint_categories.items():
            if not group.isidentifier() or group == "other":
                raise ValueError(f"complaint category group {group!r} must be a plain name")
            for category in categories:
                if category in names:
                    raise ValueError(f"complaint category {category} is in {names[category]} "
                                     f"and {group}")
                names[category] = group
        return self


def load_config(path: Path | None = None) -> IndustryConfig:
    """Read and validate an industry config; the packaged one by default."""
    text = path.read_text("utf-8") if path else _packaged_text()
    return IndustryConfig.model_validate(yaml.safe_load(text))


def config_hash(path: Path | None = None) -> str:
    """SHA-256 of the config text, logged with every run."""
    text = path.read_text("utf-8") if path else _packaged_text()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _packaged_text() -> str:
    return resources.files("features").joinpath("industries.yaml").read_text("utf-8")


@cache
def default_config() -> IndustryConfig:
    return load_config()


def industry_of(codes: pd.Series, config: IndustryConfig | None = None) -> pd.Series:
    """Map GB/T 4754 industry codes to industry keys ('other' when none matches)."""
    config = config or default_config()
    prefixes = sorted(
        ((code, key) for key, ind in config.industries.items() for code in ind.codes),
        key=lambda item: -len(item[0]),
    )
    position, uniques = pd.factorize(codes.astype("string").fillna(""))
    keys = np.full(len(uniques), "other", dtype=object)
    for i, code in enumerate(uniques):  # a few hundred distinct codes, not one per firm
        keys[i] = next((key for prefix, key in prefixes if code.startswith(prefix)), "other")
    return pd.Series(keys[position], index=codes.index, dtype="string")
