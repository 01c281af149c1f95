"""The City of Chicago's model, re-implemented: logistic regression on 11 inputs with a ridge
penalty on the inspector dummies only (R: `glmnet(alpha = 0, penalty.factor = ...)`).

glmnet is reproduced rather than approximated: columns are standardised (population sd), the
penalty factors are rescaled to sum to the number of columns, and lambda is the last of
glmnet's default path, `lambda[100] = 1e-4 * lambda_max` (the published code picks
`w.lam <- 100`). lambda_max is the largest inspector gradient at the fit of the unpenalised
terms alone, divided by its penalty factor and by glmnet's floor of 1e-3 for alpha = 0. The
penalised mean log-likelihood is then minimised exactly with `scipy.optimize` (trust-exact,
analytic gradient and Hessian); the penalty matters little (lambda ~ 0.0026), it only pins the
six dummies that an intercept makes collinear.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

INSPECTOR = "Inspector_Assigned"
LAMBDA_RATIO = 1e-4  # glmnet's lambda.min.ratio when observations outnumber columns
ALPHA_FLOOR = 1e-3   # glmnet computes lambda_max with max(alpha, 1e-3)


def logit_inputs(rows: pd.DataFrame, inspectors: list[str]) -> pd.DataFrame:
    """Their 11 inputs as a numeric matrix: one dummy per inspector cluster, the caps of the
    published code, and `ageAtInspection > 4`."""
    dummies = {f"{INSPECTOR}={name}": (rows[INSPECTOR] == name).to_numpy(dtype=float)
               for name in inspectors}
    return pd.DataFrame({
        **dummies,
        "pastSerious": np.minimum(rows["pastSerious"], 1),
        "pastCritical": np.minimum(rows["pastCritical"], 1),
        "timeSinceLast": rows["timeSinceLast"],
        "ageAtInspection": (rows["ageAtInspection"] > 4).astype(float),
        "consumption_on_premises_incidental_activity":
            rows["consumption_on_premises_incidental_activity"],
        "tobacco_retail_over_counter": rows["tobacco_retail_over_counter"],
        "temperatureMax": rows["temperatureMax"],
        "heat_burglary": np.minimum(rows["heat_burglary"], 70),
        "heat_sanitation": np.minimum(rows["heat_sanitation"], 70),
        "heat_garbage": np.minimum(rows["heat_garbage"], 50),
    }, index=rows.index).astype(float)


def _objective(beta: np.ndarray, x: np.ndarray, y: np.ndarray, ridge: np.ndarray
               ) -> tuple[float, np.ndarray]:
    eta = x @ beta
    loss = np.mean(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(ridge * beta**2)
    return float(loss), x.T @ (expit(eta) - y) / len(y) + ridge * beta


def _hessian(beta: np.ndarray, x: np.ndarray, y: np.ndarray, ridge: np.ndarray) -> np.ndarray:
    p = expit(x @ beta)
    return (x * (p * (1 - p))[:, None]).T @ x / len(y) + np.diag(ridge)


def _fit(x: np.ndarray, y: np.ndarray, ridge: np.ndarray) -> np.ndarray:
    """Minimise the penalised mean negative log-likelihood (column 0 is the intercept)."""
    start = np.zeros(x.shape[1])
    start[0] = np.log(y.mean() / (1 - y.mean()))
    result = minimize(_objective, start, args=(x, y, ridge), jac=True, hess=_hessian,
                      method="trust-exact", options={"gtol": 1e-9})
    if np.max(np.abs(result.jac)) > 1e-6:
        raise RuntimeError(f"ridge logit did not converge: {result.message}")
    return np.asarray(result.x)


class InspectorRidgeLogit:
    """Logistic regression, ridge penalty on columns starting with `penalized_prefix` only,
    lambda chosen as glmnet's default path ends (see the module docstring)."""

    def __init__(self, penalized_prefix: str = INSPECTOR, lambda_ratio: float = LAMBDA_RATIO):
        self.penalized_prefix = penalized_prefix
        self.lambda_ratio = lambda_ratio

    def fit(self, inputs: pd.DataFrame, y: np.ndarray) -> InspectorRidgeLogit:
        x = inputs.to_numpy(dtype=float)
        y = np.asarray(y, dtype=float)
        penalized = np.array([c.startswith(self.penalized_prefix) for c in inputs.columns])
        factor = np.where(penalized, len(penalized) / penalized.sum(), 0.0)
        mean, sd = x.mean(axis=0), x.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        standard = np.column_stack([np.ones(len(x)), (x - mean) / sd])
        free = np.concatenate([[True], ~penalized])
        base = _fit(standard[:, free], y, np.zeros(free.sum()))
        residual = y - expit(standard[:, free] @ base)
        gradient = np.abs(standard[:, 1:].T @ residual) / len(y)
        self.lambda_max_ = float(np.max(gradient[penalized] / factor[penalized]) / ALPHA_FLOOR)
        self.lambda_ = self.lambda_max_ * self.lambda_ratio
        beta = _fit(standard, y, np.concatenate([[0.0], self.lambda_ * factor]))
        self.coef_ = beta[1:] / sd
        self.intercept_ = float(beta[0] - self.coef_ @ mean)
        self.feature_names_in_ = list(inputs.columns)
        return self

    def predict_proba(self, inputs: pd.DataFrame) -> np.ndarray:
        """(n, 2) probabilities of no critical violation / a critical violation."""
        x = inputs[self.feature_names_in_].to_numpy(dtype=float)
        p = expit(self.intercept_ + x @ self.coef_)
        return np.column_stack([1 - p, p])


def fit_logit(train: pd.DataFrame, label: str) -> InspectorRidgeLogit:
    """The published model fitted on the training rows (inspector levels from them)."""
    inspectors = sorted(train[INSPECTOR].unique())
    return InspectorRidgeLogit().fit(logit_inputs(train, inspectors), train[label].to_numpy())


def logit_scores(model: InspectorRidgeLogit, rows: pd.DataFrame) -> np.ndarray:
    """Probability of a critical violation for each row."""
    inspectors = [c.split("=", 1)[1] for c in model.feature_names_in_
                  if c.startswith(f"{INSPECTOR}=")]
    return model.predict_proba(logit_inputs(rows, inspectors))[:, 1]
