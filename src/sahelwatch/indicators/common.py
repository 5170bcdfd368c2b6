"""Helpers shared by the indicators: column checks, alignment on a panel, month keys,
coverage months, trailing sums and great-circle distances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError

#: The key columns of every panel and indicator frame.
KEYS = ["unit_id", "month"]
#: Mean Earth radius (IUGG), km.
EARTH_KM = 6371.0088


def check_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a :class:`QueryError` naming the ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise QueryError(f"{what} lacks the column(s) {missing}.")


def align(
    panel: pd.DataFrame,
    values: pd.DataFrame,
    columns: Sequence[str],
    flag: str,
    fill: float = 0.0,
) -> pd.DataFrame:
    """Panel keys with ``columns`` from ``values`` (keyed by unit_id, month): ``fill`` where
    the panel's ``flag`` holds and no value is given, NaN where the flag does not hold."""
    out = panel[KEYS].merge(values[[*KEYS, *columns]], on=KEYS, how="left")
    known = panel[flag].to_numpy(dtype=bool)
    for column in columns:
        if pd.api.types.is_numeric_dtype(out[column]) or out[column].isna().all():
            out[column] = out[column].astype("float64").fillna(fill).where(known)
        else:
            out[column] = out[column].where(known)
    return out


def month_of(events: pd.DataFrame) -> pd.Series:
    """The frame's ``month`` column as second-resolution datetimes (the panels' month key)."""
    return pd.to_datetime(events["month"]).astype("datetime64[s]")


def with_month(events: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``events`` with ``month`` as :func:`month_of` gives it."""
    out = events.copy()
    out["month"] = month_of(events)
    return out


def violent_events(events: pd.DataFrame) -> pd.DataFrame:
    """Placed events of organised violence (a violence type) with a unit."""
    check_columns(events, ["uid", "unit_id", "month", "violence_type"], "events")
    keep = events["violence_type"].notna() & events["unit_id"].notna()
    return with_month(events[keep])


def panel_grid(panel: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """A complete panel column as a (units, months) array with its unit and month indexes."""
    units = pd.Index(panel["unit_id"].unique())
    months = pd.Index(np.sort(panel["month"].unique()))
    grid = np.full((len(units), len(months)), np.nan)
    grid[units.get_indexer(panel["unit_id"]), months.get_indexer(panel["month"])] = panel[
        column
    ].to_numpy(dtype=float)
    return grid, units, months


def trailing_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over up to ``window`` months (partial at the start), NaN counted as 0."""
    x = np.nan_to_num(np.asarray(values, dtype=float))
    total = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    lo = np.maximum(np.arange(x.shape[1]) + 1 - window, 0)
    return total[:, 1:] - total[:, lo]


def haversine_km(
    lat1: np.ndarray | float,
    lon1: np.ndarray | float,
    lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def covered_country_months(coverage: pd.DataFrame, flag: str = "covered_located") -> pd.DataFrame:
    """The ``country_gw``, ``month`` pairs of ``coverage`` where ``flag`` holds."""
    cov = coverage[coverage[flag]] if flag in coverage else coverage
    return cov[["country_gw", "month"]].assign(month=lambda f: month_of(f))


def month_span(coverage: pd.DataFrame) -> np.ndarray:
    """Every month from the first to the last month of ``coverage`` (gaps included)."""
    ordinal = panels.month_ordinal(coverage["month"])
    if not len(ordinal):
        return np.array([], dtype="datetime64[s]")
    return panels.ordinal_month(np.arange(ordinal.min(), ordinal.max() + 1))
