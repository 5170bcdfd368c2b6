"""Units: ``/api/boundaries``, ``/api/panels``, ``/api/indicators`` and indicator series."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.indicators import capital_years, covered_months, derived
from sahelwatch.periods import format_month, month_range
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import (
    MAX_MONTHS,
    app_state,
    month_arg,
    period_arg,
    read_store,
    split_list,
)

router = APIRouter(tags=["units"])

LEVEL_PATTERN = "^(country|admin1|admin2|cell)$"
#: Most countries of one indicator or cell request (each is computed on its own).
MAX_UNIT_COUNTRIES = 12
#: Most rows a panel request returns.
MAX_PANEL_ROWS = 500_000

LevelQ = Annotated[str, Query(pattern=LEVEL_PATTERN, description="country, admin1, admin2, cell")]
CountryQ = Annotated[
    list[str] | None,
    Query(description="ISO3 code, Gleditsch-Ward number or name; repeatable or comma-separated."),
]
FamilyQ = Annotated[
    str,
    Query(
        pattern="^[a-z0-9_]{1,40}$",
        description="Release family: ucdp, acled (events) or views_cm, ucdp_ged_cm, "
        "ucdp_candidate_cm (country-month totals, country level).",
    ),
]
AsOfQ = Annotated[str | None, Query(max_length=60, description="A release of the family.")]
ColumnsQ = Annotated[
    list[str] | None, Query(description="Only these columns (keys are always kept).")
]


# --- boundaries -----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def boundaries_geojson(level: str, countries: tuple[int, ...] | None) -> bytes:
    """:func:`sahelwatch.panels.unit_boundaries` as GeoJSON bytes (kept)."""
    frame = panels.unit_boundaries(level, countries)
    text: str = frame.to_json(na="null", drop_id=True, ensure_ascii=False)
    return text.encode("utf-8")


def _gws(store: RequestStore, countries: list[str]) -> tuple[int, ...]:
    from sahelwatch.query import resolve_country

    return tuple(sorted({gw for c in countries for gw in resolve_country(store, c)}))


@router.get("/api/boundaries/{level}", summary="Unit boundaries (GeoJSON)")
def boundaries(
    store: Annotated[RequestStore, Depends(read_store)],
    level: Annotated[str, Path(pattern=LEVEL_PATTERN)],
    country: CountryQ = None,
) -> Response:
    """The bundled boundaries of `country` (24 countries of the Sahel, West and North Africa),
    `admin1` (Mali, Burkina Faso, Niger, Senegal, Côte d'Ivoire), `admin2` (Mali, Burkina Faso,
    Niger) or `cell` (PRIO-GRID cells of the Sahel countries), in EPSG:4326. Each feature's
    `unit_id` is the key of panels, indicators and forecasts. Cached."""
    names = split_list(country, "country")
    gws = _gws(store, names) if names else None
    return Response(
        boundaries_geojson(level, gws),
        media_type=render.GEOJSON,
        headers={"Cache-Control": "public, max-age=3600"},
    )


# --- basemap --------------------------------------------------------------------------------

BASEMAP_LAYERS = ("rivers", "lakes", "urban", "places")


@lru_cache(maxsize=8)
def basemap_geojson(layer: str) -> bytes:
    """A bundled basemap layer as GeoJSON bytes (``data/basemap/``; see its NOTICE)."""
    import gzip
    import json
    from importlib import resources

    from sahelwatch.basemap import load_places

    folder = resources.files("sahelwatch") / "data" / "basemap"
    if layer != "places":
        return gzip.decompress((folder / f"ne_{layer}_westafrica.geojson.gz").read_bytes())
    features = render.point_features(render.frame_records(load_places()))
    return json.dumps(render.feature_collection(features), ensure_ascii=False).encode("utf-8")


@router.get("/api/basemap/clusters", summary="Place names where located events cluster")
def basemap_clusters(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    km: Annotated[float, Query(gt=0, le=50, description="Radius around each place, km.")] = 10,
    min_events: Annotated[int, Query(ge=1, le=10_000, description="Fewest events.")] = 10,
) -> Response:
    """The bundled places (`places`) with at least `min_events` events of the store placed
    at a point within `km` km (`sahelwatch.basemap.event_towns`), each with `events`,
    `best` (deaths), `first_year` and `last_year`, as GeoJSON points. Computed from the
    store, cached until it changes."""
    from sahelwatch.basemap import event_towns

    state = app_state(request)
    frame = state.memo.get(
        ("event_towns", state.access.generation(), km, min_events),
        lambda: event_towns(store, km=km, min_events=min_events),
    )
    features = render.point_features(render.frame_records(frame))
    return render.json_response(render.feature_collection(features), media_type=render.GEOJSON)


@router.get("/api/basemap/{layer}", summary="Offline basemap layers (GeoJSON)")
def basemap(layer: Annotated[str, Path(pattern="^(rivers|lakes|urban|places)$")]) -> Response:
    """Natural Earth rivers, lakes and urban areas, and place names (`places`: Natural Earth
    capitals, admin-1 capitals and towns; GeoNames seats and towns of Mali, each with `kind`,
    `population` and `source`), bundled so that the map needs no internet. Cached."""
    return Response(
        basemap_geojson(layer),
        media_type=render.GEOJSON,
        headers={"Cache-Control": "public, max-age=86400"},
    )


# --- history by year -------------------------------------------------------------------------


@router.get("/api/capital/years", summary="Nearest jihadist event to the capital, year by year")
def capital_by_year(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[str, Query(max_length=60, description="ISO3, GW code or name.")] = "MLI",
    period: Annotated[str | None, Query(max_length=20, description="YYYY-MM..YYYY-MM")] = None,
) -> Response:
    """For each year: the distance from the capital to the nearest located jihadist event
    (of the country or a neighbour), the event and its month, events within 100 km, and how
    many months of the year have located data (0: no data, so no distance, never "far")."""
    from sahelwatch.query import resolve_country

    gw = resolve_country(store, country)[0]
    start, end = period_arg(period)
    months = covered_months(store, "ucdp", [str(gw)], located=True)
    if not months:
        raise QueryError(f"no located events cover {country}.")
    start, end = start or months[0], end or months[-1]
    state = app_state(request)
    frame = state.memo.get(
        ("capital_years", state.access.generation(), gw, start, end),
        lambda: capital_years(store, gw, start, end),
    )
    return render.json_response({"country_gw": gw, "years": render.frame_records(frame)})


@router.get("/api/corridors", summary="Cross-border corridors of jihadist violence in a year")
def corridors_year(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    year: Annotated[int, Query(ge=1989, le=2100, description="The year, YYYY.")],
) -> Response:
    """Neighbouring admin-2 units on either side of a border between Mali, Burkina Faso and
    Niger with located jihadist violence on both sides in `year`
    (`sahelwatch.indicators.corridors`): per side the unit, its inner point, events, deaths
    (UCDP best), the jihadist groups named and the events' uids as evidence. `months_located`
    gives each country's months of the year covered with locations and actors; a border
    with a side not covered is no data: listed in `no_data`, never as "no corridor", and
    `corridors` is null when no border is covered."""
    from sahelwatch.indicators import corridors

    state = app_state(request)
    frame = state.memo.get(
        ("corridors", state.access.generation(), year), lambda: corridors(store, year)
    )
    months = {
        **dict(zip(frame["iso3_a"], frame["months_a"], strict=True)),
        **dict(zip(frame["iso3_b"], frame["months_b"], strict=True)),
    }
    known = frame["corridor"].notna()
    found = frame[frame["corridor"].fillna(False).astype(bool)]
    return render.json_response(
        {
            "year": year,
            "months_located": {iso: int(n) for iso, n in sorted(months.items())},
            "pairs": int(known.sum()),
            "no_data": sorted(set(frame.loc[~known, "border"])),
            "corridors": render.frame_records(found) if known.any() else None,
        }
    )


# --- panels ---------------------------------------------------------------------------------


def _range(period: str | None, month: str | None) -> tuple[date | None, date | None]:
    if period and month:
        raise QueryError("give either period or month, not both.")
    if month:
        one = month_arg(month)
        return one, one
    return period_arg(period)


_KEYS = ("unit_id", "unit_name", "country_gw", "month")


def _columns(frame: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    """Only the ``wanted`` columns, after the key columns."""
    if not wanted:
        return frame
    unknown = [c for c in wanted if c not in frame.columns]
    if unknown:  # a country's figure on unit rows is named country_<figure>
        named = [f"{c} (here country_{c})" if f"country_{c}" in frame.columns else c
                 for c in unknown[:5]]  # fmt: skip
        raise QueryError(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(named)}.")
    keys = [c for c in _KEYS if c in frame.columns]
    return frame[[*keys, *(c for c in wanted if c not in keys)]]


def _respond(
    frame: pd.DataFrame, fmt: str, level: str, filename: str, meta: dict[str, Any]
) -> Response:
    if fmt == "csv":
        return render.csv_response(frame, f"{filename}.csv")
    if fmt == "geojson":
        from sahelwatch.indicators import to_geojson

        flat = frame.copy()
        for column in flat.columns:
            if flat[column].map(lambda v: isinstance(v, (list, np.ndarray))).any():
                flat[column] = flat[column].map(
                    lambda v: ";".join(map(str, v)) if isinstance(v, (list, np.ndarray)) else v
                )
        for column in ("month",):
            if column in flat and pd.api.types.is_datetime64_any_dtype(flat[column]):
                flat[column] = flat[column].dt.strftime("%Y-%m")
        text = to_geojson(flat, level)
        return Response(text.encode("utf-8"), media_type=render.GEOJSON)
    return render.json_response({**meta, "rows": render.frame_records(frame)})


@router.get("/api/panels", summary="Unit-month panel (JSON, CSV or GeoJSON)")
def panel(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    level: LevelQ = "country",
    country: CountryQ = None,
    period: Annotated[str | None, Query(max_length=20, description="YYYY-MM..YYYY-MM")] = None,
    month: Annotated[str | None, Query(max_length=7, description="One month, YYYY-MM")] = None,
    family: FamilyQ = "ucdp",
    as_of: AsOfQ = None,
    columns: ColumnsQ = None,
    format: Annotated[str, Query(pattern="^(json|geojson|csv)$")] = "json",
) -> Response:
    """Fatalities and events by violence type and actor family per unit and month, with
    coverage flags, rolling sums and spatial lags (see `sahelwatch.panels.build_panel`). A
    month no release covers is null, never 0. Cell panels need `country`."""
    names = split_list(country, "country")
    if level == "cell" and not names:
        raise QueryError("a cell panel needs country (at most 12).")
    if level == "cell" and len(names) > MAX_UNIT_COUNTRIES:
        raise QueryError(f"a cell panel takes at most {MAX_UNIT_COUNTRIES} countries.")
    start, end = _range(period, month)
    frame = panels.build_panel(
        store,
        level,  # type: ignore[arg-type]
        family=family,
        countries=names or None,
        start=start,
        end=end,
        as_of=as_of,
    )
    if len(frame) > MAX_PANEL_ROWS:
        raise QueryError(
            f"the panel has {len(frame)} rows (at most {MAX_PANEL_ROWS}); narrow the period or "
            "the countries."
        )
    frame = _columns(frame, split_list(columns, "columns", 200))
    meta = {"level": level, "family": family, "as_of": as_of, "count": len(frame)}
    return _respond(frame, format, level, f"panel_{level}", meta)


# --- indicators -----------------------------------------------------------------------------


def _per_country(
    request: Request,
    store: RequestStore,
    family: str,
    key: tuple[Any, ...],
    names: list[str],
    compute: Callable[[str, derived.Loader], pd.DataFrame],
) -> pd.DataFrame:
    """``compute(name, load)`` for each country, each kept while the store's data do not
    change (``key``: what else the result depends on); ``load`` reads kept indicator series
    (:mod:`sahelwatch.indicators.derived`), each also kept in memory. A forecast or an alert
    written meanwhile changes the store file but not the data, so nothing is computed again."""
    memo = app_state(request).memo
    state = derived.data_state(store)

    read = derived.loader(store, family)

    def load(name: str, level: str) -> pd.DataFrame | None:
        return memo.get((state, "full", family, name.upper(), level), partial(read, name, level))

    frames = [memo.get((state, name.upper(), family, *key), partial(compute, name, load))
              for name in names]  # fmt: skip
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _default_month(store: RequestStore, family: str, countries: list[str], level: str) -> date:
    months = covered_months(store, family, countries, located=level != "country")
    if not months:
        raise QueryError(f"family '{family}' covers no month of these countries at {level} level.")
    return months[-1]


@router.get("/api/indicators", summary="Every indicator of every unit for one month")
def indicators_month(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    level: LevelQ = "admin2",
    country: CountryQ = None,
    month: Annotated[
        str | None, Query(max_length=7, description="YYYY-MM (default: newest covered)")
    ] = None,
    family: FamilyQ = "ucdp",
    as_of: AsOfQ = None,
    columns: ColumnsQ = None,
    format: Annotated[str, Query(pattern="^(json|geojson|csv)$")] = "json",
) -> Response:
    """The crisis indicators (`sahelwatch.indicators.indicators`) of every unit of each
    country at one level and month; GeoJSON joins them to the units' boundaries (a
    choropleth, for QGIS). Default country: Mali."""
    names = split_list(country, "country", MAX_UNIT_COUNTRIES) or ["MLI"]
    target = month_arg(month) or _default_month(store, family, names, level)
    frame = _per_country(
        request,
        store,
        family,
        ("indicators", level, target, as_of),
        names,
        lambda name, load: derived.month(
            store, name, level, target, family=family, as_of=as_of, load=load
        ),
    )
    frame = _columns(frame, split_list(columns, "columns", 200))
    meta = {"level": level, "month": format_month(target), "family": family, "count": len(frame)}
    return _respond(frame, format, level, f"indicators_{level}_{format_month(target)}", meta)


@router.get("/api/indicators/series", summary="Indicator time series of units")
def indicators_series(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    level: LevelQ = "country",
    country: CountryQ = None,
    unit: Annotated[
        list[str] | None, Query(description="Only these unit ids (P-code, gid or GW code).")
    ] = None,
    period: Annotated[
        str | None,
        Query(max_length=20, description="YYYY-MM..YYYY-MM (default: the family's coverage)"),
    ] = None,
    family: FamilyQ = "ucdp",
    as_of: AsOfQ = None,
    columns: ColumnsQ = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Every indicator of the units of each country, month by month (the values of
    `/api/indicators` for each month of the period; the state-pressure score only at country
    level). Months no release covers are null. Default country: Mali."""
    names = split_list(country, "country", MAX_UNIT_COUNTRIES) or ["MLI"]
    start, end = period_arg(period)
    if start is not None and end is not None and len(month_range(start, end)) > MAX_MONTHS:
        raise QueryError(f"a series may span at most {MAX_MONTHS} months.")
    frame = _per_country(
        request,
        store,
        family,
        ("series", level, start, end, as_of),
        names,
        lambda name, load: derived.series(
            store, name, level, start, end, family=family, as_of=as_of, load=load
        ),
    )
    units = split_list(unit, "unit", 5000)
    if units:
        frame = frame[frame["unit_id"].astype(str).isin(units)].reset_index(drop=True)
    frame = _columns(frame, split_list(columns, "columns", 200))
    meta = {"level": level, "family": family, "count": len(frame)}
    return _respond(frame, format, level, f"indicator_series_{level}", meta)
