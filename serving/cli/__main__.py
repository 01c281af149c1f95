"""`python -m serving.cli`: the `riskwarn` command."""

from serving.cli.app import app

app(prog_name="riskwarn")
