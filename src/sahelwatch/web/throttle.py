"""Expensive requests a few at a time, and their work stopped when the client leaves.

:class:`Throttle` (ASGI middleware) lets at most ``slots`` of the requests it guards compute at
once; up to ``queue`` more wait their turn for at most ``wait_s`` seconds; any other is answered
at once with ``503`` and a ``Retry-After`` header, so a burst of distinct requests can neither
exhaust the server's memory nor make every answer late. The app uses two: one for every API
request that reads the store, and a narrower one for the expensive routes (forecasts with
their benchmarks, briefs as PDF). Both sit inside the response cache: an answer already cached
is served without taking a slot.

While such a request runs, a client that disconnects has the store queries of its request
interrupted (:class:`Cancel`; :func:`sahelwatch.web.deps.read_store` registers each request's
connection), so the server stops computing for clients that have left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

import duckdb
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sahelwatch.web.deps import CANCEL_KEY, error_body

__all__ = ["Cancel", "Throttle"]

log = logging.getLogger("sahelwatch.web")

#: Seconds between two interruptions of a request whose client has left.
_REPEAT_S = 0.2


class Cancel:
    """The store connections of one request, interrupted when its client leaves."""

    def __init__(self) -> None:
        self.cancelled = False
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Interrupt ``con``'s queries if the client leaves (at once if it has)."""
        with self._lock:
            self._connections.append(con)
            if self.cancelled:
                _interrupt(con)

    def interrupt(self) -> None:
        """Stop the queries running now on the request's connections."""
        with self._lock:
            self.cancelled = True
            for con in self._connections:
                _interrupt(con)


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # closed already: nothing runs on it
        con.interrupt()


class Throttle:
    """ASGI middleware bounding concurrent requests to ``paths`` (see the module docstring).

    Parameters
    ----------
    app : the wrapped application.
    guards : whether a path is guarded (others pass through).
    slots : requests computed at once.
    queue : requests waiting for a slot; beyond, 503 at once.
    wait_s : longest wait for a slot before 503.
    retry_after : seconds a refused client is asked to wait (``Retry-After``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        guards: Callable[[str], bool],
        slots: int,
        queue: int,
        wait_s: float,
        retry_after: int,
    ) -> None:
        self.app = app
        self.guards = guards
        self.slots = slots
        self.queue = queue
        self.wait_s = wait_s
        self.retry_after = retry_after
        self.admitted = 0  # running or waiting
        self.refused = 0
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.guards(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        semaphore = self._semaphore
        if self.admitted >= self.slots + self.queue:
            await self._refuse(send, "too many requests of this kind are waiting")
            return
        self.admitted += 1  # counted at once: a burst cannot slip past the queue's length
        try:
            try:
                await asyncio.wait_for(semaphore.acquire(), self.wait_s)
            except TimeoutError:
                await self._refuse(send, f"no turn came within {self.wait_s:.0f} s")
                return
            try:
                await self._run(scope, receive, send)
            finally:
                semaphore.release()
        finally:
            self.admitted -= 1

    async def _refuse(self, send: Send, why: str) -> None:
        self.refused += 1
        message = f"the server is busy ({why}); try again in {self.retry_after} s."
        headers, body = error_body(503, message)
        headers += [
            (b"retry-after", str(self.retry_after).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, interrupting its store work if the client disconnects."""
        first = await receive()
        if first["type"] != "http.request" or first.get("more_body"):
            await self._pass(scope, first, receive, send)
            return
        cancel = Cancel()
        scope[CANCEL_KEY] = cancel
        gone = asyncio.Event()
        answered = False
        pending: list[Message] = [first]

        async def replay() -> Message:
            if pending:
                return pending.pop()
            await gone.wait()
            return {"type": "http.disconnect"}

        async def tracked(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True
            await send(message)

        async def watch() -> None:
            message = await receive()
            if message["type"] != "http.disconnect" or answered:
                return
            gone.set()
            log.info("client left %s; stopping its work", scope["path"])
            while True:
                cancel.interrupt()
                await asyncio.sleep(_REPEAT_S)

        watcher = asyncio.create_task(watch())
        try:
            await self.app(scope, replay, tracked)
        finally:
            watcher.cancel()

    async def _pass(self, scope: Scope, first: Message, receive: Receive, send: Send) -> None:
        """Run the request as it came (a body in parts: no disconnect watch)."""
        pending = [first]

        async def again() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, again, send)
