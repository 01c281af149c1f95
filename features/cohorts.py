"""Inspection-outcome cohorts: the firms inspected on a date, labelled by what the visit found.

Besides every firm active on an as-of date (`build_as_of`), a bureau can learn from its own
visit history. A cohort row is one inspection: its features are the firm's row of
`build_as_of` on the inspection date (so only events known before that day, the day before
the visit at the latest), plus what was fixed when the visit was planned (who leads it, and
whether it was drawn at random); its label is the visit's own outcome. The horizon labels of
`build_as_of` are replaced: `label` is the outcome, `label_random` the outcome of random
visits only, and `random_inclusion_prob` the visit's own inclusion probability.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from features.build import as_text
from features.contracts import LIST_SEP
from features.firm_state import firm_ids
from features.labels import LABEL_COLUMNS
from features.metadata import DatasetMeta
from features.prepare import Prepared
from features.visit_labels import LABEL_RULES, VisitLabel, parse_label
from features.visit_rows import pair_rows
from features.windows import days

CohortLabel = str | VisitLabel  # "violation", "critical", "score<=N", "score>=N", or parsed
KEYS = ("inspection_id", "uscc", "industry", "inspected_on")
__all__ = ["LABEL_RULES", "CohortLabel", "cohort_features", "inspection_cohort", "visit_label"]


def visit_label(label: CohortLabel, meta: DatasetMeta, visits: pd.DataFrame) -> VisitLabel:
    """The label parsed (and refused, LabelError, where `visits` cannot support it)."""
    return label if isinstance(label, VisitLabel) else parse_label(label, meta, visits)


def lead_inspector(visits: pd.DataFrame) -> pd.Series:
    """The first inspector named for each visit ("unknown" where none is)."""
    lead = visits["inspector_ids"].astype("string").str.split(LIST_SEP).str[0].str.strip()
    return lead.fillna("unknown")


def inspector_record(history: pd.DataFrame, visits: pd.DataFrame, label: VisitLabel,
                     days: int) -> tuple[np.ndarray, np.ndarray]:
    """For each visit: how many visits its lead inspector made in the `days` before its date
    (known before it), and the share of those that found what `label` asks for (NaN for none).

    Who inspects changes what is found; an inspector's recent record follows drift that a
    fixed category does not. Vectorised: one sort, then two binary searches per visit."""
    found = label.values(history)
    codes, _ = pd.factorize(pd.concat([lead_inspector(history), lead_inspector(visits)],
                                      ignore_index=True))
    graded = ~np.isnan(found)
    stride = np.int64(1 << 32)  # the inspector in the high bits, the day in the low ones
    known = history["known_at"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    key = codes[: len(history)][graded] * stride + known[graded]
    order = np.argsort(key, kind="stable")
    key = key[order]
    hits = np.concatenate([[0.0], np.cumsum(found[graded][order])])
    when = visits["inspected_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    probe = codes[len(history):] * stride + when
    start = np.searchsorted(key, probe - days, side="left")
    stop = np.searchsorted(key, probe, side="left")
    seen = (stop - start).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return seen, np.where(seen > 0, (hits[stop] - hits[start]) / seen, np.nan)


def visit_context(visits: pd.DataFrame, label: VisitLabel,
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """What is known of each visit when it is planned (its lead inspector and that
    inspector's record over the year before, its kind, its calendar month), and its label
    columns. `history` is every visit on record (default: `visits` themselves)."""
    y = label.values(visits)
    random = (visits["kind"] == "random").to_numpy(dtype=bool)
    seen, share = inspector_record(visits if history is None else history, visits, label, 365)
    return pd.DataFrame({
        "inspection_id": visits["inspection_id"].to_numpy(),
        "uscc": visits["uscc"].to_numpy(),
        "inspected_on": visits["inspected_on"].to_numpy(),
        "visit_inspector": lead_inspector(visits).to_numpy(dtype=object),
        "visit_inspector_visits_365d": seen,
        "visit_inspector_found_share_365d": share,
        "visit_kind": visits["kind"].to_numpy(dtype=object),
        "visit_month": visits["inspected_on"].dt.month.to_numpy(dtype=float),
        "label": y,
        "label_random": np.where(random, y, np.nan),
        "random_inclusion_prob": np.where(
            random, visits["inclusion_prob"].to_numpy(dtype=float), np.nan),
    })


def inspection_cohort(prep: Prepared, visits: pd.DataFrame, label: CohortLabel = "violation",
                      industries: Sequence[str] | None = None,
                      step: Callable[[], None] | None = None,
                      history: pd.DataFrame | None = None,
                      report: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per visit of a firm of `industries` active on the visit's date: the visit's
    context, the firm's features as of that date (its `build_as_of` row), and the label.

    Rows are computed per (firm, visit date) pair (`features.visit_rows`); `step` is called
    once per distinct date, `report` with one line per stage. Visits of firms not registered,
    not active or not in `industries` on that date are left out; the caller can compare
    lengths. `history` is every visit on record, for the inspectors' records (default:
    `visits`).
    """
    started = time.perf_counter()
    parsed = visit_label(label, prep.meta, visits if history is None else history)
    context = visit_context(visits, parsed, history)
    firm = firm_ids(prep.firms, context["uscc"])[0]
    day = days(context["inspected_on"])
    known = np.flatnonzero(firm >= 0)
    pairs, pair_of = np.unique(np.stack([firm[known], day[known]]), axis=1,
                               return_inverse=True)
    if report:
        report(f"{len(context):,} visits, {pairs.shape[1]:,} (firm, day) pairs: "
               f"{time.perf_counter() - started:.1f} s")
    rows = pair_rows(prep, pairs[0], pairs[1], step, report)
    rows = rows.loc[rows["industry"].isin(list(industries or prep.config.industries))]
    context = context.iloc[known].assign(_pair=pair_of.ravel())
    cohort = context.merge(rows.drop(columns=list(LABEL_COLUMNS)), on=["_pair", "uscc"],
                           how="inner", validate="many_to_one").drop(columns="_pair")
    cohort = as_text(cohort)
    rest = [c for c in cohort.columns if c not in (*KEYS, *LABEL_COLUMNS)]
    return cohort[[*KEYS, *rest, *LABEL_COLUMNS]].sort_values(
        ["inspected_on", "inspection_id"], kind="stable").reset_index(drop=True)


def cohort_features(cohort: pd.DataFrame) -> list[str]:
    """A cohort's model inputs: everything but keys, dates and labels."""
    return [c for c in cohort.columns if c not in (*KEYS, *LABEL_COLUMNS)]
