"""Consequences: ``/api/consequences/...`` (food insecurity, displacement, and both beside the
violence). Units not analysed and months no CH period covers are null with a status, never 0.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from sahelwatch import consequences as cq
from sahelwatch.errors import QueryError
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import NotFound, app_state, month_arg, read_store, split_list

router = APIRouter(tags=["consequences"])

ASSOCIATION_NOTE = (
    "Violence before a cycle and the change in people in phase 3+ are shown side by side: an "
    "association, not a cause (food insecurity also follows rainfall, prices and access)."
)

PeriodQ = Annotated[
    str, Query(pattern="^(current|projected)$", description="CH period: current or projected.")
]
CycleQ = Annotated[
    str | None, Query(pattern=r"^\d{4}-\d{2}$", description="A CH cycle, YYYY-MM (03 or 11).")
]
CountryQ = Annotated[list[str] | None, Query(description="ISO3 codes; repeatable.")]


def _food(request: Request, store: RequestStore) -> pd.DataFrame:
    """The store's CH units with their indicators, computed once per store generation."""
    state = app_state(request)

    def compute() -> pd.DataFrame:
        return cq.food_indicators(cq.ch_units(store))

    return state.memo.get(("consequences-food", state.access.generation()), compute)


def _need(food: pd.DataFrame) -> pd.DataFrame:
    if food.empty:
        raise NotFound("the store holds no Cadre Harmonisé data (sahelwatch ingest --bundled).")
    return food


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries (null for NaN/NA, dates as text), written by pandas'
    C encoder: several times faster than :func:`render.frame_records` on these frames."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    records: list[dict[str, Any]] = json.loads(out.to_json(orient="records", force_ascii=False))
    return records


@lru_cache(maxsize=1)
def _admin2_geometries() -> dict[str, dict[str, Any]]:
    """GeoJSON geometry of every bundled admin-2 unit, by unit id."""
    import shapely

    from sahelwatch.geo import load_admin

    units = load_admin(2)
    return {
        str(uid): json.loads(shapely.to_geojson(shape))
        for uid, shape in zip(units["admin2_pcode"], units.geometry, strict=True)
    }


def _respond(frame: pd.DataFrame, fmt: str, filename: str, meta: dict[str, Any]) -> Response:
    if fmt == "csv":
        return render.csv_response(frame, f"{filename}.csv")
    rows = _records(frame)
    if fmt == "geojson":
        shapes = _admin2_geometries()
        features = [
            {"type": "Feature", "geometry": shapes.get(str(row["unit_id"])), "properties": row}
            for row in rows
        ]
        return render.json_response(
            render.feature_collection(features, **meta), media_type=render.GEOJSON
        )
    return render.json_response({**meta, "count": len(frame), "rows": rows})



def _iso3s(store: RequestStore, country: list[str] | None) -> tuple[str, ...]:
    """ISO3 codes of the countries asked for (codes, numbers or names); an unknown one is
    refused with a sentence, never answered with no rows."""
    from sahelwatch.gazetteer import iso3_codes
    from sahelwatch.query import resolve_countries

    return tuple(iso3_codes(resolve_countries(store, ",".join(split_list(country, "country")))
                            or []))  # fmt: skip

@router.get("/api/consequences/match", summary="CH units matched to the admin-2 boundaries")
def match(request: Request, store: Annotated[RequestStore, Depends(read_store)]) -> Response:
    """Per country: CH units, how many match a bundled admin-2 unit (by P-code, then by name)
    and the share; the units that match none are named."""
    food = _need(_food(request, store))
    return render.json_response({"rows": render.frame_records(cq.match_shares(food))})


@router.get("/api/consequences/cycles", summary="CH cycles and the months they describe")
def cycles(request: Request, store: Annotated[RequestStore, Depends(read_store)]) -> Response:
    """Each country's CH cycles, current and projected, with their periods and the number of
    units with figures."""
    food = _need(_food(request, store))
    return render.json_response({"rows": render.frame_records(cq.cycles_table(food))})


@router.get("/api/consequences/food", summary="Food insecurity per admin-2 unit")
def food_layer(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM")] = None,
    cycle: CycleQ = None,
    period: PeriodQ = "current",
    country: CountryQ = None,
    format: Annotated[str, Query(pattern="^(json|csv|geojson)$")] = "json",
) -> Response:
    """Every bundled admin-2 unit of Mali, Burkina Faso and Niger with the Cadre Harmonisé
    figures of the analysis whose period covers `month` (or of `cycle`): people and share in
    phase 3+, phase class, change since the previous cycle and the same cycle a year before.
    A unit not analysed, or a month no analysis covers, has null figures and a `status` that
    says so. Each row names its source record (`file_id`, `row_number`, `release`)."""
    if (month is None) == (cycle is None):
        raise QueryError("give a month or a cycle (one of them).")
    food = _need(_food(request, store))
    held = sorted(food["cycle"].dropna().unique())
    if cycle is not None and cycle not in held:
        raise NotFound(f"the store holds no Cadre Harmonisé cycle {cycle}; it holds "
                       f"{len(held)}, {held[0]} to {held[-1]}.")  # fmt: skip
    state = app_state(request)
    rows = state.memo.get(
        ("consequences-rows", state.access.generation(), period),
        lambda: cq.layer_rows(food, period),
    )
    when = month_arg(month)
    names = _iso3s(store, country)
    picks: tuple[tuple[str, str], ...] = ()
    if when is not None:  # months that the same analyses cover share one layer
        day = pd.Timestamp(when)
        covering = rows[(rows["period_from"] <= day) & (rows["period_to"] >= day)]
        picks = tuple(sorted(set(zip(covering["country_iso3"], covering["cycle"], strict=True))))
    layer = state.memo.get(
        ("consequences-layer", state.access.generation(), period, cycle or picks, names),
        lambda: cq.food_layer(
            rows, month=when, cycle=cycle, period_type=period, countries=list(names) or None
        ),
    )
    meta = {"month": month, "cycle": cycle, "period": period}
    return _respond(layer, format, f"food_{month or cycle}_{period}", meta)


@router.get("/api/consequences/food/series", summary="Food insecurity cycle by cycle")
def food_series(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    unit: Annotated[str | None, Query(max_length=40, description="An admin-2 unit_id.")] = None,
    period: PeriodQ = "current",
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """One unit's figures cycle by cycle (`unit`), or, without it, people in phase 3+ per
    country and cycle. Cycles where the unit was not analysed are absent: no data."""
    food = _need(_food(request, store))
    food = food[food["period_type"] == period]
    if unit:
        frame = food[food["unit_id"] == unit]
        if frame.empty:
            raise NotFound(f"no Cadre Harmonisé figures for unit {unit!r}.")
        frame = frame[
            [
                "unit_id",
                "unit_name",
                "country_iso3",
                "cycle",
                "period_type",
                "period_from",
                "period_to",
                "population",
                "phase35",
                "share35",
                "phase_class",
                "phase_class_max",
                "change_prev",
                "change_year",
                "file_id",
                "row_number",
                "release",
            ]
        ]
    else:
        frame = cq.country_totals(food)
    return _respond(frame, format, f"food_series_{unit or 'countries'}_{period}", {"unit": unit})


@router.get("/api/consequences/displacement", summary="IDPs and refugees per year")
def displacement(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    level: Annotated[str, Query(pattern="^(country|admin1)$")] = "country",
    source: Annotated[str, Query(pattern="^(unhcr|dtm)$")] = "unhcr",
    country: CountryQ = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Year-end stocks (UNHCR: IDPs, refugees hosted and abroad, asylum seekers; IDMC conflict
    IDPs) per country, or UNHCR IDPs per admin-1 region (`level=admin1`; locations that match
    no region are kept at country level), with the change per year. A figure repeated from the
    year before is flagged `*_carried_forward` and has no change (null). `source=dtm`: IOM DTM
    IDPs per admin-1 unit and round, as the `iom_dtm` or `hdx_hapi` connectors pulled them."""
    state = app_state(request)
    key = ("consequences-displacement", level, source, state.access.generation())

    def compute() -> pd.DataFrame:
        if source == "dtm":
            return cq.dtm_regions(store)
        if level == "admin1":
            return cq.displacement_regions(store)
        return cq.displacement_country(store)

    frame: pd.DataFrame = state.memo.get(key, compute)
    if frame.empty:
        raise NotFound(
            f"the store holds no {'DTM' if source == 'dtm' else 'UNHCR'} figures (bundled: "
            "sahelwatch ingest --bundled; DTM: the iom_dtm or hdx_hapi connectors)."
        )
    names = _iso3s(store, country)
    if names:
        frame = frame[frame["country_iso3"].isin(names)]
    meta = {"level": level, "source": source}
    return _respond(frame, format, f"displacement_{source}_{level}", meta)


@router.get("/api/consequences/violence", summary="Violence before each CH cycle beside food")
def violence(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    months: Annotated[int, Query(ge=1, le=24)] = 6,
    change: Annotated[str, Query(pattern="^(year|previous)$")] = "year",
    period: PeriodQ = "current",
    both: Annotated[bool, Query(description="Only unit-cycles where both worsened.")] = False,
    country: CountryQ = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """For each admin-2 unit and CH cycle: UCDP deaths and events in the `months` months before
    the cycle, the same window a year before, and the change in people in phase 3+ (since the
    same cycle a year before, or the previous cycle); `both_worse` where both rose. Per
    country, the rank correlation. Null where a month of the window is not covered or the unit
    was not analysed. An association, not a cause."""
    state = app_state(request)
    food = _need(_food(request, store))
    pairs: pd.DataFrame = state.memo.get(
        ("consequences-violence", months, change, period, state.access.generation()),
        lambda: cq.violence_and_food(store, food, period_type=period, change=change, months=months),
    )
    names = _iso3s(store, country)
    if names:
        pairs = pairs[pairs["country_iso3"].isin(names)]
    summary = cq.association(pairs)
    if both:
        pairs = pairs[pairs["both_worse"].fillna(False).astype(bool)]
    meta = {
        "months": months,
        "change": change,
        "period": period,
        "note": ASSOCIATION_NOTE,
        "association": render.frame_records(summary),
    }
    return _respond(pairs, format, f"violence_food_{change}_{months}m", meta)


@router.get("/api/consequences/record/{file_id}/{row}", summary="The source record behind a figure")
def record(
    store: Annotated[RequestStore, Depends(read_store)],
    file_id: Annotated[int, Path(ge=1)],
    row: Annotated[int, Path(ge=2)],
) -> Response:
    """The record at row `row` of ingested file `file_id`, as the file had it."""
    from sahelwatch.query import source_record

    path, found = source_record(store, file_id, row)
    return render.json_response({"file_id": file_id, "row": row, "file": path, "record": found})
