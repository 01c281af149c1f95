"""`python -m serving.cli`: the `riskwarn` command."""

from serving.cli.app import main

main()
