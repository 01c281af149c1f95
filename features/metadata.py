"""A data set's declarations about itself: `_dataset.yaml` beside its tables.

A bureau's exports follow the contracts; what differs between bureaus is declared here, not
coded: the scheme of the firm identifier (the unified social credit code by default, or e.g.
a licence number), the area codes its `town_code` columns use, and how many inspectors sign
a visit. Without the file a data set is a Dongguan one: credit codes, Dongguan's towns, two
inspectors per visit (the law's minimum).

```yaml
firm_id: licence            # uscc (default) or the name of another scheme
firm_id_pattern: '\\d{1,10}' # what an id of that scheme looks like (not for uscc)
town_codes: [W01, W02]      # the data set's own areas, replacing Dongguan's towns
visit_inspectors: 1         # inspector ids per visit
```
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.contracts import CONTRACTS, Column, Contract

META_FILE = "_dataset.yaml"
USCC = "uscc"


class DatasetMeta(BaseModel):
    """What a data set declares about its identifiers, areas and visits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    firm_id: str = Field(default=USCC, pattern=r"^[a-z][a-z0-9_]*$")
    firm_id_pattern: str | None = None
    town_codes: tuple[str, ...] | None = None
    visit_inspectors: int = Field(default=2, ge=1, le=5)

    @model_validator(mode="after")
    def _pattern_for_other_schemes(self) -> DatasetMeta:
        if self.firm_id != USCC and not self.firm_id_pattern:
            raise ValueError(f"firm_id {self.firm_id!r} needs a firm_id_pattern")
        if self.firm_id == USCC and self.firm_id_pattern:
            raise ValueError("firm_id_pattern is only for schemes other than uscc "
                             "(credit codes are checked by their check characters)")
        return self

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
