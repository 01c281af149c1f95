"""The City of Chicago's public food-inspection tables as riskwarn's source tables.

A worked example of mapping another authority's exports onto the contracts (the README's
operator's guide walks through it). Only raw records are read: the canvass inspections with
their results and violation counts by severity, the business licences matched to them, the
sanitarian of each inspection, the other inspections' purposes (complaint-driven visits are
complaints about the firm), and the 311 sanitation-code complaints with their coordinates.
No derived column of the city's analysis table (`past*`, `timeSinceLast`, `heat_*`,
`ageAtInspection`, ...) is read: riskwarn rebuilds its own history from these records.

Mapping, table by table:

- registrations: one row per licence number (the firm id, `firm_id: licence`); the name is
  the DBA name, the area the ward (`W01`..`W50`, `W00` unknown), the premises' coordinates
  from the inspections, the legal form from the legal name (LLC 有限责任公司, Inc./Corp.
  股份有限公司, else 个体工商户), the "legal representative" the licence account (licences
  of one account are related firms), the industry code from the facility type, established
  on the account's first licence term (or the first inspection, if earlier).
- inspections: each canvass inspection, `targeted` (canvassing follows risk classes, not a
  random draw), one sanitarian (`visit_inspectors: 1`), outcome from the result (Pass
  no_problem, Pass w/ Conditions rectify, Fail case_opened), and the critical, serious and
  minor violation counts.
- complaints: 311 sanitation complaints (coordinates, no subject firm; duplicates of another
  request left out) and the complaint-driven inspections of a licence (a complaint about it,
  known on the day it was inspected).
- inspectors: the six sanitarian clusters (and `unknown`); penalties, listings and
  registration changes are not published: empty tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.contracts import CONTRACTS, LIST_SEP
from features.metadata import DatasetMeta, write_meta

WARDS = tuple(f"W{i:02d}" for i in range(51))
META = DatasetMeta(name="chicago-food-inspections", firm_id="licence",
                   firm_id_pattern=r"\d{1,9}", town_codes=WARDS, visit_inspectors=1)
OUTCOME = {"Pass": "no_problem", "Pass w/ Conditions": "rectify", "Fail": "case_opened"}
COMPLAINT_PURPOSES = {"Complaint": "卫生问题", "Short Form Complaint": "卫生问题",
                      "Suspected Food Poisoning": "食用后不适"}
FILES = {"inspections": "23_food_insp_features", "licences": "24_bus_features",
         "sanitarians": "19_inspector_assignments", "visits": "inspectors",
         "sanitation": "15_sanitation_code"}


def read_raw(folder: Path) -> dict[str, pd.DataFrame]:
    """The raw tables the adapter reads, by role."""
    return {role: pd.read_parquet(folder / f"{name}.parquet") for role, name in FILES.items()}


def id_text(values: pd.Series) -> pd.Series:
    """Numeric ids (stored as floats) as text without a decimal point, as the adapted tables
    hold them; missing stays missing."""
    number = pd.to_numeric(values, errors="coerce")
    return number.astype("Int64").astype("string")


def _ward(values: pd.Series) -> pd.Series:
    number = pd.to_numeric(values, errors="coerce").fillna(0).astype(int).clip(0, 50)
    return number.map(lambda w: f"W{w:02d}").astype("string")


def _industry_code(facility: pd.Series) -> np.ndarray:
    """GB/T 4754 classes of the food industry: restaurants 6210 (正餐), bakeries 1419,
    grocery stores 5221, caterers and the kitchens of schools, day care, hospitals and care
    homes 6241 (餐饮配送), else 5229 (other food retail)."""
    text = facility.fillna("").str.lower()
    return np.select(
        [text.str.contains("restaurant"), text.str.contains("bakery"),
         text.str.contains("grocery"),
         text.str.contains("school|daycare|day care|hospital|long term care|children|cater")],
        ["6210", "1419", "5221", "6241"], "5229")


def _entity_type(legal_name: pd.Series) -> np.ndarray:
    text = legal_name.fillna("").str.upper()
    return np.select(
        [text.str.contains(r"\bL\.?L\.?C\b|LIMITED", regex=True),
         text.str.contains(r"\bINC\b|\bCORP|\bCORPORATION\b|\bCO\b", regex=True)],
        ["有限责任公司", "股份有限公司"], "个体工商户")


def inspections(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    insp = raw["inspections"]
    who = raw["sanitarians"].drop_duplicates("inspectionID").set_index("inspectionID")
    sanitarian = insp["Inspection_ID"].map(who["sanitarian"]).astype("string")
    return pd.DataFrame({
        "inspection_id": id_text(insp["Inspection_ID"]),
        "uscc": id_text(insp["License"]),
        "kind": "targeted",
        "inspected_on": insp["Inspection_Date"].dt.normalize(),
        "inspector_ids": sanitarian.fillna("unknown"),
        "outcome": insp["Results"].map(OUTCOME).fillna("not_found"),
        "inclusion_prob": np.nan,
        "known_at": insp["Inspection_Date"].dt.normalize(),
        "critical_violations": insp["criticalCount"].astype("Int64"),
        "serious_violations": insp["seriousCount"].astype("Int64"),
        "minor_violations": insp["minorCount"].astype("Int64"),
    }).dropna(subset=["inspection_id", "uscc"])


def registrations(raw: dict[str, pd.DataFrame], visits: pd.DataFrame) -> pd.DataFrame:
    insp = raw["inspections"].assign(uscc=id_text(raw["inspections"]["License"]))
    lic = raw["licences"].set_index("Inspection_ID")
    joined = insp.merge(lic, left_on="Inspection_ID", right_index=True, how="left",
                        suffixes=("", "_lic")).sort_values("Inspection_Date")
    latest = joined.dropna(subset=["uscc"]).groupby("uscc", sort=True).last()
    first_visit = visits.groupby("uscc")["inspected_on"].min()
    before_visit = first_visit - pd.Timedelta(days=1)  # on the register before its first visit
    opened = pd.concat([latest["minDate"].dt.normalize(), before_visit], axis=1).min(axis=1)
    account = id_text(latest["ACCOUNT_NUMBER"])
    return pd.DataFrame({
        "uscc": latest.index.to_numpy(),
        "reg_no": None,
        "parent_uscc": None,
        "name": latest["DBA_Name"].fillna(latest["DOING_BUSINESS_AS_NAME"]).fillna("unknown")
        .to_numpy(),
        "entity_type": _entity_type(latest["LEGAL_NAME"]),
        "industry_code": _industry_code(latest["Facility_Type"]),
        "business_scope": latest["BUSINESS_ACTIVITY"].to_numpy(),
        "registered_capital": np.nan,
        "established_on": opened.to_numpy(),
        "status": "存续",
        "town_code": _ward(latest["WARD"]).to_numpy(),
        "address": latest["Address"].to_numpy(),
        "legal_rep_name": None,
        "legal_rep_id": ("A" + account).to_numpy(),
        "known_at": opened.to_numpy(),
        "latitude": latest["Latitude"].to_numpy(dtype=float),
        "longitude": latest["Longitude"].to_numpy(dtype=float),
    })


def complaints(raw: dict[str, pd.DataFrame], firms: pd.Series) -> pd.DataFrame:
    san = raw["sanitation"]
    san = san.loc[~san["Status"].fillna("").str.endswith("Dup")].drop_duplicates(
        "Service_Request_Number")
    created = san["Creation_Date"]
    closed = san["Completion_Date"].where(san["Completion_Date"] >= created.dt.normalize())
    places = pd.DataFrame({
        "order_id": "311-" + san["Service_Request_Number"].astype("string"),
        "received_at": created, "channel": "电话", "kind": "投诉", "uscc": None,
        "subject_name": None, "town_code": _ward(san["Ward"]), "category": "卫生问题",
        "handling_unit": "Streets and Sanitation", "closed_on": closed.dt.normalize(),
        "substantiated": None, "satisfaction": None, "known_at": created.dt.normalize(),
        "latitude": san["Latitude"], "longitude": san["Longitude"],
    })
    visits = raw["visits"]
    about = visits.loc[visits["Inspection_Purpose"].isin(list(COMPLAINT_PURPOSES))]
    about = about.assign(uscc=id_text(about["License"])).loc[lambda f: f["uscc"].isin(firms)]
    day = about["Inspection_Date"].dt.normalize()
    named = pd.DataFrame({
        "order_id": "visit-" + about["uscc"] + "-" + day.dt.strftime("%Y%m%d") + "-"
        + about.groupby(["uscc", day]).cumcount().astype("string"),
        "received_at": day, "channel": "电话", "kind": "投诉", "uscc": about["uscc"],
        "subject_name": about["DBA"], "town_code": None,
        "category": about["Inspection_Purpose"].map(COMPLAINT_PURPOSES),
        "handling_unit": "Department of Public Health", "closed_on": day,
        "substantiated": None, "satisfaction": None, "known_at": day,
        "latitude": np.nan, "longitude": np.nan,
    })
    return pd.concat([places, named], ignore_index=True)


def inspectors(visits: pd.DataFrame) -> pd.DataFrame:
    ids = sorted(set(visits["inspector_ids"].dropna()))
    return pd.DataFrame({"inspector_id": ids, "name": ids, "towns": LIST_SEP.join(WARDS),
                         "industries": "food", "visits_per_day": 10,
                         "unavailable_dates": None})


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="string") for name in CONTRACTS[table].names})


def adapt(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The seven source tables from the raw Chicago tables (pure)."""
    visits = inspections(raw)
    firms = registrations(raw, visits)
    return {
        "registrations": firms,
        "registration_changes": _empty("registration_changes"),
        "penalties": _empty("penalties"),
        "complaints": complaints(raw, firms["uscc"]),
        "inspections": visits,
        "abnormal_list": _empty("abnormal_list"),
        "inspectors": inspectors(visits),
    }


def write_sources(data: Path, out: Path) -> dict[str, int]:
    """Adapt the tables in `data` and write them, with `_dataset.yaml`, to `out`."""
    tables = adapt(read_raw(data))
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    write_meta(out, META)
    return {name: len(frame) for name, frame in tables.items()}
