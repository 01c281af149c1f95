"""`--engine dask`: the same features on a Dask cluster, for data beyond one machine.

The sources are read, checked and co-partitioned by firm (`uscc`) on the workers; each
partition then runs the pandas engine's own steps (`prepare`, `firm_level`, `finish`) on its
firms and their events, and only group statistics (per address, representative, town and
industry: never an event table) travel to the client to be combined.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
from dask.distributed import Client, LocalCluster

from features.build import feature_columns, finish, firm_level
from features.checks import check_table
from features.contracts import CONTRACTS, LIST_SEP, Contract
from features.dataset import (
    ensure_kind,
    partition_dir,
    partition_summary,
    replace_dir,
    write_manifest,
)
from features.industries import IndustryConfig, default_config
from features.loading import SourceError, find_files, missing_columns
from features.matching import normalize_name
from features.metadata import DatasetMeta, contracts_for, read_meta
from features.prepare import Prepared, prepare
from features.registry import combine_stats, partial_stats

EVENT_TABLES = ("registration_changes", "penalties", "complaints", "inspections",
                "abnormal_list")


def open_client(scheduler: str | None) -> Client:
    """The cluster at `scheduler`, or a local one with a worker per core."""
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                           dashboard_address=":0", processes=True)
    return Client(cluster)


def _read(path: Path) -> dd.DataFrame:
    if path.suffix == ".csv":
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
        try:
            head.decode("utf-8-sig")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            encoding = "utf-8-sig" if exc.start > len(head) - 4 else "gb18030"
        return dd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False,
                           na_values=[""], blocksize="64MB")
    return dd.read_parquet(path)


def _passing_rows(part: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    typed, violations = check_table(part, contract)
    return typed.loc[~typed.index.isin(violations["row"])]


def read_checked(location: str | Path) -> dict[str, dd.DataFrame]:
    """Each table as a Dask frame of typed rows that keep their contract."""
    if "://" in str(location):
        raise SourceError([f"{location}: the dask engine reads a folder of Parquet or CSV files"])
    files, problems = find_files(Path(location))
    declared, more = read_meta(Path(location))
    if problems or more:
        raise SourceError(problems + more)
    contracts = contracts_for(declared)
    out = {}
    for table, path in files.items():
        raw, contract = _read(path), contracts[table]
        missing = missing_columns(raw._meta, contract, str(path))  # its empty pandas frame
        if missing:
            raise SourceError(missing)
        raw = raw[[c for c in contract.names if c in raw.columns]]
        meta = _passing_rows(raw._meta, contract)
        checked = raw.map_partitions(_passing_rows, contract, meta=meta)
        out[table] = checked.drop_duplicates(subset=list(contract.key))
    return out


def _references(tables: dict[str, dd.DataFrame]) -> dict[str, dd.DataFrame]:
    """Drop registrations whose parent is unknown and visits by unknown inspectors."""
    reg = tables["registrations"]
    parents = reg[["uscc"]].rename(columns={"uscc": "parent_uscc"}).assign(_known=True)
    reg = reg.merge(parents, on="parent_uscc", how="left")
    tables["registrations"] = reg[reg["parent_uscc"].isnull() | reg["_known"].fillna(False)
                                  ].drop(columns="_known")
    inspectors = set(tables["inspectors"]["inspector_id"].compute())

    def known_pair(part: pd.DataFrame) -> pd.DataFrame:
        ids = part["inspector_ids"].str.split(LIST_SEP, regex=False)
        ok = ids.map(lambda pair: all(i.strip() in inspectors for i in pair))
        return part[ok.astype(bool)]

    insp = tables["inspections"]
    tables["inspections"] = insp.map_partitions(known_pair, meta=insp._meta)
    return tables


def match_complaints(comp: dd.DataFrame, reg: dd.DataFrame) -> tuple[dd.DataFrame, dict]:
    """Link complaints named only by text, by the rule of `features.matching`."""
    keys = reg[["uscc", "name", "town_code"]].assign(
        key=reg["name"].map_partitions(normalize_name, meta=("key", "string")))
    town_n = keys.groupby(["key", "town_code"]).size().rename("n").reset_index()
    by_town = keys.merge(town_n[town_n["n"] == 1], on=["key", "town_code"])[
        ["key", "town_code", "uscc"]].rename(columns={"uscc": "in_town"})
    city_n = keys.groupby("key").size().rename("n").reset_index()
    by_city = keys.merge(city_n[city_n["n"] == 1], on="key")[["key", "uscc"]].rename(
        columns={"uscc": "in_city"})
    probe = comp.assign(key=comp["subject_name"].map_partitions(normalize_name,
                                                                 meta=("key", "string")))
    probe = probe.merge(by_town, on=["key", "town_code"], how="left")
    probe = probe.merge(by_city, on="key", how="left")
    found = probe["in_town"].where(probe["town_code"].notnull(), probe["in_city"])
    named_only = probe["uscc"].isnull()
    matched = probe.assign(uscc=probe["uscc"].where(~named_only, found))
    counts = dask.compute(probe.shape[0], named_only.sum(), (named_only & found.notnull()).sum())
    stats = {"complaints": float(counts[0]), "named_only": float(counts[1]),
             "named_only_matched": float(counts[2]),
             "match_rate_named_only": float(counts[2] / counts[1]) if counts[1] else 1.0}
    columns = list(CONTRACTS["complaints"].names)
    return matched[matched["uscc"].notnull()][columns], stats


def co_partition(tables: dict[str, dd.DataFrame], partitions: int) -> list[dict[str, Any]]:
    """Delayed per-partition tables: a firm's registration and all its events together."""
    shuffled = {name: tables[name].shuffle(on="uscc", npartitions=partitions)
                for name in ("registrations", *EVENT_TABLES)}
    pieces = {name: frame.to_delayed() for name, frame in shuffled.items()}
    return [{name: pieces[name][i] for name in pieces} for i in range(partitions)]


def _prepare_part(parts: dict[str, pd.DataFrame], config: IndustryConfig,
                  data_end: pd.Timestamp, meta: DatasetMeta) -> Prepared:
    tables = {name: frame.reset_index(drop=True) for name, frame in parts.items()}
    return prepare(tables, config, data_end, meta)


def _finish_part(level: pd.DataFrame, stats: Any, industry: str, folder: Path, index: int
                 ) -> dict[str, Any]:
    frame = finish(level, stats, [industry])[industry]
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / f"part-{index}.parquet", index=False)
    return {"summary": partition_summary(frame), "columns": feature_columns(frame)}


def build_dataset_dask(sources: str | Path, out: Path, dates: Sequence[pd.Timestamp],
                       industries: Sequence[str], scheduler: str | None = None,
                       step: Callable[[], None] | None = None,
                       partitions: int | None = None) -> dict[str, Any]:
    """The pandas engine's dataset, built partition by partition on a Dask cluster."""
    ensure_kind(out, "active")
    started = time.perf_counter()
    config = default_config()
    with dask.config.set({"dataframe.convert-string": False}), open_client(scheduler) as client:
        tables = _references(read_checked(sources))
        tables["complaints"], match = match_complaints(tables["complaints"],
                                                       tables["registrations"])
        data_end = pd.Timestamp(max(dask.compute(
            *[tables[name]["known_at"].max() for name in EVENT_TABLES])))
        k = partitions or max(tables["registrations"].npartitions, 2 * len(
            client.scheduler_info()["workers"]))
        meta = read_meta(Path(sources))[0]
        preps = client.persist([dask.delayed(_prepare_part)(part, config, data_end, meta)
                                for part in co_partition(tables, k)])
        prepared_at = time.perf_counter()
        summaries: dict[tuple[str, str], dict[str, Any]] = {}
        columns: list[str] = []
        for as_of in dates:
            levels = client.persist([dask.delayed(firm_level)(prep, as_of) for prep in preps])
            stats = dask.delayed(combine_stats)([dask.delayed(partial_stats)(lv)
                                                 for lv in levels])
            stats = client.persist(stats)
            for industry in industries:
                final = partition_dir(out, industry, as_of)
                side = final.with_name("." + final.name + ".partial")
                parts = dask.compute(*[
                    dask.delayed(_finish_part)(level, stats, industry, side, i)
                    for i, level in enumerate(levels)])
                replace_dir(side, final)
                columns = parts[0]["columns"]
                summary = {key: sum(p["summary"][key] for p in parts)
                           for key in parts[0]["summary"]}
                summaries[(industry, f"{as_of:%Y-%m-%d}")] = {
                    "industry": industry, "as_of": f"{as_of:%Y-%m-%d}", **summary}
                if step:
                    step()
    seconds = {"load_and_prepare": round(prepared_at - started, 2),
               "total": round(time.perf_counter() - started, 2)}
    return write_manifest(out, sources, columns, summaries, data_end, match, None, seconds,
                          engine="dask")
