"""Inspection scheduling: pure functions that plan a period's visits — the double-random draw
by tier and town, the targeted list, lawful inspector assignment and the working calendar — with
no I/O. May import `features` only; `serving.workspace.planning` gathers its inputs and stores
its plans.
"""
