"""What the routes share: settings, the per-request store, and parameter parsing with bounds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from fastapi.responses import JSONResponse

from sahelwatch.errors import NotFound, QueryError
from sahelwatch.periods import month_range, parse_month, parse_period
from sahelwatch.web.cache import Memo
from sahelwatch.web.db import RequestStore, StoreAccess

__all__ = [
    "CANCEL_KEY",
    "MAX_COUNTRIES",
    "MAX_EVENTS_PAGE",
    "MAX_MONTHS",
    "NotFound",
    "Settings",
    "app_state",
    "error_body",
    "month_arg",
    "period_arg",
    "read_store",
    "split_list",
]

#: Largest page of events one request returns.
MAX_EVENTS_PAGE = 5000
#: Most months a panel, indicator series or coverage request may span.
MAX_MONTHS = 480
#: Most countries one request may name.
MAX_COUNTRIES = 60
#: Longest free-text parameter (actor names).
MAX_TEXT = 200
#: The ASGI scope key of a request's :class:`sahelwatch.web.throttle.Cancel`.
CANCEL_KEY = "sahelwatch.cancel"


@dataclass(frozen=True)
class Settings:
    """The web app's configuration (see :func:`sahelwatch.web.app.create_app`).

    Attributes
    ----------
    api_keys : keys that may write (``POST /api/ingest``); empty: writing is disabled.
    cors_origins : origins allowed to call the API from a browser; empty: none (closed).
    tiles_url : an online tile layer URL template for the dashboard map; None: offline only.
    tiles_attribution : the attribution the tile provider requires.
    max_upload_bytes : largest file ``POST /api/ingest`` accepts.
    max_body_bytes : largest body of any other request.
    api_slots, api_queue : API requests that read the store computed at once, and waiting
        for a slot; beyond, ``503`` with ``Retry-After``.
    heavy_slots, heavy_queue : the same for expensive requests (forecasts, briefs).
    wait_s : longest wait for a slot.
    """

    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    tiles_url: str | None = None
    tiles_attribution: str = ""
    max_upload_bytes: int = 200 * 2**20
    max_body_bytes: int = 64 * 2**10
    api_slots: int = 4
    api_queue: int = 64
    heavy_slots: int = 2
    heavy_queue: int = 16
    wait_s: float = 30.0


@dataclass
class AppState:
    """Per-app objects routes reach through ``request.app.state.sw``."""

    access: StoreAccess
    settings: Settings
    memo: Memo


def app_state(request: Request) -> AppState:
    """The app's :class:`AppState`."""
    state: AppState = request.app.state.sw
    return state


def read_store(request: Request) -> Iterator[RequestStore]:
    """FastAPI dependency: a read-only store for this request (its queries are interrupted
    if the client leaves an expensive request)."""
    with app_state(request).access.reader() as store:
        cancel = request.scope.get(CANCEL_KEY)
        if cancel is not None:
            cancel.register(store.con)
        yield store


def error_body(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of a ``{"error": message}`` reply sent from ASGI middleware."""
    body = bytes(JSONResponse({"error": message}, status_code=status).body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return headers, body


def split_list(values: Sequence[str] | None, name: str, limit: int = MAX_COUNTRIES) -> list[str]:
    """Repeated and comma-separated values as one list (``?type=sb&type=os`` or ``sb,os``)."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    if len(out) > limit:
        raise QueryError(f"at most {limit} values of '{name}' per request.")
    for part in out:
        if len(part) > MAX_TEXT:
            raise QueryError(f"a value of '{name}' is longer than {MAX_TEXT} characters.")
    return out


def period_arg(text: str | None) -> tuple[date | None, date | None]:
    """``YYYY-MM..YYYY-MM`` (or one month) as first and last month, bounded in length."""
    if not text:
        return None, None
    start, end = parse_period(text)
    if len(month_range(start, end)) > MAX_MONTHS:
        raise QueryError(f"a period may span at most {MAX_MONTHS} months.")
    return start, end


def month_arg(text: str | None) -> date | None:
    """``YYYY-MM`` as the first day of the month."""
    return parse_month(text) if text else None
