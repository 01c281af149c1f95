"""LightGBM training, temporal evaluation, calibration, explanations and MLflow tracking."""
