"""`riskwarn`, the console command: one Typer `app` (`app`) over one module per stage group —
the data (`data`: simulate, validate, features, adapt), the models (`models`: train, tune,
promote, evaluate, retrain, benchmark), the operations (`operations`: score, schedule, users)
and the service (`service`: serve, build, demo). Each command is a thin wrapper that parses
options and calls a library function. The CLI may import every other room; none imports it.
"""

from serving.cli.app import app, main

__all__ = ["app", "main"]
