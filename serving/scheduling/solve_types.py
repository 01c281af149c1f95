"""What the assignment solver and its first plan share: a cell of interchangeable visits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Placed = list[tuple[int, int, int]]  # (day, inspector a, inspector b) per placed visit


@dataclass(frozen=True)
class Cell:
    candidates: np.ndarray  # inspector indices allowed to visit any of the cell's visits
    hops: np.ndarray        # borders each candidate crosses to get there
    days: np.ndarray        # the working days offered (indices)
    weights: np.ndarray     # the value of placing each visit, in the order they are placed
