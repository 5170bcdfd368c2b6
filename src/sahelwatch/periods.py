"""Months and periods: the calendar vocabulary shared by every stage.

A month is written ``YYYY-MM`` and held as a :class:`datetime.date` on its first day.
"""

from __future__ import annotations

import re
from datetime import date

from sahelwatch.errors import QueryError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """Parse ``YYYY-MM`` into the first day of that month.

    >>> parse_month("2026-02")
    datetime.date(2026, 2, 1)
    """
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise QueryError(f"'{text}' is not a month; write it as YYYY-MM, for example 2026-02.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_period(text: str) -> tuple[date, date]:
    """Parse ``YYYY-MM..YYYY-MM`` (or a single ``YYYY-MM``) into first and last month."""
    first, dots, last = text.partition("..")
    if dots and not (first and last):
        raise QueryError(f"period '{text}' lacks its {'first' if not first else 'last'} month; "
                         "give YYYY-MM or YYYY-MM..YYYY-MM.")  # fmt: skip
    start, end = parse_month(first), parse_month(last or first)
    if end < start:
        raise QueryError(f"period '{text}' ends before it starts.")
    return start, end


def add_months(month: date, n: int) -> date:
    """Shift a month by ``n`` months."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_range(start: date, end: date) -> list[date]:
    """Every month from ``start`` to ``end`` inclusive."""
    months = []
    current = date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def format_month(month: date) -> str:
    """``date(2026, 2, 1)`` -> ``"2026-02"``."""
    return f"{month.year:04d}-{month.month:02d}"


def compress_months(months: list[date]) -> list[tuple[date, date]]:
    """Collapse sorted months into runs of consecutive months."""
    runs: list[tuple[date, date]] = []
    for month in sorted(set(months)):
        if runs and add_months(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def format_runs(runs: list[tuple[date, date]]) -> str:
    """``[(2025-01, 2025-02), (2025-12, 2026-02)]`` -> ``"2025-01..2025-02, 2025-12..2026-02"``."""
    return ", ".join(
        format_month(a) if a == b else f"{format_month(a)}..{format_month(b)}" for a, b in runs
    )
