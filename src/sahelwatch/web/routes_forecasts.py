"""``/api/forecasts``: stored forecast runs, their quantiles and probabilities, samples on
request; ``/api/forecasts/headline``: which forecast to show first and why;
``/api/forecasts/track-record``: a unit's earlier forecasts against what happened;
``/api/history``: the observed country-month series they are forecasts of."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sahelwatch.errors import QueryError
from sahelwatch.forecast.data import DEFAULT_QUANTILES, TARGETS, THRESHOLDS
from sahelwatch.forecast.models import MODEL_VERSION
from sahelwatch.forecast.stored import forecast_runs, observed_history, pick_run, stored_summary
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import app_state, month_arg, read_store, split_list

router = APIRouter(tags=["forecasts"])

#: Most units whose samples one request may ask for.
MAX_SAMPLE_UNITS = 12


def _runs(request: Request, store: RequestStore) -> pd.DataFrame:
    state = app_state(request)
    return state.memo.get(("runs", state.access.generation()), lambda: forecast_runs(store))


@router.get("/api/forecasts/runs", summary="Stored forecast runs")
def runs(request: Request, store: Annotated[RequestStore, Depends(read_store)]) -> Response:
    """Every stored run (origin, model version, level) with its months, targets and draws.
    Benchmarks (the VIEWS challenge benchmarks) have model versions `benchmark-...`. An empty
    list when no forecast has been stored."""
    return render.json_response({"runs": render.frame_records(_runs(request, store))})


@router.get("/api/forecasts", summary="Forecast quantiles and probabilities")
def forecasts(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[
        list[str] | None,
        Query(description="Countries (ISO3, number or name); default every forecast unit."),
    ] = None,
    level: Annotated[
        str,
        Query(pattern="^(country|admin1|admin2|grid|cell)$", description="cell is grid."),
    ] = "country",
    origin: Annotated[
        str | None, Query(max_length=7, description="YYYY-MM (default: the newest)")
    ] = None,
    model: Annotated[
        str | None,
        Query(max_length=80, description="Model version (default: the model, not a benchmark)"),
    ] = None,
    target: Annotated[
        list[str] | None, Query(description="sb, ns, os or total; repeatable (default all).")
    ] = None,
    month: Annotated[
        list[str] | None, Query(description="Forecast months YYYY-MM; repeatable (default all).")
    ] = None,
    benchmarks: Annotated[
        bool, Query(description="Add the benchmarks made at the same origin.")
    ] = False,
    samples: Annotated[
        bool, Query(description=f"Add the draws (at most {MAX_SAMPLE_UNITS} countries).")
    ] = False,
    format: Annotated[str, Query(pattern="^(json|geojson|csv)$")] = "json",
) -> Response:
    """Fatality forecasts of a stored run: per unit, month and target the mean, quantiles
    `q05`..`q95` and probabilities of at least 1, 25 and 100 fatalities (`p_ge_1`, ...),
    computed from the stored draws; with `samples=true`, the draws themselves. Below country
    level `country` picks the units of those countries, and the rows name each unit
    (`unit_name`, `country_gw`; at grid level only with `country`). GeoJSON joins
    the rows to the units' boundaries (for a choropleth of one month and target). Without
    `model`, the run shown is the headline forecast (`headline`: the model or benchmark with
    the better backtest record, and why; see `/api/forecasts/headline`) when it is stored."""
    from sahelwatch.query import resolve_country

    targets = _targets(target)
    names = split_list(country, "country")
    level = "grid" if level == "cell" else level
    gws = sorted({gw for c in names for gw in resolve_country(store, c)}) if names else None
    if samples and (level != "country" or gws is None or len(gws) > MAX_SAMPLE_UNITS):
        raise QueryError(f"samples need country (at most {MAX_SAMPLE_UNITS}), at country level.")
    months = [m for m in (month_arg(t) for t in split_list(month, "month", 36)) if m]
    top = _headline(request, store, level, targets[0] if len(targets) == 1 else "sb")
    preferred = (top["model_version"], MODEL_VERSION)
    chosen_origin, chosen, bench = pick_run(
        _runs(request, store), month_arg(origin), model, level, preferred
    )
    _check_months(_runs(request, store), chosen_origin, chosen, level, months)
    models = [chosen, *bench] if benchmarks else [chosen]
    places = None if level == "country" or (level == "grid" and not gws) else _unit_names(
        request, store, level, chosen_origin, gws)  # fmt: skip
    units = gws if places is None or not gws else places["unit_id"].tolist()
    frame = stored_summary(store, chosen_origin, models, level, units, targets, months, samples)
    if places is not None:  # the units' names and countries beside their opaque ids
        frame = frame.merge(places.astype({"unit_id": frame["unit_id"].dtype}), on="unit_id",
                            how="left")  # fmt: skip
    meta = {
        "origin": chosen_origin,
        "model_version": chosen,
        "benchmarks": bench if benchmarks else [],
        "level": level,
        "headline": top,
        "quantiles": list(DEFAULT_QUANTILES),
        "thresholds": list(THRESHOLDS),
        "count": len(frame),
    }
    if format == "csv":
        return render.csv_response(frame, f"forecast_{chosen_origin}_{chosen}.csv")
    if format == "geojson":
        from sahelwatch.indicators import to_geojson

        shapes = "cell" if level == "grid" else level
        text = to_geojson(frame.drop(columns=["samples"], errors="ignore"), shapes)
        return Response(text.encode("utf-8"), media_type=render.GEOJSON)
    return render.json_response({**meta, "rows": render.frame_records(frame)})


def _unit_names(
    request: Request, store: RequestStore, level: str, origin: str, gws: list[int] | None
) -> pd.DataFrame:
    from sahelwatch.forecast.stored import unit_names

    state = app_state(request)
    key = ("unit names", state.access.generation(), level, origin, tuple(gws or ()))
    return state.memo.get(key, lambda: unit_names(store, level, origin, gws))


def _check_months(
    runs: pd.DataFrame, origin: str, version: str, level: str, months: list[Any]
) -> None:
    """Refuse months the chosen run does not forecast, saying which it does."""
    run = runs[(runs["origin"] == origin) & (runs["model_version"] == version)
               & (runs["level"] == level)].iloc[0]  # fmt: skip
    outside = [f"{m:%Y-%m}" for m in months
               if not run["first_month"] <= f"{m:%Y-%m}" <= run["last_month"]]  # fmt: skip
    if outside:
        raise QueryError(f"the {version} run made at {origin} forecasts {run['first_month']}.."
                         f"{run['last_month']}; {', '.join(outside)} is not among its months.")


def _headline(request: Request, store: RequestStore, level: str, target: str) -> dict[str, Any]:
    from sahelwatch.forecast.record import headline

    state = app_state(request)
    return state.memo.get(
        ("headline", state.access.generation(), level, target),
        lambda: headline(store, level, target).to_dict(),
    )


@router.get("/api/forecasts/headline", summary="Which forecast to show first, and why")
def headlines(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    level: Annotated[str, Query(pattern="^(country|admin1|admin2|grid)$")] = "country",
    target: Annotated[
        list[str] | None, Query(description="sb, ns, os or total; repeatable (default all).")
    ] = None,
) -> Response:
    """For each target, the forecast with the better backtest record (lowest mean CRPS in the
    evaluation kept by `sahelwatch evaluate --save`): the model, a benchmark or the blend,
    with the reason in words and every model's record. Without a kept evaluation, the model,
    saying that its record is unknown."""
    targets = _targets(target)
    rows = [_headline(request, store, level, t) for t in targets or TARGETS]
    return render.json_response({"level": level, "headlines": rows})


def _targets(target: list[str] | None) -> list[str]:
    targets = split_list(target, "target", 4)
    bad = sorted(set(targets) - set(TARGETS))
    if bad:
        raise QueryError(f"unknown target {', '.join(bad)}; use sb, ns, os or total.")
    return targets


@router.get("/api/forecasts/track-record", summary="A unit's forecasts against what happened")
def track_record(
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[
        str | None, Query(description="Country (ISO3, number or name); default Mali.")
    ] = None,
    unit: Annotated[
        str | None, Query(max_length=40, description="Unit id (P-code or gid) below.")
    ] = None,
    level: Annotated[str, Query(pattern="^(country|admin1|admin2|grid)$")] = "country",
    target: Annotated[
        str | None, Query(pattern="^(sb|ns|os|total)$", description="Default: sb (country).")
    ] = None,
) -> Response:
    """Backtest record of one unit from the evaluation kept in the store: the forecasts made
    at each origin (e.g. 2023-10 for 2024) with their median and 90% interval against the
    observed fatalities, each model's mean CRPS for the unit and its ratio to
    conflictology's, and calibration (PIT histogram, 50% and 90% interval coverage) for the
    unit and the whole level. Empty lists when no evaluation is kept (`sahelwatch evaluate
    --save`); 404 when the kept one has no such unit."""
    from sahelwatch.forecast.record import track_record as record
    from sahelwatch.query import resolve_country

    if level == "country":
        if unit and country:
            raise QueryError("give country or unit at country level, not both.")
        key = str(resolve_country(store, unit or country or "MLI")[0])
    elif country:
        raise QueryError(f"a track record at {level} level takes unit (P-code or gid), "
                         "not country.")  # fmt: skip
    elif unit:
        key = unit
    else:
        raise QueryError(f"a track record at {level} level needs unit (P-code or gid).")
    return render.json_response(record(store, key, level, target))


@router.get("/api/history", summary="Observed monthly fatalities of countries")
def history(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[list[str] | None, Query(description="Countries; default Mali.")] = None,
    start: Annotated[str | None, Query(max_length=7, description="First month YYYY-MM")] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """UCDP best fatalities per country and month by violence type (`sb`, `ns`, `os`) and in
    total, combining UCDP GED, VIEWS and UCDP Candidate data in the forecasts' order of
    precedence (`sahelwatch.forecast.data.load_country_panel`). A month no source covers is
    null (a gap), never 0."""
    from sahelwatch.query import resolve_country

    names = split_list(country, "country", 12) or ["MLI"]
    gws = sorted({gw for c in names for gw in resolve_country(store, c)})
    first = month_arg(start)
    state = app_state(request)
    frame = state.memo.get(
        ("history", state.access.generation(), tuple(gws), first),
        lambda: observed_history(store, gws, first),
    )
    if format == "csv":
        return render.csv_response(frame, "history.csv")
    return render.json_response({"count": len(frame), "rows": render.frame_records(frame)})
