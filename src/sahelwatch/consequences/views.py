"""What the CLI, the API, the dashboard and the briefs show of the consequences: the share of
CH units matched, the food-insecurity layer of a month or cycle, and the units where violence
and food insecurity both worsened.

The layer lists every bundled admin-2 unit of the CH countries; a unit the cycle did not
analyse, or a month no CH period covers, gets null figures and a ``status`` that says so: no
data, never zero.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from sahelwatch.consequences.food import check_period_type
from sahelwatch.consequences.units import admin2_units
from sahelwatch.errors import QueryError
from sahelwatch.periods import parse_month

LAYER_COLUMNS = [
    "unit_id",
    "unit_name",
    "country_iso3",
    "admin1_name",
    "status",
    "cycle",
    "period_type",
    "reference_label",
    "period_from",
    "period_to",
    "population",
    "phase35",
    "share35",
    "phase4",
    "phase5",
    "phase_class",
    "phase_class_max",
    "change_prev",
    "change_year",
    "prev_phase_class",
    "file_id",
    "row_number",
    "release",
]


def match_shares(units: pd.DataFrame) -> pd.DataFrame:
    """Per country: distinct CH units, how many matched a bundled admin-2 unit and the share,
    with the unmatched units named (``ch_pcode name``)."""
    distinct = units.drop_duplicates(["country_iso3", "adm2_pcode", "adm2_name", "adm1_name"])
    rows = []
    for iso3, group in distinct.groupby("country_iso3"):
        missing = group[group["unit_id"].isna()]
        rows.append(
            {
                "country_iso3": iso3,
                "ch_units": len(group),
                "matched": int(group["unit_id"].notna().sum()),
                "share": round(float(group["unit_id"].notna().mean()), 4),
                "by_pcode": int((group["match"] == "pcode").sum()),
                "unmatched": "; ".join(
                    f"{p or '-'} {n or a}"
                    for p, n, a in missing[["adm2_pcode", "adm2_name", "adm1_name"]].itertuples(
                        index=False
                    )
                ),
            }
        )
    return pd.DataFrame(rows)


def cycles_table(units: pd.DataFrame) -> pd.DataFrame:
    """Each country's cycles and period types with the months they describe and how many units
    have phase figures."""
    if units.empty:
        return pd.DataFrame()
    return (
        units.assign(analysed=units["phase35"].notna())
        .groupby(["country_iso3", "cycle", "period_type"], as_index=False)
        .agg(
            period_from=("period_from", "min"),
            period_to=("period_to", "max"),
            use_period=("use_period", "any"),
            units=("analysed", "sum"),
        )
    )


# Columns a layer takes from the CH rows (besides the boundary unit's own).
_ROW_COLUMNS = [
    c for c in LAYER_COLUMNS if c not in ("unit_name", "country_iso3", "admin1_name", "status")
]


def layer_rows(food: pd.DataFrame, period_type: str) -> pd.DataFrame:
    """The matched CH rows of one period type with what a layer shows, ranked for
    :func:`pick_rows` (the analysis CH marks for use first, then the newer): computed once,
    it makes each layer cheap."""
    check_period_type(period_type)
    rows = food.loc[
        (food["period_type"] == period_type) & food["unit_id"].notna(),
        [*_ROW_COLUMNS, "country_iso3", "use_period"],
    ]
    rows = rows.sort_values(["use_period", "cycle"], ascending=[False, False])
    rows.attrs["layer_period"] = period_type
    return rows


def pick_rows(rows: pd.DataFrame, month: date | None, cycle: str | None) -> pd.DataFrame:
    """Of :func:`layer_rows`, those of one cycle, or those whose period covers ``month`` (one
    per unit: where two analyses cover it, the one CH marks for use, then the newer)."""
    if cycle is not None:
        return rows[rows["cycle"] == cycle]
    if month is None:
        raise QueryError("give a month or a cycle.")
    when = pd.Timestamp(month)
    covering = rows[(rows["period_from"] <= when) & (rows["period_to"] >= when)]
    return covering.drop_duplicates("unit_id")


@cache
def _boundary() -> pd.DataFrame:
    admin2 = admin2_units()
    frame = pd.DataFrame(
        {
            "unit_id": admin2["admin2_pcode"],
            "unit_name": admin2["admin2_name"],
            "country_iso3": admin2["iso3"],
            "admin1_name": admin2["admin1_name"],
        }
    )
    return frame.sort_values(["country_iso3", "unit_id"]).reset_index(drop=True)


def food_layer(
    food: pd.DataFrame,
    *,
    month: str | date | None = None,
    cycle: str | None = None,
    period_type: str = "current",
    countries: list[str] | None = None,
) -> pd.DataFrame:
    """Every bundled admin-2 unit of the CH countries with its CH figures for a month or cycle.

    ``food`` is :func:`~sahelwatch.consequences.food.food_indicators` of the store's CH units,
    or (faster, for many layers) its :func:`layer_rows` for ``period_type``. ``status`` is
    ``analysed``, ``analysed without figures``, ``not analysed in this cycle`` (the country was
    analysed, the unit not) or ``no analysis covers this month`` (no CH period of that type
    covers the month in the unit's country). Figures are null unless the unit was analysed.
    """
    check_period_type(period_type)
    if isinstance(month, str):
        month = parse_month(month)
    rows = food if food.attrs.get("layer_period") == period_type else layer_rows(food, period_type)
    picked = pick_rows(rows, month, cycle)
    boundary = _boundary()
    wanted = [c.upper() for c in countries] if countries else food["country_iso3"].unique()
    boundary = boundary[boundary["country_iso3"].isin(wanted)]
    layer = boundary.merge(picked.drop(columns="country_iso3"), on="unit_id", how="left")
    done = layer["country_iso3"].isin(set(picked["country_iso3"]))
    layer["status"] = np.select(
        [layer["phase35"].notna(), layer["cycle"].notna(), done],
        ["analysed", "analysed without figures", "not analysed in this cycle"],
        "country not analysed in this cycle" if cycle else "no analysis covers this month",
    )
    return layer[LAYER_COLUMNS]


def phase_moves(food: pd.DataFrame, least: int = 4) -> pd.DataFrame:
    """Units (of ``food``, from :func:`~sahelwatch.consequences.food.food_indicators`) whose
    phase class (published, else the derived maximum) reached ``least`` or worse in a cycle
    after being below it in the previous cycle (same period type)."""
    moved = food[(food["phase_class_any"] >= least) & (food["prev_phase_class"] < least)]
    return moved[
        [
            "unit_id",
            "unit_name",
            "country_iso3",
            "cycle",
            "period_type",
            "prev_cycle",
            "prev_phase_class",
            "phase_class_any",
            "phase35",
            "share35",
        ]
    ].reset_index(drop=True)
