"""Indicator time series: every indicator of every unit of a country, month by month.

:func:`sahelwatch.indicators.indicators` computes one month; a series would call it once per
month. :func:`indicator_series` builds the panel and placed events once for the whole range and
applies the same indicator functions (both through :func:`unit_indicators`), so each month's
values equal what :func:`~sahelwatch.indicators.indicators` gives for that month (the
armed-presence window looks back ``window - 1`` months before the range, as it does there).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.indicators.armed_groups import armed_presence, attacks_on_forces, fragmentation
from sahelwatch.indicators.borders import border_violence
from sahelwatch.indicators.common import KEYS
from sahelwatch.indicators.pressure import pressure_inputs, state_pressure
from sahelwatch.indicators.violence import danger_to_civilians, deadliness, diffusion
from sahelwatch.periods import add_months
from sahelwatch.store import Store

__all__ = ["covered_months", "indicator_series", "unit_indicators"]


def covered_months(
    store: Store,
    family: str,
    countries: list[str] | None = None,
    *,
    located: bool = False,
    as_of: str | None = None,
) -> list[date]:
    """Months that a family covers in any of ``countries`` (with event locations if
    ``located``), oldest first."""
    cov = panels.coverage(store, family, countries=countries, as_of=as_of)
    if located:
        cov = cov[cov["covered_located"]]
    months = pd.to_datetime(cov["month"]).drop_duplicates().sort_values()
    return [date(m.year, m.month, 1) for m in months]


def indicator_series(
    store: Store,
    country: str,
    level: str,
    start: date | None = None,
    end: date | None = None,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    window: int = 6,
    border_km: float = 50.0,
) -> pd.DataFrame:
    """Every indicator of every unit of ``country`` at ``level``, for each month of a range.

    Parameters
    ----------
    store : the store.
    country : ISO3 code, Gleditsch-Ward number or name.
    level : ``country``, ``admin1``, ``admin2`` or ``cell``.
    start, end : first and last month (default: the months the family covers there).
    family, as_of, window, border_km : as for :func:`sahelwatch.indicators.indicators`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`sahelwatch.indicators.indicators` (but the state-pressure score,
        which is given at country level only), one row per unit and month; NaN or null where
        the data do not cover the month.

    Examples
    --------
    >>> series = indicator_series(store, "MLI", "admin1")
    >>> series.loc[0, ["unit_id", "unit_name"]].tolist()
    ['ML01', 'Kayes']
    """
    if start is None or end is None:
        months = covered_months(store, family, [country], located=level != "country", as_of=as_of)
        if not months:
            raise QueryError(f"family '{family}' covers no month of {country} at {level} level.")
        start, end = start or months[0], end or months[-1]
    if end < start:
        raise QueryError("the series ends before it starts.")
    first = add_months(start, 1 - max(window, 1))
    out, gws = unit_indicators(
        store, country, level, first, end,
        family=family, as_of=as_of, window=window, border_km=border_km,
    )  # fmt: skip
    if level == "country":
        pressure = state_pressure(
            pressure_inputs(store, gws, start=first, end=end, family=family, as_of=as_of)
        )
        columns = ["c_lethality", "c_attacks", "c_civilians", "c_diffusion", "c_capital",
                   "weight_known", "pressure"]  # fmt: skip
        pressure = pressure[[*KEYS, "nearest_km", *columns]].rename(
            columns={"nearest_km": "capital_nearest_jihadist_km"}
        )
        out = out.merge(pressure, on=KEYS, how="left")
    lo, hi = (np.datetime64(f"{m:%Y-%m}-01", "s") for m in (start, end))
    stamps = out["month"].to_numpy(dtype="datetime64[s]")
    out = out[(stamps >= lo) & (stamps <= hi)].reset_index(drop=True)
    out.attrs["level"] = level
    return out


def unit_indicators(
    store: Store,
    country: str | int,
    level: str,
    first: date,
    last: date,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    window: int = 6,
    border_km: float = 50.0,
    heuristic: bool = True,
) -> tuple[pd.DataFrame, list[int]]:
    """The panel of ``country`` at ``level`` from ``first`` to ``last`` (its key columns and
    counts) with every indicator of a unit but the state-pressure score, one row per unit and
    month; and the Gleditsch-Ward codes of the panel's countries. What
    :func:`~sahelwatch.indicators.indicators` and :func:`indicator_series` share (arguments as
    there)."""
    lvl = panels.check_level(level)
    args: dict[str, Any] = {"family": family, "as_of": as_of, "start": first, "end": last}
    panel = panels.build_panel(store, lvl, countries=[country], **args)
    events = panels.placed_events(store, lvl, countries=[country], **args)
    parts = [
        deadliness(panel),
        danger_to_civilians(panel),
        fragmentation(events, panel),
        attacks_on_forces(events, panel, heuristic=heuristic),
        armed_presence(events, panel, window=window, heuristic=heuristic),
        border_violence(events, panel, km=border_km),
    ]
    gws = panel["country_gw"].unique().tolist()
    if level != "cell":
        cells = panels.build_panel(store, "cell", countries=gws, **args)
        parts.append(diffusion(cells, panels.cells_in_units(level)))
    out = panel[[c for c in panels.PANEL_COLUMNS if c in panel.columns]]
    for part in parts:
        extra = [c for c in part.columns if c not in out.columns]
        out = out.merge(part[[*KEYS, *extra]], on=KEYS, how="left")
    return out, gws
