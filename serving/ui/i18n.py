"""The workspace's words in Chinese (the default) and English (`?lang=en`, kept in a cookie)."""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("zh", "en")
COOKIE = "riskwarn_lang"

WORDS: dict[str, tuple[str, str]] = {
    "title": ("风险预警复核工作台", "Risk warning review workspace"),
    "disclaimer": ("评分仅提示关注，不作为执法依据；任何处置须经执法人员记录决定。",
                   "A score is a reason to look, never the basis of an enforcement decision; "
                   "every action needs an officer's recorded decision."),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "token_help": ("令牌由管理员通过 riskwarn users add 发放。",
                   "An administrator issues tokens with riskwarn users add."),
    "bad_token": ("令牌无效或已吊销。", "The token is invalid or revoked."),
    "dismiss_needs_reason": ("排除须填写理由。", "A dismissal needs a reason."),
    "pick_decision": ("请选择确认、排除或上报。", "Choose confirm, dismiss or escalate."),
    "bad_csrf": ("表单已过期，请重试。", "The form has expired: please try again."),
    "queue": ("预警队列", "Warning queue"),
    "industry": ("行业", "Industry"),
    "town": ("乡镇", "Town"),
    "tier": ("等级", "Tier"),
    "all": ("全部", "All"),
    "sort": ("排序", "Sort"),
    "highest": ("概率从高到低", "Highest probability first"),
    "lowest": ("概率从低到高", "Lowest probability first"),
    "filter": ("筛选", "Filter"),
    "firm": ("企业", "Firm"),
    "probability": ("风险概率", "Probability"),
    "top_reason": ("首要原因", "Top reason"),
    "status": ("复核状态", "Review"),
    "undecided": ("待复核", "To review"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page": ("第 {page} / {pages} 页，共 {total} 条", "Page {page} of {pages}, {total} warnings"),
    "as_of": ("评分基准日", "Scored as of"),
    "no_run": ("尚无评分结果。", "No scoring run yet."),
    "reasons": ("风险原因", "Reasons"),
    "history": ("评分历史", "Score history"),
    "timeline": ("事件时间线", "Timeline"),
    "no_events": ("无记录事件。", "No recorded events."),
    "not_scored": ("该企业不在最新评分结果中。", "This firm is not in the latest scoring run."),
    "decision": ("复核决定", "Decision"),
    "confirm": ("确认（列入定向检查候选）", "Confirm (targeted-inspection candidate)"),
    "dismiss": ("排除（须填写理由）", "Dismiss (reason required)"),
    "escalate": ("上报", "Escalate"),
    "reason": ("理由", "Reason"),
    "note": ("备注", "Note"),
    "record": ("记录决定", "Record decision"),
    "decided": ("已由 {by} 于 {at} 作出决定：{decision}。首次决定保持不变。",
                "Already decided by {by} at {at}: {decision}. The first decision stands."),
    "recorded": ("决定已记录。", "Decision recorded."),
    "officer_only": ("仅执法人员及以上角色可作出决定。",
                     "Only officers and above may record decisions."),
    "signed_in_as": ("当前用户", "Signed in as"),
    "back": ("返回队列", "Back to the queue"),
    "language": ("English", "中文"),
    "registered": ("登记信息", "Register entry"),
    "legal_rep": ("法定代表人", "Legal representative"),
    "kind_complaint": ("投诉举报", "Complaint"),
    "kind_penalty": ("行政处罚", "Penalty"),
    "kind_inspection": ("检查", "Inspection"),
    "kind_listing": ("列入名录", "Listing"),
    "kind_delisting": ("移出名录", "Delisting"),
    "kind_change": ("登记变更", "Change"),
    "plans": ("检查计划", "Inspection plans"),
    "models": ("模型", "Models"),
    "export_xlsx": ("导出 Excel", "Export to Excel"),
    "export_csv": ("导出 CSV", "Export to CSV"),
    "plan_no": ("计划 {plan_id}：{start} 至 {end}", "Plan {plan_id}: {start} to {end}"),
    "plan_id": ("计划编号", "Plan number"),
    "show": ("查看", "Show"),
    "no_plan": ("尚无检查计划。", "No inspection plan yet."),
    "inspector": ("检查人员", "Inspector"),
    "date": ("日期", "Date"),
    "kind": ("类型", "Kind"),
    "kind_random": ("双随机抽查", "Random"),
    "kind_targeted": ("定向检查", "Targeted"),
    "outcome": ("检查结果", "Outcome"),
    "no_problem": ("未发现问题", "No problem"),
    "rectify": ("责令整改", "Rectify"),
    "case_opened": ("立案查处", "Case opened"),
    "not_found": ("查无下落", "Not found"),
    "inspected_on": ("检查日期", "Inspected on"),
    "record_outcome": ("记录结果", "Record outcome"),
    "outcome_recorded": ("检查结果已记录。", "Outcome recorded."),
    "outcome_exists": ("该检查已有记录结果，首次记录保持不变。",
                       "An outcome was already recorded for this visit; the first one stands."),
    "out_of_range": ("参数「{label}」（{field}）超出范围或无效：{why}",
                     "The field “{label}” ({field}) is out of range or not valid: {why}"),
    "field_page": ("页码", "Page number"),
    "field_plan_id": ("计划编号", "Plan number"),
    "field_inspected_on": ("检查日期", "Inspected on"),
    "bad_date": ("检查日期无效。", "The inspection date is not valid."),
    "alias": ("角色", "Role"),
    "champion": ("在用模型", "Champion"),
    "challenger": ("候选模型", "Challenger"),
    "version": ("版本", "Version"),
    "train_period": ("训练期", "Training period"),
    "test_period": ("测试期", "Test period"),
    "precision_at_k": ("检查容量内精确率（模型）", "Precision at capacity (model)"),
    "rule_precision_at_k": ("检查容量内精确率（积分规则）", "Precision at capacity (points rule)"),
    "calibration": ("校准曲线", "Calibration curve"),
    "bias_audit": ("偏差审计", "Bias audit"),
    "not_available": ("图片暂不可用。", "Picture not available."),
    "no_models": ("尚无已登记的模型。", "No registered model yet."),
    "overview": ("风险总览", "Overview"),
    "heat_map": ("乡镇 × 行业风险热力图", "Risk by town and industry"),
    "heat_legend": ("颜色 = C–D 级企业占比（白色为 0，最深为本图最高值）；悬停查看企业数。",
                    "Colour = share of firms in tiers C–D (white is 0, darkest is the highest "
                    "share on the map); hover for the counts."),
    "tier_counts": ("各等级企业数", "Firms by tier"),
    "this_run": ("本次评分（{as_of}）", "This run ({as_of})"),
    "previous_run": ("上次评分（{as_of}）", "Previous run ({as_of})"),
    "change": ("变化", "Change"),
    "changes": ("与上次评分相比", "Since the previous run"),
    "moved_up": ("升入 C–D 级的企业：{n} 家", "Firms that moved up into C–D: {n}"),
    "moved_down": ("退出 C–D 级的企业：{n} 家", "Firms that left C–D: {n}"),
    "moved_top": ("升入 C–D 级、概率最高的 {n} 家", "The {n} most probable of those moved up"),
    "previous_tier": ("上次等级", "Previous tier"),
    "no_previous": ("尚无上次完整评分，无法比较变化。",
                    "No previous complete run to compare with."),
    "trend": ("各行业 C–D 级企业占比趋势", "Share of firms in C–D per industry, by run"),
    "trend_legend": ("横轴为评分基准日，纵轴为 C–D 级企业占比。",
                     "Scoring runs by as-of date across; share of firms in C–D up."),
}


def pick(lang_param: str | None, lang_cookie: str | None) -> str:
    """The page's language: the query's `lang` if known, else the cookie's, else Chinese."""
    for lang in (lang_param, lang_cookie):
        if lang in LANGS:
            return lang
    return "zh"


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)`: the word in `lang`, with `{placeholders}` filled in."""
    index = LANGS.index(lang)

    def t(key: str, **values: object) -> str:
        text = WORDS[key][index] if key in WORDS else key
        return text.format(**values) if values else text
    return t
