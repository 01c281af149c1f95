"""Reason codes: a score's top contributions (LightGBM's own TreeSHAP, `pred_contrib`) as
short sentences an officer understands, in Chinese with an English key, with the firm's value,
a reference and the effect in percentage points of the firm's probability.

The contributions add up on the ranker's score (log-odds plus rule points), which is not a unit
an officer reads. `in_percentage_points` maps them onto the probability exactly: the curve turns
the score of a firm with no evidence (the booster's expected log-odds) into a base probability
and the firm's own score into its probability; each contribution gets the share of that
difference its own share of the score difference gives it. The curve rises, so every part
keeps its sign, and the parts add up to the shown probability minus the base one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from training.sentences import percentage_points_words, sentence

if TYPE_CHECKING:  # scikit-learn costs the batch's main thread 0.5 s to import
    from sklearn.pipeline import Pipeline

def in_percentage_points(parts: np.ndarray, base: np.ndarray,
                         curve: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Score contributions (rows x inputs) and each row's base score -> each input's effect
    on the row's probability, in percentage points (they add up to p - p_base)."""
    total = parts.sum(axis=1)
    gained = curve(base + total) - curve(base)
    scale = np.divide(gained, total, out=np.zeros_like(total), where=np.abs(total) > 1e-12)
    return 100.0 * parts * scale[:, None]


def contributions(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Per firm and input feature, its contribution to the log-odds (LightGBM TreeSHAP)."""
    encoded = pipeline.named_steps["encode"].transform(frame)
    names = list(pipeline.named_steps["encode"].get_feature_names_out())
    booster = pipeline.named_steps["model"].booster_
    contrib = booster.predict(np.asarray(encoded, dtype=float), pred_contrib=True)
    return pd.DataFrame(contrib[:, :-1], columns=names, index=frame.index)


def reasons_json(effects: pd.DataFrame, frame: pd.DataFrame, reference: dict[str, float],
                 top: int = 3) -> np.ndarray:
    """For each row of `frame`: the `top` inputs raising its probability most (`effects`, in
    percentage points, one row per row of `frame`), as officer-readable reasons, each row's
    list as JSON text (what the warnings table stores). No Python loop over firms: a reason is
    six pieces, three from its sentence and three from its effect, each written once for
    every distinct (input, value, reference) or effect (a city's firms share most of theirs),
    and Arrow joins them into lists."""
    names = list(effects.columns)
    values = effects.to_numpy()
    numeric = np.array([frame[n].dtype.kind in "fiu" for n in names], dtype=bool)
    numbers = np.full(values.shape, np.nan)  # categories have no sentence: left NaN
    numbers[:, numeric] = frame[[n for n, ok in zip(names, numeric, strict=True) if ok]
                                ].to_numpy(dtype=float, na_value=np.nan)
    peers = ((frame["comp_365d"] + 1) / frame["comp_rate_vs_peer"] - 1).to_numpy(dtype=float)
    refs = np.array([reference.get(n, np.nan) for n in names], dtype=float)
    picked = _picked(values, numbers, refs, peers, numeric, names, top)
    keys = picked[["input", "value", "ref"]]
    said = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    sentences = _sentence_pieces(keys.drop_duplicates(), names)
    effect = picked["effect"].to_numpy()
    words, zh, en = percentage_points_words(effect)
    effect_pp, at = np.unique(np.rint(effect * 100) / 100, return_inverse=True)  # 0.01
    one = pc.binary_join_element_wise(  # code, text_zh, text_en, value, reference, effect_pp
        sentences[0].take(said), pa.array([f'{w}"' for w in zh], pa.string()).take(words),
        sentences[1].take(said), pa.array([f'{w}"' for w in en], pa.string()).take(words),
        sentences[2].take(said),
        pa.array([f',"effect_pp":{_json(e)}}}' for e in effect_pp.tolist()], pa.string()
                 ).take(at), "")
    per_row = np.bincount(picked["row"].to_numpy(), minlength=len(values))
    offsets = pa.array(np.concatenate([[0], np.cumsum(per_row)]), pa.int32())
    lists = pc.binary_join(pa.ListArray.from_arrays(offsets, one), ",")
    texts = pc.binary_join_element_wise("[", lists, "]", "")
    return np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()  # NaN and infinities: null


def _sentence_pieces(distinct: pd.DataFrame, names: list[str]
                     ) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Per distinct (input, value, reference): the JSON of a reason up to its Chinese effect,
    from there up to its English effect, and its value and reference."""
    heads, middles, tails = [], [], []
    for j, value, ref in distinct.itertuples(index=False):
        zh, en = sentence(names[j], value, ref)
        heads.append(f'{{"code":{_json(names[j])},"text_zh":{_json(zh + " · ")[:-1]}')
        middles.append(f',"text_en":{_json(en + " · ")[:-1]}')
        tails.append(f',"value":{_json(value)},"reference":{_json(ref)}')
    return pa.array(heads, pa.string()), pa.array(middles, pa.string()), pa.array(
        tails, pa.string())


def _picked(values: np.ndarray, numbers: np.ndarray, refs: np.ndarray, peers: np.ndarray,
            numeric: np.ndarray, names: list[str], top: int) -> pd.DataFrame:
    """One row per reason, by row and rank: input position, the firm's value, the reference
    (complaints in a year: the firm's town-and-industry median), effect. Only inputs that
    raise the probability and have a number to show."""
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    rows = np.repeat(np.arange(len(values)), order.shape[1])
    inputs = order.ravel()
    effect = values[rows, inputs]
    keep = (effect > 0) & numeric[inputs]
    rows, inputs, effect = rows[keep], inputs[keep], effect[keep]
    peer = names.index("comp_365d") if "comp_365d" in names else -1
    ref = np.where(inputs == peer, peers[rows], refs[inputs])
    return pd.DataFrame({"row": rows, "input": inputs, "value": numbers[rows, inputs],
                         "ref": ref, "effect": effect})


def reference_values(frame: pd.DataFrame, features: list[str]) -> dict[str, float]:
    """Industry medians of the numeric inputs, the reference sentences compare against."""
    numeric = frame[features].select_dtypes("number")
    return {str(c): float(v) for c, v in numeric.median().items() if pd.notna(v)}
