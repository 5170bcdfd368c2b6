"""Caching: whole API responses (ASGI middleware) and computed frames (:class:`Memo`).

The data only change when the store file changes, so a response to the same ``GET`` on the same
store generation is the same response. :class:`ResponseCache` keeps successful ``GET /api/...``
responses in memory (LRU, bounded in bytes), keyed by path, the sorted query parameters the
route reads (:func:`route_params`: a parameter the route ignores cannot bypass the cache), store
generation and day (staleness is counted in days), with:

* an ``ETag`` (a hash of the body) and ``304 Not Modified`` for ``If-None-Match``;
* a gzip variant made once, sent to clients that accept it;
* single flight: concurrent requests for the same missing key wait for the first one instead of
  computing the same answer fifty times.

A route opts out by sending ``Cache-Control: no-store``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CachedResponse", "Memo", "ResponseCache", "route_params"]

T = TypeVar("T")

_SKIP_HEADERS = {b"content-length", b"date", b"server", b"etag", b"content-encoding", b"vary"}


@dataclass
class CachedResponse:
    """A response body with its headers, and its gzip variant once made."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    gzipped: bytes | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


class _LRU:
    """An LRU dictionary bounded by the total size of its values."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.items: OrderedDict[Hashable, CachedResponse] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> CachedResponse | None:
        with self.lock:
            item = self.items.get(key)
            if item is not None:
                self.items.move_to_end(key)
            return item

    def put(self, key: Hashable, item: CachedResponse) -> None:
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.items[key] = item
            self.bytes += item.size
            while self.bytes > self.max_bytes and self.items:
                _, evicted = self.items.popitem(last=False)
                self.bytes -= evicted.size

    def grow(self, item: CachedResponse, extra: int) -> None:
        with self.lock:
            item.size += extra
            self.bytes += extra

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = 0


Params = Callable[[str], Collection[str] | None]


def route_params(app: Any) -> Params:
    """For a path, the names of the query parameters its FastAPI route reads (None: no route
    matches). The routes are looked at on first use, once all are registered."""
    from fastapi.routing import APIRoute

    table: list[tuple[Any, frozenset[str]]] = []

    def flat(routes: list[BaseRoute]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            included = getattr(route, "original_router", None)  # FastAPI >= 0.16x wraps them
            if included is not None:
                yield from flat(included.routes)

    def lookup(path: str) -> Collection[str] | None:
        if not table:
            for route in flat(app.routes):
                table.append((route.path_regex, frozenset(_query_names(route.dependant))))
        return next((names for regex, names in table if regex.match(path)), None)

    return lookup


def _query_names(dependant: Any) -> set[str]:
    """Query parameters a FastAPI dependant and its sub-dependencies declare."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class ResponseCache:
    """ASGI middleware caching successful ``GET`` responses under ``prefix``.

    Parameters
    ----------
    app : the wrapped application.
    generation : returns the current store generation (part of every key).
    prefix : only paths under it are cached.
    exclude : paths never cached.
    max_bytes : total size of the cache.
    max_item_bytes : larger responses pass through uncached.
    params : for a path, the query parameters that make its answer (others are left out of
        the key); None: every parameter counts.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        generation: Callable[[], str],
        prefix: str = "/api/",
        exclude: tuple[str, ...] = (),
        max_bytes: int = 256 * 2**20,
        max_item_bytes: int = 32 * 2**20,
        params: Params | None = None,
    ) -> None:
        self.app = app
        self.params = params
        self.generation = generation
        self.prefix = prefix
        self.exclude = exclude
        self.max_item_bytes = max_item_bytes
        self.store = _LRU(max_bytes)
        self._inflight: dict[Hashable, asyncio.Future[CachedResponse | None]] = {}
        self.hits = 0
        self.misses = 0

    def _key(self, scope: Scope) -> Hashable:
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = sorted(parse_qsl(query, keep_blank_values=True))
        known = self.params(scope["path"]) if self.params is not None else None
        if known is not None:
            pairs = [(name, value) for name, value in pairs if name in known]
        return (scope["path"], urlencode(pairs), self.generation(), date.today().toordinal())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefix)
            or scope["path"] in self.exclude
        ):
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        item = self.store.get(key)
        if item is None and scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        if item is None:
            waiting = self._inflight.get(key)
            if waiting is not None:
                item = await asyncio.shield(waiting)
        if item is not None:
            self.hits += 1
            await self._send(scope, send, item)
            return
        self.misses += 1
        future: asyncio.Future[CachedResponse | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            item = await self._fill(scope, receive, send, key)
            future.set_result(item)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            self._inflight.pop(key, None)

    async def _fill(
        self, scope: Scope, receive: Receive, send: Send, key: Hashable
    ) -> CachedResponse | None:
        """Run the app; keep its response if it may be cached, and send it either way."""
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        passthrough = False

        async def capture(message: Message) -> None:
            nonlocal passthrough
            if passthrough:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start.update(message)
                headers = dict(message.get("headers", []))
                if message["status"] != 200 or b"no-store" in headers.get(b"cache-control", b""):
                    passthrough = True
                    await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if passthrough or not start:
            return None
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _SKIP_HEADERS]
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        item = CachedResponse(start["status"], headers, body, etag)
        if len(body) <= self.max_item_bytes:
            self.store.put(key, item)
        await self._send(scope, send, item)
        return item

    async def _send(self, scope: Scope, send: Send, item: CachedResponse) -> None:
        request_headers = dict(scope.get("headers", []))
        headers = [*item.headers, (b"etag", item.etag), (b"vary", b"Accept-Encoding")]
        if request_headers.get(b"if-none-match") == item.etag:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = item.body
        if len(body) > 1024 and b"gzip" in request_headers.get(b"accept-encoding", b""):
            if item.gzipped is None:
                item.gzipped = gzip.compress(body, compresslevel=6)
                self.store.grow(item, len(item.gzipped))
            body = item.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": item.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


class Memo:
    """A small thread-safe LRU of computed values with single flight per key.

    Used for frames that several responses share (a country's indicator series, the actor
    family of every actor name); keys include the store generation.
    """

    def __init__(self, max_items: int = 64) -> None:
        self.max_items = max_items
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computing it (once, even when asked concurrently)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = compute()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.max_items:
                    self._items.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._items.clear()
