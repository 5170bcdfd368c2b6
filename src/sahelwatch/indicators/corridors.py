"""Cross-border corridors: neighbouring admin-2 units on either side of an international
border with jihadist violence on both sides in the same year."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.gazetteer import CENTRAL_SAHEL
from sahelwatch.indicators.common import violent_events
from sahelwatch.panels.units import admin_units
from sahelwatch.store import Store

_SIDE = ("unit", "name", "iso3", "lat", "lon")


@cache
def border_pairs(countries: tuple[int, ...] = CENTRAL_SAHEL) -> pd.DataFrame:
    """Neighbouring admin-2 units of two different ``countries`` (the queen contiguity the
    panels' spatial lags use, :func:`sahelwatch.panels.admin_neighbours`).

    Returns
    -------
    pandas.DataFrame
        One row per pair, side ``a`` in the country with the lower Gleditsch-Ward code:
        ``border`` (``"MLI-BFA"``), ``gw_a``, ``gw_b`` and per side ``unit_*`` (P-code),
        ``name_*``, ``iso3_*``, ``lat_*``, ``lon_*`` (a point inside the unit).
    """
    from sahelwatch import geo

    admin = geo.load_admin(2)
    inside = admin.geometry.representative_point()
    units = admin_units(2).merge(
        pd.DataFrame({"unit_id": admin["admin2_pcode"], "iso3": admin["iso3"],
                      "lat": inside.y.to_numpy(), "lon": inside.x.to_numpy()}),
        on="unit_id",
    ).rename(columns={"unit_id": "unit", "unit_name": "name"})  # fmt: skip
    units = units[units["country_gw"].isin(countries)].astype({"country_gw": int})
    links = panels.admin_neighbours("admin2")
    pairs = links.merge(units.add_suffix("_a"), left_on="unit_id", right_on="unit_a").merge(
        units.add_suffix("_b"), left_on="neighbour", right_on="unit_b"
    )
    pairs = pairs[pairs["country_gw_a"] < pairs["country_gw_b"]]
    pairs = pairs.rename(columns={"country_gw_a": "gw_a", "country_gw_b": "gw_b"})
    pairs.insert(0, "border", pairs["iso3_a"] + "-" + pairs["iso3_b"])
    columns = ["border", "gw_a", "gw_b", *(f"{c}_{s}" for s in "ab" for c in _SIDE)]
    return pairs[columns].sort_values(["border", "unit_a", "unit_b"], ignore_index=True)


def _jihadist_groups(events: pd.DataFrame) -> pd.Series:
    """The jihadist actors named on either side of each event (sorted tuples)."""
    from sahelwatch.actors import load_dictionary

    long = pd.concat([panels.side_actors(events[c]) for c in ("side_a", "side_b")])
    long = long.explode().dropna()
    family = load_dictionary().classify(long.astype(str))["family"]
    jihadist = long[family.to_numpy() == "jihadist"]
    return jihadist.groupby(level=0).agg(lambda s: tuple(sorted(set(s))))


def corridors(
    store: Store,
    year: int,
    *,
    countries: Sequence[int] = CENTRAL_SAHEL,
    family: str = "ucdp",
    as_of: str | None = None,
) -> pd.DataFrame:
    """Cross-border corridors of one year: for every pair of :func:`border_pairs`, the
    events of organised violence with a jihadist family on either side (the actor
    dictionary) placed in each of the two units, and whether both sides had some.

    An event counts in a unit when its precision places it there (``where_prec`` 1-3).
    A side whose country no release covers with locations and actors in any month of the
    year is no data: its counts are NaN and ``corridor`` is null, never False.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`border_pairs`, then per side ``months_*`` (months of the year
        covered with locations and actors), ``events_*``, ``best_*`` (UCDP best deaths),
        ``groups_*`` (jihadist actors named) and ``uids_*`` (the events, as evidence), and
        ``corridor`` (events on both sides; null where a side is no data). Corridors first,
        deadliest first.
    """
    pairs = border_pairs(tuple(sorted(countries))).copy()
    start, end = date(year, 1, 1), date(year, 12, 1)
    events = panels.placed_events(
        store, "admin2", family=family, countries=list(countries), start=start, end=end,
        as_of=as_of,
    )  # fmt: skip
    ev = violent_events(events)
    ev = ev[panels.event_families(ev)["jihadist"].to_numpy()]
    ev = ev.assign(groups=_jihadist_groups(ev).reindex(ev.index))
    per_unit = (
        ev.sort_values("uid")
        .groupby("unit_id")
        .agg(
            events=("uid", "size"),
            best=("best", "sum"),
            groups=("groups", lambda s: tuple(sorted({g for t in s.dropna() for g in t}))),
            uids=("uid", tuple),
        )
    )
    cov = panels.coverage(store, family, countries=list(countries), as_of=as_of)
    cov = cov[cov["covered_located"] & cov["covered_actors"]]
    in_year = cov[pd.DatetimeIndex(cov["month"]).year == year]
    months = in_year.groupby("country_gw").size()
    for side in "ab":
        found = per_unit.reindex(pairs[f"unit_{side}"])
        covered = months.reindex(pairs[f"gw_{side}"]).fillna(0).to_numpy(dtype=int)
        known = covered > 0
        pairs[f"months_{side}"] = covered
        for column in ("events", "best"):
            values = found[column].to_numpy(dtype=float)
            pairs[f"{column}_{side}"] = np.where(known, np.nan_to_num(values), np.nan)
        for column in ("groups", "uids"):
            cells = [list(v) if isinstance(v, tuple) else [] for v in found[column]]
            pairs[f"{column}_{side}"] = pd.Series(cells, dtype=object).where(known, None)
    both = pairs["events_a"].gt(0) & pairs["events_b"].gt(0)
    covered_both = pairs["months_a"].gt(0) & pairs["months_b"].gt(0)
    pairs["corridor"] = both.astype("boolean").mask(~covered_both)
    order = (pairs["best_a"].fillna(0) + pairs["best_b"].fillna(0)).rank(method="first")
    pairs = pairs.assign(_o=-order, _c=~pairs["corridor"].fillna(False))
    return pairs.sort_values(["_c", "_o"]).drop(columns=["_o", "_c"]).reset_index(drop=True)
