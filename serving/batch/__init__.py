"""The batch edge: commands that read the sources and write results for the bureau — the nightly
scoring run (`score`) and tables for people who open them in Excel (`exports`). May import
`serving.store`, `training` and `features`; never `serving.api`, `serving.ui` or `serving.cli`.
"""
