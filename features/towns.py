"""Dongguan's 4 streets, 28 towns and 4 functional areas, with 2023 census weights."""

from __future__ import annotations

from typing import Final

import pandas as pd

DIVISION: Final = "441900"

# (three-digit suffix, name, legal units in 万 from the 2023 census; the ten towns and areas
# the census groups together share their 3.40 evenly)
_TOWNS: Final[list[tuple[str, str, float]]] = [
    ("003", "东城", 3.84), ("004", "南城", 4.76), ("005", "万江", 1.64), ("006", "莞城", 1.38),
    ("101", "石碣", 0.91), ("102", "石龙", 0.38), ("103", "茶山", 1.14), ("104", "石排", 1.04),
    ("105", "企石", 0.57), ("106", "横沥", 1.00), ("107", "桥头", 0.88), ("108", "谢岗", 0.41),
    ("109", "东坑", 0.73), ("110", "常平", 2.30), ("111", "寮步", 2.70), ("112", "樟木头", 1.13),
    ("113", "大朗", 2.31), ("114", "黄江", 1.39), ("115", "清溪", 1.76), ("116", "塘厦", 3.11),
    ("117", "凤岗", 1.50), ("118", "大岭山", 2.37), ("119", "长安", 5.00), ("121", "虎门", 4.37),
    ("122", "厚街", 2.56), ("123", "沙田", 0.70), ("124", "道滘", 0.34), ("125", "洪梅", 0.34),
    ("126", "麻涌", 0.34), ("127", "望牛墩", 0.34), ("128", "中堂", 0.34), ("129", "高埗", 0.34),
    ("401", "松山湖", 0.34), ("402", "东莞港", 0.34), ("403", "生态园", 0.34),
    ("404", "滨海湾新区", 0.34),
]


def towns() -> pd.DataFrame:
    """One row per town: `town_code` (441900xxx000), `name`, `weight` (share of legal units)."""
    frame = pd.DataFrame(_TOWNS, columns=["suffix", "name", "units"])
    frame["town_code"] = DIVISION + frame["suffix"] + "000"
    frame["weight"] = frame["units"] / frame["units"].sum()
    return frame[["town_code", "name", "weight"]]


TOWN_CODES: Final[tuple[str, ...]] = tuple(DIVISION + s + "000" for s, _, _ in _TOWNS)
TOWN_NAMES: Final[dict[str, str]] = {DIVISION + s + "000": n for s, n, _ in _TOWNS}

# The towns grouped into six areas (片区) after the city's 2019 plan for grouped development
# (园区统筹组团发展): the default `districts` of a Dongguan data set, into which the bias
# audit pools towns too small to judge alone. A bureau declares its own in `_dataset.yaml`.
_DISTRICTS: Final[dict[str, tuple[str, ...]]] = {
    "城区片区": ("006", "003", "004", "005", "101", "129"),
    "松山湖片区": ("401", "403", "102", "103", "104", "111", "113", "118"),
    "东部产业园片区": ("110", "106", "107", "108", "109", "105"),
    "水乡新城片区": ("128", "127", "126", "125", "124"),
    "滨海片区": ("119", "121", "122", "123", "402", "404"),
    "东南临深片区": ("116", "115", "117", "114", "112"),
}
DISTRICTS: Final[dict[str, str]] = {DIVISION + suffix + "000": district
                                    for district, suffixes in _DISTRICTS.items()
                                    for suffix in suffixes}

# Which towns share a border, by name (read off the map of Dongguan; a bureau that knows
# better declares its own in `_dataset.yaml`: `neighbours:`). Each pair is listed once.
_BORDERS: Final[dict[str, tuple[str, ...]]] = {
    "莞城": ("东城", "南城", "万江"),
    "东城": ("南城", "万江", "石碣", "茶山", "寮步", "大岭山", "松山湖", "高埗", "生态园"),
    "南城": ("万江", "道滘", "厚街", "大岭山"),
    "万江": ("高埗", "望牛墩", "道滘", "中堂"),
    "石碣": ("高埗", "石龙", "茶山"),
    "石龙": ("茶山", "石排"),
    "茶山": ("石排", "东坑", "寮步", "生态园"),
    "石排": ("企石", "横沥", "东坑", "生态园"),
    "企石": ("横沥", "桥头"),
    "横沥": ("东坑", "常平", "桥头", "生态园"),
    "桥头": ("常平", "谢岗"),
    "谢岗": ("常平", "樟木头", "清溪"),
    "东坑": ("常平", "寮步", "大朗", "生态园"),
    "常平": ("樟木头", "黄江", "大朗"),
    "寮步": ("大朗", "松山湖", "生态园"),
    "樟木头": ("清溪", "黄江", "塘厦"),
    "大朗": ("黄江", "松山湖", "大岭山"),
    "黄江": ("塘厦", "大岭山", "松山湖"),
    "清溪": ("塘厦", "凤岗"),
    "塘厦": ("凤岗",),
    "大岭山": ("厚街", "虎门", "长安", "松山湖"),
    "长安": ("虎门", "滨海湾新区"),
    "虎门": ("厚街", "沙田", "东莞港", "滨海湾新区"),
    "厚街": ("沙田", "道滘"),
    "沙田": ("洪梅", "道滘", "东莞港", "滨海湾新区"),
    "道滘": ("洪梅", "望牛墩"),
    "洪梅": ("望牛墩", "麻涌"),
    "麻涌": ("望牛墩", "中堂"),
    "望牛墩": ("中堂", "高埗"),
    "中堂": ("高埗",),
}


def neighbours() -> dict[str, tuple[str, ...]]:
    """Dongguan's town codes -> the codes of the towns sharing a border (both ways)."""
    code = {n: c for c, n in TOWN_NAMES.items()}
    out: dict[str, set[str]] = {c: set() for c in TOWN_CODES}
    for town, others in _BORDERS.items():
        for other in others:
            out[code[town]].add(code[other])
            out[code[other]].add(code[town])
    return {c: tuple(sorted(v)) for c, v in out.items()}
