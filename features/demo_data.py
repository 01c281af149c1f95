"""The embedded demo data set (`features/settings.py`), made on first use.

`riskwarn demo` generates it; notebooks and scripts that must run on a fresh checkout call
these instead, so they find the same sources and features wherever `RISKWARN_DATA_DIR` points
and make only what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from features import settings
from features.dataset import MANIFEST, as_of_dates, build_dataset, source_fingerprint
from features.loading import find_files
from features.simulate import SimulationSpec, simulate


def demo_spec() -> SimulationSpec:
    """The demo market: `settings.DEMO_ENTITIES` entities, DEMO_START to DEMO_END, DEMO_SEED."""
    return SimulationSpec(settings.DEMO_ENTITIES, settings.DEMO_START, settings.DEMO_END,
                          settings.DEMO_SEED)


def has_sources(folder: Path) -> bool:
    """True when `folder` holds a file for every source table."""
    return not find_files(Path(folder))[1]


def ensure_sources(folder: Path | None = None, spec: SimulationSpec | None = None) -> Path:
    """The demo sources folder (`settings.DEMO_SOURCES` by default), generated with `spec`
    (the demo market by default) unless every table is there already."""
    folder = Path(folder or settings.DEMO_SOURCES)
    if not has_sources(folder):
        simulate(spec or demo_spec(), folder)
    return folder


def missing_industries(out: Path, sources: Path, industries: Sequence[str],
                       monthly: tuple[str, str]) -> list[str]:
    """Industries lacking a partition of `monthly` in the feature dataset `out`, or all of them
    when it was built from other sources."""
    path = Path(out) / MANIFEST
    if not path.exists():
        return list(industries)
    manifest = json.loads(path.read_text("utf-8"))
    if manifest.get("source_fingerprint") != source_fingerprint(sources):
        return list(industries)
    have = {(p["industry"], p["as_of"]) for p in manifest.get("partitions", [])}
    wanted = [f"{d:%Y-%m-%d}" for d in as_of_dates([], monthly)]
    return [k for k in industries if any((k, d) not in have for d in wanted)]


def ensure_features(industries: Sequence[str], sources: Path | None = None,
                    out: Path | None = None,
                    monthly: tuple[str, str] = settings.DEMO_MONTHLY) -> Path:
    """The demo feature dataset (`settings.DEMO_FEATURES` by default) with every month-end of
    `monthly` for `industries`, building only the industries that lack some."""
    sources = ensure_sources(sources)
    out = Path(out or settings.DEMO_FEATURES)
    missing = missing_industries(out, sources, industries, monthly)
    if missing:
        build_dataset(sources, out, as_of_dates([], monthly), missing)
    return out
