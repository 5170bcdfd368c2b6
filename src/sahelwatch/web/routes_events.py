"""``/api/events``: filtered events, paged, as JSON, GeoJSON or CSV; one event with its versions."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Annotated, Any

import pandas as pd
import pyarrow as pa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import SAHEL
from sahelwatch.panels.listing import event_detail, event_page, month_counts, side_families_table
from sahelwatch.query import EventFilter, parse_bbox, resolve_country
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import (
    MAX_EVENTS_PAGE,
    MAX_TEXT,
    app_state,
    period_arg,
    read_store,
    split_list,
)

router = APIRouter(tags=["events"])


def _side_families(request: Request, store: RequestStore) -> pa.Table:
    """The store's actor names and families, kept while the store does not change."""
    state = app_state(request)
    return state.memo.get(
        ("side_families", state.access.generation()), lambda: side_families_table(store)
    )


def _decode_cursor(text: str) -> tuple[date, str]:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
        day, uid = json.loads(raw)
        return date.fromisoformat(day), str(uid)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise QueryError("invalid cursor; pass the next_cursor of the previous page.") from None


def _encode_cursor(day: Any, uid: str) -> str:
    text = json.dumps([pd.Timestamp(day).strftime("%Y-%m-%d"), uid], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


CountryQ = Annotated[
    list[str] | None,
    Query(description="ISO3 code, Gleditsch-Ward number or name; repeatable or comma-separated."),
]
PeriodQ = Annotated[
    str | None, Query(description="Months, `YYYY-MM` or `YYYY-MM..YYYY-MM`.", max_length=20)
]
TypeQ = Annotated[
    list[str] | None,
    Query(alias="type", description="Violence type `sb`, `ns` or `os`; repeatable."),
]
ActorQ = Annotated[
    str | None,
    Query(description="Text found in either side's name, or an actor's whole name as briefs "
          "and indicators give it (the actor dictionary); case-insensitive.",
          max_length=MAX_TEXT),
]
FamilyQ = Annotated[
    list[str] | None,
    Query(
        description="Actor family of either side (jihadist, state, foreign, progov_militia, "
        "separatist, communal_militia, civilians, other, unknown); repeatable."
    ),
]
BboxQ = Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat.", max_length=100)]
MinFatQ = Annotated[
    int | None, Query(ge=0, le=1_000_000, description="Least `best` fatality estimate.")
]
AsOfQ = Annotated[
    str | None,
    Query(description="A release (`26.0.1` or `ucdp_candidate:26.0.1`).", max_length=60),
]
SourceQ = Annotated[
    list[str] | None,
    Query(description="Only these sources (ucdp_ged, ucdp_candidate, acled); repeatable."),
]


@router.get(
    "/api/events",
    summary="Events matching filters, paged",
    response_description="JSON (events and paging), GeoJSON (a FeatureCollection with the same "
    "paging members) or CSV (paging in the X-Total-Count and X-Next-Cursor headers).",
)
def list_events(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    country: CountryQ = None,
    period: PeriodQ = None,
    violence: TypeQ = None,
    actor: ActorQ = None,
    actor_family: FamilyQ = None,
    bbox: BboxQ = None,
    min_fatalities: MinFatQ = None,
    as_of: AsOfQ = None,
    source: SourceQ = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PAGE, description="Page size.")] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")] = 0,
    cursor: Annotated[
        str | None,
        Query(description="`next_cursor` of the previous page (keyset paging).", max_length=400),
    ] = None,
    fields: Annotated[
        str, Query(pattern="^(full|map)$", description="`full` or `map` (the map's columns).")
    ] = "full",
    format: Annotated[str, Query(pattern="^(json|geojson|csv)$")] = "json",
) -> Response:
    """The current events (or those of an earlier release with `as_of`) matching every filter,
    ordered by start date and uid, as in `sahelwatch events`. `total`, `fatalities` and
    `located` describe every matching event, not only the page; `no_data_months` (CSV: the
    `X-No-Data-Months` header) lists the months of the period no release covers, whose events
    are unknown, not 0 (when no month of the period is covered, `fatalities` and `located` are
    null)."""
    start, end = period_arg(period)
    flt = EventFilter(
        countries=split_list(country, "country"),
        start=start,
        end=end,
        violence_types=split_list(violence, "type"),
        actor=actor or None,
        bbox=parse_bbox(bbox) if bbox else None,
        min_fatalities=min_fatalities,
        as_of=as_of or None,
        sources=split_list(source, "source"),
    )
    page = event_page(
        store,
        flt,
        split_list(actor_family, "actor_family"),
        limit=limit,
        offset=offset,
        after=_decode_cursor(cursor) if cursor else None,
        fields=fields,
        side_families=_side_families(request, store),
    )
    rows, names, no_data, total = page.rows, page.columns, page.no_data_months, page.total
    next_cursor = _encode_cursor(*page.after) if page.after else None
    meta = {
        "no_data_months": no_data,
        "total": total,
        "fatalities": page.fatalities,
        "located": page.located,
        "limit": limit,
        "offset": offset,
        "returned": len(rows),
        "next_cursor": next_cursor,
    }
    headers = {"X-Total-Count": str(total)}
    if no_data:
        headers["X-No-Data-Months"] = ",".join(no_data)
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
    if format == "csv":
        return render.csv_response(page.frame(), "events.csv", headers=headers)
    records = [
        {name: render.clean_value(value) for name, value in zip(names, row, strict=True)}
        for row in rows
    ]
    if format == "geojson":
        collection = render.feature_collection(render.point_features(records), **meta)
        return render.json_response(collection, media_type=render.GEOJSON, headers=headers)
    return render.json_response({**meta, "events": records}, headers=headers)


@router.get("/api/events/{uid}", summary="One event: its current record and every version")
def one_event(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    uid: Annotated[str, Path(max_length=100)],
) -> Response:
    """The event's current record (with its sources' headline and text) and the releases in
    which it was added or revised, each with the file, row and raw record it came from. A
    withdrawn event (missing from a newer release, or deleted by its source) comes in its last
    version, with `withdrawn`: the release that withdrew it and why (else null)."""
    detail = event_detail(store, uid, _side_families(request, store))
    return render.json_response(
        {
            "event": render.frame_records(detail.event)[0],
            "versions": render.frame_records(detail.versions),
            "withdrawn": (
                render.frame_records(detail.withdrawn)[0] if detail.withdrawn is not None else None
            ),
        }
    )


@router.get("/api/months", summary="Per month: what the data hold, and the filtered counts")
def months(
    request: Request,
    store: Annotated[RequestStore, Depends(read_store)],
    period: Annotated[str, Query(description="Months, `YYYY-MM..YYYY-MM`.", max_length=20)],
    country: CountryQ = None,
    violence: TypeQ = None,
    actor_family: FamilyQ = None,
    as_of: AsOfQ = None,
) -> Response:
    """For each month of the period: `state` (`located`: events with places and actors;
    `unlocated`: events without places or actor names; `totals`: only country-month totals;
    `none`: no release covers it, *no data*), the matching events, fatalities and located
    events (null unless events cover the month in every country), the country-month totals
    where only those exist, and `notes` in words ("2024: 1,901 deaths in UCDP totals; no
    located events"). Default countries: the Sahel."""
    start, end = period_arg(period)
    assert start is not None and end is not None
    names = split_list(country, "country")
    gws = sorted({gw for c in names for gw in resolve_country(store, c)}) if names else list(SAHEL)
    counts = month_counts(
        store,
        gws,
        start,
        end,
        types=split_list(violence, "type") or None,
        families=split_list(actor_family, "actor_family"),
        as_of=as_of,
        side_families=_side_families(request, store),
    )
    return render.json_response(
        {
            "countries": counts.countries,
            "notes": counts.notes,
            "months": render.frame_records(counts.months),
        }
    )
