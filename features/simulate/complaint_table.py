"""12345 / 12315 work orders: most name their subject only by free text and town."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.contracts import CHANNELS, COMPLAINT_KINDS
from features.simulate import catalog as cat
from features.simulate.naming import _join, _pick, ids
from features.simulate.population import EPOCH, Population
from features.simulate.tables import Firms, _town_codes, dates
from features.towns import TOWN_NAMES

CHANNEL_SHARES = np.array([0.43, 0.27, 0.18, 0.12])  # phone, web, app, WeChat: 57 % online
CODE_SHARE = 0.35  # orders that carry the subject's credit code
UNREGISTERED_SHARE = 0.06  # orders about vendors that are not in the register


def _categories(key: np.ndarray, u: np.ndarray) -> pa.Array:
    flat = [c for group in cat.COMPLAINT_CATEGORIES for c in group]
    offset = np.cumsum([0, *[len(g) for g in cat.COMPLAINT_CATEGORIES]])
    size = np.diff(offset)[key]
    return _pick(tuple(flat), offset[key] + np.minimum((u * size).astype(np.int64), size - 1))


def complaints(rng: np.random.Generator, c: dict[str, np.ndarray], pop: Population, f: Firms,
               window: tuple[int, int]) -> pa.Table:
    end_day = window[1]
    keep = (c["day"] >= window[0]) & (c["day"] < end_day)
    c = {k: v[keep] for k, v in c.items()}
    firm, day, u = c["firm"], c["day"].astype(np.int64), c["u"]
    n = len(firm)
    key = pop.key[firm].astype(np.int64)
    town = pop.town[firm].astype(np.int64)
    unregistered = rng.random(n) < UNREGISTERED_SHARE
    with_code = ~unregistered & (rng.random(n) < CODE_SHARE)
    own_name = f.name.take(pa.array(firm))
    brand = tuple(cat.BRAND_CHARS)
    stranger = _join("东莞市", _pick(brand, rng.integers(0, len(brand), n)),
                     _pick(brand, rng.integers(0, len(brand), n)), "小店")
    grievance = c["kind"] < 2
    closed = day + 1 + (u[:, 2] * 15).astype(np.int64)
    is_closed = closed < end_day
    satisfaction = 1 + (u[:, 3] ** 0.5 * 5).astype(np.int64)
    rated = is_closed & (rng.random(n) < 0.7)
    received = (EPOCH + day.astype("timedelta64[D]")).astype("datetime64[s]") + c[
        "second"
    ].astype("timedelta64[s]")
    channel = np.searchsorted(np.cumsum(CHANNEL_SHARES), u[:, 0] * 0.999999)
    return pa.table({
        "order_id": ids("GD", np.arange(1, n + 1), 10),
        "received_at": pa.array(received, type=pa.timestamp("s")),
        "channel": _pick(CHANNELS, channel),
        "kind": _pick(COMPLAINT_KINDS, c["kind"].astype(np.int64)),
        "uscc": pc.if_else(pa.array(with_code), f.uscc.take(pa.array(firm)),
                           pa.scalar(None, pa.string())),
        "subject_name": pc.if_else(pa.array(unregistered), stranger, own_name),
        "town_code": _town_codes(town),
        "category": _categories(key, u[:, 1]),
        "handling_unit": _join(_pick(tuple(TOWN_NAMES.values()), town), "市场监督管理分局"),
        "closed_on": pa.array(np.where(is_closed, closed, 0).astype(np.int32), type=pa.date32(),
                              mask=~is_closed),
        "substantiated": pa.array(c["substantiated"], mask=~grievance),
        "satisfaction": pa.array(satisfaction, type=pa.int8(), mask=~rated),
        "known_at": dates(day),
    })
