"""A data set's declarations about itself: `_dataset.yaml` beside its tables.

A bureau's exports follow the contracts; what differs between bureaus is declared here, not
coded: the scheme of the firm identifier (the unified social credit code by default, or e.g.
a licence number), the area codes its `town_code` columns use, and how many inspectors sign
a visit. Without the file a data set is a Dongguan one: credit codes, Dongguan's towns, two
inspectors per visit (the law's minimum).

```yaml
firm_id: licence            # uscc (default) or the name of another scheme
firm_id_pattern: '\\d{1,10}' # what an id of that scheme looks like (not for uscc)
town_codes: [W01, W02]      # the data set's own areas (text or numbers: [94101, 94102])
districts: {W01: North, W02: North}  # area -> district the bias audit pools small areas into
visit_inspectors: 1         # inspector ids per visit
entity_types: [LLC, sole]   # the data set's own legal forms, replacing the Chinese ones
not_recorded: [established_on, entity_type, industry_code, outcome]  # columns it has none of
industry: food              # the industry of firms with no industry_code
inspection_score: {better: higher, min: 0, max: 100, fail: 70}  # visits' `score` scale
neighbours: {W01: [W02]}    # areas sharing a border (both ways), for inspectors' travel reach
```

`not_recorded` lists the columns the data set has none of (any of `NOT_RECORDABLE`): they may
be left out of the tables, and the features that need them are left out. `inspection_score`
declares the scale of the visits' `score`: which way is better, its range, and optionally
`fail`, the score at or past which (at or below it when higher is better) a visit failed.
`neighbours` says which areas border which (each pair once is enough): plans may send an
inspector that many borders from their own areas (`scheduling.reach`). Without it a Dongguan
data set uses the map's borders (`features.towns.neighbours`), any other none.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from features.contracts import CONTRACTS, Column, Contract
from features.industries import INDUSTRY_KEYS
from features.towns import DISTRICTS, TOWN_CODES
from features.towns import neighbours as town_borders

META_FILE = "_dataset.yaml"
USCC = "uscc"
# the columns a data set may declare it has none of, and their tables
NOT_RECORDABLE = {"established_on": "registrations", "entity_type": "registrations",
                  "industry_code": "registrations", "outcome": "inspections"}


def _code_text(value: Any) -> Any:
    """An area code given as a number (94101, or 94101.0 from a spreadsheet) as its text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else value


class InspectionScore(BaseModel):
    """The scale of the visits' `score`: which way is better, its range, the failing score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    better: Literal["higher", "lower"]
    min: float
    max: float
    fail: float | None = None

    @model_validator(mode="after")
    def _range(self) -> InspectionScore:
        if self.min >= self.max:
            raise ValueError(f"inspection_score: min {self.min:g} is not below max {self.max:g}")
        if self.fail is not None and not self.min <= self.fail <= self.max:
            raise ValueError(f"inspection_score: fail {self.fail:g} is outside "
                             f"{self.min:g}..{self.max:g}")
        return self

    def failing(self, scores: np.ndarray) -> np.ndarray:
        """Whether each score is at or past the failing score (False for none, and for all
        without a declared `fail`)."""
        if self.fail is None:
            return np.zeros(len(scores), dtype=bool)
        return scores <= self.fail if self.better == "higher" else scores >= self.fail


class DatasetMeta(BaseModel):
    """What a data set declares about its identifiers, areas and visits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    firm_id: str = Field(default=USCC, pattern=r"^[a-z][a-z0-9_]*$")
    firm_id_pattern: str | None = None
    town_codes: tuple[str, ...] | None = None
    visit_inspectors: int = Field(default=2, ge=1, le=5)
    entity_types: tuple[str, ...] | None = None
    not_recorded: tuple[str, ...] = ()
    industry: str | None = None
    inspection_score: InspectionScore | None = None
    districts: dict[str, str] | None = None
    neighbours: dict[str, tuple[str, ...]] | None = None

    @field_validator("town_codes", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [_code_text(v) for v in value] if isinstance(value, list | tuple) else value

    @field_validator("districts", mode="before")
    @classmethod
    def _district_keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_code_text(k): str(v) for k, v in value.items()}
        return value

    @property
    def area_districts(self) -> dict[str, str]:
        """Area code -> district: the declared ones; Dongguan's 片区 for a Dongguan data
        set (no `town_codes` of its own); none otherwise."""
        if self.districts is not None:
            return dict(self.districts)
        return dict(DISTRICTS) if self.town_codes is None else {}
    @field_validator("neighbours", mode="before")
    @classmethod
    def _neighbour_codes_as_text(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {_code_text(k): [_code_text(v) for v in (vs if isinstance(vs, list | tuple)
                                                         else [vs])]
                for k, vs in value.items()}

    @field_validator("not_recorded")
    @classmethod
    def _recordable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in NOT_RECORDABLE]
        if unknown:
            raise ValueError(f"not_recorded: {', '.join(unknown)} cannot be left out "
                             f"(only {', '.join(NOT_RECORDABLE)})")
        return value

    @field_validator("industry")
    @classmethod
    def _known_industry(cls, value: str | None) -> str | None:
        if value is not None and value not in INDUSTRY_KEYS:
            raise ValueError(f"industry {value!r} is not one of {', '.join(INDUSTRY_KEYS)}")
        return value

    @model_validator(mode="after")
    def _pattern_for_other_schemes(self) -> DatasetMeta:
        if self.firm_id != USCC and not self.firm_id_pattern:
            raise ValueError(f"firm_id {self.firm_id!r} needs a firm_id_pattern")
        if self.firm_id == USCC and self.firm_id_pattern:
            raise ValueError("firm_id_pattern is only for schemes other than uscc "
                             "(credit codes are checked by their check characters)")
        if self.districts and self.town_codes is not None:
            unknown = sorted(set(self.districts) - set(self.town_codes))
            if unknown:
                raise ValueError(f"districts: {', '.join(unknown[:5])} not in town_codes")
        if "industry_code" in self.not_recorded and self.industry is None:
            raise ValueError("a data set without industry_code names its firms' industry "
                             f"(industry: one of {', '.join(INDUSTRY_KEYS)})")
        if self.neighbours is not None:
            known = set(self.town_codes) if self.town_codes is not None else set(TOWN_CODES)
            named = set(self.neighbours) | {v for vs in self.neighbours.values() for v in vs}
            unknown = sorted(named - known)
            if unknown:
                raise ValueError(f"neighbours: {', '.join(unknown[:5])} not among the "
                                 "data set's town codes")
        return self

    def town_neighbours(self) -> dict[str, tuple[str, ...]]:
        """Area code -> bordering area codes, both ways (Dongguan's map by default)."""
        if self.neighbours is None:
            return town_borders() if self.town_codes is None else {}
        out: dict[str, set[str]] = {}
        for town, others in self.neighbours.items():
            for other in others:
                out.setdefault(town, set()).add(other)
                out.setdefault(other, set()).add(town)
        return {t: tuple(sorted(v)) for t, v in out.items()}

    @property
    def is_uscc(self) -> bool:
        return self.firm_id == USCC


DEFAULT_META = DatasetMeta()


def read_meta(folder: Path) -> tuple[DatasetMeta, list[str]]:
    """The folder's declarations (the defaults without a file) and any problem with them."""
    path = folder / META_FILE
    if not path.is_file():
        return DEFAULT_META, []
    try:
        raw = yaml.safe_load(path.read_text("utf-8")) or {}
        return DatasetMeta.model_validate(raw), []
    except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
        return DEFAULT_META, [f"{path}: {exc}".replace("\n", "; ")]


def write_meta(folder: Path, meta: DatasetMeta) -> Path:
    path = folder / META_FILE
    path.write_text(yaml.safe_dump(meta.model_dump(mode="json", exclude_defaults=True),
                                   allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _column_for(column: Column, meta: DatasetMeta) -> Column:
    if column.name in meta.not_recorded:  # each such name is in one table only
        column = dataclasses.replace(column, nullable=True, optional=True)
    if column.name == "score" and meta.inspection_score is not None:
        return dataclasses.replace(column, minimum=meta.inspection_score.min,
                                   maximum=meta.inspection_score.max)
    if meta.entity_types is not None and column.name == "entity_type":
        return dataclasses.replace(column, allowed=meta.entity_types)
    if column.uscc and not meta.is_uscc:
        return dataclasses.replace(column, uscc=False, pattern=meta.firm_id_pattern,
                                   doc=f"firm id ({meta.firm_id})")
    if meta.town_codes is not None and column.name == "town_code":
        return dataclasses.replace(column, allowed=meta.town_codes)
    if meta.town_codes is not None and column.name == "towns":
        return dataclasses.replace(column, list_of=meta.town_codes)
    return column


def contracts_for(meta: DatasetMeta) -> dict[str, Contract]:
    """The contracts as this data set declares them (the plain ones for the defaults)."""
    if meta == DEFAULT_META:
        return CONTRACTS
    return {
        table: dataclasses.replace(
            contract, columns=tuple(_column_for(c, meta) for c in contract.columns),
            visit_inspectors=meta.visit_inspectors)
        for table, contract in CONTRACTS.items()
    }
