"""Unit-month panels: one row per unit (country, admin-1, admin-2 or PRIO-GRID cell) and month.

A panel holds, for every unit and month, fatalities (UCDP ``best``) and events by violence type
and by actor family, the coverage flags, months since violence, rolling sums and spatial lags.
It is built from the store in three steps:

1. the current (or as-of) events of one family are read from DuckDB and put into units by
   :func:`sahelwatch.geo.assign_places`, which never places an event finer than its
   ``where_prec`` allows (a ``where_prec`` 4 event counts in its admin-1 unit and its country,
   not in an admin-2 unit or a cell);
2. DuckDB groups them by unit and month;
3. numpy fills a dense unit x month grid, where a month no release covers is NaN, never 0, and
   derives the rolling sums, months since violence and spatial lags from that grid.

Country-month aggregate families (``views_cm``, ``ucdp_ged_cm``, ``ucdp_candidate_cm``) go
through the same grid, so their country panels have the same columns (NaN where the aggregate
does not carry a quantity).

Coverage
--------
A (country, month) is *covered* by a family when any of its releases covers it. Sub-national
units and cells need a release that carries event locations (a release without any
``where_prec``, such as the reduced 8-column UCDP Candidate extract, covers countries only), and
the actor-family columns and civilian deaths need a release that names the actors. The three
flags are columns ``covered``, ``covered_located`` and ``covered_actors``; at admin and cell
level ``covered`` is ``covered_located``.

Counts are ``float32`` (exact for integers below 2**24) so that a continental cell panel fits
in memory; NaN marks what is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from sahelwatch.actors import FAMILIES as ACTOR_FAMILIES
from sahelwatch.errors import QueryError
from sahelwatch.periods import parse_month
from sahelwatch.store import Store, bundled_file

__all__ = [
    "CM_FAMILIES",
    "LEVELS",
    "PANEL_COLUMNS",
    "PanelRequest",
    "admin_neighbours",
    "build_panel",
    "cells_in_units",
    "check_level",
    "coverage",
    "event_families",
    "month_ordinal",
    "months_since",
    "ordinal_month",
    "placed_events",
    "request",
    "rolling_sum",
    "side_actors",
    "side_families",
    "spatial_lag",
]

Level = Literal["country", "admin1", "admin2", "cell"]
LEVELS: tuple[str, ...] = ("country", "admin1", "admin2", "cell")
CM_FAMILIES: tuple[str, ...] = ("views_cm", "ucdp_ged_cm", "ucdp_candidate_cm")
VIOLENCE_TYPES: tuple[str, ...] = ("sb", "ns", "os")
WINDOWS: tuple[int, ...] = (3, 6, 12)

TYPE_COLUMNS: tuple[str, ...] = (
    *(f"best_{t}" for t in VIOLENCE_TYPES),
    "best_total",
    *(f"events_{t}" for t in VIOLENCE_TYPES),
    "events_total",
)
#: Columns that need a release naming the actors (NaN where only counts are known).
ACTOR_COLUMNS: tuple[str, ...] = (
    "deaths_civilians",
    *(f"{kind}_{fam}" for fam in ACTOR_FAMILIES for kind in ("best", "events")),
)
UNPLACED_COLUMNS: tuple[str, ...] = ("unplaced_events", "unplaced_best")
ROLLED: tuple[str, ...] = ("best_sb", "best_ns", "best_os", "best_total", "events_total")
LAGGED: tuple[str, ...] = ("best_total", "events_total")
ROLLING_COLUMNS: tuple[str, ...] = tuple(f"{c}_r{k}" for c in ROLLED for k in WINDOWS)
LAG_COLUMNS: tuple[str, ...] = tuple(f"{c}_splag" for c in LAGGED)
KEY_COLUMNS: tuple[str, ...] = (
    "unit_id", "unit_name", "country_gw", "month", "covered", "covered_located", "covered_actors",
)  # fmt: skip
VALUE_COLUMNS: tuple[str, ...] = (
    *TYPE_COLUMNS,
    *ACTOR_COLUMNS,
    *UNPLACED_COLUMNS,
    "months_since_violence",
    *ROLLING_COLUMNS,
    *LAG_COLUMNS,
)
PANEL_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, *VALUE_COLUMNS)

# Tolerance (degrees) when deciding that two simplified admin polygons touch.
_TOUCH_DEG = 0.01
_EPOCH = 1970 * 12
_ADMIN_LEVEL = {"country": 0, "admin1": 1, "admin2": 2}
_ADMIN_ID = {0: "iso3", 1: "admin1_pcode", 2: "admin2_pcode"}
_ADMIN_NAME = {0: "country_name", 1: "admin1_name", 2: "admin2_name"}
_PLACED_COLUMN = {"admin1": "admin1_pcode", "admin2": "admin2_pcode", "cell": "gid"}
_EVENT_COLUMNS = (
    "uid", "source", "date_start", "country_gw", "country_iso3", "latitude", "longitude",
    "where_prec", "violence_type", "event_type", "sub_event_type", "best", "deaths_a",
    "deaths_b", "deaths_civilians", "side_a", "side_b",
)  # fmt: skip


# --- months ---------------------------------------------------------------------------------


def check_level(level: str) -> Level:
    """``level`` as a :data:`Level`, or a :class:`QueryError` naming the levels."""
    if level not in LEVELS:
        raise QueryError(f"unknown level '{level}'; use one of {', '.join(LEVELS)}.")
    return cast(Level, level)


def month_ordinal(months: Any) -> np.ndarray:
    """Months (dates, timestamps or datetime64) as integers ``year * 12 + month - 1``."""
    values = pd.to_datetime(pd.Series(months)).to_numpy(dtype="datetime64[M]")
    return values.astype(np.int64) + _EPOCH


def ordinal_month(ordinals: Any) -> np.ndarray:
    """Inverse of :func:`month_ordinal`: ``datetime64[s]`` first days of month."""
    values = np.asarray(ordinals, dtype=np.int64) - _EPOCH
    return values.astype("datetime64[M]").astype("datetime64[s]")


def _as_month(value: str | date | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_month(value)
    return value.year * 12 + value.month - 1


# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRequest:
    """A validated panel request: what :func:`build_panel` and the indicators share.

    Attributes
    ----------
    level : unit level.
    family : release family (``ucdp``, ``acled``, or a country-month family).
    kind : ``event`` or ``country_month``.
    countries : Gleditsch-Ward codes asked for (None: every country the family covers).
    start, end : first and last month (ordinals; None: the family's coverage).
    as_of : release id the data are taken as of, or None for the newest.
    """

    level: str
    family: str
    kind: str
    countries: tuple[int, ...] | None
    start: int | None
    end: int | None
    as_of: int | None


def request(
    store: Store,
    level: str,
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
) -> PanelRequest:
    """Validate the arguments of a panel and resolve countries, months and the as-of release."""
    from sahelwatch.query import resolve_country, resolve_release

    check_level(level)
    kinds = dict(store.con.execute("SELECT DISTINCT family, kind FROM releases").fetchall())
    if family not in kinds:
        held = ", ".join(sorted(kinds)) or "nothing"
        raise QueryError(f"the store holds no release of family '{family}' (it holds {held}).")
    kind = kinds[family]
    if kind == "country_month" and level != "country":
        raise QueryError(
            f"'{family}' holds country-month totals; it can only make a country panel."
        )
    gws = None
    if countries is not None:
        found = [resolve_country(store, _country_text(c)) for c in countries]
        # resolve_country gives one code or a list (a country can have several codes)
        gws = tuple(sorted({gw for f in found for gw in ([f] if isinstance(f, int) else f)}))
    release_id = None
    if as_of is not None:
        release_id = resolve_release(store, as_of, kind)
        owner = store.con.execute(
            "SELECT family FROM releases WHERE release_id = ?", [release_id]
        ).fetchone()
        if owner is None or owner[0] != family:
            raise QueryError(f"release '{as_of}' is not a release of family '{family}'.")
    first, last = _as_month(start), _as_month(end)
    if first is not None and last is not None and last < first:
        raise QueryError("the panel's end month is before its start month.")
    return PanelRequest(level, family, kind, gws, first, last, release_id)


def _country_text(country: str | int) -> str:
    if isinstance(country, (int, np.integer)) or (
        isinstance(country, float) and float(country).is_integer()
    ):
        return str(int(country))
    return str(country)


def _release_filter(req: PanelRequest) -> str:
    """SQL condition on ``r`` (releases) selecting the releases the request may use."""
    cond = f"r.family = '{req.family}'"
    if req.as_of is not None:
        cond += (
            " AND r.release_key <= (SELECT release_key FROM releases WHERE release_id = "
            f"{int(req.as_of)})"
        )
    return cond


# --- coverage -------------------------------------------------------------------------------


def coverage(
    store: Store,
    family: str = "ucdp",
    *,
    countries: Sequence[str | int] | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Which (country, month) a family covers, and whether with locations and actors.

    Parameters
    ----------
    store : the store.
    family : release family.
    countries : restrict to these countries (ISO3, number or name).
    as_of : take only the releases up to this one.

    Returns
    -------
    pandas.DataFrame
        ``country_gw``, ``month`` (first day, datetime64), ``covered_located``,
        ``covered_actors`` (bool); one row per covered (country, month).

    Examples
    --------
    >>> cov = coverage(store, "ucdp", countries=["MLI"])          # doctest: +SKIP
    """
    req = request(store, "country", family=family, countries=countries, as_of=as_of)
    frame = _coverage(store, req)
    frame["month"] = ordinal_month(frame.pop("mo"))
    return frame[["country_gw", "month", "covered_located", "covered_actors"]]


def _coverage(store: Store, req: PanelRequest) -> pd.DataFrame:
    """Covered (country_gw, mo) with the ``covered_located`` / ``covered_actors`` flags."""
    where = _release_filter(req)
    if req.countries is not None:
        where += f" AND c.country_gw IN ({', '.join(map(str, req.countries))})"
    frame = store.con.execute(
        f"""
        WITH cap AS (
            SELECT release_id, count(where_prec) > 0 AS located, count(side_a) > 0 AS actors
            FROM event_versions GROUP BY release_id)
        SELECT c.country_gw::INTEGER AS country_gw,
               (year(c.month) * 12 + month(c.month) - 1)::BIGINT AS mo,
               bool_or(coalesce(cap.located, FALSE)) AS covered_located,
               bool_or(coalesce(cap.actors, FALSE)) AS covered_actors
        FROM coverage c JOIN releases r USING (release_id) LEFT JOIN cap USING (release_id)
        WHERE {where}
        GROUP BY ALL ORDER BY country_gw, mo
        """
    ).df()
    return frame.astype({"country_gw": np.int64, "mo": np.int64})


# --- events ---------------------------------------------------------------------------------


def placed_events(
    store: Store,
    level: str,
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Current (or as-of) events of one family, each put into its unit at ``level``.

    Parameters
    ----------
    store, level, family, countries, start, end, as_of : as for :func:`build_panel`.

    Returns
    -------
    pandas.DataFrame
        The event columns (``uid``, ``source``, ``date_start``, ``country_gw``, coordinates,
        ``where_prec``, ``violence_type``, ``best``, deaths, ``side_a``, ``side_b``, ...), the
        place columns of :func:`sahelwatch.geo.assign_places`, ``month`` (first day) and
        ``unit_id``: the unit the event counts in at ``level``, null when its precision does
        not allow that level.
    """
    req = request(
        store, level, family=family, countries=countries, start=start, end=end, as_of=as_of
    )
    if req.kind != "event":
        raise QueryError(f"'{family}' holds country-month totals, not events.")
    return _placed(store, req, req.countries, req.start, req.end)


def _placed(
    store: Store,
    req: PanelRequest,
    countries: Sequence[int] | None,
    first: int | None,
    last: int | None,
) -> pd.DataFrame:
    from sahelwatch import geo

    clauses = [
        "source IN (SELECT source FROM releases r WHERE " + _release_filter(req) + ")",
    ]
    if countries is not None:
        clauses.append(f"country_gw IN ({', '.join(map(str, countries)) or 'NULL'})")
    if first is not None:
        clauses.append(f"year(date_start) * 12 + month(date_start) - 1 >= {int(first)}")
    if last is not None:
        clauses.append(f"year(date_start) * 12 + month(date_start) - 1 <= {int(last)}")
    current = store.current_sql("event_versions", req.as_of)
    events = store.con.execute(
        f"SELECT {', '.join(_EVENT_COLUMNS)}, "
        "(year(date_start) * 12 + month(date_start) - 1)::BIGINT AS mo "
        f"FROM ({current}) WHERE {' AND '.join(clauses)} ORDER BY date_start, uid"
    ).df()
    events = geo.assign_places(events)
    if req.level == "country":
        unit = events["country_gw"].where(events["place_level"] != "none")
        events["unit_id"] = unit.astype("Int64")
    else:
        events["unit_id"] = events[_PLACED_COLUMN[req.level]]
    events["month"] = ordinal_month(events["mo"])
    return events


def side_families(sides: pd.Series, dictionary: Any | None = None) -> pd.DataFrame:
    """Actor families named on one side of events, as one boolean column per family.

    A side can name several actors (UCDP writes ``Government of Mali, Government of Russia
    (Soviet Union)``): the whole name and each comma-separated part are looked up in the actor
    dictionary, and the side belongs to every family found.

    Parameters
    ----------
    sides : actor names (``side_a`` or ``side_b``); null gives False everywhere.
    dictionary : an :class:`~sahelwatch.actors.ActorDictionary` (default: the bundled one).

    Returns
    -------
    pandas.DataFrame
        One bool column per family in :data:`sahelwatch.actors.FAMILIES`, index of ``sides``.
    """
    codes, names = pd.factorize(sides.astype(object), use_na_sentinel=True)
    table = _name_table(pd.Series(names, dtype=object), dictionary)
    fams = table["families"].reindex(pd.Index(names, dtype=object)).to_numpy()
    out = {}
    for fam in ACTOR_FAMILIES:
        has = np.append(np.array([fam in f for f in fams], dtype=bool), False)
        out[fam] = has[codes]  # code -1 (null) takes the appended False
    return pd.DataFrame(out, index=sides.index)


def side_actors(sides: pd.Series, dictionary: Any | None = None) -> pd.Series:
    """Canonical actors named on one side of events, as tuples.

    Each comma-separated part that the dictionary knows gives its canonical name; an unknown
    name is kept as written. Null gives an empty tuple.
    """
    table = _name_table(sides, dictionary)
    return sides.map(table["actors"].to_dict()).apply(lambda v: v if isinstance(v, tuple) else ())


def _name_table(sides: pd.Series, dictionary: Any | None) -> pd.DataFrame:
    """Per distinct side name: its set of families and tuple of canonical actors."""
    from sahelwatch.actors import load_dictionary

    book = dictionary or load_dictionary()
    names = pd.Series(sides.dropna().astype(str).unique(), dtype=object)
    if names.empty:
        return pd.DataFrame(
            {"families": pd.Series(dtype=object), "actors": pd.Series(dtype=object)}
        )
    parts = names.str.split(", ")
    long = pd.DataFrame({"name": names.repeat(parts.map(len).tolist()), "part": parts.explode()})
    whole = book.classify(names)
    piece = book.classify(long["part"].reset_index(drop=True))
    long = long.reset_index(drop=True).assign(
        canonical=piece["canonical"].to_numpy(dtype=object),
        family=piece["family"].to_numpy(dtype=object),
    )
    long["canonical"] = long["canonical"].where(long["canonical"].notna(), long["part"])
    fams = long.dropna(subset=["family"]).groupby("name")["family"].agg(frozenset)
    whole_fam = pd.Series(whole["family"].to_numpy(dtype=object), index=names.to_numpy())
    families = {
        name: frozenset(fams.get(name, frozenset()))
        | (frozenset([whole_fam[name]]) if pd.notna(whole_fam[name]) else frozenset())
        for name in names
    }
    multi = long.groupby("name")["canonical"].agg(tuple)
    single = pd.Series(whole["canonical"].to_numpy(dtype=object), index=names.to_numpy())
    actors = {
        name: (
            multi[name]
            if len(multi[name]) > 1
            else ((single[name],) if pd.notna(single[name]) else (name,))
        )
        for name in names
    }
    return pd.DataFrame({"families": pd.Series(families), "actors": pd.Series(actors)})


def event_families(events: pd.DataFrame) -> pd.DataFrame:
    """Families involved in each event (either side), one bool column per family."""
    a = side_families(events["side_a"])
    b = side_families(events["side_b"])
    return a | b


# --- units and neighbours -------------------------------------------------------------------


@cache
def _iso3_to_gw() -> dict[str, int]:
    table = pd.read_csv(bundled_file("countries.csv"), dtype=str)
    return {iso: int(gw) for iso, gw in zip(table["iso3"], table["gw"], strict=True)}


@cache
def _gw_names() -> dict[int, str]:
    table = pd.read_csv(bundled_file("countries.csv"), dtype=str)
    return {int(gw): name for gw, name in zip(table["gw"], table["name"], strict=True)}


@cache
def _admin_units(level: int) -> pd.DataFrame:
    """Admin units of one level: ``unit_id``, ``unit_name``, ``country_gw`` (known only)."""
    from sahelwatch import geo

    units = geo.load_admin(level)
    gw = units["iso3"].map(_iso3_to_gw()) if level == 0 else units["country_gw"]
    frame = pd.DataFrame(
        {
            "unit_id": units[_ADMIN_ID[level]].to_numpy(dtype=object),
            "unit_name": units[_ADMIN_NAME[level]].to_numpy(dtype=object),
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
        gw = units["iso3"].map(_iso3_to_gw())
        return np.array([None if pd.isna(v) else int(v) for v in gw], dtype=object)
    return units[_ADMIN_ID[level]].to_numpy(dtype=object)


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
    if level not in _ADMIN_LEVEL:
        raise QueryError(f"admin_neighbours needs country, admin1 or admin2, not '{level}'.")
    return _admin_contiguity(_ADMIN_LEVEL[level]).copy()


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
    if level not in _ADMIN_LEVEL:
        raise QueryError(f"cells_in_units needs country, admin1 or admin2, not '{level}'.")
    return _cell_overlaps(_ADMIN_LEVEL[level]).copy()


@dataclass
class _Units:
    """The units of a panel and the neighbours its spatial lags need.

    ``frame`` has ``unit_id``, ``unit_name``, ``country_gw``, ``in_panel`` (False for a
    neighbour outside the panel) and ``known`` (False: neighbourhood unknown, lag is NaN);
    ``pairs`` are (row, neighbour row) positions into ``frame``.
    """

    frame: pd.DataFrame
    pairs: tuple[np.ndarray, np.ndarray]

    @classmethod
    def make(cls, frame: pd.DataFrame, links: pd.DataFrame) -> _Units:
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


def _admin_panel_units(level: str, countries: Sequence[int]) -> _Units:
    lvl = _ADMIN_LEVEL[level]
    every = _admin_units(lvl)
    mine = every[every["country_gw"].isin(countries)]
    lacking = sorted(set(countries) - set(mine["country_gw"].astype(int)))
    if lacking and level != "country":
        listed = ", ".join(_gw_names().get(gw, str(gw)) for gw in lacking)
        raise QueryError(f"no {level} boundaries are bundled for {listed}.")
    links = _admin_contiguity(lvl)
    links = links[links["unit_id"].isin(mine["unit_id"])]
    extra = every[
        every["unit_id"].isin(links["neighbour"]) & ~every["unit_id"].isin(mine["unit_id"])
    ]
    frame = pd.concat([mine.assign(in_panel=True), extra.assign(in_panel=False)], ignore_index=True)
    if level == "country":  # countries without bundled boundaries have no known neighbours
        missing = sorted(set(countries) - set(frame["unit_id"]))
        names = _gw_names()
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
    return _Units.make(frame, links)


def _cell_panel_units(countries: Sequence[int] | None, events: pd.DataFrame) -> _Units:
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
    return _Units.make(frame, links)


# --- dense grid -----------------------------------------------------------------------------


@dataclass
class _Grid:
    """Dense unit x month arrays of one panel (rows: ``units.frame``; columns: ``months``).

    Every value column is a view into one float32 ``block`` (column, unit, month) that becomes
    the panel's data without a copy; writers fill the views in place.
    """

    units: _Units
    months: np.ndarray  # ordinals, consecutive
    covered: np.ndarray  # bool (units, months)
    located: np.ndarray
    actors: np.ndarray
    block: np.ndarray
    values: dict[str, np.ndarray]

    @classmethod
    def empty(cls, units: _Units, months: np.ndarray, cov: pd.DataFrame, level: str) -> _Grid:
        countries = units.frame["country_gw"].to_numpy(dtype=np.int64)
        shape = (len(countries), len(months))
        flags = {}
        for flag in ("covered", "covered_located", "covered_actors"):
            rows = cov if flag == "covered" else cov[cov[flag]]
            flags[flag] = _lookup(rows, countries, months)
        covered = flags["covered"] if level == "country" else flags["covered_located"]
        block = np.empty((len(VALUE_COLUMNS), *shape), dtype=np.float32)
        views = {name: block[i] for i, name in enumerate(VALUE_COLUMNS)}
        return cls(
            units, months, covered, flags["covered_located"],
            flags["covered_actors"] & covered, block, views,
        )  # fmt: skip

    def fill(
        self, long: pd.DataFrame, columns: Sequence[str], mask: np.ndarray, zero: bool = True
    ) -> None:
        """Put a long (unit_id, mo, columns...) table into the grid: 0 where ``mask`` holds and
        no row is given (when ``zero``), NaN where ``mask`` does not hold."""
        rows = pd.Index(self.units.frame["unit_id"]).get_indexer(long["unit_id"])
        cols = long["mo"].to_numpy(dtype=np.int64) - self.months[0]
        keep = (rows >= 0) & (cols >= 0) & (cols < len(self.months))
        rows, cols = rows[keep], cols[keep]
        for name in columns:
            grid = self.values[name]
            grid.fill(0.0 if zero else np.nan)
            grid[rows, cols] = long[name].to_numpy(dtype=np.float32, na_value=np.nan)[keep]
            grid[~mask] = np.nan

    def missing(self, columns: Sequence[str]) -> None:
        for name in columns:
            self.values[name].fill(np.nan)


def _lookup(cov: pd.DataFrame, countries: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Bool (len(countries), len(months)): (country, month) is in ``cov``."""
    out = np.zeros((len(countries), len(months)), dtype=bool)
    if cov.empty:
        return out
    gws = np.unique(countries)
    table = np.zeros((len(gws), len(months)), dtype=bool)
    r = np.searchsorted(gws, cov["country_gw"].to_numpy(dtype=np.int64))
    c = cov["mo"].to_numpy(dtype=np.int64) - months[0]
    ok = (r < len(gws)) & (c >= 0) & (c < len(months))
    ok[ok] &= gws[r[ok]] == cov["country_gw"].to_numpy(dtype=np.int64)[ok]
    table[r[ok], c[ok]] = True
    return table[np.searchsorted(gws, countries)]


def rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over ``window`` months along axis 1; NaN when any month in the window is
    NaN (unknown) or the window reaches before the first month.

    Examples
    --------
    >>> rolling_sum(np.array([[1.0, 2.0, np.nan, 4.0, 5.0, 6.0]]), 2)
    array([[nan,  3., nan, nan,  9., 11.]])
    """
    x = np.asarray(values)
    out = np.empty(x.shape, dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
    return _rolling_sums(x, (window,), [out])[0]


def _rolling_sums(
    values: np.ndarray, windows: Sequence[int], outs: Sequence[np.ndarray]
) -> Sequence[np.ndarray]:
    """:func:`rolling_sum` for several windows into ``outs``, sharing the cumulative sums."""
    x = np.asarray(values)
    unknown = np.isnan(x)
    total = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(np.where(unknown, 0.0, x), axis=1, out=total[:, 1:])
    gaps = np.zeros((x.shape[0], x.shape[1] + 1), dtype=np.int32)
    np.cumsum(unknown, axis=1, out=gaps[:, 1:])
    for window, sums in zip(windows, outs, strict=True):
        sums[:, : window - 1] = np.nan
        if window <= x.shape[1]:
            diff = total[:, window:] - total[:, :-window]
            diff[gaps[:, window:] != gaps[:, :-window]] = np.nan
            sums[:, window - 1 :] = diff
    return outs


def months_since(active: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Months since the last active month along axis 1, NaN-aware.

    Defined only when that month and every month after it are known: a gap in between, or no
    active month since the start of the record, gives NaN. An active month gives 0.

    Examples
    --------
    >>> months_since(np.array([[1, 0, 0, 0, 1, 0]], bool), np.array([[1, 1, 0, 1, 1, 1]], bool))
    array([[ 0.,  1., nan, nan,  0.,  1.]])
    """
    pos = np.broadcast_to(np.arange(active.shape[1]), active.shape)
    last_active = np.maximum.accumulate(np.where(active & known, pos, -1), axis=1)
    last_gap = np.maximum.accumulate(np.where(~known, pos, -1), axis=1)
    return np.where(last_active > last_gap, pos - last_active, np.nan)


def spatial_lag(
    values: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], out: np.ndarray | None = None
) -> np.ndarray:
    """Sum over each row's neighbours (``pairs``: row, neighbour row); NaN when any neighbour
    is NaN; 0 for a row without neighbours. Written into ``out`` when given."""
    rows, nbrs = pairs
    if out is None:
        out = np.empty(values.shape, dtype=np.result_type(values.dtype, np.float32))
    out.fill(0.0)
    if len(rows):
        order = np.argsort(rows, kind="stable")
        rows, nbrs = rows[order], nbrs[order]
        starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        for r in range(int(rank.max()) + 1):  # one pass per neighbour rank, not per row
            sel = rank == r
            out[rows[sel]] += values[nbrs[sel]]
    return out


# --- building -------------------------------------------------------------------------------


def build_panel(
    store: Store,
    level: Level = "country",
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """A unit-month panel of fatalities and events, coverage-aware.

    Parameters
    ----------
    store : the store.
    level : ``country``, ``admin1``, ``admin2`` or ``cell`` (PRIO-GRID).
    family : ``ucdp`` or ``acled`` (events), or ``views_cm`` / ``ucdp_ged_cm`` /
        ``ucdp_candidate_cm`` (country-month totals; country level only).
    countries : ISO3 codes, Gleditsch-Ward numbers or names; default every country the family
        covers (at admin level, those with bundled boundaries).
    start, end : first and last month (``YYYY-MM`` or a date); default the family's coverage.
        Rolling sums, lags and months since violence look back before ``start``.
    as_of : a release of the family: the data as they stood then.

    Returns
    -------
    pandas.DataFrame
        :data:`PANEL_COLUMNS`, one row per unit and month, sorted by unit and month:

        * ``unit_id`` (Gleditsch-Ward code, P-code or PRIO-GRID gid), ``unit_name``,
          ``country_gw``, ``month`` (first day);
        * ``covered`` (counts are known), ``covered_located``, ``covered_actors``;
        * ``best_sb|ns|os|total``, ``events_sb|ns|os|total``: UCDP best fatalities and events
          of organised violence by type (month of ``date_start``);
        * ``deaths_civilians`` and ``best_<family>``, ``events_<family>`` for each actor
          family (events in which either side belongs to it); NaN unless ``covered_actors``;
        * ``unplaced_events``, ``unplaced_best``: the country's events of that month that are
          too imprecise for this level (the same value on each unit of the country);
        * ``months_since_violence``: months since the last month with ``best_total > 0``,
          NaN when a gap lies in between or none is on record;
        * ``<x>_r3|r6|r12``: trailing sums, NaN if any month of the window is not covered;
        * ``best_total_splag``, ``events_total_splag``: sums over queen-contiguous units
          (8 neighbouring cells), NaN when a neighbour is not covered or the neighbourhood is
          unknown (countries without bundled boundaries).

        Quantities are 0 where a covering release records nothing and NaN where no release
        covers the month.

    Examples
    --------
    >>> panel = build_panel(store, "admin2", countries=["MLI"], start="2026-01")  # doctest: +SKIP
    """
    req = request(
        store, level, family=family, countries=countries, start=start, end=end, as_of=as_of
    )
    grid, first, last = _grid(store, req)
    return _frame(grid, first, last)


def _grid(store: Store, req: PanelRequest) -> tuple[_Grid, int, int]:
    """The dense grid of a request, and the first and last output month."""
    cov = _coverage(
        store, PanelRequest("country", req.family, req.kind, None, None, None, req.as_of)
    )
    sub_national = req.level != "country" and req.kind == "event"
    located = cov[cov["covered_located"]] if sub_national else cov
    if req.countries is not None:
        wanted = list(req.countries)
    elif req.level in ("country", "cell"):
        wanted = sorted(located["country_gw"].unique().tolist())
    else:
        bundled = _admin_units(_ADMIN_LEVEL[req.level])["country_gw"].astype(int).unique()
        wanted = sorted(set(bundled.tolist()))
    mine = located[located["country_gw"].isin(wanted)]
    if mine.empty and (req.start is None or req.end is None):
        raise QueryError(
            f"family '{req.family}' covers none of the requested countries at {req.level} level; "
            "give start and end to build an empty panel."
        )
    first = req.start if req.start is not None else int(mine["mo"].min())
    last = req.end if req.end is not None else int(mine["mo"].max())
    origin = min(first, int(mine["mo"].min())) if not mine.empty else first
    months = np.arange(origin, last + 1, dtype=np.int64)

    if req.kind == "country_month":
        units = _admin_panel_units("country", wanted)
        grid = _Grid.empty(units, months, cov, req.level)
        _fill_cm(store, req, grid)
    else:
        if req.level == "cell":
            events = _placed(store, req, None, None, last)
            units = _cell_panel_units(wanted, events)
        else:
            units = _admin_panel_units(req.level, wanted)
            ext = sorted(set(units.frame["country_gw"].tolist()))
            events = _placed(store, req, ext, None, last)
        grid = _Grid.empty(units, months, cov, req.level)
        _fill_events(store, events, grid)
    _derive(grid)
    return grid, first, last


def _fill_cm(store: Store, req: PanelRequest, grid: _Grid) -> None:
    counts = (*TYPE_COLUMNS, "deaths_civilians")
    current = store.current_sql("cm_versions", req.as_of)
    gws = ", ".join(map(str, sorted(set(grid.units.frame["country_gw"].tolist()))))
    rows = store.con.execute(
        f"SELECT country_gw AS unit_id, (year(month) * 12 + month(month) - 1)::BIGINT AS mo, "
        f"{', '.join(counts)} FROM ({current}) "
        f"WHERE source IN (SELECT source FROM releases r WHERE {_release_filter(req)}) "
        f"AND country_gw IN ({gws or 'NULL'})"
    ).df()
    carried = [c for c in counts if rows[c].notna().any()]
    grid.fill(rows, carried, grid.covered)
    grid.missing([c for c in (*TYPE_COLUMNS, *ACTOR_COLUMNS) if c not in carried])
    grid.missing(UNPLACED_COLUMNS)


_AGG_SQL = """
SELECT unit_id, mo,
       {types},
       sum(best) FILTER (WHERE violence_type IS NOT NULL) AS best_total,
       {counts},
       count(*) FILTER (WHERE violence_type IS NOT NULL) AS events_total,
       sum(deaths_civilians) FILTER (WHERE violence_type IS NOT NULL) AS deaths_civilians,
       {families}
FROM sw_panel_events WHERE unit_id IS NOT NULL AND violence_type IS NOT NULL
GROUP BY unit_id, mo
"""


def _fill_events(store: Store, events: pd.DataFrame, grid: _Grid) -> None:
    fams = event_families(events)
    lean = pd.DataFrame(
        {
            "unit_id": events["unit_id"],
            "country_gw": events["country_gw"].astype(np.int64),
            "mo": events["mo"].astype(np.int64),
            "placed_country": events["place_level"].to_numpy() != "none",
            "violence_type": events["violence_type"],
            "best": events["best"].astype("float64"),
            "deaths_civilians": events["deaths_civilians"].astype("float64"),
            **{f"f_{fam}": fams[fam].to_numpy() for fam in ACTOR_FAMILIES},
        }
    )
    sql = _AGG_SQL.format(
        types=", ".join(
            f"sum(best) FILTER (WHERE violence_type = '{t}') AS best_{t}" for t in VIOLENCE_TYPES
        ),
        counts=", ".join(
            f"count(*) FILTER (WHERE violence_type = '{t}') AS events_{t}" for t in VIOLENCE_TYPES
        ),
        families=", ".join(
            f"sum(best) FILTER (WHERE f_{f}) AS best_{f}, "
            f"count(*) FILTER (WHERE f_{f}) AS events_{f}"
            for f in ACTOR_FAMILIES
        ),
    )
    unplaced_sql = (
        "SELECT country_gw AS unit_id, mo, count(*) AS unplaced_events, "
        "sum(best) AS unplaced_best FROM sw_panel_events "
        "WHERE unit_id IS NULL AND violence_type IS NOT NULL AND placed_country GROUP BY ALL"
    )
    con = store.con
    con.register("sw_panel_events", lean)
    try:
        sums = con.execute(sql).df()
        unplaced = con.execute(unplaced_sql).df()
    finally:
        con.unregister("sw_panel_events")
    sums = sums.fillna({c: 0 for c in sums.columns if c not in ("unit_id", "mo")})
    grid.fill(sums, TYPE_COLUMNS, grid.covered)
    grid.fill(sums, ACTOR_COLUMNS, grid.actors)
    _fill_unplaced(grid, unplaced.fillna(0))


def _fill_unplaced(grid: _Grid, unplaced: pd.DataFrame) -> None:
    """Spread country-month unplaced counts onto each unit of the country."""
    countries = grid.units.frame["country_gw"].to_numpy(dtype=np.int64)
    gws = np.unique(countries)
    for name in UNPLACED_COLUMNS:
        table = np.zeros((len(gws), len(grid.months)), dtype=np.float32)
        r = np.searchsorted(gws, unplaced["unit_id"].to_numpy(dtype=np.int64))
        c = unplaced["mo"].to_numpy(dtype=np.int64) - grid.months[0]
        ok = (r < len(gws)) & (c >= 0) & (c < len(grid.months))
        ok[ok] &= gws[r[ok]] == unplaced["unit_id"].to_numpy(dtype=np.int64)[ok]
        table[r[ok], c[ok]] = unplaced[name].to_numpy(dtype=np.float32)[ok]
        values = grid.values[name]
        values[...] = table[np.searchsorted(gws, countries)]
        values[~grid.covered] = np.nan


def _derive(grid: _Grid) -> None:
    """Months since violence, rolling sums and spatial lags, from the filled grid."""
    best = grid.values["best_total"]
    known = grid.covered & ~np.isnan(best)
    grid.values["months_since_violence"][...] = months_since(np.nan_to_num(best) > 0, known)
    for column in ROLLED:
        outs = [grid.values[f"{column}_r{k}"] for k in WINDOWS]
        _rolling_sums(grid.values[column], WINDOWS, outs)
    unknown = ~grid.units.frame["known"].to_numpy(dtype=bool)
    panel_rows = grid.units.frame["in_panel"].to_numpy(dtype=bool)
    rows, nbrs = grid.units.pairs
    inside = panel_rows[rows]
    for column in LAGGED:
        lag = grid.values[f"{column}_splag"]
        spatial_lag(grid.values[column], (rows[inside], nbrs[inside]), out=lag)
        lag[unknown] = np.nan


def _frame(grid: _Grid, first: int, last: int) -> pd.DataFrame:
    """The panel rows of ``grid`` for months ``first..last``."""
    n_units = int(grid.units.frame["in_panel"].sum())  # the panel's units come first, sorted
    units = grid.units.frame.iloc[:n_units]
    cols = np.flatnonzero((grid.months >= first) & (grid.months <= last))
    n_months = len(cols)
    block = (slice(0, n_units), slice(int(cols[0]), int(cols[-1]) + 1) if n_months else slice(0))
    keys = pd.DataFrame(
        {
            "unit_id": np.repeat(units["unit_id"].to_numpy(), n_months),
            "unit_name": np.repeat(units["unit_name"].to_numpy(dtype=object), n_months),
            "country_gw": np.repeat(units["country_gw"].to_numpy(dtype=np.int64), n_months),
            "month": np.tile(ordinal_month(grid.months[cols]), n_units),
            "covered": grid.covered[block].ravel(),
            "covered_located": grid.located[block].ravel(),
            "covered_actors": grid.actors[block].ravel(),
        }
    )
    # The grid's float32 block becomes the panel's values; copied only when trimmed.
    whole = n_units == grid.block.shape[1] and n_months == grid.block.shape[2]
    part = grid.block if whole else grid.block[:, block[0], block[1]]
    values = part.reshape(len(VALUE_COLUMNS), n_units * n_months)
    numbers = pd.DataFrame(values.T, columns=list(VALUE_COLUMNS), copy=False)
    frame = pd.concat([keys, numbers], axis=1)
    return frame
