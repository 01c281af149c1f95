"""The found-by-day picture: the share of a window's violations found by each day when its
visits are made in each ranking's order, beside the real schedule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from training.inspection_order import simulated_days


def found_by_day(dates: npt.ArrayLike, labels: npt.ArrayLike,
                 rankings: dict[str, np.ndarray], title: str) -> Figure:
    days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    positive = np.asarray(labels, dtype=float) > 0
    start = days.min() if len(days) else 0
    axis = np.arange(0, (days.max() - start + 1) if len(days) else 1)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    found = {"real schedule": days[positive], **{
        name: simulated_days(days, scores)[positive] for name, scores in rankings.items()}}
    for name, when in found.items():
        share = np.searchsorted(np.sort(when - start), axis, side="right") / max(1, len(when))
        ax.step(axis, share, where="post", label=name,
                linestyle="--" if name == "real schedule" else "-")
    ax.set(xlabel="days into the window", ylabel="share of violations found", title=title,
           ylim=(0, 1.02))
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig
