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

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

# feature: (Chinese sentence, English sentence); {value} is the firm's, {ref} the reference
TEMPLATES: dict[str, tuple[str, str]] = {
    "comp_30d": ("近30天投诉{value:.0f}次，同行业中位数{ref:.0f}次",
                 "{value:.0f} complaints in 30 days (industry median {ref:.0f})"),
    "comp_90d": ("近90天投诉{value:.0f}次，同行业中位数{ref:.0f}次",
                 "{value:.0f} complaints in 90 days (industry median {ref:.0f})"),
    "comp_365d": ("近一年投诉{value:.0f}次，同镇同行业中位数{ref:.0f}次",
                  "{value:.0f} complaints in a year (median in town and industry {ref:.0f})"),
    "comp_rate_vs_peer": ("投诉量为同镇同行业中位数的{value:.1f}倍",
                          "complaints {value:.1f} times the town-and-industry median"),
    "comp_trend": ("近90天投诉增速为此前的{value:.1f}倍", "complaints rising {value:.1f}x"),
    "comp_substantiated_share": ("投诉属实比例{value:.0%}，同行业{ref:.0%}",
                                 "{value:.0%} of complaints substantiated (industry {ref:.0%})"),
    "pen_90d": ("近90天受行政处罚{value:.0f}次", "{value:.0f} penalties in 90 days"),
    "pen_365d": ("近一年受行政处罚{value:.0f}次", "{value:.0f} penalties in a year"),
    "pen_1095d": ("近三年受行政处罚{value:.0f}次", "{value:.0f} penalties in three years"),
    "pen_max_severity": ("曾受较重处罚（等级{value:.0f}）", "a penalty of severity {value:.0f}"),
    "pen_fine_total": ("累计罚款{value:.1f}万元", "fines totalling {value:.1f} 万元"),
    "pen_days_since_last": ("距上次处罚{value:.0f}天", "{value:.0f} days since the last penalty"),
    "abn_listed_now": ("目前被列入经营异常名录", "currently on the abnormal-operations list"),
    "abn_times_listed": ("曾{value:.0f}次被列入经营异常名录",
                         "listed as abnormal {value:.0f} times"),
    "serious_listed": ("已列入严重违法失信名单", "on the serious-violation list"),
    "insp_violation_share": ("既往检查问题发现率{value:.0%}，同行业{ref:.0%}",
                             "{value:.0%} of past visits found a violation (industry {ref:.0%})"),
    "addr_firms": ("同一地址登记{value:.0f}家其他企业（集群注册）",
                   "{value:.0f} other firms registered at the same address"),
    "addr_firms_penalised": ("同址企业中{value:.0f}家近三年受过处罚",
                             "{value:.0f} firms at the same address penalised"),
    "addr_firms_listed": ("同址企业中{value:.0f}家在经营异常名录",
                          "{value:.0f} firms at the same address listed abnormal"),
    "rep_firms": ("法定代表人另担任{value:.0f}家企业法定代表人",
                  "the legal representative heads {value:.0f} other firms"),
    "rep_firms_penalised": ("法定代表人关联企业中{value:.0f}家受过处罚",
                            "{value:.0f} firms of the same representative penalised"),
    "rep_firms_listed": ("法定代表人关联企业中{value:.0f}家在异常名录",
                         "{value:.0f} firms of the same representative listed abnormal"),
    "age_days": ("成立{value:.0f}天（同行业中位数{ref:.0f}天）",
                 "established {value:.0f} days ago (industry median {ref:.0f})"),
    "log_capital": ("注册资本对数{value:.1f}（同行业中位数{ref:.1f}）",
                    "log registered capital {value:.1f} (industry median {ref:.1f})"),
    "chg_legal_rep_365d": ("近一年变更法定代表人{value:.0f}次",
                           "{value:.0f} changes of legal representative in a year"),
    "chg_capital_decrease_365d": ("近一年减少注册资本{value:.0f}次",
                                  "{value:.0f} capital reductions in a year"),
    "chg_address_365d": ("近一年变更住所{value:.0f}次", "{value:.0f} address changes in a year"),
    "chg_all_90d": ("近90天登记事项变更{value:.0f}次",
                    "{value:.0f} registration changes in 90 days"),
    "chg_all_365d": ("近一年登记事项变更{value:.0f}次",
                     "{value:.0f} registration changes in a year"),
    "chg_legal_rep_90d": ("近90天变更法定代表人{value:.0f}次",
                          "{value:.0f} changes of legal representative in 90 days"),
    "chg_address_90d": ("近90天变更住所{value:.0f}次", "{value:.0f} address changes in 90 days"),
    "chg_capital_decrease_90d": ("近90天减少注册资本{value:.0f}次",
                                 "{value:.0f} capital reductions in 90 days"),
    "abn_open_days": ("列入经营异常名录已{value:.0f}天（满三年将列入严重违法失信名单）",
                      "on the abnormal list for {value:.0f} days (three years moves a firm to "
                      "the serious-violation list)"),
    "insp_days_since_last": ("距上次检查{value:.0f}天（同行业中位数{ref:.0f}天）",
                             "{value:.0f} days since the last inspection (industry median "
                             "{ref:.0f})"),
    "near_comp_30d": ("周边500米内近30天投诉{value:.0f}宗（中位数{ref:.0f}宗）",
                      "{value:.0f} complaints within 500 m in 30 days (median {ref:.0f})"),
    "near_comp_90d": ("周边500米内近90天投诉{value:.0f}宗（中位数{ref:.0f}宗）",
                      "{value:.0f} complaints within 500 m in 90 days (median {ref:.0f})"),
    "near_comp_365d": ("周边500米内近一年投诉{value:.0f}宗（中位数{ref:.0f}宗）",
                       "{value:.0f} complaints within 500 m in a year (median {ref:.0f})"),
}
# complaint category groups (features/industries.yaml) and graded violation levels
GROUPS_ZH = {"food_safety": "食品安全", "hygiene": "卫生", "unlicensed": "无证经营",
             "labelling": "标签计量", "false_advertising": "虚假宣传", "fakes": "假冒伪劣",
             "refunds": "退货售后", "price": "价格", "fake_reviews": "刷单炒信",
             "contracts": "合同", "prepaid": "预付卡", "fundraising": "非法集资", "other": "其他"}
LEVELS_ZH = {"critical": "严重", "serious": "较重", "minor": "轻微"}
TEMPLATES.update({
    f"comp_{group}_365d": (f"近一年{zh}类投诉{{value:.0f}}次",
                           f"{{value:.0f}} {group.replace('_', ' ')} complaints in a year")
    for group, zh in GROUPS_ZH.items()})
for _level, _zh in LEVELS_ZH.items():
    TEMPLATES[f"insp_last_{_level}"] = (f"上次检查发现{_zh}问题{{value:.0f}}项",
                                        f"{{value:.0f}} {_level} violations at the last visit")
    TEMPLATES[f"insp_{_level}_365d"] = (f"近一年检查发现{_zh}问题{{value:.0f}}项",
                                        f"{{value:.0f}} {_level} violations found in a year")
# visit kinds (features/contracts.py VISIT_KINDS): how many, what they found, how long ago
KINDS_ZH = {"random": "随机抽查", "targeted": "定向检查", "routine": "日常检查",
            "follow_up": "复查", "complaint": "投诉核查", "licence": "许可核查"}
for _kind, _zh in KINDS_ZH.items():
    _en = _kind.replace("_", "-")
    TEMPLATES[f"insp_{_kind}"] = (f"既往{_zh}{{value:.0f}}次",
                                  f"{{value:.0f}} {_en} visits so far")
    TEMPLATES[f"insp_{_kind}_violations"] = (f"{_zh}发现问题{{value:.0f}}次",
                                             f"{{value:.0f}} violations found by {_en} visits")
    TEMPLATES[f"insp_days_since_{_kind}"] = (f"距上次{_zh}{{value:.0f}}天",
                                             f"{{value:.0f}} days since the last {_en} visit")
# a city's ungraded violation counts and inspection scores (scale in _dataset.yaml)
TEMPLATES.update({
    "insp_last_violations": ("上次检查发现问题{value:.0f}项",
                             "{value:.0f} violations at the last visit"),
    "insp_violations_365d": ("近一年检查发现问题{value:.0f}项",
                             "{value:.0f} violations found in a year"),
    "insp_score_last": ("上次检查得分{value:g}（同行业中位数{ref:g}）",
                        "last inspection score {value:g} (industry median {ref:g})"),
    "insp_score_min": ("历次检查最低得分{value:g}", "lowest inspection score {value:g}"),
    "insp_score_mean": ("历次检查平均得分{value:.1f}（同行业中位数{ref:.1f}）",
                        "mean inspection score {value:.1f} (industry median {ref:.1f})"),
    "insp_score_trend": ("上次得分较此前平均变化{value:+g}分",
                         "last score {value:+g} against the earlier mean"),
    "insp_days_since_fail": ("距上次检查不合格{value:.0f}天",
                             "{value:.0f} days since the last failed inspection"),
})


def in_percentage_points(parts: np.ndarray, base: np.ndarray,
                         curve: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Score contributions (rows x inputs) and each row's base score -> each input's effect
    on the row's probability, in percentage points (they add up to p - p_base)."""
    total = parts.sum(axis=1)
    gained = curve(base + total) - curve(base)
    scale = np.divide(gained, total, out=np.zeros_like(total), where=np.abs(total) > 1e-12)
    return 100.0 * parts * scale[:, None]


def percentage_points_text(effect: float) -> tuple[str, str]:
    """"+18 个百分点" / "+18 percentage points" (one decimal below 10)."""
    number = f"{effect:+.0f}" if abs(effect) >= 10 else f"{effect:+.1f}"
    return f"{number} 个百分点", f"{number} percentage points"


def contributions(pipeline: Pipeline, frame: pd.DataFrame) -> pd.DataFrame:
    """Per firm and input feature, its contribution to the log-odds (LightGBM TreeSHAP)."""
    encoded = pipeline.named_steps["encode"].transform(frame)
    names = list(pipeline.named_steps["encode"].get_feature_names_out())
    booster = pipeline.named_steps["model"].booster_
    contrib = booster.predict(np.asarray(encoded, dtype=float), pred_contrib=True)
    return pd.DataFrame(contrib[:, :-1], columns=names, index=frame.index)


def _sentence(feature: str, value: float, ref: float) -> tuple[str, str]:
    zh, en = TEMPLATES.get(feature, (f"{feature} = {{value}}", f"{feature} = {{value}}"))
    safe_ref = 0.0 if ref is None or pd.isna(ref) else ref
    try:
        return zh.format(value=value, ref=safe_ref), en.format(value=value, ref=safe_ref)
    except (ValueError, TypeError):
        return f"{feature} = {value}", f"{feature} = {value}"


def explain(effects: pd.DataFrame, frame: pd.DataFrame, reference: dict[str, float],
            top: int = 3) -> list[list[dict[str, Any]]]:
    """For each row of `frame`: the `top` inputs raising its probability most (`effects`, in
    percentage points, one row per row of `frame`), as officer-readable reasons. Selection is
    vectorised, and each distinct (input, value, reference) is put into words once: a city's
    firms share most of theirs."""
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
    sentence = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    words = [_sentence(names[j], v, r) for j, v, r in
             keys.drop_duplicates().itertuples(index=False)]
    out: list[list[dict[str, Any]]] = [[] for _ in range(len(values))]
    for row, j, value, ref, effect, at in zip(
            picked["row"].tolist(), picked["input"].tolist(), picked["value"].tolist(),
            picked["ref"].tolist(), picked["effect"].tolist(), sentence.tolist(), strict=True):
        zh, en = words[at]
        zh_pp, en_pp = percentage_points_text(effect)
        out[row].append({"code": names[j], "text_zh": f"{zh} · {zh_pp}",
                         "text_en": f"{en} · {en_pp}",
                         "value": None if math.isnan(value) else value,
                         "reference": None if math.isnan(ref) else ref,
                         "effect_pp": round(effect, 2)})
    return out


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
