"""Codes, names and addresses built in bulk with pyarrow string kernels (no Python loop)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import ALPHABET, complete_codes
from features.simulate import catalog as cat
from features.simulate.population import EPOCH, Population
from features.towns import towns

CODE_REFORM_DAY = int((np.datetime64("2015-10-01") - EPOCH).astype(int))


def _digits(values: np.ndarray, width: int, alphabet: str = "0123456789") -> np.ndarray:
    """(n, width) uint8 matrix of `values` written in `alphabet`'s base, most significant first."""
    base = len(alphabet)
    table = np.frombuffer(alphabet.encode(), dtype=np.uint8)
    out = np.empty((len(values), width), dtype=np.uint8)
    v = values.astype(np.int64).copy()
    for pos in range(width - 1, -1, -1):
        out[:, pos] = table[v % base]
        v //= base
    return out


def _permute(rank: np.ndarray, modulus: int, seed: int) -> np.ndarray:
    """A bijection of 0..modulus-1 (multiply by a unit, add an offset): unique, scattered ids."""
    multiplier = 7_368_787 if modulus % 7_368_787 else 7_368_791
    return (rank.astype(np.int64) * multiplier + seed * 104_729) % modulus


def uscc_codes(pop: Population, seed: int) -> np.ndarray:
    """Valid, unique codes: '91' enterprises, '92' 个体工商户, '93' co-ops; 'MA' after reform."""
    n = pop.size
    first16 = np.empty((n, 16), dtype=np.uint8)
    first16[:, 0] = ord("9")
    first16[:, 1] = np.select([pop.kind == cat.INDIVIDUAL, pop.kind == 6],
                              [ord("2"), ord("3")], default=ord("1"))
    first16[:, 2:8] = np.frombuffer(b"441900", dtype=np.uint8)
    new = pop.est_day >= CODE_REFORM_DAY
    old_individual = ~new & (pop.kind == cat.INDIVIDUAL)
    old_company = ~new & ~old_individual
    for mask, build in (
        (new, lambda r: np.hstack([np.tile(np.frombuffer(b"MA", np.uint8), (len(r), 1)),
                                   _digits(_permute(r, 31**6, seed), 6, ALPHABET)])),
        (old_individual, lambda r: np.hstack([np.full((len(r), 1), ord("L"), np.uint8),
                                              _digits(_permute(r, 10**7, seed), 7)])),
        (old_company, lambda r: _digits(_permute(r, 10**8, seed), 8)),
    ):
        rank = np.arange(int(mask.sum()))
        first16[mask, 8:16] = build(rank)
    return complete_codes(first16)


def reg_numbers(rng: np.random.Generator, pop: Population, seed: int) -> pa.Array:
    """Legacy 15-digit registration numbers for most firms set up before the 2015 reform."""
    has = (pop.est_day < CODE_REFORM_DAY) & (rng.random(pop.size) < 0.9)
    digits = _digits(_permute(np.arange(pop.size), 10**9, seed), 9)
    text = np.char.add("441900", digits.view("S9").ravel().astype("U9"))
    return pa.array(text.astype(object), type=pa.string(), mask=~has)


def _pick(options: str | tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pa.array(list(options), type=pa.string()).take(pa.array(idx))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    surname = _pick(cat.SURNAMES, rng.integers(0, len(cat.SURNAMES), n))
    first = _pick(cat.GIVEN_CHARS, rng.integers(0, len(cat.GIVEN_CHARS), n))
    second_idx = rng.integers(0, len(cat.GIVEN_CHARS) + 1, n)  # last index = no second char
    second = _pick((*cat.GIVEN_CHARS, ""), second_idx)
    return _join(surname, first, second)


def ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    text = pc.cast(pa.array(values.astype(np.int64)), pa.string())
    return _join(prefix, pc.utf8_lpad(text, width=width, padding="0"))


def person_ids(n: int, seed: int) -> pa.Array:
    return ids("P", _permute(np.arange(n), 10**10, seed), 10)


def addresses(rng: np.random.Generator, town: np.ndarray, n_shared: int) -> pa.Array:
    """One address per id; the first `n_shared` are cluster addresses (building and room)."""
    n = len(town)
    town_names = _pick(tuple(towns()["name"]), town.astype(np.int64))
    road = _pick(cat.ROADS, rng.integers(0, len(cat.ROADS), n))
    number = pc.cast(pa.array(rng.integers(1, 999, n)), pa.string())
    room = pc.cast(pa.array(rng.integers(1, 30, n) * 100 + rng.integers(1, 20, n)), pa.string())
    building = pc.cast(pa.array(rng.integers(1, 9, n)), pa.string())
    shared = pa.array(np.arange(n) < n_shared)
    tail = pc.if_else(shared, _join(building, "栋", room, "室"), "")
    return _join("东莞市", town_names, road, number, "号", tail)


def firm_names(rng: np.random.Generator, pop: Population) -> pa.Array:
    n = pop.size
    chars = tuple(cat.BRAND_CHARS)
    brand = _join(*(_pick(chars, rng.integers(0, len(chars), n)) for _ in range(2)),
                  _pick((*chars, *[""] * len(chars)), rng.integers(0, 2 * len(chars), n)))
    word = _pick(tuple(c[2] for c in cat.CATALOG), pop.catalog_row.astype(np.int64))
    town_names = _pick(tuple(towns()["name"]), pop.town.astype(np.int64))
    suffixes = ("", "有限公司", "股份有限公司", "商行", "（有限合伙）", "有限公司",
                "专业合作社")  # by kind, as in catalog.KINDS
    suffix = _pick(suffixes, pop.kind.astype(np.int64))
    own = pc.if_else(pa.array(pop.kind == cat.INDIVIDUAL),
                     _join("东莞市", town_names, brand, word),
                     _join("东莞市", brand, word, suffix))
    parent = np.where(pop.parent >= 0, pop.parent, np.arange(n))
    branch = _join(own.take(pa.array(parent)), town_names, "分公司")
    return pc.if_else(pa.array(pop.parent >= 0), branch, own)
