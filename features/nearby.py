"""Complaints about a place rather than a firm, turned into events of the firms around it.

Many orders (12345 hot-line orders about a street, Chicago's 311 sanitation complaints) carry
coordinates but no subject firm. Each such complaint becomes an event of every firm whose
premises lie within `NEARBY_RADIUS_M`, once, when the sources are prepared; the usual window
counts then give `near_comp_{30,90,365}d` on any as-of date with no spatial work per date.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8
NEARBY_RADIUS_M = 500.0


def local_metres(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Points as (x, y) metres on a plane tangent near `lat0` (equirectangular: within a
    city the error is far below the radius)."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([EARTH_RADIUS_M * lam * np.cos(np.radians(lat0)),
                            EARTH_RADIUS_M * phi])


def nearby_pairs(firm_lat: np.ndarray, firm_lon: np.ndarray, event_lat: np.ndarray,
                 event_lon: np.ndarray, radius_m: float = NEARBY_RADIUS_M
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(firm row, event row) for every event within `radius_m` of a firm; rows without
    coordinates take part in no pair."""
    firms = np.flatnonzero(~(np.isnan(firm_lat) | np.isnan(firm_lon)))
    events = np.flatnonzero(~(np.isnan(event_lat) | np.isnan(event_lon)))
    if not len(firms) or not len(events):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lat0 = float(np.median(firm_lat[firms]))
    firm_xy = local_metres(firm_lat[firms], firm_lon[firms], lat0)
    event_xy = local_metres(event_lat[events], event_lon[events], lat0)
    close = cKDTree(firm_xy).sparse_distance_matrix(
        cKDTree(event_xy), radius_m, output_type="ndarray")
    return firms[close["i"]].astype(np.int64), events[close["j"]].astype(np.int64)
