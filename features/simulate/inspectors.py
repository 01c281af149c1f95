"""The bureau's enforcement officers: towns, qualifications, daily capacity, leave."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.simulate.events import Inspectors
from features.simulate.naming import ids, person_names
from features.simulate.population import EPOCH
from features.towns import TOWN_CODES, towns

QUALIFICATION = {"food": 0.8, "ecommerce": 0.55, "quasi_financial": 0.4}


def draw_inspectors(rng: np.random.Generator, n_firms: int, start_day: int, end_day: int
                    ) -> tuple[Inspectors, pa.Table]:
    """About one officer per 2,500 firms, at least two per town; their table and town pools."""
    n_towns = len(TOWN_CODES)
    n = max(2 * n_towns, n_firms // 2500)
    weights = towns()["weight"].to_numpy()
    home = np.concatenate([np.repeat(np.arange(n_towns), 2),
                           rng.choice(n_towns, size=n - 2 * n_towns, p=weights)])
    extra = rng.integers(0, n_towns, (n, 2))
    has_extra = rng.random((n, 2)) < np.array([0.5, 0.2])
    member = np.zeros((n, n_towns), dtype=bool)
    member[np.arange(n), home] = True
    for j in range(2):
        member[np.arange(n)[has_extra[:, j]], extra[has_extra[:, j], j]] = True
    officer, town = np.nonzero(member.T)  # ordered by town
    offset = np.searchsorted(officer, np.arange(n_towns + 1))
    pools = Inspectors(town_pool=town, town_offset=offset,
                       strictness=np.clip(rng.normal(1.0, 0.15, n), 0.6, 1.3))

    town_lists = pc.binary_join(
        pa.array([[TOWN_CODES[t] for t in np.flatnonzero(row)] for row in member]), "|")
    qualified = rng.random((n, 3)) < np.array(list(QUALIFICATION.values()))
    qualified[~qualified.any(axis=1), 0] = True
    industry_lists = pc.binary_join(
        pa.array([[k for k, q in zip(QUALIFICATION, row, strict=True) if q]
                  for row in qualified]), "|")
    leave = np.sort(rng.integers(start_day, end_day, (n, 8)), axis=1)
    leave_text = [
        "|".join(str(EPOCH + np.timedelta64(int(d), "D")) for d in np.unique(row))
        for row in leave
    ]
    table = pa.table({
        "inspector_id": ids("I", np.arange(1, n + 1), 4),
        "name": person_names(rng, n),
        "towns": town_lists,
        "industries": industry_lists,
        "visits_per_day": pa.array(rng.integers(2, 6, n), type=pa.int32()),
        "unavailable_dates": pa.array(leave_text, type=pa.string()),
    })
    return pools, table
