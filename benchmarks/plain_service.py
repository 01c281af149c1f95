"""The naive baseline for `benchmarks/service_speed.py`: the tutorial-path BentoML service.

One `@bentoml.service` that loads the quasi-financial champion through `mlflow.pyfunc` and
answers one firm's feature row (a dict of the model's inputs) with the probability from pyfunc
predict. No auth, no fast path, no database: what the issue's "5 x" is measured against.

Started by `benchmarks/service_speed.py` as
`bentoml serve benchmarks.plain_service:PlainRisk`, with `MLFLOW_TRACKING_URI` pointing at the
registry.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import bentoml
import numpy as np
import pandas as pd

MODEL_URI = os.environ.get("PLAIN_MODEL_URI", "models:/riskwarn-quasi_financial@champion")


@bentoml.service(name="plain_risk", http={"cors": {"enabled": False}})
class PlainRisk:
    def __init__(self) -> None:
        import mlflow

        warnings.filterwarnings("ignore")
        self.model = mlflow.pyfunc.load_model(MODEL_URI)
        schema = self.model.metadata.get_input_schema()
        self.numbers = [c.name for c in schema.inputs if str(c.type) == "double"]

    @bentoml.api(route="/predict")
    def predict(self, row: dict[str, Any]) -> dict[str, float]:
        """One firm's feature row -> its calibrated probability (pyfunc `predict_proba`)."""
        frame = pd.DataFrame([row])
        for name in self.numbers:  # JSON null -> NaN; MLflow's schema refuses ints for doubles
            if name in frame:
                frame[name] = frame[name].astype(float)
        probabilities = self.model.predict(frame)
        return {"probability": float(np.asarray(probabilities)[0, -1])}


@bentoml.service(name="floor", http={"cors": {"enabled": False}})
class Floor:
    """BentoML with no work at all: the same /score body in, a constant out (`async def`, no
    thread hop). Its requests/s is the most any BentoML service can answer on this machine."""

    @bentoml.api(route="/score")
    async def score(self, firms: list[dict[str, str]], fresh: bool = False
                    ) -> dict[str, list[dict[str, str]]]:
        return {"results": [{"uscc": f.get("uscc", "")} for f in firms]}
