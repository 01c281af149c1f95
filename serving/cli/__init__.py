"""`riskwarn`, the console command (`app`)."""

from serving.cli.app import app

__all__ = ["app"]
