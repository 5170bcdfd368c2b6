"""Violence near borders: border distances, border violence, spillover and the tri-border
zone."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import CENTRAL_SAHEL, iso3_codes, iso3_to_gw
from sahelwatch.indicators.common import (
    KEYS,
    align,
    check_columns,
    covered_country_months,
    haversine_km,
    month_span,
    violent_events,
    with_month,
)

# Azimuthal equidistant projection centred on the central Sahel: distances within ~2,000 km
# of the centre are exact radially and within about 2 % otherwise.
_SAHEL_AEQD = "+proj=aeqd +lat_0=14 +lon_0=-2 +datum=WGS84 +units=m"


@cache
def _borders() -> pd.DataFrame:
    """Land borders between the bundled countries, projected to metres: ``gw_a``, ``gw_b``,
    ``iso3_a``, ``iso3_b`` and ``line`` (shapely geometry of the shared boundary)."""
    import shapely

    from sahelwatch import geo

    units = geo.load_admin(0).to_crs(_SAHEL_AEQD)
    gw = units["iso3"].map(iso3_to_gw())
    geoms = units.geometry.to_numpy()
    grown = shapely.buffer(geoms, 2000.0)  # 2 km: simplified neighbours may not touch exactly
    left, right = units.sindex.query(grown, predicate="intersects")
    keep = left != right
    rows = []
    for i, j in zip(left[keep], right[keep], strict=True):
        line = shapely.intersection(shapely.boundary(geoms[i]), grown[j])
        if not shapely.is_empty(line) and shapely.length(line) > 0:
            rows.append(
                (gw.iloc[i], gw.iloc[j], units["iso3"].iloc[i], units["iso3"].iloc[j], line)
            )
    frame = pd.DataFrame(rows, columns=["gw_a", "gw_b", "iso3_a", "iso3_b", "line"])
    return frame.dropna(subset=["gw_a", "gw_b"]).astype({"gw_a": int, "gw_b": int})


def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points (shapely) in the Sahel-centred equidistant projection."""
    import shapely
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", _SAHEL_AEQD, always_xy=True).transform(lon, lat)
    return shapely.points(x, y)


def border_distances(events: pd.DataFrame) -> pd.DataFrame:
    """Distance from each precisely located event to each land border of its own country.

    Only events placed at a point (``place_level == 'point'``, i.e. ``where_prec`` 1-2) are
    measured. Distances are in km in an equidistant projection centred on the Sahel (within
    about 2 % up to 2,000 km from 14°N 2°W).

    Returns
    -------
    pandas.DataFrame
        ``uid``, ``neighbour_gw`` and ``km``: one row per event and border of its country.
    """
    import shapely

    check_columns(events, ["uid", "latitude", "longitude", "country_gw", "place_level"], "events")
    point = events[events["place_level"] == "point"]
    parts = []
    if not point.empty:
        geoms = _project(point["latitude"].to_numpy(float), point["longitude"].to_numpy(float))
        gws = point["country_gw"].to_numpy(dtype=np.int64)
        for border in _borders().itertuples():  # one pass per border, not per event
            mine = gws == border.gw_a
            if mine.any():
                km = shapely.distance(geoms[mine], border.line) / 1000.0
                parts.append(
                    pd.DataFrame(
                        {
                            "uid": point["uid"].to_numpy()[mine],
                            "neighbour_gw": border.gw_b,
                            "km": km,
                        }
                    )
                )
    if not parts:
        return pd.DataFrame({"uid": pd.Series(dtype=object), "neighbour_gw": pd.Series(dtype=int),
                             "km": pd.Series(dtype=float)})  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def border_violence(events: pd.DataFrame, panel: pd.DataFrame, km: float = 50.0) -> pd.DataFrame:
    """Violence near borders: events within ``km`` of an international land border.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``border_events``, ``border_best`` (their fatalities) and
        ``border_share`` (border_best / the fatalities of events placed at a point; NaN
        without such fatalities). NaN unless the panel's ``covered_located`` holds.
    """
    ev = violent_events(events)
    dist = border_distances(ev)
    near = set(dist.loc[dist["km"] <= km, "uid"])
    point = ev[ev["place_level"] == "point"]
    flags = pd.DataFrame(
        {
            "unit_id": point["unit_id"].to_numpy(),
            "month": point["month"].to_numpy(),
            "border_events": point["uid"].isin(near).to_numpy(dtype=float),
            "border_best": np.where(point["uid"].isin(near), point["best"].astype(float), 0.0),
            "point_best": point["best"].astype(float).to_numpy(),
        }
    )
    sums = flags.groupby(KEYS)[["border_events", "border_best", "point_best"]].sum().reset_index()
    out = align(panel, sums, ["border_events", "border_best", "point_best"], "covered_located")
    out["border_share"] = (out["border_best"] / out["point_best"]).where(out["point_best"] > 0)
    return out.drop(columns="point_best")


def spillover(
    events: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    countries: Sequence[int] = CENTRAL_SAHEL,
    km: float = 50.0,
    window: int = 6,
) -> pd.DataFrame:
    """Cross-border spillover: violence on both sides of each shared border and its co-movement.

    For each pair of neighbouring ``countries`` (A, B) and month: events and fatalities in A
    within ``km`` of the A-B border (``events_a``, ``best_a``) and in B within ``km`` of it
    (``events_b``, ``best_b``), and ``comovement``: the Pearson correlation of ``best_a`` and
    ``best_b`` over the ``window`` months ending then, NaN unless both countries are covered
    with locations in every month of the window and both series vary.

    Parameters
    ----------
    events : placed events (any level) of at least these countries.
    coverage : :func:`sahelwatch.panels.coverage` of the same family.
    countries : Gleditsch-Ward codes (default Mali, Burkina Faso, Niger).

    Returns
    -------
    pandas.DataFrame
        ``border`` (``"BFA-MLI"``), ``gw_a``, ``gw_b``, ``month``, ``covered``, ``events_a``,
        ``best_a``, ``events_b``, ``best_b``, ``comovement``.
    """
    ev = with_month(events[events["violence_type"].notna()])
    dist = border_distances(ev).merge(ev[["uid", "month", "best"]], on="uid")
    dist = dist[dist["km"] <= km]
    borders = _borders()
    pairs = borders[borders["gw_a"].isin(countries) & borders["gw_b"].isin(countries)]
    pairs = pairs[pairs["gw_a"] < pairs["gw_b"]]
    cov = covered_country_months(coverage)
    months = month_span(coverage)
    ev_gw = ev.set_index("uid")["country_gw"]
    dist["gw"] = dist["uid"].map(ev_gw)
    rows = []
    columns = pairs[["iso3_a", "iso3_b", "gw_a", "gw_b"]].itertuples(index=False, name=None)
    for iso3_a, iso3_b, gw_a, gw_b in columns:  # a few borders, not rows
        frame = pd.DataFrame({"month": months})
        for side, gw, other in (("a", gw_a, gw_b), ("b", gw_b, gw_a)):
            near = dist[(dist["gw"] == gw) & (dist["neighbour_gw"] == other)]
            sums = near.groupby("month").agg(n=("uid", "size"), best=("best", "sum"))
            known = np.isin(months, cov.loc[cov["country_gw"] == gw, "month"])
            frame[f"events_{side}"] = sums["n"].reindex(months).fillna(0).where(known).to_numpy()
            frame[f"best_{side}"] = sums["best"].reindex(months).fillna(0).where(known).to_numpy()
        frame["covered"] = frame[["best_a", "best_b"]].notna().all(axis=1)
        frame["comovement"] = _rolling_corr(frame["best_a"], frame["best_b"], months, window)
        frame.insert(0, "border", f"{iso3_a}-{iso3_b}")
        frame.insert(1, "gw_a", gw_a)
        frame.insert(2, "gw_b", gw_b)
        rows.append(frame)
    if not rows:
        raise QueryError("none of the given countries share a land border.")
    return pd.concat(rows, ignore_index=True)


def _rolling_corr(x: pd.Series, y: pd.Series, months: np.ndarray, window: int) -> np.ndarray:
    """Pearson correlation over trailing windows of consecutive months, NaN if any gap."""
    ordinal = panels.month_ordinal(months)
    xs, ys = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    out = np.full(len(xs), np.nan)
    for end in range(window - 1, len(xs)):  # short series: one pass per month
        sl = slice(end - window + 1, end + 1)
        a, b = xs[sl], ys[sl]
        consecutive = ordinal[end] - ordinal[end - window + 1] == window - 1
        complete = consecutive and not (np.isnan(a).any() or np.isnan(b).any())
        if complete and a.std() > 0 and b.std() > 0:
            out[end] = float(np.corrcoef(a, b)[0, 1])
    return out


@cache
def tri_point(countries: tuple[int, ...] = CENTRAL_SAHEL) -> tuple[float, float]:
    """(lat, lon) where three countries' bundled boundaries meet (Gleditsch-Ward codes; default
    Mali, Burkina Faso, Niger: the Liptako-Gourma tri-border)."""
    import shapely
    from pyproj import Transformer

    from sahelwatch import geo

    units = geo.load_admin(0).to_crs(_SAHEL_AEQD).set_index("iso3")
    codes = iso3_codes(countries)
    grown = [shapely.buffer(units.geometry[c], 5000.0) for c in codes]
    meet = shapely.intersection_all(grown)
    if shapely.is_empty(meet):
        raise QueryError(f"{'-'.join(codes)} do not meet in the bundled boundaries.")
    centre = shapely.centroid(meet)
    lon, lat = Transformer.from_crs(_SAHEL_AEQD, "EPSG:4326", always_xy=True).transform(
        centre.x, centre.y
    )
    return float(lat), float(lon)


def tri_border(
    events: pd.DataFrame, coverage: pd.DataFrame, *, radius_km: float = 150.0
) -> pd.DataFrame:
    """Violence in the Mali-Burkina Faso-Niger tri-border zone (Liptako-Gourma), per month.

    The zone is the disc of ``radius_km`` around :func:`tri_point`; events placed at a point
    (``where_prec`` 1-2) in any of the three countries count.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``covered`` (all three countries covered with locations), ``events``,
        ``best``, and ``events_<ISO3>`` / ``best_<ISO3>`` per country; NaN when not covered.
    """
    lat, lon = tri_point()
    iso = dict(zip(CENTRAL_SAHEL, iso3_codes(CENTRAL_SAHEL), strict=True))
    ev = with_month(events[events["violence_type"].notna()])
    ev = ev[(ev["place_level"] == "point") & ev["country_gw"].isin(list(iso))]
    km = haversine_km(ev["latitude"].to_numpy(float), ev["longitude"].to_numpy(float), lat, lon)
    inside = ev[km <= radius_km]
    cov = covered_country_months(coverage)
    months = month_span(coverage)
    known = np.ones(len(months), dtype=bool)
    for gw in iso:
        known &= np.isin(months, cov.loc[cov["country_gw"] == gw, "month"])
    out = pd.DataFrame({"month": months, "covered": known})
    by = inside.groupby(["month", "country_gw"]).agg(n=("uid", "size"), best=("best", "sum"))
    for gw, code in iso.items():
        part = by.xs(gw, level="country_gw") if gw in by.index.get_level_values(1) else None
        for col, src in ((f"events_{code}", "n"), (f"best_{code}", "best")):
            values = part[src].reindex(months) if part is not None else pd.Series(index=months)
            out[col] = values.fillna(0).to_numpy(dtype=float)
    out["events"] = out[[f"events_{c}" for c in iso.values()]].sum(axis=1)
    out["best"] = out[[f"best_{c}" for c in iso.values()]].sum(axis=1)
    value_columns = [c for c in out.columns if c not in ("month", "covered")]
    out[value_columns] = out[value_columns].where(out["covered"], axis=0)
    return out[["month", "covered", "events", "best", *value_columns[:-2]]]
