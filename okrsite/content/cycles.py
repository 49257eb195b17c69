"""Cycle ids → dates: calendar quarters, fiscal quarters, and custom cycles from _cycle.md."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_CALENDAR_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_FISCAL_RE = re.compile(r"^FY(\d{2}|\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class CycleDates:
    start: dt.date
    end: dt.date
    scheme: str  # calendar | fiscal
    label: str  # a readable default title, e.g. "Q4 2026" or "FY2027 Q1"


def is_quarter_name(name: str) -> bool:
    """Whether `name` is written as a calendar or fiscal quarter (its year may not exist)."""
    return bool(_CALENDAR_RE.match(name) or _FISCAL_RE.match(name))


def dates_from_name(name: str, fiscal_year_start_month: int = 1) -> CycleDates | None:
    """Dates of a cycle named `YYYY-QN` or `FYYYYY-QN` / `FYYY-QN`; None for other names and
    for quarters outside the calendar (year 0, or ending after 9999)."""
    try:
        return _dates(name, fiscal_year_start_month)
    except ValueError:
        return None


def _dates(name: str, fiscal_year_start_month: int) -> CycleDates | None:
    calendar = _CALENDAR_RE.match(name)
    if calendar:
        year, quarter = int(calendar.group(1)), int(calendar.group(2))
        start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return CycleDates(start, _quarter_end(start), "calendar", f"Q{quarter} {year}")
    fiscal = _FISCAL_RE.match(name)
    if fiscal:
        digits, quarter = fiscal.group(1), int(fiscal.group(2))
        fiscal_year = int(digits) + (2000 if len(digits) == 2 else 0)
        start = fiscal_quarter_start(fiscal_year, quarter, fiscal_year_start_month)
        return CycleDates(start, _quarter_end(start), "fiscal", f"FY{fiscal_year} Q{quarter}")
    return None


def fiscal_quarter_start(fiscal_year: int, quarter: int, start_month: int) -> dt.date:
    """First day of a fiscal quarter; the fiscal year is named after the year it ends in."""
    first_year = fiscal_year if start_month == 1 else fiscal_year - 1
    months = (start_month - 1) + 3 * (quarter - 1)
    return dt.date(first_year + months // 12, months % 12 + 1, 1)


def _quarter_end(start: dt.date) -> dt.date:
    months = start.month - 1 + 3
    following = dt.date(start.year + months // 12, months % 12 + 1, 1)
    return following - dt.timedelta(days=1)
