"""What every rule shares: point-in-time windows and firings with their evidence.

A rule finds its firing firms with pandas operations and hands `firings` one row per piece of
evidence (the firing firm's uscc, the event's date, table, id, what it was and whose it was);
`firings` keeps each firm's newest MAX_EVENTS and turns them into one row per firm.
"""

from __future__ import annotations

import pandas as pd

MAX_EVENTS = 20  # evidence rows kept per firing, newest first
FIRING_COLUMNS = ("uscc", "rule", "latest_event_on", "text_zh", "text_en", "events")
EVIDENCE_COLUMNS = ("uscc", "date", "table", "id", "what", "of")


def known_within(frame: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    """Rows the bureau learned of in the `days` before `as_of` (never on or after it)."""
    known = frame["known_at"]
    return frame.loc[(known < as_of) & (known >= as_of - pd.Timedelta(days=days))]


def evidence(uscc: pd.Series, date: pd.Series, table: str | pd.Series, ident: pd.Series,
             what: pd.Series, of: pd.Series | None = None) -> pd.DataFrame:
    """Evidence rows, aligned by position: `of` is whose event it is (default the firm's)."""
    frame = pd.DataFrame({
        "uscc": uscc.to_numpy(), "date": pd.to_datetime(date).to_numpy(),
        "table": table if isinstance(table, str) else table.to_numpy(),
        "id": ident.astype(str).to_numpy(), "what": what.astype(str).to_numpy(),
        "of": (of if of is not None else uscc).to_numpy()})
    return frame.loc[:, list(EVIDENCE_COLUMNS)]


def firings(rule: str, rows: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    """One firing per firm of `texts` (index uscc; columns text_zh, text_en) with its newest
    evidence from `rows` as a list of {date, table, id, what, of} dicts."""
    if texts.empty:
        return pd.DataFrame(columns=list(FIRING_COLUMNS))
    rows = rows.loc[rows["uscc"].isin(texts.index)].drop_duplicates(["uscc", "table", "id"])
    rows = rows.sort_values(["uscc", "date", "id"], ascending=[True, False, True])
    latest = rows.groupby("uscc")["date"].max()
    rows = rows.groupby("uscc", sort=False).head(MAX_EVENTS)
    records = rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d")).drop(columns="uscc")
    lists = (pd.Series(records.to_dict("records"), index=rows["uscc"].to_numpy(), dtype=object)
             .groupby(level=0).agg(list))
    out = texts.assign(rule=rule, latest_event_on=latest.reindex(texts.index),
                       events=lists.reindex(texts.index))
    return out.rename_axis("uscc").reset_index().loc[:, list(FIRING_COLUMNS)]
