"""A local HTTP server for tests: routes, a request log, and faults injected on demand.

Example::

    with ReplayServer() as server:
        server.route("GET", r"/hello", lambda req: Reply.json({"hi": 1}))
        server.fault("GET", r"/hello", Fault.status(503), Fault.retry_after(1))
        ...  # the first request gets 503, the second 429 + Retry-After: 1, then 200
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """A request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class Reply:
    """What the server sends."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a timeout)
    truncate: bool = False  # declare the full length, send half, close
    drop: bool = False  # close the connection without answering

    @classmethod
    def json(cls, value: Any, status: int = 200, **headers: str) -> Reply:
        body = json.dumps(value).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json", **headers})


Handler = Callable[[Request], Reply]


class Fault:
    """Faults: each turns one matching request into a bad reply, then is used up."""

    @staticmethod
    def status(code: int, body: bytes = b"server trouble") -> Callable[[Request, Handler], Reply]:
        return lambda req, handler: Reply(code, body, {"Content-Type": "text/plain"})

    @staticmethod
    def retry_after(seconds: int | str, code: int = 429) -> Callable[[Request, Handler], Reply]:
        return lambda req, handler: Reply(code, b"slow down", {"Retry-After": str(seconds)})

    @staticmethod
    def timeout(delay: float) -> Callable[[Request, Handler], Reply]:
        def make(req: Request, handler: Handler) -> Reply:
            reply = handler(req)
            reply.delay = delay
            return reply

        return make

    @staticmethod
    def truncate() -> Callable[[Request, Handler], Reply]:
        def make(req: Request, handler: Handler) -> Reply:
            reply = handler(req)
            reply.truncate = True
            return reply

        return make

    @staticmethod
    def drop() -> Callable[[Request, Handler], Reply]:
        return lambda req, handler: Reply(drop=True)

    @staticmethod
    def replace(make: Handler) -> Callable[[Request, Handler], Reply]:
        return lambda req, handler: make(req)


@dataclass
class _Pending:
    method: str
    pattern: re.Pattern[str]
    when: Callable[[Request], bool] | None
    make: Callable[[Request, Handler], Reply]


class ReplayServer:
    """An HTTP server on 127.0.0.1 in a daemon thread."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[_Pending] = []
        self.log: list[Request] = []
        self.lock = threading.Lock()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command,
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = owner.answer(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.truncate:
                        self.wfile.write(reply.body[: len(reply.body) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Answer requests whose path matches ``pattern`` (a full match) with ``handler``."""
        self.routes.append((method, re.compile(pattern), handler))

    def fault(
        self,
        method: str,
        pattern: str,
        *faults: Callable[[Request, Handler], Reply],
        when: Callable[[Request], bool] | None = None,
    ) -> None:
        """Queue faults for matching requests, used one per request in order."""
        with self.lock:
            for make in faults:
                self.faults.append(_Pending(method, re.compile(pattern), when, make))

    def requests(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """Logged requests, optionally filtered by method and path regex."""
        with self.lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method)
                and (path is None or re.fullmatch(path, r.path))
            ]

    def answer(self, request: Request) -> Reply:
        with self.lock:
            self.log.append(request)
            handler = next(
                (h for m, p, h in self.routes if m == request.method and p.fullmatch(request.path)),
                None,
            )
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.method == request.method
                    and f.pattern.fullmatch(request.path)
                    and (f.when is None or f.when(request))
                ),
                None,
            )
            if fault is not None:
                self.faults.remove(fault)
        if handler is None:
            return Reply(404, b"no such route")
        if fault is not None:
            return fault.make(request, handler)
        return handler(request)


def static(files: dict[str, bytes], content_type: str = "application/octet-stream") -> Handler:
    """A handler serving ``files`` by path, with Range requests (206) for resumed downloads."""

    def serve(req: Request) -> Reply:
        data = files.get(req.path)
        if data is None:
            return Reply(404, b"not found")
        kind = "text/html" if req.path.endswith(".html") else content_type
        wanted = req.headers.get("range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d+)-", wanted)
            start = int(match.group(1)) if match else 0
            if start >= len(data):
                return Reply(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            return Reply(
                206,
                data[start:],
                {
                    "Content-Type": kind,
                    "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                },
            )
        return Reply(200, data, {"Content-Type": kind, "Accept-Ranges": "bytes"})

    return serve
