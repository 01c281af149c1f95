"""A fast path derived from the fitted model, never trained on its own.

The logged model (category encoder -> LightGBM, centred isotonic curve) is the single truth;
serving reads its category maps, booster and curve once and then works on NumPy rows: ~35 us per
firm instead of ~9 ms through pandas, the Pipeline and MLflow's schema check. A test proves both
give the same probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from training import treeshap
from training.calibration import CentredIsotonic
from training.metrics import RULE_POINTS
from training.model import (
    LOGIT_CAP,
    NEVER_DAYS,
    Calibrated,
    blend_of,
    column_order,
    pipeline_of,
)
from training.reasons import in_percentage_points


@dataclass(frozen=True)
class FastModel:
    """The fitted model as arrays: inputs in the model's order, then booster and calibrator."""

    features: list[str]               # the model's input columns, as the feature frame names them
    order: list[str]                  # the encoded column order the booster sees
    categories: dict[str, np.ndarray]  # categorical column -> known values (code = position)
    since: frozenset[str]             # "days since" columns: missing = NEVER_DAYS
    booster: lgb.Booster
    curve: CentredIsotonic            # the ranker's score -> probability
    blend: float | None = None        # RuleBlend's weight on LightGBM (None: no rule blend)

    @cached_property
    def splits(self) -> treeshap.Splits:
        """The inputs and thresholds each tree splits on, read once (`treeshap`)."""
        return treeshap.Splits.of(self.booster)

    @property
    def rule(self) -> tuple[np.ndarray, np.ndarray]:
        """(column positions in `order`, points) of the bureau's points rule."""
        return (np.array([self.order.index(c) for c in RULE_POINTS]),
                np.array(list(RULE_POINTS.values())))

    @classmethod
    def from_model(cls, model: Calibrated, features: list[str]) -> FastModel:
        pipeline = pipeline_of(model)
        blend = blend_of(model)
        encode = pipeline.named_steps["encode"]
        cat, since, num = column_order(features)
        encoder = encode.named_transformers_["categories"]
        categories = {name: np.asarray(values, dtype=object)
                      for name, values in zip(cat, encoder.categories_, strict=True)}
        assert model.curve is not None
        return cls(list(features), cat + since + num, categories, frozenset(since),
                   pipeline.named_steps["model"].booster_, model.curve,
                   None if blend is None else float(blend.weight))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Feature rows -> the float matrix the booster reads (the encoder's own rules:
        unknown or missing category -1, missing "days since" = never)."""
        n_cat = len(self.categories)
        out = np.empty((len(frame), len(self.order)), dtype=np.float64)
        # numbers in one block (as `training.model.inputs` casts them: float), then categories
        out[:, n_cat:] = frame[self.order[n_cat:]].to_numpy(dtype=np.float64, na_value=np.nan)
        for j, name in enumerate(self.order[n_cat:], start=n_cat):
            if name in self.since:
                column = out[:, j]
                column[np.isnan(column)] = NEVER_DAYS
        for j, name in enumerate(self.order[:n_cat]):
            text = frame[name].astype(str).to_numpy(dtype=object)  # as `inputs`: text
            out[:, j] = pd.Index(self.categories[name]).get_indexer(text)  # -1: unknown
        return out

    def raw(self, x: np.ndarray, threads: int = 0) -> np.ndarray:
        """LightGBM's log-odds (the Pipeline's `decision_function`)."""
        return np.asarray(self.booster.predict(x, raw_score=True, num_threads=threads))

    def decision(self, x: np.ndarray, threads: int = 0) -> np.ndarray:
        """What the curve reads: the rule blend's score, or LightGBM's log-odds."""
        raw = self.raw(x, threads)
        if self.blend is None:
            return raw
        columns, points = self.rule
        total = np.zeros(len(x))
        for column, point in zip(columns, points, strict=True):  # points_rule's own order
            total += point * x[:, column]
        return total + self.blend * np.clip(raw, -LOGIT_CAP, LOGIT_CAP)

    def predict(self, x: np.ndarray, threads: int = 0) -> np.ndarray:
        """Calibrated probabilities; `threads=1` for a few rows (thread start-up dominates)."""
        return self.curve(self.decision(x, threads))

    def contributions(self, x: np.ndarray, threads: int = 0) -> pd.DataFrame:
        """Per row and encoded input, its contribution to the score: LightGBM's TreeSHAP
        (times the blend weight) plus, with the rule blend, each input's rule points."""
        return pd.DataFrame(self._parts(x, threads)[0], columns=self.order)

    def effects(self, x: np.ndarray, threads: int = 0) -> pd.DataFrame:
        """Per row and encoded input, its effect on the shown probability in percentage
        points (`reasons.in_percentage_points`): they add up to the row's probability minus
        that of a firm with no evidence at all."""
        parts, base = self._parts(x, threads)
        return pd.DataFrame(in_percentage_points(parts, base, self.curve), columns=self.order)

    def _parts(self, x: np.ndarray, threads: int) -> tuple[np.ndarray, np.ndarray]:
        """(contributions, the score with none of them: LightGBM's expected log-odds)."""
        contrib = treeshap.contributions(self.booster, self.splits, x, threads)
        out, base = contrib[:, :-1], contrib[:, -1]
        if self.blend is not None:
            columns, points = self.rule
            out, base = out * self.blend, base * self.blend
            out[:, columns] += x[:, columns] * points
        return out, base


def describe(fast: FastModel) -> dict[str, Any]:
    """Size figures that decide the cost of reasons (trees x leaves)."""
    dump = fast.booster.dump_model(num_iteration=-1)
    leaves = [t["num_leaves"] for t in dump["tree_info"]]
    return {"trees": len(leaves), "max_leaves": max(leaves, default=0),
            "inputs": len(fast.order)}
