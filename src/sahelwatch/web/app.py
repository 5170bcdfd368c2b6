"""The SahelWatch web app: a JSON/GeoJSON/CSV API over the store, and the dashboard.

::

    from sahelwatch.web import create_app
    app = create_app("store.duckdb")            # any ASGI server; or sahelwatch.web.serve()

Routes (the OpenAPI description is at ``/openapi.json``, readable at ``/docs``):

=============================  ==================================================================
``/``                          the dashboard (static files, vendored JavaScript, no CDN)
``/api/events``                filtered events, paged (limit <= 5000, offset or cursor)
``/api/events/{uid}``          one event with its versions
``/api/panels``                unit-month panels
``/api/indicators``            every indicator of every unit for one month
``/api/indicators/series``     indicator time series of units
``/api/boundaries/{level}``    unit boundaries (GeoJSON)
``/api/forecasts``             forecast quantiles, probabilities, samples on request
``/api/forecasts/runs``        stored forecast runs
``/api/history``               observed country-month fatalities
``/api/status``, ``/coverage`` releases, coverage, gaps (shown as gaps), freshness
``/api/alerts``                alerts with their evidence, newest first
``/api/alerts/stream``         alerts as server-sent events, live
``/alerts.atom``               alerts as an Atom feed
``/api/briefs``                a situation brief (HTML, Markdown or PDF)
``/api/meta``                  countries, families, months, settings for the dashboard
``/api/reference``             countries, capitals, country groups, labels (static)
``POST /api/ingest``           ingest an uploaded file (needs an API key)
=============================  ==================================================================

Safety: every store access is read-only but the ingest route's; queries are parameterised (the
library's query builders); page sizes, lists, periods and bodies are bounded; errors reach
clients as ``{"error": "..."}`` without stack traces; CORS is closed unless origins are given;
API keys (``SAHELWATCH_API_KEYS``) are compared in constant time and never logged, and
key-like query parameters are redacted from the access log. Expensive routes (forecasts,
briefs) run a few at a time behind a short queue, answering ``503`` with ``Retry-After``
beyond it (every API request that reads the store likewise, in a wider pool), and stop
computing when their client leaves (:mod:`sahelwatch.web.throttle`); the
response cache keys on the parameters a route reads, so unknown ones cannot bypass it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import sahelwatch
from sahelwatch.errors import MissingExtra, QueryError, SahelWatchError, StoreError
from sahelwatch.settings import settings as environment
from sahelwatch.web import (
    routes_alerts,
    routes_briefs,
    routes_consequences,
    routes_events,
    routes_forecasts,
    routes_reference,
    routes_store,
    routes_units,
)
from sahelwatch.web.cache import Memo, Params, ResponseCache, route_params
from sahelwatch.web.db import StoreAccess, StoreBusy
from sahelwatch.web.deps import AppState, NotFound, Settings, error_body
from sahelwatch.web.routes_store import PayloadTooLarge, Unauthorized, WritingDisabled
from sahelwatch.web.throttle import Throttle

__all__ = ["MIN_KEY_LENGTH", "create_app", "static_dir"]

log = logging.getLogger("sahelwatch.web")

#: Shortest API key accepted.
MIN_KEY_LENGTH = 16
#: Longest query string accepted.
MAX_QUERY_BYTES = 4096
#: Routes computed on request that take seconds and memory: run a few at a time.
HEAVY_PATHS = ("/api/forecasts", "/api/briefs")
#: API paths that neither read the store nor should wait for a slot.
UNGUARDED = ("/api/health", "/api/ingest", "/api/reference", routes_alerts.STREAM_PATH)
#: Query parameters whose values never reach the access log.
SECRET_PARAMS = re.compile(r"(?i)(key|token|secret|password|passwd|auth|signature|sig)")


def static_dir() -> Path:
    """The dashboard's static files inside the package."""
    return Path(str(resources.files("sahelwatch") / "web" / "static"))


class RedactQuery(logging.Filter):
    """Blanks the values of key-like query parameters in uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = redact_query(str(args[2]))
            record.args = tuple(args)
        return True


def redact_query(target: str) -> str:
    """``/api/x?api_key=abc&a=1`` -> ``/api/x?api_key=REDACTED&a=1``."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    parts = []
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        parts.append(f"{name}=REDACTED" if eq and SECRET_PARAMS.search(unquote(name)) else part)
    return f"{path}?{'&'.join(parts)}"


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())


# --- middleware -----------------------------------------------------------------------------


class Limits:
    """ASGI middleware bounding request bodies and query strings.

    ``POST /api/ingest`` may send up to ``upload_bytes``; every other request
    ``body_bytes``. Query strings longer than :data:`MAX_QUERY_BYTES` are refused (414).
    """

    def __init__(self, app: ASGIApp, *, body_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.body_bytes = body_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > MAX_QUERY_BYTES:
            headers, body = error_body(414, f"the query string is over {MAX_QUERY_BYTES} bytes.")
            await send({"type": "http.response.start", "status": 414, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        limit = self.upload_bytes if scope["path"] == "/api/ingest" else self.body_bytes
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                headers, body = error_body(413, f"the request body is over {limit} bytes.")
                await send({"type": "http.response.start", "status": 413, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"the request body is over {limit} bytes.")
            return message

        await self.app(scope, bounded, send)


class KnownParams:
    """ASGI middleware refusing (400) query parameters an API route does not read: a misspelt
    filter (``start=`` for ``period=``) would otherwise be ignored and the answer cover
    everything, with nothing to tell the user so."""

    def __init__(self, app: ASGIApp, *, params: Params) -> None:
        self.app = app
        self.params = params

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        known = (self.params(scope["path"]) if scope["type"] == "http"
                 and scope["path"].startswith("/api/") else None)  # fmt: skip
        if known is not None:
            query = scope.get("query_string", b"").decode("latin-1")
            unknown = sorted({n for n, _ in parse_qsl(query, keep_blank_values=True)} - set(known))
            if unknown:
                names = ", ".join(f"'{n}'" for n in unknown)
                reads = ", ".join(sorted(known)) or "no parameters"
                headers, body = error_body(400, f"{scope['path']} has no parameter {names}; it "
                                                f"reads {reads}.")  # fmt: skip
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware adding a Content-Security-Policy and related headers."""

    def __init__(self, app: ASGIApp, *, tiles_url: str | None) -> None:
        self.app = app
        images = "'self' data: blob:"
        if tiles_url:
            from urllib.parse import urlsplit

            parts = urlsplit(tiles_url.replace("{s}", "a"))
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles_url else parts.netloc
            images += f" {parts.scheme}://{host}"
        policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


# --- errors ---------------------------------------------------------------------------------


def _status_of(exc: SahelWatchError) -> int:
    if isinstance(exc, Unauthorized):
        return 401
    if isinstance(exc, WritingDisabled):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PayloadTooLarge):
        return 413
    if isinstance(exc, MissingExtra):  # this installation cannot do it (briefs without [brief])
        return 501
    if isinstance(exc, StoreError):
        return 503
    return 400


def _install_error_handlers(app: FastAPI) -> None:
    async def sahelwatch_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SahelWatchError)
        status = _status_of(exc)
        headers = {"Cache-Control": "no-store"}
        if status == 401:
            headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
        if isinstance(exc, StoreBusy):
            headers["Retry-After"] = "5"
        if status == 503:
            log.warning("store unavailable for %s: %s", request.url.path, exc)
        return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
            problems.append(f"{where}: {_said(error)}")
        return JSONResponse({"error": "invalid request: " + "; ".join(problems)}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such route: {request.url.path}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    async def store_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, duckdb.InterruptException):  # the client left (see throttle)
            log.info("stopped %s: the client left", request.url.path)
            return JSONResponse({"error": "the request was cancelled."}, status_code=503)
        if isinstance(exc, duckdb.OutOfMemoryException):
            log.warning("out of memory on %s; answered 503", request.url.path)
            return JSONResponse(
                {"error": "the server is short of memory for this request now; try again."},
                status_code=503,
                headers={"Retry-After": "10", "Cache-Control": "no-store"},
            )
        log.error("store error on %s: %s", request.url.path, str(exc).splitlines()[0])
        return JSONResponse({"error": "the store could not answer this request."}, status_code=500)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s on %s", type(exc).__name__, request.url.path, exc_info=exc)
        return JSONResponse({"error": "internal error; it has been logged."}, status_code=500)

    app.add_exception_handler(SahelWatchError, sahelwatch_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(duckdb.Error, store_error)
    app.add_exception_handler(Exception, unexpected)


# --- the app --------------------------------------------------------------------------------


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["ApiKey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "One of the keys in SAHELWATCH_API_KEYS; needed only to write.",
    }
    app.openapi_schema = schema
    return schema


def _check_origins(origins: Iterable[str]) -> tuple[str, ...]:
    out = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise QueryError(f"CORS origin '{origin}' must start with http:// or https://.")
        out.append(origin)
    return tuple(out)



def _said(error: Any) -> str:
    """A validation error in words: a choice among alternatives (``^(a|b)$``) is named as such
    rather than as its pattern."""
    choices = re.fullmatch(r"\^\(([\w|-]+)\)\$", str(error.get("ctx", {}).get("pattern", "")))
    if error.get("type") == "string_pattern_mismatch" and choices:
        return f"must be one of {', '.join(choices.group(1).split('|'))}"
    return str(error.get("msg", "invalid"))

def create_app(
    db_path: str | Path,
    *,
    api_keys: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    read_env: bool = True,
    max_upload_bytes: int = 200 * 2**20,
    cache_bytes: int = 256 * 2**20,
    linger_s: float = 10.0,
    api_slots: int = 4,
    api_queue: int = 64,
    heavy_slots: int = 2,
    heavy_queue: int = 16,
) -> FastAPI:
    """The SahelWatch API and dashboard over the store at ``db_path``.

    Parameters
    ----------
    db_path : the store (a DuckDB file built by ``sahelwatch ingest``); opened read-only per
        request.
    api_keys : keys that may write (``POST /api/ingest``); those in ``SAHELWATCH_API_KEYS``
        (comma-separated) are added when ``read_env``. No key: writing is disabled. Keys
        shorter than 16 characters are refused.
    cors_origins : origins allowed to call the API from browsers (``SAHELWATCH_CORS_ORIGINS``
        added when ``read_env``); none by default, so CORS is closed.
    tiles_url, tiles_attribution : an online tile layer (``https://.../{z}/{x}/{y}.png``) for
        the map (``SAHELWATCH_TILES_URL`` when ``read_env``); by default the map draws only
        the bundled boundaries and needs no internet.
    max_upload_bytes : largest file ``POST /api/ingest`` accepts.
    cache_bytes : memory for cached responses.
    api_slots, api_queue : API requests that read the store computed at once, and waiting
        for a slot; beyond, ``503`` with ``Retry-After`` (see :mod:`sahelwatch.web.throttle`).
    heavy_slots, heavy_queue : the same for the expensive routes (forecasts, briefs).
    linger_s : seconds the store stays open after the last request (see
        :class:`~sahelwatch.web.db.StoreAccess`).

    Examples
    --------
    >>> from sahelwatch.store import Store
    >>> with Store("store.duckdb"):
    ...     pass
    >>> create_app("store.duckdb", cors_origins=["https://example.org"]).title
    'SahelWatch API'
    """
    env = environment() if read_env else None
    keys = tuple(api_keys) + (env.api_keys if env else ())
    short = [k for k in keys if len(k) < MIN_KEY_LENGTH]
    if short:
        raise QueryError(f"API keys must be at least {MIN_KEY_LENGTH} characters long.")
    origins = _check_origins([*cors_origins, *(env.cors_origins if env else ())])
    if env is not None and tiles_url is None:
        tiles_url = env.tiles_url
        tiles_attribution = tiles_attribution or env.tiles_attribution
    settings = Settings(
        api_keys=tuple(dict.fromkeys(keys)),
        cors_origins=origins,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        max_upload_bytes=max_upload_bytes,
        api_slots=api_slots,
        api_queue=api_queue,
        heavy_slots=heavy_slots,
        heavy_queue=heavy_queue,
    )
    _redact_access_log()
    access = StoreAccess(db_path, linger_s=linger_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        access.close()

    app = FastAPI(
        lifespan=lifespan,
        title="SahelWatch API",
        version=sahelwatch.__version__,
        description=(
            "Conflict events, unit-month panels, crisis indicators, forecasts and coverage "
            "for Mali and the Sahel. A month no release covers is *no data* (null), never 0. "
            "Data: UCDP (CC BY 4.0), VIEWS; see the NOTICE of the bundled data."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.sw = AppState(access=access, settings=settings, memo=Memo())
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _install_error_handlers(app)
    routers = (routes_events, routes_units, routes_forecasts, routes_store, routes_alerts)
    for module in (*routers, routes_briefs, routes_consequences, routes_reference):
        app.include_router(module.router)

    @app.get("/api/health", tags=["store"], summary="Liveness")
    async def health() -> dict[str, Any]:
        """`ok` and the store generation (changes whenever the store file does)."""
        return {"ok": True, "generation": access.generation()}

    folder = static_dir()

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(folder / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(folder / "docs.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=folder), name="static")

    # Middleware: the last added is the outermost.
    params = route_params(app)  # the query parameters each route reads (one lookup table)
    app.add_middleware(
        Throttle,
        guards=lambda path: path.startswith("/api/") and path not in UNGUARDED,
        slots=settings.api_slots,
        queue=settings.api_queue,
        wait_s=settings.wait_s,
        retry_after=5,
    )
    app.add_middleware(  # outside the first: an expensive request waits here, holding no slot
        Throttle,
        guards=HEAVY_PATHS.__contains__,
        slots=settings.heavy_slots,
        queue=settings.heavy_queue,
        wait_s=settings.wait_s,
        retry_after=10,
    )
    app.add_middleware(
        ResponseCache,
        generation=access.generation,
        exclude=("/api/health", routes_alerts.STREAM_PATH),
        max_bytes=cache_bytes,
        params=params,
    )
    app.add_middleware(KnownParams, params=params)
    app.add_middleware(
        Limits, body_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes
    )
    app.add_middleware(SecurityHeaders, tiles_url=tiles_url)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
            expose_headers=["X-Total-Count", "X-Next-Cursor", "ETag"],
            allow_credentials=False,
            max_age=600,
        )

    return app
