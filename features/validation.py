"""`riskwarn validate`: every table against its contract, and a summary of what is there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from features.codes import is_valid_uscc
from features.loading import SourceError, check_sources
from features.matching import match_subjects

SHOWN_PER_RULE = 20


@dataclass
class ValidationReport:
    problems: list[str] = field(default_factory=list)  # structural: stop everything
    violations: pd.DataFrame = field(default_factory=pd.DataFrame)  # row-level
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    complaint_matching: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and self.violations.empty

    def error_lines(self) -> list[str]:
        """Each broken rule with its first 20 rows (file, row, column, value) and a count."""
        lines = [f"error: {p}" for p in self.problems]
        if self.violations.empty:
            return lines
        for (file, column, rule), group in self.violations.groupby(
            ["file", "column", "rule"], sort=False
        ):
            lines.append(f"error: {file}: column {column}: {rule} ({len(group)} rows)")
            for row in group.head(SHOWN_PER_RULE).itertuples():
                lines.append(f"  {file}: row {row.row}, column {column}, value {row.value!r}: "
                             f"{rule}")
            if len(group) > SHOWN_PER_RULE:
                lines.append(f"  … and {len(group) - SHOWN_PER_RULE} more rows breaking this rule")
        return lines


def _day(value: pd.Timestamp) -> str:
    return "" if pd.isna(value) else value.strftime("%Y-%m-%d")


def _summary(tables: dict[str, pd.DataFrame], violations: pd.DataFrame,
             origin: dict[str, str], uscc: bool = True) -> pd.DataFrame:
    """Rows, dates and problems per table; `invalid_codes` only where firms are credit codes."""
    rows = []
    for table, frame in tables.items():
        dates = frame["known_at"] if "known_at" in frame else pd.Series(dtype="datetime64[s]")
        codes = [frame[c].dropna() for c in ("uscc", "parent_uscc") if c in frame and uscc]
        invalid = int((~is_valid_uscc(pd.concat(codes))).sum()) if codes else 0
        bad = violations.loc[violations["table"] == table]
        rows.append({
            "table": table, "file": Path(origin[table]).name, "rows": len(frame),
            "known_from": _day(dates.min()), "known_to": _day(dates.max()),
            "invalid_codes": invalid,
            "rows_with_problems": bad["row"].nunique(),
        })
    return pd.DataFrame(rows)


def validate(location: str | Path, run_date: date | None = None) -> ValidationReport:
    """Check a folder or database of sources; writes nothing. A date after `run_date`
    (default: today in the bureau's zone) is a violation."""
    try:
        tables, violations, origin, meta = check_sources(location, run_date)
    except SourceError as exc:
        return ValidationReport(problems=exc.problems)
    complaints = tables["complaints"]
    named_only = complaints["uscc"].isna() & complaints["subject_name"].notna()
    matched = match_subjects(complaints.loc[named_only], tables["registrations"])
    matching = {
        "complaints": float(len(complaints)),
        "named_only": float(named_only.sum()),
        "unmatched_subjects": float(matched.isna().sum()),
        "unmatched_share_of_named_only": float(matched.isna().mean()) if len(matched) else 0.0,
    }
    summary = _summary(tables, violations, origin, meta.is_uscc)
    return ValidationReport([], violations, summary, matching)
