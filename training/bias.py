"""Bias audit at the capacity threshold: per town and firm-size band, false-positive rate
(FPR), false-discovery rate (FDR), share of the list (PPR) and flagged share (pprev), with
disparity ratios against the largest group and the 80 % rule (0.8 <= ratio <= 1.25).

The verdict is predictive parity: a flagged firm in any group must be as likely to be a real
case as in the reference group (FDR ratio within the 80 % rule). FPR, PPR and pprev are
reported but not judged: risk itself differs between towns, so a good list flags more firms
(and more innocent firms) where risk is higher. Groups too small to judge are marked."""

from __future__ import annotations

import numpy as np
import pandas as pd

LOW, HIGH = 0.8, 1.25
MIN_GROUP, MIN_FLAGGED, MIN_POSITIVES = 50, 20, 10  # below any of these: too small to judge
SIZE_BANDS = (np.log1p(10.0), np.log1p(100.0))  # registered capital 10 and 100 万元


def flag_top_k(frame: pd.DataFrame, scores: np.ndarray, k: int) -> np.ndarray:
    """True for the k highest scores of each as-of date: the list the capacity allows."""
    ranked = pd.Series(scores, index=frame.index).groupby(frame["as_of"]).rank(
        ascending=False, method="first")
    return (ranked <= k).to_numpy()


def size_band(log_capital: pd.Series) -> pd.Series:
    band = np.select([log_capital < SIZE_BANDS[0], log_capital < SIZE_BANDS[1]],
                     ["small", "medium"], "large")
    return pd.Series(band, index=log_capital.index)


def audit(frame: pd.DataFrame, flagged: np.ndarray) -> pd.DataFrame:
    """One row per (attribute, group) with the four rates, their disparities and verdicts."""
    y = frame["label"].to_numpy(dtype=float) > 0
    parts = []
    for attribute, groups in (("town", frame["town_code"]),
                              ("size", size_band(frame["log_capital"]))):
        data = pd.DataFrame({"group": groups.to_numpy(), "y": y, "flag": flagged,
                             "fp": flagged & ~y, "tn": ~flagged & ~y})
        g = data.groupby("group").agg(
            n=("y", "size"), positives=("y", "sum"), flagged=("flag", "sum"),
            fp=("fp", "sum"), tn=("tn", "sum"))
        g["fpr"] = g["fp"] / (g["fp"] + g["tn"]).replace(0, np.nan)
        g["fdr"] = g["fp"] / g["flagged"].replace(0, np.nan)
        g["ppr"] = g["flagged"] / max(int(flagged.sum()), 1)
        g["pprev"] = g["flagged"] / g["n"]
        reference = g["n"].idxmax()
        for rate in ("fpr", "fdr", "ppr", "pprev"):
            g[f"{rate}_disparity"] = g[rate] / float(g[rate].to_numpy()[g.index == reference][0])
        g["small"] = ((g["n"] < MIN_GROUP) | (g["flagged"] < MIN_FLAGGED)
                      | (g["positives"] < MIN_POSITIVES))
        g["passes"] = g["small"] | g["fdr_disparity"].between(LOW, HIGH) | g[
            "fdr_disparity"].isna()
        g["reference"] = g.index == reference
        parts.append(g.reset_index().assign(attribute=attribute))
    return pd.concat(parts, ignore_index=True)


def passes(report: pd.DataFrame) -> bool:
    return bool(report["passes"].all())
