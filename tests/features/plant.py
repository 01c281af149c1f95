"""Planting the triggers' patterns in a generated market's tables, for tests that must find
them: a complaint surge, a cluster registration, a phoenix firm and a complaint surge of a town's
food firms (an area: no firm among them complained of often enough to fire on its own)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.codes import complete_codes
from features.industries import industry_of
from features.loading import load_sources

AS_OF = pd.Timestamp("2025-01-01")
CLUSTER_ADDRESS = "东莞市长安镇集群路88号"


def new_codes(n: int, tag: str) -> list[str]:
    """`n` valid credit codes no generated market uses (body `MA` + `tag` + a number)."""
    first16 = np.array([list(f"91441900MA{tag}{i:04d}".encode()) for i in range(n)],
                       dtype=np.uint8)
    return list(complete_codes(first16))


@dataclass
class Planted:
    tables: dict[str, pd.DataFrame]
    surge: str  # the firm with a complaint surge
    surge_orders: list[str]
    cluster: list[str]  # the firms registered at one address
    phoenix: str  # the new firm
    bad_firm: str  # the earlier penalised firm it shares its legal representative with
    area_town: str  # the town whose food firms' complaints surged


AREA_FIRMS, AREA_COMPLAINTS = 12, 24  # two complaints a firm: below the firm rule's minimum


def plant_area_surge(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp = AS_OF
                     ) -> tuple[dict[str, pd.DataFrame], str]:
    """24 reports about 12 food firms of one town, in the 25 days before `as_of` (the town,
    of those with 12 food firms, whose food firms had the fewest complaints); the tables and
    the town."""
    comp, reg = tables["complaints"], tables["registrations"]
    food = reg.loc[(industry_of(reg["industry_code"]) == "food") & (reg["known_at"] < as_of)]
    firms = food["town_code"].value_counts()
    had = comp.loc[comp["uscc"].isin(food["uscc"]), "town_code"].value_counts()
    town = str(had.reindex(firms.index[firms >= AREA_FIRMS]).fillna(0).idxmin())
    firms = list(food.loc[food["town_code"] == town, "uscc"].head(AREA_FIRMS))
    days = pd.DatetimeIndex(_days(as_of, *range(25, 25 - AREA_COMPLAINTS, -1)))
    added = pd.DataFrame([comp.iloc[0].to_dict()] * AREA_COMPLAINTS).assign(
        order_id=[f"AREA{i:04d}" for i in range(AREA_COMPLAINTS)], received_at=days,
        known_at=days, kind="举报", uscc=[firms[i % len(firms)] for i in range(len(days))],
        subject_name=None, town_code=town, category="价格", closed_on=pd.NaT)
    complaints = pd.concat([comp, added.astype(comp.dtypes.to_dict())], ignore_index=True)
    return {**tables, "complaints": complaints}, town


def _register(reg: pd.DataFrame, template: pd.Series, codes: list[str],
              days: list[pd.Timestamp],
              **values: object) -> pd.DataFrame:
    rows = pd.DataFrame([template] * len(codes)).reset_index(drop=True)
    rows = rows.assign(uscc=codes, established_on=pd.to_datetime(days),
                       known_at=pd.to_datetime(days), status="存续", reg_no=None,
                       parent_uscc=None, **values)
    rows["name"] = [f"东莞市植入{c[-6:]}有限公司" for c in codes]
    return pd.concat([reg, rows.astype(reg.dtypes.to_dict())], ignore_index=True)


def _days(as_of: pd.Timestamp, *before: int) -> list[pd.Timestamp]:
    return [as_of - pd.Timedelta(days=d) for d in before]


def plant(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp = AS_OF) -> Planted:
    """The four patterns, each complete only in the month before `as_of`."""
    tables = {k: v.copy() for k, v in tables.items()}
    reg, comp, pen = tables["registrations"], tables["complaints"], tables["penalties"]
    old = reg.loc[(reg["established_on"] < as_of - pd.Timedelta(days=730))
                  & reg["legal_rep_id"].notna()]
    quiet = old.loc[~old["uscc"].isin(comp["uscc"].dropna()) & ~old["uscc"].isin(pen["uscc"])]
    surge = str(quiet["uscc"].iloc[0])
    orders = [f"PLANT{i:04d}" for i in range(8)]
    received = pd.DatetimeIndex(_days(as_of, *range(27, 5, -3)))  # 8, the last 6 days before
    template = comp.iloc[0]
    planted = pd.DataFrame([template] * 8).reset_index(drop=True).assign(
        order_id=orders, received_at=received, known_at=received, kind="投诉", uscc=surge,
        subject_name=None, town_code=quiet["town_code"].iloc[0], closed_on=pd.NaT)
    tables["complaints"] = pd.concat([comp, planted.astype(comp.dtypes.to_dict())],
                                     ignore_index=True)

    cluster = new_codes(6, "QQ")
    days = _days(as_of, 73, 60, 47, 34, 29, 12)
    reg = _register(reg, old.iloc[1], cluster, days, address=CLUSTER_ADDRESS,
                    legal_rep_id=[f"PLANTREP{i}" for i in range(6)])

    bad = pen.loc[pen["known_at"].between(*_days(as_of, 366, 31)), "uscc"]
    alone = reg["legal_rep_id"].map(reg["legal_rep_id"].value_counts()) == 1  # no nominee
    bad_firm = str(reg.loc[reg["uscc"].isin(bad) & alone, "uscc"].iloc[0])
    rep = reg.loc[reg["uscc"] == bad_firm, "legal_rep_id"].iloc[0]
    phoenix = new_codes(1, "PP")
    reg = _register(reg, old.iloc[2], phoenix, _days(as_of, 22), address="东莞市虎门镇新址1号",
                    legal_rep_id=rep)
    tables["registrations"] = reg
    tables, town = plant_area_surge(tables, as_of)
    return Planted(tables, surge, orders, cluster, phoenix[0], bad_firm, town)


def write_planted(sources: Path, out: Path, as_of: pd.Timestamp) -> Planted:
    """A copy of the sources folder with the patterns planted before `as_of`."""
    shutil.copytree(sources, out)
    planted = plant(load_sources(sources).tables, as_of)
    for name in ("registrations", "complaints"):
        planted.tables[name].to_parquet(out / f"{name}.parquet", index=False)
    return planted
