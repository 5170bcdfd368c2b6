"""Events that span several months: their deaths shared evenly over those months, or counted
at the start month.

UCDP codes an event whose day is uncertain with the bounds of the period it happened in
(``date_start``, ``date_end``) and a date precision (``date_prec``: 1 the day, 2 a range of 2-6
days, 3 the week, 4 a range of 8-30 days or the month, 5 more than a month or the year). An
event whose dates lie in different months is a summary of violence over that period: like
VIEWS since October 2025, panels and forecast targets share its deaths evenly over the months
from ``date_start`` to ``date_end`` (rule ``spread``, the default). Its event count stays a
whole event in the month it began, so event counts remain counts. An event inside one month
(whatever its ``date_prec``) stays whole in that month. Rule ``start`` counts everything at the
month of ``date_start``, as the panels did before.

The rule is a :func:`~sahelwatch.panels.build_panel` argument; its default is the setting
``multi_month`` of :func:`sahelwatch.settings.settings`: the environment variable
``SAHELWATCH_MULTI_MONTH`` (``spread`` or ``start``), or the command line's ``--multi-month``
option for every panel and forecast a command builds.
"""

from __future__ import annotations

from typing import Literal, cast

from sahelwatch.errors import QueryError
from sahelwatch.settings import settings

MultiMonth = Literal["spread", "start"]

MULTI_MONTH_RULES: tuple[str, ...] = ("spread", "start")

MULTI_MONTH_ENV = "SAHELWATCH_MULTI_MONTH"


def multi_month_rule(rule: str | None = None) -> MultiMonth:
    """``rule``, else the setting (``$SAHELWATCH_MULTI_MONTH``, default ``spread``); checked."""
    if rule is None:
        return settings().multi_month
    if rule not in MULTI_MONTH_RULES:
        raise QueryError(f"unknown multi-month rule '{rule}'; use spread or start.")
    return cast(MultiMonth, rule)


def month_sql(column: str) -> str:
    """SQL of a DATE column's month as an ordinal ``year * 12 + month - 1``."""
    return f"(year({column}) * 12 + month({column}) - 1)"


def spread_sql(rule: MultiMonth, start_mo: str, end_mo: str) -> str:
    """SQL select items ``mo`` (one row per month the event counts in) and ``share`` (the part
    of its deaths that month gets), from SQL month ordinals of its start and end.

    A missing or earlier end counts as the start month. Used inside a SELECT whose other items
    are repeated for each month (DuckDB's ``unnest``).
    """
    if rule == "start":
        return f"{start_mo} AS mo, 1.0::DOUBLE AS share"
    end = f"greatest({start_mo}, coalesce({end_mo}, {start_mo}))"
    return (
        f"unnest(range({start_mo}, {end} + 1)) AS mo, "
        f"1.0::DOUBLE / ({end} - {start_mo} + 1) AS share"
    )
