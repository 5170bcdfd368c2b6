"""The units of each level (bundled admin boundaries, PRIO-GRID cells), their neighbours
and the cells in each unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import country_names, gw_to_iso3, iso3_to_gw

if TYPE_CHECKING:
    import geopandas as gpd

# Tolerance (degrees) when deciding that two simplified admin polygons touch.
_TOUCH_DEG = 0.01


ADMIN_LEVEL = {"country": 0, "admin1": 1, "admin2": 2}


ADMIN_ID = {0: "iso3", 1: "admin1_pcode", 2: "admin2_pcode"}


ADMIN_NAME = {0: "country_name", 1: "admin1_name", 2: "admin2_name"}


@cache
def admin_units(level: int) -> pd.DataFrame:
    """Admin units of one level: ``unit_id``, ``unit_name``, ``country_gw`` (known only)."""
    from sahelwatch import geo

    units = geo.load_admin(level)
    gw = units["iso3"].map(iso3_to_gw()) if level == 0 else units["country_gw"]
    frame = pd.DataFrame(
        {
            "unit_id": units[ADMIN_ID[level]].to_numpy(dtype=object),
            "unit_name": units[ADMIN_NAME[level]].to_numpy(dtype=object),
            "country_gw": pd.array(gw, dtype="Int64"),
        }
    )
    if level == 0:
        frame["unit_id"] = frame["country_gw"]
    return frame.dropna(subset=["unit_id", "country_gw"]).reset_index(drop=True)


def _unit_ids(units: pd.DataFrame, level: int) -> np.ndarray:
    """Unit ids of bundled admin units: Gleditsch-Ward codes (int, None if unknown) at level
    0, P-codes otherwise."""
    if level == 0:
        gw = units["iso3"].map(iso3_to_gw())
        return np.array([None if pd.isna(v) else int(v) for v in gw], dtype=object)
    return units[ADMIN_ID[level]].to_numpy(dtype=object)


@cache
def _admin_contiguity(level: int) -> pd.DataFrame:
    """Queen contiguity of the bundled admin units (across countries): ``unit_id``,
    ``neighbour``. Polygons that come within :data:`_TOUCH_DEG` of each other touch, so that
    the gaps left by simplifying the boundaries do not break contiguity."""
    import shapely

    from sahelwatch import geo

    units = geo.load_admin(level)
    ids = _unit_ids(units, level)
    grown = shapely.buffer(units.geometry.to_numpy(), _TOUCH_DEG)
    left, right = units.sindex.query(grown, predicate="intersects")
    keep = (left != right) & pd.notna(ids[left]) & pd.notna(ids[right])
    pairs = pd.DataFrame({"unit_id": ids[left[keep]], "neighbour": ids[right[keep]]})
    if level == 0:
        pairs = pairs.astype(np.int64)
    return pairs.drop_duplicates().reset_index(drop=True)


def admin_neighbours(level: str) -> pd.DataFrame:
    """Queen-contiguous pairs of the bundled units of an admin level (country, admin1, admin2).

    Returns
    -------
    pandas.DataFrame
        ``unit_id`` and ``neighbour``, both directions, Gleditsch-Ward codes at country level
        and P-codes otherwise.
    """
    if level not in ADMIN_LEVEL:
        raise QueryError(f"admin_neighbours needs country, admin1 or admin2, not '{level}'.")
    return _admin_contiguity(ADMIN_LEVEL[level]).copy()


@cache
def _cell_overlaps(level: int) -> pd.DataFrame:
    """PRIO-GRID cells and the admin unit of ``level`` that holds most of each cell's area."""
    import shapely

    from sahelwatch import geo

    units = geo.load_admin(level)
    ids = _unit_ids(units, level)
    west, south, east, north = units.total_bounds
    step = geo.CELL_DEG
    lats = np.arange(np.floor(south / step) * step, north, step) + step / 2
    lons = np.arange(np.floor(west / step) * step, east, step) + step / 2
    lat, lon = (a.ravel() for a in np.meshgrid(lats, lons, indexing="ij"))
    boxes = shapely.box(lon - step / 2, lat - step / 2, lon + step / 2, lat + step / 2)
    i_box, i_unit = units.sindex.query(boxes, predicate="intersects")
    area = shapely.area(shapely.intersection(units.geometry.to_numpy()[i_unit], boxes[i_box]))
    frame = pd.DataFrame(
        {
            "gid": geo.priogrid_gid(lat[i_box], lon[i_box]),
            "unit_id": ids[i_unit],
            "country_gw": units["country_gw"].to_numpy(dtype=object)[i_unit]
            if level
            else ids[i_unit],
            "area": area,
        }
    ).dropna(subset=["unit_id"])
    best = frame.sort_values(["gid", "area"], ascending=[True, False]).drop_duplicates("gid")
    if level:  # a cell goes to a unit of the country that holds most of it, if any
        country = _cell_overlaps(0).set_index("gid")["unit_id"]
        best = best[best["gid"].map(country).to_numpy() == best["country_gw"].to_numpy()]
    best = best[["gid", "unit_id"]].reset_index(drop=True)
    return best.astype({"unit_id": np.int64}) if level == 0 else best


def cells_in_units(level: str) -> pd.DataFrame:
    """PRIO-GRID cells of the bundled units of a level, each cell in the unit holding most of
    its area. Below country level, a cell belongs to a unit only if the unit's country is the
    country holding most of the cell (the cell's country in a cell panel); border cells mostly
    in a country without bundled units of that level belong to no unit.

    Parameters
    ----------
    level : ``country``, ``admin1`` or ``admin2``.

    Returns
    -------
    pandas.DataFrame
        ``gid`` (int64) and ``unit_id`` (Gleditsch-Ward code or P-code).
    """
    if level not in ADMIN_LEVEL:
        raise QueryError(f"cells_in_units needs country, admin1 or admin2, not '{level}'.")
    return _cell_overlaps(ADMIN_LEVEL[level]).copy()


@dataclass
class PanelUnits:
    """The units of a panel and the neighbours its spatial lags need.

    ``frame`` has ``unit_id``, ``unit_name``, ``country_gw``, ``in_panel`` (False for a
    neighbour outside the panel) and ``known`` (False: neighbourhood unknown, lag is NaN);
    ``pairs`` are (row, neighbour row) positions into ``frame``.
    """

    frame: pd.DataFrame
    pairs: tuple[np.ndarray, np.ndarray]

    @classmethod
    def make(cls, frame: pd.DataFrame, links: pd.DataFrame) -> PanelUnits:
        """Units sorted with the panel's own first, by id; ``links``: unit_id, neighbour."""
        frame = frame.sort_values(["in_panel", "unit_id"], ascending=[False, True])
        frame = frame.reset_index(drop=True)
        return cls(frame, _pairs(frame, links))


def _pairs(frame: pd.DataFrame, links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    index = pd.Index(frame["unit_id"])
    i = index.get_indexer(links["unit_id"])
    j = index.get_indexer(links["neighbour"])
    keep = (i >= 0) & (j >= 0)
    return i[keep], j[keep]


def admin_panel_units(level: str, countries: Sequence[int]) -> PanelUnits:
    lvl = ADMIN_LEVEL[level]
    every = admin_units(lvl)
    mine = every[every["country_gw"].isin(countries)]
    lacking = sorted(set(countries) - set(mine["country_gw"].astype(int)))
    if lacking and level != "country":
        listed = ", ".join(country_names().get(gw, str(gw)) for gw in lacking)
        raise QueryError(f"no {level} boundaries are bundled for {listed}.")
    links = _admin_contiguity(lvl)
    links = links[links["unit_id"].isin(mine["unit_id"])]
    extra = every[
        every["unit_id"].isin(links["neighbour"]) & ~every["unit_id"].isin(mine["unit_id"])
    ]
    frame = pd.concat([mine.assign(in_panel=True), extra.assign(in_panel=False)], ignore_index=True)
    if level == "country":  # countries without bundled boundaries have no known neighbours
        missing = sorted(set(countries) - set(frame["unit_id"]))
        names = country_names()
        outside = pd.DataFrame(
            {
                "unit_id": pd.array(missing, dtype="Int64"),
                "unit_name": [names.get(gw) for gw in missing],
                "country_gw": pd.array(missing, dtype="Int64"),
                "in_panel": True,
            }
        )
        frame = pd.concat([frame, outside], ignore_index=True)
        frame["known"] = frame["unit_id"].isin(every["unit_id"])
        frame["unit_id"] = frame["unit_id"].astype(np.int64)
    else:
        frame["known"] = True
    frame["country_gw"] = frame["country_gw"].astype(np.int64)
    return PanelUnits.make(frame, links)


def cell_panel_units(countries: Sequence[int] | None, events: pd.DataFrame) -> PanelUnits:
    """Cells of the countries: those whose area lies mostly in the country (bundled boundaries)
    and, for cells outside every bundled country, those where the country's events fall (each
    such cell goes to the country with most events in it); plus their 8 neighbours."""
    from sahelwatch import geo

    mapped = _cell_overlaps(0).rename(columns={"unit_id": "country_gw"})
    mapped["country_gw"] = mapped["country_gw"].astype(np.int64)
    seen = events.loc[events["gid"].notna(), ["gid", "country_gw"]].astype(np.int64)
    seen = seen[~seen["gid"].isin(mapped["gid"])]
    observed = (
        seen.groupby(["gid", "country_gw"]).size().rename("n").reset_index()
        .sort_values(["gid", "n", "country_gw"], ascending=[True, False, True])
        .drop_duplicates("gid")[["gid", "country_gw"]]
    )  # fmt: skip
    every = pd.concat([mapped, observed], ignore_index=True)
    mine = every if countries is None else every[every["country_gw"].isin(countries)]
    links = geo.gid_neighbours(mine["gid"].to_numpy(dtype=np.int64)).rename(
        columns={"gid": "unit_id"}
    )
    extra = every[every["gid"].isin(links["neighbour"]) & ~every["gid"].isin(mine["gid"])]
    frame = pd.concat(
        [mine.assign(in_panel=True), extra.assign(in_panel=False)], ignore_index=True
    ).rename(columns={"gid": "unit_id"})
    frame["unit_name"] = None
    frame["known"] = True
    frame["unit_id"] = frame["unit_id"].astype(np.int64)
    return PanelUnits.make(frame, links)


def unit_boundaries(level: str, countries: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    """The bundled units of a level with their boundaries (EPSG:4326).

    Parameters
    ----------
    level : ``country``, ``admin1``, ``admin2`` or ``cell`` (the PRIO-GRID cells of the
        countries with bundled boundaries).
    countries : only the units of these countries (Gleditsch-Ward codes; default all).

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id`` (the key of panels, indicators and forecasts: Gleditsch-Ward code, P-code
        or gid), ``unit_name``, ``country_gw``, ``iso3``, at ``admin2`` also ``admin1_pcode``
        and ``admin1_name``, and ``geometry``.
    """
    import geopandas as gpd

    from sahelwatch import geo

    if level == "cell":
        cells = cells_in_units("country").rename(columns={"unit_id": "country_gw"})
        if countries is not None:
            cells = cells[cells["country_gw"].isin(countries)]
        gid = cells["gid"].to_numpy(dtype=np.int64)
        iso = gw_to_iso3()
        return gpd.GeoDataFrame(
            {
                "unit_id": gid,
                "unit_name": [f"cell {g}" for g in gid],
                "country_gw": cells["country_gw"].to_numpy(dtype=np.int64),
                "iso3": [iso.get(int(g)) for g in cells["country_gw"]],
            },
            geometry=geo.cell_polygons(gid),
            crs="EPSG:4326",
        )
    if level not in ADMIN_LEVEL:
        raise QueryError(f"unknown level '{level}'; use country, admin1, admin2 or cell.")
    number = ADMIN_LEVEL[level]
    units = geo.load_admin(number)
    gw = units["iso3"].map(iso3_to_gw()).astype("Int64")
    columns: dict[str, Any] = {
        "unit_id": gw if number == 0 else units[ADMIN_ID[number]],
        "unit_name": units[ADMIN_NAME[number]],
        "country_gw": gw,
        "iso3": units["iso3"],
    }
    if number == 2:
        columns["admin1_pcode"] = units["admin1_pcode"]
        columns["admin1_name"] = units["admin1_name"]
    frame = gpd.GeoDataFrame(columns, geometry=units.geometry.to_numpy(), crs="EPSG:4326")
    if countries is not None:
        frame = frame[frame["country_gw"].isin(countries)]
    return frame.dropna(subset=["unit_id"])
