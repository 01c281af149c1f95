"""Reason sentences: each input feature as a short sentence an officer understands, in
Chinese with an English key, with the firm's value and a reference; and an effect in percentage
points of the firm's probability as words."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def sentence(feature: str, value: float, ref: float) -> tuple[str, str]:
    """The feature's sentence for this value and reference, (Chinese, English)."""
    zh, en = TEMPLATES.get(feature, (f"{feature} = {{value}}", f"{feature} = {{value}}"))
    safe_ref = 0.0 if ref is None or pd.isna(ref) else ref
    try:
        return zh.format(value=value, ref=safe_ref), en.format(value=value, ref=safe_ref)
    except (ValueError, TypeError):
        return f"{feature} = {value}", f"{feature} = {value}"


def percentage_points_words(effects: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """Each effect in words, "+18 个百分点" / "+18 percentage points" (one decimal below 10):
    the position of its words in the two lists of distinct words returned with it (a city's
    reasons share a few hundred)."""
    big = np.abs(effects) >= 10
    tenths = np.where(big, np.rint(effects) * 10, np.rint(effects * 10)).astype(np.int64)
    keys, at = np.unique(tenths * 2 + big, return_inverse=True)
    numbers = [f"{k // 2 / 10:+.0f}" if k % 2 else f"{k // 2 / 10:+.1f}" for k in keys.tolist()]
    return at, [f"{n} 个百分点" for n in numbers], [f"{n} percentage points" for n in numbers]
