"""Place names of the offline basemap: the bundled gazetteer (``data/basemap/places.csv.gz``,
written by ``scripts/basemap_data.py``) and the places near which located events cluster."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from sahelwatch.indicators.common import haversine_km
from sahelwatch.store import Store

#: Distance (km) within which an event counts as near a place, and the fewest events that
#: make a cluster there.
CLUSTER_KM = 10.0
CLUSTER_MIN_EVENTS = 10


@cache
def load_places() -> pd.DataFrame:
    """The bundled place names: ``name``, ``iso3``, ``kind`` (capital, admin1, admin2, town),
    ``population``, ``latitude``, ``longitude``, ``source`` (Natural Earth or GeoNames)."""
    from importlib import resources

    folder = resources.files("sahelwatch") / "data" / "basemap"
    with resources.as_file(folder / "places.csv.gz") as path:
        return pd.read_csv(path, dtype={"population": "Int64"})


def event_towns(
    store: Store,
    *,
    km: float = CLUSTER_KM,
    min_events: int = CLUSTER_MIN_EVENTS,
    family: str = "ucdp",
) -> pd.DataFrame:
    """The bundled places near which located events cluster.

    An event counts near a place when UCDP placed it at a point (``where_prec`` 1-2) within
    ``km`` great-circle km of it; events of every country and year in the store count (the
    current version of each). A place with at least ``min_events`` such events is kept.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`load_places`, then ``events``, ``best`` (UCDP best deaths),
        ``first_year`` and ``last_year`` of the events near it; most events first.
    """
    from sahelwatch import panels

    events = panels.placed_events(store, "country", family=family)
    point = events[(events["place_level"] == "point") & events["violence_type"].notna()]
    lat, lon = point["latitude"].to_numpy(float), point["longitude"].to_numpy(float)
    best = point["best"].to_numpy(float)
    years = pd.DatetimeIndex(point["month"]).year.to_numpy()
    places = load_places()
    rows = []
    for p_lat, p_lon in zip(places["latitude"], places["longitude"], strict=True):  # ~600
        near = haversine_km(lat, lon, p_lat, p_lon) <= km
        n = int(near.sum())
        rows.append((n, np.nansum(best[near]), years[near].min() if n else None,
                     years[near].max() if n else None))  # fmt: skip
    found = pd.DataFrame(rows, columns=["events", "best", "first_year", "last_year"])
    out = pd.concat([places.reset_index(drop=True), found], axis=1)
    out = out[out["events"] >= min_events].astype({"first_year": int, "last_year": int})
    return out.sort_values(["events", "name"], ascending=[False, True], ignore_index=True)
