"""Places: PRIO-GRID cells and administrative units for events.

Two spatial frames are used. PRIO-GRID cells (0.5 degree, numbered as UCDP's ``priogrid_gid``)
cover the globe; administrative units come from the boundary files bundled under
``data/boundaries`` (Natural Earth admin-0, OCHA COD-AB and geoBoundaries admin-1 and admin-2;
see ``docs/places_and_actors.md``). :func:`assign_places` puts events into both, at no finer a
level than the event's location precision (``where_prec``) allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, reduce
from importlib import resources
from operator import add
from typing import overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from sahelwatch.errors import QueryError

CELL_DEG = 0.5
GRID_COLS = 720
GRID_ROWS = 360
GRID_CELLS = GRID_COLS * GRID_ROWS

PLACE_COLUMNS = (
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "gid",
    "place_level",
    "place_note",
)
PLACE_LEVELS = ("point", "admin2", "admin1", "country", "none")

_WGS84 = "EPSG:4326"
_FILES = {
    0: "ne_admin0_sahel_westafrica.geojson",
    1: "admin1_sahel.geojson",
    2: "admin2_mli_bfa_ner.geojson",
}
_ADMIN_COLUMNS = {
    0: ["iso3", "country_gw", "country_name"],
    1: ["iso3", "country_gw", "admin1_pcode", "admin1_name"],
    2: ["iso3", "country_gw", "admin1_pcode", "admin1_name", "admin2_pcode", "admin2_name"],
}
_RENAME = {
    "ISO_A3": "iso3",
    "NAME": "country_name",
    "ucdp_country_id": "country_gw",
    "adm1_pcode": "admin1_pcode",
    "adm1_name": "admin1_name",
    "adm2_pcode": "admin2_pcode",
    "adm2_name": "admin2_name",
}
# Queen neighbourhood: (row offset, column offset) of the 8 cells around a cell.
_QUEEN = np.array([(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)])


# --- PRIO-GRID -----------------------------------------------------------------------------


@overload
def priogrid_gid(lat: float, lon: float) -> int: ...
@overload
def priogrid_gid(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.int64]: ...
def priogrid_gid(lat: ArrayLike, lon: ArrayLike) -> int | NDArray[np.int64]:
    """PRIO-GRID cell id of points, numbered exactly as UCDP's ``priogrid_gid``.

    ``gid = row * 720 + col + 1`` with ``row = floor((lat + 90) / 0.5)`` and
    ``col = floor((lon + 180) / 0.5)``; a point on a cell edge belongs to the cell north/east
    of it, except at ``lat = 90`` and ``lon = 180``, which fall in the last row/column.

    Parameters
    ----------
    lat, lon : float or array-like
        WGS84 degrees; must be finite and within [-90, 90] and [-180, 180].

    Returns
    -------
    int or numpy.ndarray
        An ``int`` for scalar input, otherwise an int64 array of the broadcast shape.
    """
    la, lo = _coordinates(lat, lon)
    row = np.minimum(np.floor((la + 90.0) / CELL_DEG), GRID_ROWS - 1).astype(np.int64)
    col = np.minimum(np.floor((lo + 180.0) / CELL_DEG), GRID_COLS - 1).astype(np.int64)
    gid = row * GRID_COLS + col + 1
    return int(gid) if gid.ndim == 0 else gid


@overload
def gid_centroid(gid: int) -> tuple[float, float]: ...
@overload
def gid_centroid(gid: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def gid_centroid(
    gid: ArrayLike,
) -> tuple[float, float] | tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centre ``(lat, lon)`` of PRIO-GRID cells.

    Parameters
    ----------
    gid : int or array-like of int
        Cell ids in ``1 .. 259200``.

    Returns
    -------
    tuple
        ``(lat, lon)`` as floats for a scalar gid, else as float arrays.
    """
    row, col = _row_col(gid)
    lat = (-90.0 + (row + 0.5) * CELL_DEG).astype(np.float64)
    lon = (-180.0 + (col + 0.5) * CELL_DEG).astype(np.float64)
    if lat.ndim == 0:
        return float(lat), float(lon)
    return lat, lon


def cell_polygons(gid: ArrayLike) -> NDArray[np.object_]:
    """The squares of PRIO-GRID cells as shapely polygons (EPSG:4326), in order."""
    cells = np.asarray(gid, dtype=np.int64).reshape(-1)
    lat, lon = gid_centroid(cells) if len(cells) else (np.array([]), np.array([]))
    half = CELL_DEG / 2
    return shapely.box(lon - half, lat - half, lon + half, lat + half)


def gid_neighbours(gid: ArrayLike) -> pd.DataFrame:
    """Queen (8-cell) neighbours of PRIO-GRID cells, as a long table for spatial lags.

    Columns wrap around the antimeridian; rows do not wrap at the poles, so cells in the first
    and last row have 5 neighbours.

    Parameters
    ----------
    gid : int or array-like of int
        Cell ids in ``1 .. 259200``.

    Returns
    -------
    pandas.DataFrame
        Columns ``gid`` and ``neighbour`` (int64), one row per (cell, neighbour) pair, cells
        in input order and neighbours in row-major order (south-west first).
    """
    gids = np.atleast_1d(np.asarray(gid))
    row, col = _row_col(gids)
    n_row = row[:, None] + _QUEEN[:, 0]
    n_col = (col[:, None] + _QUEEN[:, 1]) % GRID_COLS
    inside = (n_row >= 0) & (n_row < GRID_ROWS)
    return pd.DataFrame(
        {
            "gid": np.repeat(gids.astype(np.int64), len(_QUEEN))[inside.ravel()],
            "neighbour": (n_row * GRID_COLS + n_col + 1)[inside].astype(np.int64),
        }
    )


def _coordinates(lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    la, lo = np.broadcast_arrays(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
    if not np.all((la >= -90.0) & (la <= 90.0)):
        raise QueryError("every latitude must be a number within [-90, 90].")
    if not np.all((lo >= -180.0) & (lo <= 180.0)):
        raise QueryError("every longitude must be a number within [-180, 180].")
    return la, lo


def _row_col(gid: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    values = np.asarray(gid)
    numeric = np.issubdtype(values.dtype, np.number)
    if not numeric or not np.all((values >= 1) & (values <= GRID_CELLS) & (values % 1 == 0)):
        raise QueryError(f"every PRIO-GRID gid must be a whole number within 1..{GRID_CELLS}.")
    index = values.astype(np.int64) - 1
    return index // GRID_COLS, index % GRID_COLS


# --- Administrative units ----------------------------------------------------------------


def load_admin(level: int) -> gpd.GeoDataFrame:
    """Bundled administrative units of one level (EPSG:4326).

    Parameters
    ----------
    level : {0, 1, 2}
        0: countries (Natural Earth, 24 countries of the Sahel, West and North Africa);
        1: régions of Mali, Burkina Faso, Niger, Senegal and Côte d'Ivoire;
        2: Mali cercles, Burkina Faso provinces and Niger départements.

    Returns
    -------
    geopandas.GeoDataFrame
        ``iso3``, ``country_gw`` (Gleditsch-Ward / UCDP ``country_id``; null for countries
        outside the 8 Sahel countries at level 0), then ``country_name`` (level 0) or
        ``admin1_pcode``, ``admin1_name`` and, at level 2, ``admin2_pcode``, ``admin2_name``;
        and ``geometry``. Burkina Faso's admin-2 units get their admin-1 from the admin-1 unit
        that holds their representative point (the source leaves it empty).
    """
    if level not in _FILES:
        raise QueryError(f"admin level must be 0, 1 or 2, not {level!r}.")
    return _admin(level).copy()


@cache
def _admin(level: int) -> gpd.GeoDataFrame:
    path = resources.files("sahelwatch") / "data" / "boundaries" / _FILES[level]
    raw = gpd.read_file(str(path)).rename(columns=_RENAME).to_crs(_WGS84)
    raw["country_gw"] = raw["country_gw"].astype("Int64")
    units = gpd.GeoDataFrame(raw[[*_ADMIN_COLUMNS[level], "geometry"]], crs=_WGS84)
    return _fill_admin1(units, _admin(1)) if level == 2 else units


def _fill_admin1(admin2: gpd.GeoDataFrame, admin1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give admin-2 units without a parent the admin-1 unit of their own country around them."""
    missing = np.flatnonzero(admin2["admin1_pcode"].isna().to_numpy())
    inner = admin2.geometry.iloc[missing].representative_point()
    i_unit, i_parent = admin1.sindex.query(inner, predicate="within")
    same = admin1["iso3"].to_numpy()[i_parent] == admin2["iso3"].to_numpy()[missing[i_unit]]
    rows, parents = missing[i_unit[same]], i_parent[same]
    filled = admin2.copy()
    for column in ("admin1_pcode", "admin1_name"):
        filled.iloc[rows, filled.columns.get_loc(column)] = admin1[column].to_numpy()[parents]
    return filled


def bundled_countries() -> pd.DataFrame:
    """The countries with bundled admin-0 boundaries and a Gleditsch-Ward code, by ISO3 code.

    Returns
    -------
    pandas.DataFrame
        ``gw``, ``iso3``, ``name`` (Natural Earth's), ``sahel`` (one of the countries followed,
        :data:`sahelwatch.gazetteer.SAHEL`), ``admin1`` and ``admin2`` (whether units of that
        level are bundled).
    """
    from sahelwatch.gazetteer import SAHEL, iso3_to_gw

    admin0 = _admin(0).sort_values("iso3")
    gw = admin0["iso3"].map(iso3_to_gw())
    known = admin0[gw.notna().to_numpy()]
    codes = gw.dropna().astype(int).to_numpy()
    return pd.DataFrame(
        {
            "gw": codes,
            "iso3": known["iso3"].to_numpy(dtype=object),
            "name": known["country_name"].to_numpy(dtype=object),
            "sahel": np.isin(codes, SAHEL),
            "admin1": known["iso3"].isin(set(_admin(1)["iso3"])).to_numpy(),
            "admin2": known["iso3"].isin(set(_admin(2)["iso3"])).to_numpy(),
        }
    )


@cache
def _units() -> gpd.GeoDataFrame:
    """The finest bundled unit of each country: admin-2 where there is one, else admin-1."""
    admin2, admin1 = _admin(2), _admin(1)
    only1 = admin1[~admin1["iso3"].isin(admin2["iso3"])]
    units = pd.concat(
        [admin2.assign(unit_level="admin-2"), only1.assign(unit_level="admin-1")],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(units, geometry="geometry", crs=_WGS84)


@cache
def _iso3_of_gw() -> dict[int, str]:
    """ISO3 codes of the countries with a Gleditsch-Ward code in the admin-0 file."""
    countries = _admin(0).dropna(subset=["country_gw"])
    return dict(zip(countries["country_gw"].astype(int), countries["iso3"], strict=True))


@cache
def _country_units(gw: int) -> tuple[NDArray[np.int64], gpd.GeoSeries]:
    """Row positions in :func:`_units` of one country's units and their geometry in metres.

    The projection is azimuthal equidistant centred on the country's bounding box; short
    distances in it are within 1 % of the geodesic ones anywhere in the country (0.6 % at
    the corners of Mali's box, the worst case).
    """
    units = _units()
    rows = np.flatnonzero((units["country_gw"] == gw).to_numpy())
    geometry = units.geometry.iloc[rows]
    west, south, east, north = geometry.total_bounds
    crs = f"+proj=aeqd +lat_0={(south + north) / 2} +lon_0={(west + east) / 2} +datum=WGS84"
    return rows, geometry.to_crs(crs).reset_index(drop=True)


# --- Placing events ------------------------------------------------------------------------

# Coarsest where_prec that still allows each output: a cell, an admin-2 unit, an admin-1 unit.
_CELL_PREC, _ADMIN2_PREC, _ADMIN1_PREC = 2, 3, 5
_PREC_NOTES = {
    3: "where_prec 3: admin-2 known, no grid cell",
    4: "where_prec 4: admin-1 known, no admin-2 unit or grid cell",
    5: "where_prec 5: wider area, placed no finer than admin-1",
    6: "where_prec 6: only the country is known",
    7: "where_prec 7: international waters or airspace, not placed",
}


@dataclass(frozen=True)
class _Events:
    """The columns of an event frame that placing needs, as aligned numpy arrays."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    prec: NDArray[np.float64]  # UCDP where_prec 1..7, NaN when missing or invalid
    has_xy: NDArray[np.bool_]
    gw: NDArray[np.float64]  # Gleditsch-Ward code, NaN when unknown
    country: NDArray[np.object_]  # ISO3 (or "GW n") for messages, None when unknown

    @classmethod
    def read(cls, events: pd.DataFrame, iso3_of_gw: dict[int, str]) -> _Events:
        missing = {"latitude", "longitude", "where_prec"} - set(events.columns)
        if missing or not {"country_gw", "country_iso3"} & set(events.columns):
            needed = sorted(missing) or ["country_gw or country_iso3"]
            raise QueryError(f"events lack the column(s) needed to place them: {needed}.")
        lat, lon, prec = (_floats(events[name]) for name in ("latitude", "longitude", "where_prec"))
        gw = _floats(events["country_gw"]) if "country_gw" in events else np.full(len(lat), np.nan)
        iso3 = pd.Series(
            events["country_iso3"].to_numpy(dtype=object) if "country_iso3" in events else None,
            index=range(len(lat)),
            dtype=object,
        )
        iso3 = iso3.where(iso3.notna())
        gw_of_iso3 = {code: number for number, code in iso3_of_gw.items()}
        gw = np.where(np.isnan(gw), iso3.map(gw_of_iso3).to_numpy(dtype=float), gw)
        known_gw = pd.Series(gw).dropna().astype(np.int64)
        fallback = known_gw.map(iso3_of_gw).fillna("GW " + known_gw.astype(str))
        country = iso3.fillna(fallback).to_numpy(dtype=object)
        has_xy = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)  # False for NaN
        prec = np.where(np.isin(prec, np.arange(1, 8)), prec, np.nan)
        return cls(lat, lon, prec, has_xy, gw, _or_none(country, pd.isna(country)))

    def allows(self, coarsest: int) -> NDArray[np.bool_]:
        """Events with usable coordinates and where_prec no coarser than ``coarsest``."""
        return self.has_xy & (self.prec <= coarsest)

    def counts_for_country(self) -> NDArray[np.bool_]:
        """Events with a known country that are not in international waters or airspace."""
        return pd.notna(self.country) & (self.prec != 7)


def assign_places(events: pd.DataFrame, tolerance_km: float = 10.0) -> pd.DataFrame:
    """Put events into PRIO-GRID cells and administrative units, as precision allows.

    ``where_prec`` 1-2 get a cell, admin-2 and admin-1; 3 gets admin-2 and admin-1; 4-5 only
    admin-1; 6 only the country; 7 nothing. A missing or invalid ``where_prec`` or missing
    coordinates give the country only. Points are matched only to units of the event's own
    country (``country_gw``, else ``country_iso3``); a point outside all of them goes to the
    nearest one if it is at most ``tolerance_km`` away (measured in metres in an azimuthal
    equidistant projection centred on the country, within 1 % of geodesic), else it stays out
    with a note. Events of countries without
    bundled boundaries still get their cell.

    Parameters
    ----------
    events : pandas.DataFrame
        Needs ``latitude``, ``longitude``, ``where_prec`` and ``country_gw`` or
        ``country_iso3``.
    tolerance_km : float
        Largest distance, in km, from a point to its country's nearest unit for it to be placed.

    Returns
    -------
    pandas.DataFrame
        A copy of ``events`` with :data:`PLACE_COLUMNS` added (replaced if present):
        ``admin1_pcode``, ``admin1_name``, ``admin2_pcode``, ``admin2_name`` (str), ``gid``
        (Int64), ``place_level`` (the finest level the event counts at, one of
        :data:`PLACE_LEVELS`) and ``place_note`` (why it is not placed finer; null if nothing
        is missing).
    """
    if not tolerance_km >= 0:
        raise QueryError(f"tolerance_km must be a number of at least 0, not {tolerance_km!r}.")
    units = _units()
    ev = _Events.read(events, _iso3_of_gw())
    bundled = np.isin(ev.gw, units["country_gw"].to_numpy(dtype=float))
    unit, km = _locate(ev, ev.allows(_ADMIN1_PREC) & bundled, tolerance_km)
    placed = unit >= 0
    admin = {
        name: _take(units[name], unit, placed & ev.allows(prec))
        for name, prec in (
            ("admin1_pcode", _ADMIN1_PREC),
            ("admin1_name", _ADMIN1_PREC),
            ("admin2_pcode", _ADMIN2_PREC),
            ("admin2_name", _ADMIN2_PREC),
        )
    }
    cell = ev.allows(_CELL_PREC)
    gid = pd.Series(pd.NA, index=range(len(cell)), dtype="Int64")
    gid[cell] = priogrid_gid(ev.lat[cell], ev.lon[cell])
    level = np.select(
        [
            cell,
            pd.notna(admin["admin2_pcode"]),
            pd.notna(admin["admin1_pcode"]),
            ev.counts_for_country(),
        ],
        ["point", "admin2", "admin1", "country"],
        "none",
    )
    added = {
        **{name: pd.Series(values, dtype="str") for name, values in admin.items()},
        "gid": gid,
        "place_level": pd.Series(level, dtype="str"),
        "place_note": pd.Series(_notes(ev, units, bundled, unit, km), dtype="str"),
    }
    out = events.drop(columns=list(PLACE_COLUMNS), errors="ignore")
    for name, values in added.items():
        out[name] = values.array
    return out


def _floats(column: pd.Series) -> NDArray[np.float64]:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _or_none(values: NDArray, missing: NDArray[np.bool_]) -> NDArray[np.object_]:
    """``values`` as objects, None where ``missing``."""
    out = values.astype(object)
    out[missing] = None
    return out


def _take(column: pd.Series, unit: NDArray[np.int64], keep: NDArray[np.bool_]) -> NDArray:
    values = column.to_numpy(dtype=object)[np.maximum(unit, 0)]
    return _or_none(values, ~(keep & pd.notna(values)))


def _locate(
    ev: _Events, wanted: NDArray[np.bool_], tolerance_km: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Unit position (-1: none) and distance in km to it (0 inside; NaN: not looked for).

    Rows beyond the tolerance keep unit -1 but get the distance to their nearest unit.
    Each distinct (lat, lon, country) is located once.
    """
    unit = np.full(len(ev.lat), -1, dtype=np.int64)
    km = np.full(len(ev.lat), np.nan)
    rows = np.flatnonzero(wanted)
    if rows.size:
        keys = pd.DataFrame({"lat": ev.lat[rows], "lon": ev.lon[rows], "gw": ev.gw[rows]})
        group = keys.groupby(["lat", "lon", "gw"], sort=False).ngroup().to_numpy()
        distinct = keys[~keys.duplicated()]  # in group order: first appearances
        found, distance = _locate_distinct(*(distinct[c].to_numpy() for c in ("lat", "lon", "gw")))
        unit[rows], km[rows] = found[group], distance[group]
        unit[rows[km[rows] > tolerance_km]] = -1
    return unit, km


def _locate_distinct(
    lat: NDArray[np.float64], lon: NDArray[np.float64], gw: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Unit of the point's country that covers it, else the nearest one, with distance in km."""
    units = _units()
    points = shapely.points(lon, lat)
    i_unit, i_point = shapely.STRtree(points).query(units.geometry.to_numpy(), "covers")
    own = units["country_gw"].to_numpy(dtype=float)[i_unit] == gw[i_point]
    i_unit, i_point = i_unit[own], i_point[own]
    order = np.lexsort((i_unit, i_point))  # by point, then lowest unit position
    i_unit, i_point = i_unit[order], i_point[order]
    first = np.unique(i_point, return_index=True)[1]
    unit = np.full(len(points), -1, dtype=np.int64)
    unit[i_point[first]] = i_unit[first]
    km = np.where(unit >= 0, 0.0, np.nan)
    for country in np.unique(gw[unit < 0]):
        outside = np.flatnonzero((unit < 0) & (gw == country))
        unit[outside], km[outside] = _nearest(points[outside], int(country))
    return unit, km


def _nearest(points: NDArray[np.object_], gw: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Nearest unit of country ``gw`` to each point, and the distance in km."""
    rows, geometry = _country_units(gw)
    projected = gpd.GeoSeries(points, crs=_WGS84).to_crs(geometry.crs)
    (i_point, i_geom), metres = geometry.sindex.nearest(
        projected, return_all=False, return_distance=True
    )
    unit = np.empty(len(points), dtype=np.int64)
    km = np.empty(len(points))
    unit[i_point], km[i_point] = rows[i_geom], metres / 1000.0
    return unit, km


def _notes(
    ev: _Events,
    units: gpd.GeoDataFrame,
    bundled: NDArray[np.bool_],
    unit: NDArray[np.int64],
    km: NDArray[np.float64],
) -> NDArray[np.object_]:
    """One note per event saying why it is not placed finer (None when nothing is missing)."""
    level_of = dict(zip(units["country_gw"].astype(float), units["unit_level"], strict=False))
    level = pd.Series(ev.gw).map(level_of).fillna("").to_numpy(dtype=object)
    far = np.isfinite(km) & (km > 0)
    km_text = np.full(len(km), "", dtype=object)
    km_text[far] = [f"{value:.1f}" if value >= 0.05 else "<0.1" for value in km[far]]
    has_country = pd.notna(ev.country)
    country = np.where(has_country, ev.country, "")
    usable = np.isfinite(ev.prec) & (ev.prec < 7)
    parts: list[tuple[NDArray[np.bool_], tuple[str | NDArray[np.object_], ...]]] = [
        (np.isnan(ev.prec), ("no valid where_prec: counted at country level only",)),
        *((ev.prec == p, (text,)) for p, text in _PREC_NOTES.items()),
        (~ev.has_xy & (ev.prec <= _ADMIN1_PREC), ("no usable coordinates: country level only",)),
        (~has_country & usable, ("no country given: no admin unit",)),
        (
            ev.allows(_ADMIN1_PREC) & has_country & ~bundled,
            ("no admin boundaries bundled for ", country),
        ),
        (
            ev.allows(_ADMIN2_PREC) & bundled & (level == "admin-1"),
            ("no admin-2 boundaries bundled for ", country),
        ),
        (far & (unit >= 0), ("placed in the nearest ", level, " unit, ", km_text, " km away")),
        (far & (unit < 0), ("outside every ", level, " unit of ", country, " by ", km_text, " km")),
    ]
    notes = np.full(len(ev.lat), "", dtype=object)
    for mask, pieces in parts:
        rows = np.flatnonzero(mask)
        text = reduce(add, (p[rows] if isinstance(p, np.ndarray) else p for p in pieces))
        notes[rows] = np.where(notes[rows] == "", text, notes[rows] + "; " + text)
    return _or_none(notes, notes == "")
