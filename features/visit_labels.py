"""What a visit's label is: `violation`, `critical`, `score<=N` or `score>=N`.

A cohort of visits is labelled by what each visit found. `violation`: the outcome is rectify
or case_opened; `critical`: at least one critical violation; `score<=N` / `score>=N`: the
visit's score is at or below / at or above N, which must point the way scores get worse (the
data set's `inspection_score.better`). A label the data cannot support is refused with a
one-line reason (`LabelError`): a score label without scores, `critical` without graded
counts, `violation` where outcomes are not recorded. A visit the label cannot judge (no
outcome, no grading, no score) is unlabelled (NaN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.contracts import VIOLATION_OUTCOMES
from features.metadata import DatasetMeta
from features.refusals import LabelError

__all__ = ["LABEL_RULES", "LabelError", "VisitLabel", "check_label_text", "parse_label"]

LABEL_RULES: dict[str, str] = {
    "violation": "the visit's outcome is rectify or case_opened",
    "critical": "the visit found at least one critical violation (critical_violations > 0)",
    "score<=N": "the visit's score is at or below N (where higher scores are better)",
    "score>=N": "the visit's score is at or above N (where lower scores are better)",
}
_SCORE = re.compile(r"score\s*(<=|>=)\s*(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class VisitLabel:
    """A parsed label: its name as given, and for score labels the comparison."""

    text: str
    op: str | None = None  # "<=" or ">=" for score labels
    threshold: float | None = None

    @property
    def rule(self) -> str:
        if self.op is None:
            return LABEL_RULES[self.text]
        side = "below" if self.op == "<=" else "above"
        return f"the visit's score is at or {side} {self.threshold:g}"

    def values(self, visits: pd.DataFrame) -> np.ndarray:
        """1.0 where the visit found what the label asks for, 0.0 where not, NaN where it
        cannot tell."""
        if self.text == "violation":
            found = visits["outcome"].isin(VIOLATION_OUTCOMES).to_numpy(dtype=float)
            return np.where(visits["outcome"].notna().to_numpy(dtype=bool), found, np.nan)
        column = "critical_violations" if self.op is None else "score"
        value = visits[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        bound = 0.0 if self.threshold is None else self.threshold
        with np.errstate(invalid="ignore"):
            if self.op is None:
                hit = value > 0
            else:
                hit = value <= bound if self.op == "<=" else value >= bound
        return np.where(np.isnan(value), np.nan, hit.astype(float))


def check_label_text(text: str) -> None:
    """Refuse a label that names no rule, before any data is read (LabelError)."""
    given = text.strip()
    if given not in ("violation", "critical") and _SCORE.fullmatch(given) is None:
        raise LabelError(f"--label {given!r}: one of violation, critical, score<=N, score>=N")


def parse_label(text: str, meta: DatasetMeta, visits: pd.DataFrame) -> VisitLabel:
    """The label `text` names, if the data set (its declarations and its `visits`) can
    support it; raises LabelError with the reason otherwise."""
    given = text.strip()
    if given == "violation":
        if "outcome" in meta.not_recorded or visits["outcome"].isna().all():
            raise LabelError("--label violation needs the visits' outcome, which this data set "
                             "does not record; use critical or score<=N / score>=N")
        return VisitLabel("violation")
    if given == "critical":
        if visits["critical_violations"].isna().all():
            raise LabelError("--label critical needs graded visits (critical_violations), "
                             "which this data set does not record")
        return VisitLabel("critical")
    check_label_text(given)
    match = _SCORE.fullmatch(given)
    assert match is not None
    return _score_label(given, match.group(1), float(match.group(2)), meta, visits)


def _score_label(text: str, op: str, threshold: float, meta: DatasetMeta,
                 visits: pd.DataFrame) -> VisitLabel:
    scale = meta.inspection_score
    if scale is None or "score" not in visits or visits["score"].isna().all():
        raise LabelError(f"--label {text} needs the visits' score and its scale "
                         "(inspection_score in _dataset.yaml); this data set has none")
    fits = "<=" if scale.better == "higher" else ">="
    if op != fits:
        raise LabelError(f"--label {text}: {scale.better} scores are better in this data set, "
                         f"so a failing visit is score{fits}N")
    if not scale.min <= threshold <= scale.max:
        raise LabelError(f"--label {text}: {threshold:g} is outside the score scale "
                         f"{scale.min:g}..{scale.max:g}")
    return VisitLabel(f"score{op}{threshold:g}", op, threshold)
