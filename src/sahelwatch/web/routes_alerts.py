"""Alerts: ``/api/alerts`` (JSON), ``/api/alerts/stream`` (server-sent events) and
``/alerts.atom`` (an Atom feed), all read from the store's ``alerts`` table, which the watch
service (``sahelwatch watch``) and ``sahelwatch alerts --record`` write."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from sahelwatch.alerts import SEVERITY_RANK, list_alerts
from sahelwatch.alerts.storage import count_alerts
from sahelwatch.delivery import FeedSettings, atom_feed, sse_stream
from sahelwatch.errors import QueryError
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import NotFound, app_state, read_store

router = APIRouter(tags=["alerts"])

#: Paths whose responses are never cached (the stream never ends).
STREAM_PATH = "/api/alerts/stream"


def _severity(value: str | None) -> str | None:
    if value is not None and value not in SEVERITY_RANK:
        raise QueryError(f"unknown severity '{value}'; use one of {', '.join(SEVERITY_RANK)}.")
    return value


@router.get("/api/alerts", summary="Alerts raised, newest first")
def alerts(
    store: Annotated[RequestStore, Depends(read_store)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    rule: Annotated[str | None, Query(max_length=100)] = None,
    severity: Annotated[
        str | None, Query(description="Least severity: info, warning or critical.")
    ] = None,
    after: Annotated[int | None, Query(ge=0, description="Only alerts with a larger seq.")] = None,
) -> Response:
    """Stored alerts with their evidence (event ids, values, thresholds); `total` counts the
    stored alerts of the rule and severity asked for (beyond `limit`); `available` is false
    while the store has no alerts table."""
    least = _severity(severity)
    found = list_alerts(store, limit=limit, rule=rule, min_severity=least, after_seq=after)
    total = count_alerts(store, rule=rule, min_severity=least)
    return render.json_response(
        {
            "available": total is not None,
            "total": total or 0,
            "alerts": [a.to_dict() for a in found],
        }
    )


@router.get(
    STREAM_PATH,
    summary="Alerts as server-sent events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def alert_stream(
    request: Request,
    severity: Annotated[str | None, Query(description="Least severity.")] = None,
    poll: Annotated[float, Query(ge=0.2, le=60, description="Seconds between polls.")] = 5.0,
) -> StreamingResponse:
    """`text/event-stream` of alerts as they are stored: first the newest 20 (or those after
    the `Last-Event-ID` a reconnecting browser sends), then each new one once; a comment every
    15 s keeps proxies from closing the connection."""
    stream = sse_stream(
        partial(app_state(request).access.reader, linger=False),
        last_event_id=request.headers.get("last-event-id"),
        poll_interval=poll,
        min_severity=_severity(severity),
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alerts.atom", summary="Alerts as an Atom feed")
def alert_feed(request: Request, store: Annotated[RequestStore, Depends(read_store)]) -> Response:
    """The newest 50 alerts as an Atom 1.0 feed (entry ids never change), for feed readers;
    each entry links to ``/alerts/{id}`` on this server."""
    settings = FeedSettings(link=str(request.base_url))
    return Response(
        atom_feed(list_alerts(store, limit=50), settings),
        media_type="application/atom+xml",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/alerts/{alert_id}", summary="One alert with its evidence")
def one_alert(
    store: Annotated[RequestStore, Depends(read_store)],
    alert_id: Annotated[str, Path(max_length=100)],
) -> Response:
    """The alert an Atom entry links to, with its evidence (event ids, values, thresholds)."""
    found = next((a for a in list_alerts(store, limit=None) if a.id == alert_id), None)
    if found is None:
        raise NotFound(f"the store holds no alert '{alert_id}'.")
    return render.json_response(found.to_dict())
