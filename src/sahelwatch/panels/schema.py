"""The panel's levels, columns and month numbering."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from sahelwatch.actors import FAMILIES as ACTOR_FAMILIES
from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import VIOLENCE_LABELS
from sahelwatch.periods import parse_month

Level = Literal["country", "admin1", "admin2", "cell"]


LEVELS: tuple[str, ...] = ("country", "admin1", "admin2", "cell")


#: Country-month totals whose figures an event family's country panel follows where they are
#: newer than the family's events (UCDP GED 25.1 totals over GED 24.1 events).
TOTALS_FAMILIES: dict[str, tuple[str, ...]] = {"ucdp": ("ucdp_ged_cm", "ucdp_candidate_cm")}


VIOLENCE_TYPES: tuple[str, ...] = tuple(VIOLENCE_LABELS)


WINDOWS: tuple[int, ...] = (3, 6, 12)


TYPE_COLUMNS: tuple[str, ...] = (
    *(f"best_{t}" for t in VIOLENCE_TYPES),
    "best_total",
    *(f"events_{t}" for t in VIOLENCE_TYPES),
    "events_total",
)


#: Columns that need a release naming the actors (NaN where only counts are known).
ACTOR_COLUMNS: tuple[str, ...] = (
    "deaths_civilians",
    *(f"{kind}_{fam}" for fam in ACTOR_FAMILIES for kind in ("best", "events")),
)


UNPLACED_COLUMNS: tuple[str, ...] = ("unplaced_events", "unplaced_best")


ROLLED: tuple[str, ...] = ("best_sb", "best_ns", "best_os", "best_total", "events_total")


LAGGED: tuple[str, ...] = ("best_total", "events_total")


ROLLING_COLUMNS: tuple[str, ...] = tuple(f"{c}_r{k}" for c in ROLLED for k in WINDOWS)


LAG_COLUMNS: tuple[str, ...] = tuple(f"{c}_splag" for c in LAGGED)


KEY_COLUMNS: tuple[str, ...] = (
    "unit_id", "unit_name", "country_gw", "month", "covered", "covered_located", "covered_actors",
    "release",
)  # fmt: skip


VALUE_COLUMNS: tuple[str, ...] = (
    *TYPE_COLUMNS,
    *ACTOR_COLUMNS,
    *UNPLACED_COLUMNS,
    "months_since_violence",
    *ROLLING_COLUMNS,
    *LAG_COLUMNS,
)


PANEL_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *VALUE_COLUMNS)


_EPOCH = 1970 * 12


def check_level(level: str) -> Level:
    """``level`` as a :data:`Level`, or a :class:`QueryError` naming the levels."""
    if level not in LEVELS:
        raise QueryError(f"unknown level '{level}'; use one of {', '.join(LEVELS)}.")
    return cast(Level, level)


def month_ordinal(months: Any) -> np.ndarray:
    """Months (dates, timestamps or datetime64) as integers ``year * 12 + month - 1``."""
    values = pd.to_datetime(pd.Series(months)).to_numpy(dtype="datetime64[M]")
    return values.astype(np.int64) + _EPOCH


def ordinal_month(ordinals: Any) -> np.ndarray:
    """Inverse of :func:`month_ordinal`: ``datetime64[s]`` first days of month."""
    values = np.asarray(ordinals, dtype=np.int64) - _EPOCH
    return values.astype("datetime64[M]").astype("datetime64[s]")


def as_month_ordinal(value: str | date | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_month(value)
    return value.year * 12 + value.month - 1
