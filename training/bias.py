"""Bias audit at the capacity threshold: per town and firm-size band, false-positive rate
(FPR), false-discovery rate (FDR), share of the list (PPR) and flagged share (pprev), with
disparity ratios against a reference group and the 80 % rule (0.8 <= ratio <= 1.25).

The verdict is predictive parity: a flagged firm in any group must be as likely to be a real
case as in the reference group (FDR ratio within the 80 % rule). FPR, PPR and pprev are
reported but not judged: risk itself differs between towns, so a good list flags more firms
(and more innocent firms) where risk is higher.

Evidence is counted in firms, not rows: the test period lists the same firms on consecutive
month-ends with overlapping outcome windows, so three rows of one firm are one observation. A
group with fewer than 50 firms, 20 flagged firms or 10 positive firms is marked small and not
judged. Towns are pooled until they can be judged: a town too small on its own is judged with
the other small towns of its district (片区, as the data set declares them: `districts` in
`_dataset.yaml`; Dongguan's by default), and what is still too small is pooled into one group
of the remaining towns, so most flagged firms belong to a judged group (`judged_share`). The
reference is the largest group (by firms) that is not small: a ratio against a group too small
to judge is noise. An attribute with fewer than two such groups is not judged at all, and the
report says so (`judged` is False on every row). Each FDR disparity has a 95 % interval (the
log ratio's delta-method standard error, counting firms)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.metrics import Z95

LOW, HIGH = 0.8, 1.25
MIN_GROUP, MIN_FLAGGED, MIN_POSITIVES = 50, 20, 10  # firms; below any of these: too small
SIZE_BANDS = (np.log1p(10.0), np.log1p(100.0))  # registered capital 10 and 100 万元
RATES = ("fpr", "fdr", "ppr", "pprev")
REST = "其余乡镇"  # the towns still too small to judge in their district, pooled


def flag_top_k(frame: pd.DataFrame, scores: np.ndarray, k: int) -> np.ndarray:
    """True for the k highest scores of each as-of date: the list the capacity allows."""
    ranked = pd.Series(scores, index=frame.index).groupby(frame["as_of"]).rank(
        ascending=False, method="first")
    return (ranked <= k).to_numpy()


def size_band(log_capital: pd.Series) -> pd.Series:
    band = np.select([log_capital < SIZE_BANDS[0], log_capital < SIZE_BANDS[1]],
                     ["small", "medium"], "large")
    return pd.Series(band, index=log_capital.index)


def _firms(data: pd.DataFrame, column: str) -> pd.Series:
    """Distinct firms per group among the rows where `column` is true."""
    return data.loc[data[column]].groupby("group")["uscc"].nunique()


def _group_rates(data: pd.DataFrame, total_flagged: int) -> pd.DataFrame:
    g = data.groupby("group").agg(
        n=("y", "size"), positives=("y", "sum"), flagged=("flag", "sum"),
        fp=("fp", "sum"), tn=("tn", "sum"), firms=("uscc", "nunique"))
    g["flagged_firms"] = _firms(data, "flag").reindex(g.index, fill_value=0)
    g["positive_firms"] = _firms(data, "y").reindex(g.index, fill_value=0)
    g["fpr"] = g["fp"] / (g["fp"] + g["tn"]).replace(0, np.nan)
    g["fdr"] = g["fp"] / g["flagged"].replace(0, np.nan)
    g["ppr"] = g["flagged"] / max(total_flagged, 1)
    g["pprev"] = g["flagged"] / g["n"]
    g["small"] = ((g["firms"] < MIN_GROUP) | (g["flagged_firms"] < MIN_FLAGGED)
                  | (g["positive_firms"] < MIN_POSITIVES))
    return g


def _judge(g: pd.DataFrame) -> pd.DataFrame:
    """Disparities against the largest group big enough to judge, and the verdicts."""
    candidates = g.loc[~g["small"]]
    reference = candidates["firms"].idxmax() if len(candidates) else None
    g["reference"] = g.index == reference
    for rate in RATES:
        base = g.loc[g["reference"], rate].to_numpy()
        g[f"{rate}_disparity"] = g[rate] / base[0] if len(base) and base[0] else np.nan
    # log FDR ratio: Var(log p) ~ (1 - p) / (n p) per group, n the flagged firms
    fdr = g["fdr"].clip(1e-9, 1 - 1e-9)
    var = (1 - fdr) / (g["flagged_firms"].clip(lower=1) * fdr)
    ref_var = var[g["reference"]].to_numpy()
    half = Z95 * np.sqrt(var + (ref_var[0] if len(ref_var) else np.nan))
    g["fdr_disparity_low"] = g["fdr_disparity"] * np.exp(-half)
    g["fdr_disparity_high"] = g["fdr_disparity"] * np.exp(half)
    g["judged"] = ~g["small"] & (len(candidates) >= 2)  # a group alone is compared with none
    within = g["fdr_disparity"].between(LOW, HIGH) | g["fdr_disparity"].isna()
    g["passes"] = ~g["judged"] | within
    return g


def _small(data: pd.DataFrame, total_flagged: int) -> set[str]:
    small = _group_rates(data, total_flagged)["small"]
    return set(small.index[small].astype(str))


def pooled_towns(data: pd.DataFrame, districts: dict[str, str], total_flagged: int
                 ) -> pd.Series:
    """Each row's town, or its district where the town alone is too small to judge, or REST
    where the district's small towns are too."""
    group = data["group"].astype(str)
    group = group.where(~group.isin(_small(data.assign(group=group), total_flagged)),
                        group.map(districts).fillna(REST))
    return group.where(~group.isin(_small(data.assign(group=group), total_flagged)), REST)


def audit(frame: pd.DataFrame, flagged: np.ndarray,
          districts: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (attribute, group): counts in rows and firms, the four rates, their
    disparities against the reference group (FDR's with a 95 % interval), and whether the
    group is judged and passes. Towns pool into `districts` (town code -> district) and
    then into one group of the rest until they can be judged."""
    y = frame["label"].to_numpy(dtype=float) > 0
    firms = frame["uscc"].to_numpy() if "uscc" in frame else np.arange(len(frame))
    parts = []
    total = int(flagged.sum())
    for attribute, groups in (("town", frame["town_code"]),
                              ("size", size_band(frame["log_capital"]))):
        data = pd.DataFrame({"group": groups.to_numpy(), "uscc": firms, "y": y,
                             "flag": flagged, "fp": flagged & ~y, "tn": ~flagged & ~y})
        if attribute == "town":
            data["group"] = pooled_towns(data, districts or {}, total)
        g = _judge(_group_rates(data, total))
        parts.append(g.reset_index().assign(attribute=attribute))
    return pd.concat(parts, ignore_index=True)


def judged_share(report: pd.DataFrame, attribute: str = "town") -> float:
    """The share of flagged firms in groups of `attribute` that are judged."""
    g = report.loc[report["attribute"] == attribute]
    total = g["flagged_firms"].sum()
    return float(g.loc[g["judged"], "flagged_firms"].sum() / total) if total else float("nan")


def passes(report: pd.DataFrame) -> bool:
    """Every judged group within the 80 % rule (groups too small to judge do not count)."""
    return bool(report["passes"].all())


def summary(report: pd.DataFrame) -> str:
    """One line for cards and logs: the verdict, and per attribute the reference group and how
    many groups were compared with it ("not judged" where no group is large enough)."""
    parts = []
    for attribute, g in report.groupby("attribute", sort=False):
        reference = g.loc[g["reference"], "group"].astype(str).tolist()
        if not reference:
            parts.append(f"{attribute}: not judged, all {len(g)} groups too small")
            continue
        if not g["judged"].any():
            parts.append(f"{attribute}: not judged, only {reference[0]} is large enough of "
                         f"{len(g)} groups")
            continue
        failing = g.loc[~g["passes"], "group"].astype(str).tolist()
        compared = int(g["judged"].sum()) - 1
        share = judged_share(report, str(attribute))
        parts.append(f"{attribute}: {compared} of {len(g) - 1} groups compared with "
                     f"{reference[0]}, the rest too small, {share:.0%} of flagged firms in "
                     "judged groups"
                     + (f"; failing {', '.join(failing)}" if failing else ""))
    return ("passes" if passes(report) else "FAILS") + " (" + "; ".join(parts) + ")"
