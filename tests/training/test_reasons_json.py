"""The batch's reasons, written as JSON text without a loop over firms, say exactly what
reasons written one by one say: same inputs, order, sentences, values, references and effects."""

import math

import numpy as np
import orjson
import pandas as pd

from training.reasons import reasons_json
from training.sentences import sentence

REFERENCE = {"comp_90d": 1.0, "pen_365d": 0.0, "age_days": 900.0}  # comp_365d: the firm's peers


def _firms(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "comp_90d": rng.integers(0, 4, n).astype(float),
        "comp_365d": rng.integers(0, 12, n).astype(float),
        "comp_rate_vs_peer": rng.uniform(0.5, 4.0, n),
        "pen_365d": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n)),
        "age_days": rng.integers(10, 4000, n).astype(float),
        "town": pd.Categorical(rng.choice(["t1", "t2"], n)),  # a category: never a reason
        "log_capital": rng.normal(5, 1, n),  # no reference value
    })
    effects = pd.DataFrame(rng.normal(0, 6, (n, frame.shape[1])), columns=frame.columns)
    effects.iloc[0] = -1.0  # nothing raises this firm's probability: no reasons
    effects.iloc[1, 0] = 35.0  # whole percentage points from 10 up
    return effects, frame


def _one_by_one(effects: pd.DataFrame, frame: pd.DataFrame, top: int = 3) -> list[list[dict]]:
    out = []
    for i in range(len(frame)):
        row = effects.iloc[i].to_numpy()
        reasons = []
        for j in np.argsort(-row, kind="stable")[:top]:
            name, effect = effects.columns[j], float(row[j])
            if effect <= 0 or frame[name].dtype.kind not in "fiu":
                continue
            value = float(frame[name].iloc[i])
            ref = (float((frame["comp_365d"].iloc[i] + 1) / frame["comp_rate_vs_peer"].iloc[i]
                         - 1) if name == "comp_365d" else REFERENCE.get(name, math.nan))
            zh, en = sentence(name, value, ref)
            number = f"{effect:+.0f}" if abs(effect) >= 10 else f"{effect:+.1f}"
            reasons.append({"code": name, "text_zh": f"{zh} · {number} 个百分点",
                            "text_en": f"{en} · {number} percentage points",
                            "value": None if math.isnan(value) else value,
                            "reference": None if math.isnan(ref) else ref,
                            "effect_pp": round(effect, 2)})
        out.append(reasons)
    return out


def test_reasons_as_json_text_say_what_reasons_written_one_by_one_say():
    effects, frame = _firms(2_000, seed=7)
    texts = reasons_json(effects, frame, REFERENCE)
    assert len(texts) == len(frame) and texts[0] == "[]"
    parsed = [orjson.loads(t) for t in texts]
    assert parsed == _one_by_one(effects, frame)
    assert parsed[1][0]["text_en"].endswith("+35 percentage points")
    assert "近" in texts[1]  # Chinese as UTF-8, not \u escapes, as the warnings table keeps it


def test_no_firms_no_reasons():
    effects, frame = _firms(5, seed=1)
    assert len(reasons_json(effects.iloc[:0], frame.iloc[:0], REFERENCE)) == 0
