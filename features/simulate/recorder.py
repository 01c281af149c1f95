"""Collects generated events as NumPy arrays, one list of chunks per field, joined at the end."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


class Recorder:
    """`add("complaints", firm=..., day=...)` appends a chunk; `get("complaints")` joins them."""

    def __init__(self) -> None:
        self._chunks: dict[str, dict[str, list[np.ndarray]]] = defaultdict(
            lambda: defaultdict(list)
        )

    def add(self, table: str, /, **fields: np.ndarray) -> None:
        sizes = {len(np.atleast_1d(v)) for v in fields.values()}
        if len(sizes) != 1:
            raise ValueError(f"{table}: fields of different lengths {sizes}")
        for name, values in fields.items():
            self._chunks[table][name].append(np.atleast_1d(values))

    def get(self, table: str) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self._chunks[table].items()}
