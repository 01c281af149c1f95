"""Paths and defaults in one place. Secrets come only from the environment."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("RISKWARN_DATA_DIR", PROJECT_ROOT / "data"))
MLRUNS_DIR = Path(os.environ.get("RISKWARN_MLRUNS", PROJECT_ROOT / "mlruns"))
# the bureau's time zone: the day an event is known, and every time shown to people
TIMEZONE = ZoneInfo(os.environ.get("RISKWARN_TIMEZONE", "Asia/Shanghai"))
TUNED_DIR = MLRUNS_DIR / "tuned"  # the last tuned hyper-parameters, one JSON per industry
DEMO_SOURCES = DATA_DIR / "demo" / "sources"
DEMO_FEATURES = DATA_DIR / "demo" / "features"
# loaded and prepared sources kept between runs, keyed on the sources' fingerprint
PREPARED_DIR = Path(os.environ.get("RISKWARN_PREPARED_DIR", DATA_DIR / "prepared"))

# the embedded default data set that `make demo` generates
DEMO_ENTITIES = 30_000
DEMO_START = date(2023, 1, 1)
DEMO_END = date(2025, 12, 31)
DEMO_SEED = 7
DEMO_MONTHLY = ("2023-01-01", "2025-12-31")  # month-end as-of dates the demo builds
DEMO_SCORE_AS_OF = "2026-01-01"  # the day after the demo data ends: the nightly run's date


def bureau_today() -> date:
    """Today in the bureau's time zone: no event may be dated after it."""
    return datetime.now(TIMEZONE).date()
