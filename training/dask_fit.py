"""`riskwarn train --engine dask`: the LightGBM booster fitted on a Dask cluster.

Only the booster is fitted on the cluster, with `lightgbm.dask`, on the training rows read
there from the feature dataset's partitions. The client fits the encoder on the training rows'
distinct categories and loads the calibration and test rows (a few as-of dates). The fitted
booster goes back into the pandas engine's own pipeline, so the rule blend, calibration,
evaluation, MLflow logging and serving are the pandas engine's (`training.train`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
from dask.distributed import Client, LocalCluster
from lightgbm.dask import DaskLGBMClassifier
from sklearn.compose import ColumnTransformer

from features.build import as_text
from features.dataset import partition_dir
from features.industries import Industry
from training.data import Split, calibration_target, feature_names, split_for
from training.model import (
    LABEL,
    Calibrated,
    Fitter,
    Target,
    blend_and_calibrate,
    column_order,
    inputs,
    lightgbm_params,
    make_pipeline,
)


@contextmanager
def cluster(scheduler: str | None = None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a local cluster closed on exit."""
    with dask.config.set({"dataframe.convert-string": False}):
        if scheduler:
            with Client(scheduler) as client:
                yield client
            return
        with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as local, Client(local) as client:
            yield client


def _typed(part: pd.DataFrame) -> pd.DataFrame:
    """`training.data.load_features`' types: categories as text (the encoder's input)."""
    return as_text(part.copy())


def _read(features: Path, industry: str, dates: list[pd.Timestamp]) -> dd.DataFrame:
    """The labelled rows of the given as-of dates, a Dask partition per Parquet file."""
    files = [str(f) for d in dates for f in sorted(
        partition_dir(Path(features), industry, d).glob("*.parquet"))]
    frame = dd.read_parquet(files)
    return frame[frame["label"].notnull()].map_partitions(_typed)


def load_split(features: Path, industry: str, spec: Industry
               ) -> tuple[Split, list[str], dd.DataFrame]:
    """The temporal split with calibration and test rows in the client, the training rows as a
    Dask frame; the split's `train` holds only the training as-of dates."""
    root = Path(features) / f"industry={industry}"
    if not root.is_dir():
        raise FileNotFoundError(f"{features}: no features for industry {industry} "
                                f"(run riskwarn features first)")
    target = calibration_target(spec, dd.read_parquet(str(root)).columns)
    labels = dd.read_parquet(str(root), columns=list(dict.fromkeys(["as_of", "label", target])))
    labelled = labels.loc[labels["label"].notnull(), "as_of"].astype(str)
    dates = pd.DataFrame({"as_of": labelled.unique(split_out=1).compute().to_numpy(),
                          "label": 1.0})
    if target != "label":  # random inspections' outcomes: a few rows per as-of date
        seen = labels.loc[labels[target].notnull() & labels["label"].notnull()].compute()
        dates = pd.concat([dates, seen.assign(as_of=seen["as_of"].astype(str))])
    when = split_for(dates.assign(as_of=pd.to_datetime(dates["as_of"])), spec)
    train_dates = sorted(set(when.train["as_of"]))
    train = _read(features, industry, train_dates)

    local = {name: pd.concat([_read(features, industry, [d]).compute().assign(as_of=d)
                              for d in sorted(set(getattr(when, name)["as_of"]))],
                             ignore_index=True).sort_values(["as_of", "uscc"],
                                                            ignore_index=True)
             for name in ("calibration", "test")}
    split = Split(pd.DataFrame({"as_of": train_dates}), local["calibration"], local["test"])
    return split, feature_names(local["test"]), train


def _encoded(part: pd.DataFrame, encoder: ColumnTransformer, features: list[str]
             ) -> pd.DataFrame:
    return pd.DataFrame(encoder.transform(inputs(part, features)), index=part.index,
                        columns=encoder.get_feature_names_out())


def fit_on_cluster(client: Client, rows: dd.DataFrame, train: pd.DataFrame,
                   calibration: pd.DataFrame, features: list[str], params: dict[str, Any],
                   target: Target = LABEL, seed: int = 0) -> Calibrated:
    """`training.model.fit` with the booster fitted on the cluster's training `rows` (`train`
    holds only their as-of dates)."""
    pipeline = make_pipeline(features, lightgbm_params(params, train["as_of"].nunique()), seed)
    encoder = pipeline.named_steps["encode"]
    categorical = column_order(features)[0]
    encoder.fit(inputs(rows.drop_duplicates(subset=categorical, split_out=1).compute(), features))
    names = list(encoder.get_feature_names_out())
    encoded = rows.map_partitions(_encoded, encoder, features,
                                  meta=pd.DataFrame(columns=names, dtype=float))
    # the pandas engine's LightGBM parameters; lightgbm.dask sets threads per worker itself
    local = pipeline.named_steps["model"].get_params()
    booster = DaskLGBMClassifier(client=client, **{k: v for k, v in local.items()
                                                   if k != "n_jobs"})
    booster.fit(encoded.to_dask_array(lengths=True),
                rows["label"].astype(int).to_dask_array(lengths=True),
                categorical_feature=list(range(len(categorical))))
    pipeline.set_params(model=booster.to_local())
    return blend_and_calibrate(pipeline, calibration, features, target)


def fitter(client: Client, rows: dd.DataFrame) -> Fitter:
    """`fit_and_evaluate`'s fit step, on the cluster."""
    return partial(fit_on_cluster, client, rows)
