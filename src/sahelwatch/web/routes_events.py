"""``/api/events``: filtered events, paged, as JSON, GeoJSON or CSV; one event with its versions."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from pathlib import PurePath
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from sahelwatch.actors import FAMILIES
from sahelwatch.errors import QueryError
from sahelwatch.query import (
    EventFilter,
    events_sql,
    parse_bbox,
    resolve_country,
    resolve_release,
)
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import (
    MAX_EVENTS_PAGE,
    MAX_TEXT,
    NotFound,
    app_state,
    period_arg,
    read_store,
    split_list,
)

router = APIRouter(tags=["events"])

#: Order in which an event's actor families decide its single ``actor_family`` (map colour):
#: the armed group involved rather than the state it fights or the civilians it targets.
FAMILY_PRIORITY: tuple[str, ...] = (
    "jihadist",
    "separatist",
    "communal_militia",
    "progov_militia",
    "other",
    "foreign",
    "state",
    "civilians",
)
UNKNOWN_FAMILY = "unknown"
ACTOR_FAMILIES: tuple[str, ...] = (*FAMILY_PRIORITY, UNKNOWN_FAMILY)

#: Columns of ``fields=map``: what the dashboard needs to draw and filter.
MAP_FIELDS: tuple[str, ...] = (
    "uid", "date_start", "latitude", "longitude", "where_prec", "country_gw", "country_iso3",
    "adm_1", "location", "violence_type", "best", "side_a", "side_b", "actor_family", "source",
    "release",
)  # fmt: skip


def side_families_table(store: RequestStore) -> pa.Table:
    """Every actor name in the store with its actor families (``name``, ``families``)."""
    from sahelwatch.panels import side_families

    names = store.con.execute(
        "SELECT DISTINCT name FROM (SELECT side_a AS name FROM event_versions UNION ALL "
        "SELECT side_b FROM event_versions) WHERE name IS NOT NULL ORDER BY name"
    ).df()["name"]
    flags = side_families(names.astype(object))
    families = [[fam for fam in FAMILIES if row[fam]] for row in flags.to_dict("records")]
    return pa.table(
        {
            "name": pa.array(names.astype(str).tolist(), pa.string()),
            "families": pa.array(families, pa.list_(pa.string())),
        }
    )


def register_families(request: Request, store: RequestStore) -> None:
    """Register ``sw_side_families`` (name -> families) on the request's connection."""
    state = app_state(request)
    table = state.memo.get(
        ("side_families", state.access.generation()), lambda: side_families_table(store)
    )
    store.con.register("sw_side_families", table)


def _family_case(column: str) -> str:
    whens = " ".join(
        f"WHEN list_contains({column}, '{fam}') THEN '{fam}'" for fam in FAMILY_PRIORITY
    )
    return f"CASE {whens} ELSE '{UNKNOWN_FAMILY}' END"


def filtered_sql(
    store: RequestStore, flt: EventFilter, families: list[str]
) -> tuple[str, dict[str, Any]]:
    """SQL of the filtered current events with their actor families, and its parameters."""
    unknown = sorted(set(families) - set(ACTOR_FAMILIES))
    if unknown:
        raise QueryError(
            f"unknown actor family {', '.join(unknown)}; use {', '.join(ACTOR_FAMILIES)}."
        )
    sql, params = events_sql(store, flt)
    where = "TRUE"
    if families:
        params["families"] = families
        where = "(list_has_any(fams, $families) OR (len(fams) = 0 AND list_contains($families, "
        where += f"'{UNKNOWN_FAMILY}')))"
    wrapped = f"""
        SELECT * EXCLUDE (fams), {_family_case("fams")} AS actor_family FROM (
            SELECT ev.*, coalesce(fa.families, []) AS families_a,
                   coalesce(fb.families, []) AS families_b,
                   list_distinct(coalesce(fa.families, []) || coalesce(fb.families, [])) AS fams
            FROM ({sql}) ev
            LEFT JOIN sw_side_families fa ON fa.name = ev.side_a
            LEFT JOIN sw_side_families fb ON fb.name = ev.side_b)
        WHERE {where}
    """
    return wrapped, params


def _no_data_months(store: RequestStore, flt: EventFilter) -> list[str]:
    """Months of the filter's period that no event release covers for every one of its
    countries: their count of events is unknown, not 0."""
    from sahelwatch.panels import coverage
    from sahelwatch.periods import format_month, month_range

    if flt.start is None or flt.end is None:
        return []
    event_families = "SELECT DISTINCT family FROM releases WHERE kind = 'event'"
    held = {f for (f,) in store.con.execute(event_families).fetchall()}
    wanted_families = {"acled" if s == "acled" else "ucdp" for s in flt.sources} or held
    if flt.as_of:  # the data as of a release: its own family's coverage
        wanted_families = {
            store.con.execute(
                "SELECT family FROM releases WHERE release_id = ?",
                [resolve_release(store, flt.as_of)],
            ).fetchone()[0]  # type: ignore[index]
        }
    families = sorted(held & wanted_families)
    if not families:
        return [format_month(m) for m in month_range(flt.start, flt.end)]
    cov = pd.concat(
        [coverage(store, f, countries=flt.countries or None, as_of=flt.as_of) for f in families]
    ).drop_duplicates(["country_gw", "month"])
    wanted = {int(g) for c in flt.countries for g in resolve_country(store, c)}
    if wanted:
        cov = cov[cov["country_gw"].isin(wanted)]
    need = len(wanted) if wanted else cov["country_gw"].nunique()
    counts = cov.groupby(cov["month"].dt.strftime("%Y-%m"))["country_gw"].nunique()
    months = [format_month(m) for m in month_range(flt.start, flt.end)]
    return [m for m in months if int(counts.get(m, 0)) < max(need, 1)]


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
    Query(description="Text found in either side's name (case-insensitive).", max_length=MAX_TEXT),
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
    are unknown, not 0."""
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
    register_families(request, store)
    sql, params = filtered_sql(store, flt, split_list(actor_family, "actor_family"))
    base_params = dict(params)
    where = "TRUE"
    if cursor:
        params["c_day"], params["c_uid"] = _decode_cursor(cursor)
        where = "(date_start > $c_day OR (date_start = $c_day AND uid > $c_uid))"
    columns = ", ".join(MAP_FIELDS) if fields == "map" else "* EXCLUDE (sw_total, sw_fat, sw_loc)"
    params.update(limit=limit + 1, offset=offset)
    # one pass: the totals of every matching event ride along with the page's rows
    cur = store.con.execute(
        f"SELECT {columns}, sw_total, sw_fat, sw_loc FROM (SELECT *, count(*) OVER () AS sw_total,"
        " coalesce(sum(best) OVER (), 0) AS sw_fat, count(latitude) OVER () AS sw_loc "
        f"FROM ({sql})) WHERE {where} ORDER BY date_start, uid LIMIT $limit OFFSET $offset",
        params,
    )
    names = [d[0] for d in cur.description][:-3]
    rows = cur.fetchall()
    if rows:
        total, fatalities, located = (int(v) for v in rows[0][-3:])
    else:  # past the last page: count on its own
        counted = store.con.execute(
            f"SELECT count(*), coalesce(sum(best), 0), count(latitude) FROM ({sql})", base_params
        ).fetchone()
        total, fatalities, located = (int(v) for v in counted) if counted else (0, 0, 0)
    more = len(rows) > limit
    rows = [row[:-3] for row in rows[:limit]]
    day, uid = names.index("date_start"), names.index("uid")
    next_cursor = _encode_cursor(rows[-1][day], str(rows[-1][uid])) if more else None
    no_data = _no_data_months(store, flt)
    meta = {
        "no_data_months": no_data,
        "total": total,
        "fatalities": fatalities,
        "located": located,
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
        frame = pd.DataFrame.from_records(rows, columns=names)
        return render.csv_response(frame, "events.csv", headers=headers)
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
    register_families(request, store)
    for gone in (False, True):
        sql, params = filtered_sql(store, EventFilter(withdrawn=gone), [])
        params["uid"] = uid
        current = store.con.execute(f"SELECT * FROM ({sql}) WHERE uid = $uid", params).df()
        if not current.empty:
            break
    if current.empty:
        raise NotFound(f"the store holds no event '{uid}'.")
    withdrawn = store.con.execute(
        "SELECT r.source, r.release, w.reason FROM withdrawals w JOIN releases r "
        "USING (release_id) WHERE w.uid = $uid ORDER BY r.release_key DESC LIMIT 1",
        {"uid": uid},
    ).df()
    versions = store.con.execute(
        "SELECT r.source, r.release, r.preliminary, v.date_start, v.best, v.low, v.high, "
        "v.latitude, v.longitude, v.where_prec, v.flags, v.file_id, v.row_number AS row, "
        "f.path AS file, f.sha256 AS file_sha256 FROM event_versions v "
        "JOIN releases r USING (release_id) JOIN ingest_log f USING (file_id) "
        "WHERE v.uid = $uid ORDER BY r.release_key",
        {"uid": uid},
    ).df()
    raws = store.raw_records(versions["file_id"].tolist(), versions["row"].tolist())
    versions["file"] = [PurePath(path).name for path in versions["file"]]
    versions["raw"] = [None if text is None else json.loads(text) for text in raws]
    versions = versions.drop(columns="file_id")
    return render.json_response(
        {
            "event": render.frame_records(current)[0],
            "versions": render.frame_records(versions),
            "withdrawn": render.frame_records(withdrawn)[0] if gone else None,
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
    from sahelwatch.indicators import SAHEL
    from sahelwatch.web.series import describe_months, month_states, status_sentence

    start, end = period_arg(period)
    assert start is not None and end is not None
    names = split_list(country, "country")
    types = split_list(violence, "type")
    gws = sorted({gw for c in names for gw in resolve_country(store, c)}) if names else list(SAHEL)
    frame = month_states(store, gws, start, end, types=types or None, as_of=as_of)
    flt = EventFilter(
        countries=[str(g) for g in gws], start=start, end=end, violence_types=types,
        as_of=as_of or None,
    )  # fmt: skip
    register_families(request, store)
    sql, params = filtered_sql(store, flt, split_list(actor_family, "actor_family"))
    counts = store.con.execute(
        f"SELECT strftime(date_start, '%Y-%m') AS month, count(*) AS events, "
        f"coalesce(sum(best), 0) AS fatalities, count(latitude) AS located FROM ({sql}) "
        "GROUP BY 1",
        params,
    ).df()
    frame = frame.merge(counts, on="month", how="left")
    with_events = frame["state"].isin(["located", "unlocated"])
    for column in ("events", "fatalities", "located"):
        frame[column] = (
            frame[column].where(with_events, np.nan).where(~with_events | frame[column].notna(), 0)
        )
    if actor_family:
        frame.loc[~frame["actors"], ["events", "fatalities", "located"]] = np.nan
    return render.json_response(
        {
            "countries": gws,
            "notes": describe_months(frame, status_sentence(store, gws, as_of)),
            "months": render.frame_records(frame),
        }
    )
