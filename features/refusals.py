"""Requests the data cannot serve, refused with a one-line reason (the CLI exits 2 with it)."""

from __future__ import annotations


class DatasetKindError(ValueError):
    """A feature folder holds another kind of dataset than the one about to be written."""


class LabelError(DatasetKindError):
    """A cohort label the data set cannot support, or one that is not a label. A subclass of
    DatasetKindError so that every caller refusing one refuses the other the same way."""
