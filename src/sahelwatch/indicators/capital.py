"""Threat to the capitals: distance to the nearest jihadist event and its trend."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.gazetteer import capitals
from sahelwatch.indicators.common import (
    haversine_km,
    month_of,
    month_span,
    trailing_sums,
    with_month,
)
from sahelwatch.store import Store


def capital_threat(
    events: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    places: pd.DataFrame | None = None,
    window: int = 6,
    max_where_prec: int = 3,
) -> pd.DataFrame:
    """Threat to the capital: distance from each capital to the nearest jihadist event.

    Jihadist events are events of organised violence with a jihadist family on either side,
    located with ``where_prec <= max_where_prec`` (3: the admin-2 unit, whose centroid UCDP
    gives). Distances are great-circle km. The trend is the least-squares slope of
    ``nearest_km`` over the ``window`` months ending in each month (at least 3 values), in
    km per month: negative means violence is moving closer.

    Parameters
    ----------
    events : events of the region (any countries; the nearest may lie across a border).
    coverage : :func:`sahelwatch.panels.coverage` of the same family.
    places : capitals (default :func:`capitals`).

    Returns
    -------
    pandas.DataFrame
        ``capital``, ``iso3``, ``country_gw``, ``month``, ``covered``, ``jihadist_events``,
        ``nearest_km`` (NaN when none), ``nearest_uid``, ``events_within_100km``,
        ``events_within_250km``, ``trend_km_per_month``. NaN/null where the capital's
        country is not covered with locations and actors.
    """
    places = capitals() if places is None else places
    ev = with_month(events[events["violence_type"].notna()])
    fams = panels.event_families(ev)
    prec = pd.to_numeric(ev["where_prec"], errors="coerce").astype("float64")  # NaN: unknown
    jihad = ev[fams["jihadist"].to_numpy() & (prec <= max_where_prec).to_numpy()]
    jihad = jihad[jihad["latitude"].notna()]
    cov = coverage[coverage["covered_located"] & coverage["covered_actors"]]
    cov = cov.assign(month=month_of(cov))
    months = month_span(coverage)
    grid = places[["name", "iso3", "country_gw", "latitude", "longitude"]].merge(
        pd.DataFrame({"month": months}), how="cross"
    )
    grid = grid.merge(cov[["country_gw", "month"]].assign(covered=True), on=["country_gw", "month"],
                      how="left")  # fmt: skip
    grid["covered"] = grid["covered"].fillna(False).astype(bool)
    pairs = places[["name", "latitude", "longitude"]].merge(
        jihad[["uid", "month", "latitude", "longitude"]], how="cross", suffixes=("_c", "_e")
    )
    pairs["km"] = haversine_km(
        pairs["latitude_c"].to_numpy(float), pairs["longitude_c"].to_numpy(float),
        pairs["latitude_e"].to_numpy(float), pairs["longitude_e"].to_numpy(float),
    )  # fmt: skip
    keys = ["name", "month"]
    pairs = pairs.sort_values([*keys, "km", "uid"])
    summary = pairs.groupby(keys).agg(
        jihadist_events=("uid", "size"),
        nearest_km=("km", "first"),
        nearest_uid=("uid", "first"),
        events_within_100km=("km", lambda k: int((k <= 100).sum())),
        events_within_250km=("km", lambda k: int((k <= 250).sum())),
    )
    out = grid.merge(summary.reset_index(), on=keys, how="left")
    for column in ("jihadist_events", "events_within_100km", "events_within_250km"):
        out[column] = out[column].astype(float).fillna(0).where(out["covered"])
    out["nearest_km"] = out["nearest_km"].where(out["covered"])
    out["nearest_uid"] = out["nearest_uid"].where(out["covered"])
    out = out.sort_values(keys, ignore_index=True)
    out["trend_km_per_month"] = _slopes(out, window)
    out = out.rename(columns={"name": "capital"})
    return out[["capital", "iso3", "country_gw", "month", "covered", "jihadist_events",
                "nearest_km", "nearest_uid", "events_within_100km", "events_within_250km",
                "trend_km_per_month"]]  # fmt: skip


def _slopes(frame: pd.DataFrame, window: int) -> np.ndarray:
    """Least-squares slope of ``nearest_km`` on the month over trailing windows, per capital
    (frame sorted by capital and month, every capital with the same months)."""
    n_caps = frame["name"].nunique()
    y = frame["nearest_km"].to_numpy(dtype=float).reshape(n_caps, -1)
    x = panels.month_ordinal(frame["month"]).reshape(n_caps, -1).astype(float)
    x = x - x[:, :1]
    w = ~np.isnan(y)
    terms = {
        "n": w.astype(float), "x": np.where(w, x, 0), "y": np.where(w, y, 0),
        "xx": np.where(w, x * x, 0), "xy": np.where(w, x * y, 0),
    }  # fmt: skip
    s = {k: trailing_sums(v, window) for k, v in terms.items()}
    den = s["n"] * s["xx"] - s["x"] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s["n"] * s["xy"] - s["x"] * s["y"]) / den
    slope[(s["n"] < 3) | (den <= 0) | np.isnan(y)] = np.nan
    return slope.ravel()


def capital_years(store: Store, gw: int, start: date, end: date) -> pd.DataFrame:
    """Per year, the nearest located jihadist event to the capital of ``gw`` (events of the
    country and its neighbours; :func:`sahelwatch.indicators.capital_threat` month by month)
    and how many months of the year have located data."""
    neighbours = panels.admin_neighbours("country")
    region = sorted(
        {gw} | set(neighbours.loc[neighbours["unit_id"] == gw, "neighbour"].astype(int))
    )
    events = panels.placed_events(store, "country", countries=region, start=start, end=end)
    threat = capital_threat(events, panels.coverage(store, "ucdp"), window=1)
    threat = threat[threat["country_gw"] == gw]
    threat = threat[
        (threat["month"] >= pd.Timestamp(start)) & (threat["month"] <= pd.Timestamp(end))
    ]
    threat = threat.assign(year=pd.DatetimeIndex(threat["month"]).year)
    rows = []
    for _, months in threat.groupby("year"):
        known = months[months["covered"].astype(bool)]
        found = known.dropna(subset=["nearest_km"]).sort_values("nearest_km")
        nearest = found.iloc[0] if len(found) else None
        rows.append(
            {"year": int(months["year"].iloc[0]), "capital": str(months["capital"].iloc[0]),
             "months_located": len(known),
             "nearest_km": None if nearest is None else float(nearest["nearest_km"]),
             "nearest_uid": None if nearest is None else nearest["nearest_uid"],
             "nearest_month": None if nearest is None else nearest["month"].strftime("%Y-%m"),
             "within_100km": int(known["events_within_100km"].sum()) if len(known) else None}
        )  # fmt: skip
    columns = ["year", "capital", "months_located", "nearest_km", "nearest_uid",
               "nearest_month", "within_100km"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)  # the columns also when no year has data
