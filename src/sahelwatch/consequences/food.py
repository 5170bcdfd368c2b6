"""Food insecurity from the Cadre Harmonisé: the units of the store on the bundled admin-2
boundaries, and their indicators per analysis cycle.

Indicators (per unit, cycle and period type; defined in ``docs/methodology.md``):

* ``phase35``, ``share35``: people in phase 3 or worse, and their share of the population;
* ``change_prev``: change in ``phase35`` since the country's previous cycle (same period type);
* ``change_year``: change since the same cycle a year before;
* ``phase_class``: the unit's published phase (null when the unit was summed from several
  analysed areas: ``phase_class_max`` is then the worst of them, a derived figure).

A unit without a row in a cycle was not analysed: no data. A change needs both rows; where
either is missing, or either has no phase figures, it is NaN, never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahelwatch.consequences.units import match_ch_units
from sahelwatch.errors import QueryError
from sahelwatch.store import Store

PERIOD_TYPES = ("current", "projected")
PHASES = ("phase1", "phase2", "phase3", "phase4", "phase5")

_UNITS_SQL = """
SELECT c.country_iso3, c.adm1_pcode, c.adm1_name, c.adm2_pcode, c.adm2_name, c.cycle,
       c.period_type, c.reference_label, c.period_from, c.period_to, c.use_period,
       c.population, c.phase1, c.phase2, c.phase3, c.phase4, c.phase5, c.phase35,
       c.phase_class, c.phase_class_max, c.n_areas, c.file_id, c.row_number, c.release
FROM ({current}) c
ORDER BY c.country_iso3, c.adm2_pcode NULLS FIRST, c.cycle, c.period_type
"""


def ch_units(store: Store) -> pd.DataFrame:
    """Every current CH unit record, with the boundary unit it matches.

    Returns
    -------
    pandas.DataFrame
        The store's CH columns (``cycle`` as ``YYYY-MM``; counts as float, NaN when not
        published), the record's ``file_id`` and ``row_number`` and its ``release``, and
        ``unit_id``, ``unit_name``, ``match`` from :func:`~sahelwatch.consequences.units.
        match_ch_units` (``unit_id`` null when the unit matches no boundary).
    """
    if not store.has_table("ch_unit_versions"):
        return pd.DataFrame()
    frame = store.con.execute(_UNITS_SQL.format(current=store.current_sql("ch_unit_versions"))).df()
    if frame.empty:
        return frame
    counts = ["population", *PHASES, "phase35"]
    frame[counts] = frame[counts].astype("float64")
    for column in ("period_from", "period_to"):
        frame[column] = pd.to_datetime(frame[column])
    matched = match_ch_units(frame).rename(
        columns={"ch_pcode": "adm2_pcode", "ch_name": "adm2_name", "ch_adm1_name": "adm1_name"}
    )
    keys = ["country_iso3", "adm2_pcode", "adm2_name", "adm1_name"]
    return frame.merge(matched, on=keys, how="left", validate="many_to_one")


def food_indicators(units: pd.DataFrame) -> pd.DataFrame:
    """Add ``share35``, ``change_prev``, ``change_year``, ``prev_cycle``, ``prev_phase_class``
    and ``phase_class_any`` (published class, else the derived maximum) to :func:`ch_units`.

    The previous cycle is the country's previous cycle with rows of that period type; the
    year before is the cycle twelve months earlier.
    """
    if units.empty:
        return units.assign(
            share35=[],
            change_prev=[],
            change_year=[],
            prev_cycle=[],
            prev_phase_class=[],
            phase_class_any=[],
        )
    out = units.copy()
    out["share35"] = out["phase35"] / out["population"].where(out["population"] > 0)
    out["phase_class_any"] = out["phase_class"].fillna(out["phase_class_max"]).astype("Float64")
    cycles = (
        out[["country_iso3", "period_type", "cycle"]]
        .drop_duplicates()
        .sort_values(["country_iso3", "period_type", "cycle"])
    )
    cycles["prev_cycle"] = cycles.groupby(["country_iso3", "period_type"])["cycle"].shift()
    out = out.merge(cycles, on=["country_iso3", "period_type", "cycle"], how="left")
    out["year_cycle"] = [f"{int(c[:4]) - 1}{c[4:]}" for c in out["cycle"]]
    key = ["country_iso3", "adm2_pcode", "adm1_pcode", "period_type"]
    earlier = out[[*key, "cycle", "phase35", "phase_class_any"]]
    prev = earlier.rename(
        columns={"cycle": "prev_cycle", "phase35": "_prev35", "phase_class_any": "prev_phase_class"}
    )
    year = earlier.drop(columns="phase_class_any").rename(
        columns={"cycle": "year_cycle", "phase35": "_year35"}
    )
    out = out.merge(prev, on=[*key, "prev_cycle"], how="left").merge(
        year, on=[*key, "year_cycle"], how="left"
    )
    out["change_prev"] = out["phase35"] - out["_prev35"]
    out["change_year"] = out["phase35"] - out["_year35"]
    return out.drop(columns=["_prev35", "_year35", "year_cycle"])


def check_period_type(period_type: str) -> str:
    """``period_type`` if it is ``current`` or ``projected``; else a QueryError."""
    if period_type not in PERIOD_TYPES:
        raise QueryError(f"period type must be current or projected, not {period_type!r}.")
    return period_type


def country_totals(units: pd.DataFrame) -> pd.DataFrame:
    """People in phase 3+ and population per country, cycle and period type, with the number
    of units analysed (units with phase figures) and the units without figures."""
    if units.empty:
        return pd.DataFrame()
    with_figures = units["phase35"].notna()
    grouped = units.assign(analysed=with_figures, no_figures=~with_figures).groupby(
        ["country_iso3", "cycle", "period_type"], as_index=False
    )
    totals = grouped.agg(
        phase35=("phase35", lambda s: s.sum(min_count=1)),
        population=("population", lambda s: s.sum(min_count=1)),
        units_analysed=("analysed", "sum"),
        units_without_figures=("no_figures", "sum"),
    )
    totals["share35"] = totals["phase35"] / totals["population"].replace(0, np.nan)
    return totals
