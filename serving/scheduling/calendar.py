"""China's official working days: public holidays excluded, makeup working days (调休)
included, from the maintained `chinesecalendar` package; config can add holidays or working
days (a new year's State Council notice before the package has it, a local closure)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class CalendarOverrides:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


def is_workday(day: date, overrides: CalendarOverrides = CalendarOverrides()) -> bool:
    if day in overrides.holidays:
        return False
    if day in overrides.workdays:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # a year the package does not know yet: Monday to Friday, said out loud
        warnings.warn(f"no official calendar for {day.year}: using Monday-Friday; add the "
                      "year's holidays and makeup days to the scheduling config", stacklevel=2)
        return day.weekday() < 5


def working_days(start: date, end: date,
                 overrides: CalendarOverrides = CalendarOverrides()) -> list[date]:
    """Official working days from `start` to `end`, both included."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_workday(d, overrides)]


def overrides_from(holidays: Iterable[str] = (), workdays: Iterable[str] = ()
                   ) -> CalendarOverrides:
    return CalendarOverrides(frozenset(date.fromisoformat(d) for d in holidays),
                             frozenset(date.fromisoformat(d) for d in workdays))
