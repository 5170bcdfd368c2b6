"""Features of the sub-national ``located`` model, per unit and month, from the panel cut at the
origin.

Every feature at month ``t`` reads only months up to ``t`` (``NaN`` months, no data, are left out
of the means, never counted as zero), so a model fitted on them and applied at the origin reads
nothing after the origin. :func:`unit_places` gives the units' fixed geography: their centre and
the distance from it to the nearest land border of their country.

Features (:data:`FEATURES`), all of the target series unless said:

* ``own_1``, ``own_3``, ``own_12``, ``own_36``: ``log1p`` of the unit's mean over the last 1, 3,
  12, 36 months with data (:func:`sahelwatch.forecast.ratio.level`);
* ``near_3``, ``near_12``: the same of its neighbours' summed fatalities (spatial lag);
* ``since``: months since the unit's last month with fatalities (recency; 999 if none on record);
* ``jihadist_12``: ``log1p`` of the unit's mean monthly events with a jihadist side over 12 months
  (armed-group presence; actor families of :mod:`sahelwatch.actors`);
* ``jihadist_km``, ``violence_km``: ``log1p`` of the km from the unit's centre to the nearest
  unit centre with a jihadist event, or with fatalities, in the last 12 months (itself: 0);
* ``border_km``: ``log1p`` of the km to the nearest land border of its country;
* ``country_3``, ``country_12``: ``log1p`` of the mean over 3 and 12 months of its country's
  summed fatalities (of the units in the panel).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sahelwatch.forecast.ratio import level

FEATURES: tuple[str, ...] = (
    "own_1", "own_3", "own_12", "own_36", "near_3", "near_12", "since", "jihadist_12",
    "jihadist_km", "violence_km", "border_km", "country_3", "country_12",
)  # fmt: skip
NO_EVENT_KM = 5000.0
"""Distance used when no unit of the panel had such an event in the window."""
NEVER = 999.0
"""``since`` of a unit without fatalities on record."""


def unit_places(level_name: str, units: np.ndarray, country: np.ndarray) -> np.ndarray:
    """``(units, 3)``: latitude and longitude of each unit's centre and the km from it to the
    nearest land border of its country (``NaN`` when its country has no bundled border)."""
    from sahelwatch import geo
    from sahelwatch.indicators.borders import border_distances

    if level_name == "grid":
        lat, lon = geo.gid_centroid(np.asarray(units, dtype=np.int64))
    else:
        from sahelwatch.panels.units import unit_boundaries

        shapes = unit_boundaries(level_name).set_index("unit_id").reindex(units)
        points = shapes.geometry.representative_point()
        lat, lon = points.y.to_numpy(dtype=float), points.x.to_numpy(dtype=float)
    centres = pd.DataFrame({"uid": np.arange(len(units)), "latitude": lat, "longitude": lon,
                            "country_gw": country, "place_level": "point"})  # fmt: skip
    km = border_distances(centres).groupby("uid")["km"].min()
    border = km.reindex(np.arange(len(units))).to_numpy(dtype=float)
    return np.column_stack([lat, lon, border])


def distance_matrix(places: np.ndarray) -> np.ndarray:
    """Great-circle km between the units' centres, ``(units, units)`` (float32)."""
    from sahelwatch.indicators.common import haversine_km

    lat, lon = places[:, 0], places[:, 1]
    return haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]).astype(np.float32)


def _nearest(active: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Per unit and month, the km to the nearest active unit (``NO_EVENT_KM`` if none)."""
    out = np.full(active.shape, NO_EVENT_KM, dtype=np.float32)
    for t in np.flatnonzero(active.any(axis=0)):
        out[:, t] = dist[:, active[:, t]].min(axis=1)
    return out


def months_since(series: np.ndarray) -> np.ndarray:
    """Months since each unit's last month with fatalities, up to each month (``NEVER`` if
    none; months without data are not months without fatalities, they only pass)."""
    idx = np.arange(series.shape[1])
    last = np.maximum.accumulate(np.where(series > 0, idx, -1), axis=1)
    return np.where(last >= 0, idx - last, NEVER)


def country_level(series: np.ndarray, country: np.ndarray, months: int) -> np.ndarray:
    """``log1p`` of the mean over ``months`` of the summed fatalities of each unit's country."""
    out = np.empty_like(series)
    for gw in np.unique(country):
        rows = country == gw
        known = ~np.isnan(series[rows]).all(axis=0)
        total = np.where(known, np.nansum(series[rows], axis=0), np.nan)
        out[rows] = level(total[None, :], months)
    return out


def unit_features(
    series: np.ndarray,
    jihadist: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    country: np.ndarray,
    places: np.ndarray,
    dist: np.ndarray | None = None,
) -> np.ndarray:
    """``(units, months, len(FEATURES))`` features of one target ``series`` (``NaN`` = no
    data), given the units' ``jihadist`` event counts, neighbour ``pairs``, ``country`` codes
    and ``places`` (:func:`unit_places`); ``dist``: :func:`distance_matrix` when known."""
    from sahelwatch.panels import spatial_lag

    dist = distance_matrix(places) if dist is None else dist
    near = spatial_lag(series, pairs)
    jihad_12 = level(jihadist, 12)
    violent_12 = level(series, 12)
    with np.errstate(invalid="ignore"):
        columns: Sequence[np.ndarray] = (
            level(series, 1), level(series, 3), violent_12, level(series, 36),
            level(near, 3), level(near, 12), months_since(series), jihad_12,
            np.log1p(_nearest(np.nan_to_num(jihad_12) > 0, dist)),
            np.log1p(_nearest(np.nan_to_num(violent_12) > 0, dist)),
            np.broadcast_to(np.log1p(places[:, 2:3]), series.shape),
            country_level(series, country, 3), country_level(series, country, 12),
        )  # fmt: skip
    return np.stack(columns, axis=-1).astype(np.float32)


__all__ = [
    "FEATURES",
    "country_level",
    "distance_matrix",
    "months_since",
    "unit_features",
    "unit_places",
]
