"""The monthly report for people: a PDF in Chinese with charts (matplotlib's PdfPages, the
Debian font WenQuanYi Zen Hei embedded as TrueType so the text layer keeps the Chinese) and an
Excel workbook (one sheet per section, through `serving.batch.exports`)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from serving.batch.exports import Column, Sheet, xlsx_bytes
from serving.batch.monthly import TIERS, Month

if TYPE_CHECKING:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

FONT = "WenQuanYi Zen Hei"
SUFFIXES = (".pdf", ".xlsx")
MEDIA_TYPES = {".pdf": "application/pdf",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TITLE = "月度市场风险报告"
SECTIONS = {"tiers": "企业风险等级及较上月变动", "triggers": "预警规则触发及处置",
            "inspections": "检查计划、完成情况与命中率（随机 vs 定向）",
            "penalties": "行政处罚（按违法类型）", "complaints": "投诉举报（按类别）",
            "drift": "模型漂移摘要"}
HEADERS = {"industry": "行业", "town_code": "乡镇代码", "town": "乡镇", "firms": "企业数",
           "A": "A级", "B": "B级", "C": "C级", "D": "D级", "up": "风险升级", "down": "风险降级",
           "new": "新增", "firms_before": "上月企业数", "rule": "规则", "fired": "触发",
           "decided": "已处置", "open": "待处置", "kind": "检查类型", "planned": "计划检查",
           "done": "已检查", "hits": "发现问题", "hit_rate": "命中率",
           "violation_type": "违法类型", "penalties": "处罚数", "fines": "罚款（万元）",
           "category": "类别", "complaints": "投诉举报数", "score_psi": "评分PSI",
           "retrain_advised": "建议重新训练", "top_inputs": "漂移最大的输入"}
KINDS = {"random": "随机", "targeted": "定向"}
ROWS_PER_PAGE = 28
PAGE = (11.69, 8.27)  # A4 landscape, inches
# the font's one weight is 500; TrueType (42) keeps the text searchable, unlike Type 3
STYLE: Any = {"font.family": FONT, "font.weight": 500, "axes.titleweight": 500,
         "figure.titleweight": 500, "pdf.fonttype": 42, "axes.unicode_minus": False}


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as people read them: kinds in Chinese, shares as percentages, yes/no as 是/否."""
    out = frame.copy()
    if "kind" in out:
        out["kind"] = out["kind"].map(KINDS).fillna(out["kind"])
    if "hit_rate" in out:
        out["hit_rate"] = out["hit_rate"].map(lambda v: "—" if pd.isna(v) else f"{v:.1%}")
    if "retrain_advised" in out:
        out["retrain_advised"] = out["retrain_advised"].map({True: "是", False: "否"})
    for column in ("score_psi", "fines"):
        if column in out:
            out[column] = out[column].map(lambda v: "—" if pd.isna(v) else f"{v:.3f}")
    return out


def xlsx_report(tables: Mapping[str, pd.DataFrame], month: Month, towns: str) -> bytes:
    """One sheet per section, Chinese headers, the month and the towns at the top."""
    sheets = []
    for name, frame in tables.items():
        columns = [Column(HEADERS.get(str(c), str(c)), width=14, percent=c == "hit_rate")
                   for c in frame]
        rows = list(frame.astype(object).where(frame.notna(), None)
                    .itertuples(index=False, name=None))
        sheets.append(Sheet(SECTIONS.get(name, name)[:31], columns, rows,
                            head=[("报告", f"{TITLE} {month.label}"), ("乡镇范围", towns)]))
    return xlsx_bytes(sheets)


def _cover(pdf: PdfPages, tables: Mapping[str, pd.DataFrame], month: Month, towns: str) -> None:
    fig = _page()
    fig.suptitle(f"{TITLE}（{month.label}）", fontsize=20)
    tiers, visits = tables["tiers"], tables["inspections"]
    lines = [f"乡镇范围：{towns}",
             f"企业数：{int(tiers['firms'].sum()):,}；D级 {int(tiers['D'].sum()):,}，"
             f"风险升级 {int(tiers['up'].sum()):,}，风险降级 {int(tiers['down'].sum()):,}",
             f"预警触发：{int(tables['triggers']['fired'].sum()):,}，"
             f"已处置 {int(tables['triggers']['decided'].sum()):,}",
             f"检查：计划 {int(visits['planned'].sum()):,}，已检查 {int(visits['done'].sum()):,}，"
             f"发现问题 {int(visits['hits'].sum()):,}",
             f"行政处罚 {int(tables['penalties']['penalties'].sum()):,}，"
             f"投诉举报 {int(tables['complaints']['complaints'].sum()):,}"]
    fig.text(0.06, 0.86, "\n".join(lines), fontsize=11, va="top", linespacing=1.8)
    by_industry = tiers.groupby("industry")[list(TIERS)].sum()
    ax = fig.add_axes((0.08, 0.08, 0.4, 0.45))
    bottom = pd.Series(0, index=by_industry.index)
    for tier, colour in zip(TIERS, ("#4c9f70", "#f2c14e", "#f08a4b", "#c8553d"), strict=True):
        ax.bar(by_industry.index, by_industry[tier], bottom=bottom, label=f"{tier}级",
               color=colour)
        bottom = bottom + by_industry[tier]
    ax.set_title("各行业企业风险等级分布")
    ax.legend(fontsize=8)
    rates = visits.groupby("kind")[["done", "hits"]].sum()
    ax2 = fig.add_axes((0.56, 0.08, 0.38, 0.45))
    share = (rates["hits"] / rates["done"].where(rates["done"] > 0)).fillna(0.0)
    ax2.bar([KINDS.get(str(k), str(k)) for k in share.index], share.to_numpy(),
            color="#3d6fb6")
    ax2.set_title("检查命中率（发现问题 / 已检查）")
    ax2.set_ylim(0, 1)
    pdf.savefig(fig)


def _table_pages(pdf: PdfPages, name: str, frame: pd.DataFrame) -> None:
    shown = _shown(frame.drop(columns=["town_code"], errors="ignore"))
    chunks = [shown.iloc[i:i + ROWS_PER_PAGE] for i in range(0, len(shown), ROWS_PER_PAGE)]
    for page, chunk in enumerate(chunks or [shown], start=1):
        fig = _page()
        more = f"（{page}/{len(chunks)}）" if len(chunks) > 1 else ""
        fig.suptitle(f"{SECTIONS.get(name, name)}{more}", fontsize=14)
        ax = fig.add_axes((0.03, 0.03, 0.94, 0.86))
        ax.axis("off")
        if chunk.empty:
            ax.text(0.5, 0.6, "本月无记录", ha="center", fontsize=14)
        else:
            table = ax.table(cellText=chunk.astype(str).values.tolist(),
                             colLabels=[HEADERS.get(str(c), str(c)) for c in chunk],
                             loc="upper center", cellLoc="center")
            table.auto_set_font_size(False)
            table.set_fontsize(8)
        pdf.savefig(fig)


def _page() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=PAGE)


def pdf_report(tables: Mapping[str, pd.DataFrame], month: Month, towns: str) -> bytes:
    """The cover (summary and charts), then each section's table over as many pages as it
    needs."""
    # matplotlib here, not at import: every service worker imports this module, and loading
    # matplotlib took 33 MB of each one's own memory before any report was asked for
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with rc_context(STYLE), PdfPages(buffer, metadata={"Title": f"{TITLE} {month.label}"}
                                     ) as pdf:
        _cover(pdf, tables, month, towns)
        for name, frame in tables.items():
            _table_pages(pdf, name, frame)
    return buffer.getvalue()


def report_bytes(tables: Mapping[str, pd.DataFrame], month: Month, suffix: str,
                 towns: str = "全部乡镇") -> bytes:
    """The report as .pdf or .xlsx bytes."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{suffix}: the report is written as .pdf or .xlsx")
    return (pdf_report if suffix == ".pdf" else xlsx_report)(tables, month, towns)
