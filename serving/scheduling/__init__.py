"""Inspection scheduling: pure functions that plan a period's visits (no I/O)."""
