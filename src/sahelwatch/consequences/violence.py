"""Violence next to food insecurity: for each admin-2 unit and Cadre Harmonisé cycle, the
organised violence of the months before the cycle beside the change in people in phase 3+.

This shows where the two move together; it does not show that one causes the other (food
insecurity has many drivers: rainfall, prices, access, displacement). A window with a month no
release covers has no violence figure (NaN), never 0; a unit not analysed in a cycle has no
food figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.periods import add_months, parse_month
from sahelwatch.store import Store

#: Months of violence counted before a cycle (the cycle's own month excluded).
WINDOW_MONTHS = 6

PAIR_COLUMNS = [
    "unit_id",
    "unit_name",
    "country_iso3",
    "cycle",
    "window",
    "deaths",
    "events",
    "deaths_year_before",
    "phase35",
    "share35",
    "change",
    "phase_class_any",
    "violence_worse",
    "food_worse",
    "both_worse",
]


def violence_windows(
    panel: pd.DataFrame, cycles: list[str], months: int = WINDOW_MONTHS
) -> pd.DataFrame:
    """Deaths and events per unit in the ``months`` months before each cycle, and the deaths
    of the same window a year earlier; NaN where a month of a window is not covered."""
    if panel.empty:
        return pd.DataFrame(
            columns=["unit_id", "cycle", "window", "deaths", "events", "deaths_year_before"]
        )
    month = pd.to_datetime(panel["month"])
    deaths = panel.assign(month=month).pivot_table(
        index="unit_id", columns="month", values="best_total", dropna=False, aggfunc="first"
    )
    events = panel.assign(month=month).pivot_table(
        index="unit_id", columns="month", values="events_total", dropna=False, aggfunc="first"
    )
    frames = []
    for cycle in cycles:
        start = parse_month(cycle)
        window = [pd.Timestamp(add_months(start, -k)) for k in range(months, 0, -1)]
        before = [pd.Timestamp(add_months(m.date(), -12)) for m in window]
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": deaths.index,
                    "cycle": cycle,
                    "window": f"{window[0]:%Y-%m}..{window[-1]:%Y-%m}",
                    "deaths": _window_sum(deaths, window),
                    "events": _window_sum(events, window),
                    "deaths_year_before": _window_sum(deaths, before),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _window_sum(grid: pd.DataFrame, months: list[pd.Timestamp]) -> np.ndarray:
    """Row sums over ``months``; NaN when a month is missing from the grid or not covered."""
    if any(m not in grid.columns for m in months):
        return np.full(len(grid), np.nan)
    part = grid[months].to_numpy(dtype="float64")
    total = part.sum(axis=1)  # NaN as soon as one month is NaN
    return np.asarray(total)


def violence_and_food(
    store: Store,
    food: pd.DataFrame,
    *,
    period_type: str = "current",
    change: str = "year",
    months: int = WINDOW_MONTHS,
    family: str = "ucdp",
) -> pd.DataFrame:
    """Each matched CH unit and cycle with the violence before it and its food change.

    Parameters
    ----------
    food : :func:`~sahelwatch.consequences.food.food_indicators` of the store's CH units.
    period_type : the CH period compared (``current`` or ``projected``).
    change : ``year`` (phase 3+ against the same cycle a year before; violence likewise) or
        ``previous`` (against the country's previous cycle).
    months : violence months counted before each cycle.
    family : the event family the violence comes from.

    Returns
    -------
    pandas.DataFrame
        :data:`PAIR_COLUMNS`: ``deaths`` and ``events`` in ``window``, ``change`` in people in
        phase 3+, and ``violence_worse`` (more deaths than the same window a year before),
        ``food_worse`` (``change`` > 0), ``both_worse``; the flags are null where a figure is
        missing.
    """
    from sahelwatch import panels

    food = food[(food["period_type"] == period_type) & food["unit_id"].notna()].copy()
    if food.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    cycles = sorted(food["cycle"].unique())
    first = add_months(parse_month(cycles[0]), -months - 12)
    last = add_months(parse_month(cycles[-1]), -1)
    countries = sorted(food["country_iso3"].unique())
    try:
        panel = panels.build_panel(
            store, "admin2", family=family, countries=countries, start=first, end=last
        )
    except QueryError:  # the store holds no events of the family: no violence figures
        panel = pd.DataFrame()
    windows = violence_windows(panel, cycles, months)
    pairs = food.merge(windows, on=["unit_id", "cycle"], how="left")
    pairs["change"] = pairs["change_year" if change == "year" else "change_prev"]
    pairs["violence_worse"] = _flag(
        pairs["deaths"] > pairs["deaths_year_before"], pairs, ["deaths", "deaths_year_before"]
    )
    pairs["food_worse"] = _flag(pairs["change"] > 0, pairs, ["change"])
    both = pairs["violence_worse"] & pairs["food_worse"]
    pairs["both_worse"] = both
    return (
        pairs[PAIR_COLUMNS].sort_values(["country_iso3", "unit_id", "cycle"]).reset_index(drop=True)
    )


def _flag(values: pd.Series, frame: pd.DataFrame, needed: list[str]) -> pd.Series:
    known = frame[needed].notna().all(axis=1)
    return values.astype("boolean").where(known, pd.NA)


def association(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per country: units-cycles with both figures, the rank correlation (Spearman) of deaths
    before a cycle with the change in phase 3+, and how many pairs worsened on both."""
    known = pairs.dropna(subset=["deaths", "change"])
    rows = []
    for iso3, group in known.groupby("country_iso3"):
        rho = group["deaths"].corr(group["change"], method="spearman") if len(group) > 2 else None
        rows.append(
            {
                "country_iso3": iso3,
                "pairs": len(group),
                "spearman": None if rho is None or np.isnan(rho) else round(float(rho), 3),
                "both_worse": int(group["both_worse"].fillna(False).sum()),
            }
        )
    return pd.DataFrame(rows, columns=["country_iso3", "pairs", "spearman", "both_worse"])
