"""The "Consequences" section of a brief: food insecurity (Cadre Harmonisé) and displacement
(UNHCR) in the brief's countries, as they stood at the brief's month, beside the violence.

Only analyses and year-end figures published up to the brief's month are used; how old the
newest one is, is said. The section names what moved together and says it is an association.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from sahelwatch import consequences as cq
from sahelwatch.periods import format_month
from sahelwatch.store import Store

NOTE = (
    "Food insecurity and displacement are shown beside the violence: that they move together "
    "does not show that the violence caused them (rainfall, prices and access matter too)."
)
#: Most units listed in phase 4+ and where both worsened.
TOP_UNITS = 8


def consequences_section(store: Store, iso3s: Sequence[str], target: date) -> dict[str, Any]:
    """The section's content for the countries ``iso3s`` at month ``target``.

    Returns
    -------
    dict
        ``available`` (False when the store has no CH or UNHCR figure for these countries),
        ``food`` (per country: newest cycle up to ``target``, people in phase 3+, share,
        change since a year before, months since the cycle), ``emergency`` (units in phase 4+
        in that cycle), ``both_worse`` (units where violence and food insecurity both worsened
        in that cycle), ``displacement`` (per country: newest year, IDPs, change, whether
        carried forward, refugees hosted and abroad) and ``note``.
    """
    wanted = [i for i in iso3s if i in cq.displacement.DISPLACEMENT_COUNTRIES]
    empty: dict[str, Any] = {"available": False, "note": NOTE}
    if not wanted:
        return empty
    units = cq.ch_units(store)
    food_rows: list[dict[str, Any]] = []
    emergency: list[dict[str, Any]] = []
    both: list[dict[str, Any]] = []
    if not units.empty:
        food = cq.food_indicators(units[units["country_iso3"].isin(wanted)])
        current = food[(food["period_type"] == "current") & (food["cycle"] <= format_month(target))]
        newest = current.groupby("country_iso3")["cycle"].max()
        food_rows = _food_rows(current, newest, target)
        latest = current.merge(newest.reset_index(), on=["country_iso3", "cycle"])
        emergency = _emergency(latest)
        both = _both_worse(store, food, newest)
    displacement = _displacement(store, wanted, target.year)
    if not (food_rows or displacement):
        return empty
    return {
        "available": True,
        "food": food_rows,
        "emergency": emergency,
        "both_worse": both,
        "displacement": displacement,
        "note": NOTE,
    }


def _months_between(cycle: str, target: date) -> int:
    return (target.year - int(cycle[:4])) * 12 + target.month - int(cycle[5:7])


def _food_rows(current: pd.DataFrame, newest: pd.Series, target: date) -> list[dict[str, Any]]:
    totals = cq.country_totals(current)
    rows = []
    for iso3, cycle in newest.items():
        this = totals[(totals["country_iso3"] == iso3) & (totals["cycle"] == cycle)].iloc[0]
        year = f"{int(cycle[:4]) - 1}{cycle[4:]}"
        before = totals[(totals["country_iso3"] == iso3) & (totals["cycle"] == year)]
        base = float(before["phase35"].iloc[0]) if len(before) else None
        rows.append(
            {
                "country": iso3,
                "cycle": cycle,
                "age_months": _months_between(str(cycle), target),
                "phase35": float(this["phase35"]),
                "share35": float(this["share35"]),
                "units": int(this["units_analysed"]),
                "year_before": base,
                "change": None if base is None else float(this["phase35"]) - base,
            }
        )
    return rows


def _emergency(latest: pd.DataFrame) -> list[dict[str, Any]]:
    worst = latest[latest["phase_class_any"] >= 4].sort_values("phase35", ascending=False)
    return [
        {
            "unit": r["unit_name"],
            "country": r["country_iso3"],
            "cycle": r["cycle"],
            "phase": int(r["phase_class_any"]),
            "published": not pd.isna(r["phase_class"]),
            "phase35": float(r["phase35"]),
            "share35": float(r["share35"]),
        }
        for r in worst.head(TOP_UNITS).to_dict("records")
    ]


def _both_worse(store: Store, food: pd.DataFrame, newest: pd.Series) -> list[dict[str, Any]]:
    if newest.empty:
        return []
    pairs = cq.violence_and_food(store, food)
    latest = pairs.merge(newest.reset_index(), on=["country_iso3", "cycle"])
    worse = latest[latest["both_worse"].fillna(False).astype(bool)]
    worse = worse.sort_values("deaths", ascending=False).head(TOP_UNITS)
    return [
        {
            "unit": r["unit_name"],
            "country": r["country_iso3"],
            "cycle": r["cycle"],
            "window": r["window"],
            "deaths": float(r["deaths"]),
            "deaths_year_before": float(r["deaths_year_before"]),
            "change": float(r["change"]),
        }
        for r in worse.to_dict("records")
    ]


def _displacement(store: Store, iso3s: list[str], year: int) -> list[dict[str, Any]]:
    frame = cq.displacement_country(store, tuple(iso3s))
    if frame.empty:
        return []
    rows = []
    for iso3, group in frame[frame["year"] <= year].dropna(subset=["idps"]).groupby("country_iso3"):
        last = group.sort_values("year").iloc[-1]
        rows.append(
            {
                "country": iso3,
                "year": int(last["year"]),
                "idps": float(last["idps"]),
                "change": None if pd.isna(last["idps_change"]) else float(last["idps_change"]),
                "carried_forward": bool(last["idps_carried_forward"]),
                "refugees_hosted": _or_none(last["refugees_hosted"]),
                "refugees_abroad": _or_none(last["refugees_abroad"]),
            }
        )
    return rows


def _or_none(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)
