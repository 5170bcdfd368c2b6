"""The one HTTP client every connector and webhook uses: timeouts, retries with exponential
backoff and jitter, respect for ``429`` and ``Retry-After``, checked bodies, resumable downloads.

A request is retried when the connection fails or times out, when the body is cut short, when a
``validate`` function rejects it (a truncated JSON page), and on statuses 408, 425, 429, 500,
502, 503 and 504. The wait before try ``n`` is ``backoff * 2**(n-1)`` seconds (at most
``max_backoff``), spread by ``±jitter``; a ``Retry-After`` header (seconds or an HTTP date) is
obeyed instead, unless it asks for more than ``max_retry_after`` seconds, in which case
:class:`~sahelwatch.errors.RateLimited` is raised at once so that the caller can come
back later instead of blocking.

Limits: every request (all its tries) ends within ``deadline`` seconds, and within what is left
of an enclosing :meth:`HttpClient.deadline` (a source's poll). The deadline is total, not per
read: each socket read waits at most for the time left, so a server trickling one byte per
second is cut off at the deadline with
:class:`~sahelwatch.errors.DeadlineExceeded`. A reply body over
``max_response_bytes`` (``max_download_bytes`` for downloads) is refused while it streams;
nothing beyond the limit is kept.

Examples
--------
A page of the UCDP API (over the network, so not run as a doctest)::

    client = HttpClient(RetryPolicy(attempts=3, backoff=0.5))
    page = client.get_json("https://ucdpapi.pcr.uu.se/api/gedevents/26.0.2",
                           params={"pagesize": 1000, "page": 0})

Tests pass ``transport=httpx.MockTransport(handler)`` or point the client at a local server.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar

import httpcore
import httpx

from sahelwatch.errors import (
    AuthError,
    DeadlineExceeded,
    NotPublished,
    RateLimited,
    ResponseError,
    TransportError,
)

__all__ = ["USER_AGENT", "HttpClient", "RetryPolicy", "parse_retry_after"]

log = logging.getLogger("sahelwatch.connectors")

USER_AGENT = "sahelwatch/0.1 (conflict early warning; +https://github.com/sahelwatch)"
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries.

    Attributes
    ----------
    attempts : tries per request, the first included.
    backoff : seconds before the second try; doubled for each later one.
    max_backoff : longest wait between tries, in seconds.
    jitter : each wait is multiplied by a random factor in ``[1 - jitter, 1 + jitter]``.
    timeout : seconds to connect, and to wait for each read or write.
    max_retry_after : longest ``Retry-After`` obeyed in place; a longer one raises
        :class:`RateLimited`.
    deadline : seconds one request may take in all, its tries and waits included.
    max_response_bytes : largest reply body read into memory (JSON pages, index pages).
    max_download_bytes : largest file :meth:`HttpClient.download` writes.
    retry_statuses : HTTP statuses that are retried.
    """

    attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 300.0
    jitter: float = 0.25
    timeout: float = 30.0
    max_retry_after: float = 3600.0
    deadline: float = 1800.0
    max_response_bytes: int = 256 * 2**20
    max_download_bytes: int = 4 * 2**30
    retry_statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({408, 425, 429, 500, 502, 503, 504})
    )

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return max(0.0, base * (1.0 + rng.uniform(-self.jitter, self.jitter)))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None.

    >>> parse_retry_after("120")
    120.0
    >>> now = datetime(2015, 10, 21, 7, 27, tzinfo=UTC)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now)
    60.0
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# --- deadlines ------------------------------------------------------------------------------

_bounds = threading.local()  # .poll: the enclosing deadline; .at: the current request's


def _time_left(kind: type[Exception]) -> float | None:
    """Seconds left before the current request's deadline (None: no deadline); raises
    ``kind`` (an httpcore timeout) once it has passed."""
    at: float | None = getattr(_bounds, "at", None)
    if at is None:
        return None
    left = at - time.monotonic()
    if left <= 0:
        raise kind("the deadline has passed")
    return left


def _clamp(timeout: float | None, kind: type[Exception]) -> float | None:
    left = _time_left(kind)
    return timeout if left is None else left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits at most until the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :class:`_DeadlineStream` sockets."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        stream = self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _deadline_transport() -> httpx.HTTPTransport:
    """httpx's transport with deadline-aware sockets (httpx has no total timeout; its
    connection pool takes a network backend, which is where reads are bounded)."""
    transport = httpx.HTTPTransport()
    pool: Any = transport._pool
    pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


class HttpClient:
    """An ``httpx.Client`` with the retry rules and limits above.

    Parameters
    ----------
    policy : retry, backoff and timeout settings.
    transport : an httpx transport (``httpx.MockTransport`` in tests); default the network.
    sleep : how to wait (tests may pass a recorder).
    rng : random source of the jitter.
    user_agent : the ``User-Agent`` header sent.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=True,
            transport=transport or _deadline_transport(),
            headers={"User-Agent": user_agent},
        )

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Every request made inside (by this thread) ends within ``seconds`` from now."""
        previous: float | None = getattr(_bounds, "poll", None)
        at = time.monotonic() + seconds
        _bounds.poll = at if previous is None else min(previous, at)
        try:
            yield
        finally:
            _bounds.poll = previous

    @contextmanager
    def _bounded(self) -> Iterator[float]:
        """The absolute deadline of one request (its own, or the enclosing one if sooner),
        in force for the sockets while it runs."""
        previous: float | None = getattr(_bounds, "at", None)
        poll: float | None = getattr(_bounds, "poll", None)
        at = time.monotonic() + self.policy.deadline
        _bounds.at = at if poll is None else min(poll, at)
        try:
            yield _bounds.at
        finally:
            _bounds.at = previous

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ------------------------------------------------------------------------

    def _pause(
        self, label: str, attempt: int, policy: RetryPolicy, problem: str, wait: float, at: float
    ) -> None:
        """Log a failed try and wait before the next one (nothing after the last); give up
        when the deadline has passed or would pass while waiting."""
        _check_deadline(at, label, problem, wait if attempt < policy.attempts else 0.0)
        if attempt < policy.attempts:
            log.warning(
                "%s: try %d of %d failed (%s); waiting %.2f s",
                label,
                attempt,
                policy.attempts,
                problem,
                wait,
            )
            self.sleep(wait)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        validate: Callable[[httpx.Response], T] | None = None,
        what: str | None = None,
    ) -> tuple[httpx.Response, T | None]:
        """Send a request, retrying as the policy says; return the response and what
        ``validate`` made of it (``validate`` raising ``ValueError`` counts as a failed try).

        Raises
        ------
        AuthError : 401 or 403.
        NotPublished : 404 or 410.
        ResponseError : another 4xx, or a body still rejected after the last try.
        RateLimited : a ``Retry-After`` longer than ``max_retry_after``, or 429 to the end.
        TransportError : the connection failed, timed out or was cut on every try.
        """
        label = what or f"{method} {_safe_url(url)}"
        with self._bounded() as at:
            return self._request(method, url, label, at, params, headers, data, content, validate)

    def _request(
        self,
        method: str,
        url: str,
        label: str,
        at: float,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, Any] | None,
        content: bytes | None,
        validate: Callable[[httpx.Response], T] | None,
    ) -> tuple[httpx.Response, T | None]:
        policy = self.policy
        problem = "no try made"
        retry_after: float | None = None
        for attempt in range(1, policy.attempts + 1):
            wait = policy.delay(attempt, self.rng)
            retry_after = None
            try:
                with self._client.stream(
                    method, url, params=params, headers=headers, data=data, content=content
                ) as streamed:
                    body = _read_capped(streamed, policy.max_response_bytes, at, label)
                    _check_length(streamed, len(body))
                response = _loaded(streamed, body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status_code
                if status in policy.retry_statuses:
                    problem = f"HTTP {status}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        if retry_after > policy.max_retry_after:
                            raise RateLimited(
                                f"{label}: the server asks us to wait {retry_after:.0f} s "
                                f"(more than max_retry_after = {policy.max_retry_after:.0f} s).",
                                retry_after,
                            )
                        wait = retry_after
                elif status in (401, 403):
                    raise AuthError(f"{label}: access refused (HTTP {status}).")
                elif status in (404, 410):
                    raise NotPublished(f"{label}: not found (HTTP {status}).")
                elif status >= 400:
                    raise ResponseError(f"{label}: HTTP {status} ({_snippet(response)}).")
                else:
                    if validate is None:
                        return response, None
                    try:
                        return response, validate(response)
                    except ValueError as exc:
                        problem = f"unusable body ({exc})"
            self._pause(label, attempt, policy, problem, wait, at)
        if problem.startswith("HTTP 429"):
            raise RateLimited(
                f"{label}: still rate-limited after {policy.attempts} tries.", retry_after or 0.0
            )
        if problem.startswith("unusable body"):
            raise ResponseError(f"{label}: {problem} after {policy.attempts} tries.")
        raise TransportError(f"{label}: gave up after {policy.attempts} tries ({problem}).")

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        check: Callable[[Any], None] | None = None,
        what: str | None = None,
    ) -> Any:
        """GET a JSON document; a body that does not parse (or that ``check`` rejects with
        ``ValueError``) is fetched again."""

        def parse(response: httpx.Response) -> Any:
            try:
                document = response.json()
            except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
                raise ValueError(f"not JSON: {str(exc).splitlines()[0]}") from exc
            if check is not None:
                check(document)
            return document

        return self.request("GET", url, params=params, headers=headers, validate=parse, what=what)[
            1
        ]

    def post_form(self, url: str, data: Mapping[str, Any], *, what: str | None = None) -> Any:
        """POST a form and return the JSON reply (the body is never logged)."""

        def parse(response: httpx.Response) -> Any:
            return response.json()

        return self.request("POST", url, data=data, validate=parse, what=what)[1]

    # --- downloads -----------------------------------------------------------------------

    def download(
        self,
        url: str,
        dest: Path,
        *,
        size: int | None = None,
        sha256: str | None = None,
        headers: Mapping[str, str] | None = None,
        reply_headers: dict[str, str] | None = None,
    ) -> Path | None:
        """Download ``url`` to ``dest``, resuming a partial ``dest.part`` with a Range request,
        and check the size and SHA-256 when known. ``dest`` appears only when complete.

        Returns None when the server answers ``304 Not Modified`` (to conditional ``headers``
        such as ``If-None-Match``). ``reply_headers``, when given, receives the headers of
        the reply (``ETag``, ``Last-Modified``).

        Raises
        ------
        ResponseError : the file does not have the expected size or hash after every try.
        TransportError, NotPublished, AuthError, RateLimited : as :meth:`request`.
        """
        label = f"download {_safe_url(url)}"
        limit = self.policy.max_download_bytes
        if size is not None and size > limit:
            raise ResponseError(_too_large(label, size, limit, "max_download_bytes"))
        with self._bounded() as at:
            return self._download(url, dest, label, at, size, sha256, headers, reply_headers)

    def _download(
        self,
        url: str,
        dest: Path,
        label: str,
        at: float,
        size: int | None,
        sha256: str | None,
        headers: Mapping[str, str] | None,
        reply_headers: dict[str, str] | None,
    ) -> Path | None:
        policy = self.policy
        part = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)
        problem = "no try made"
        for attempt in range(1, policy.attempts + 1):
            wait = policy.delay(attempt, self.rng)
            have = part.stat().st_size if part.exists() else 0
            ask = dict(headers or {})
            if have:
                ask["Range"] = f"bytes={have}-"
            try:
                with self._client.stream("GET", url, headers=ask) as response:
                    status = response.status_code
                    if reply_headers is not None:
                        reply_headers.clear()
                        reply_headers.update(response.headers)
                    if status == 304:
                        part.unlink(missing_ok=True)
                        return None
                    if status in policy.retry_statuses:
                        problem = f"HTTP {status}"
                        after = parse_retry_after(response.headers.get("Retry-After"))
                        if after is not None and after > policy.max_retry_after:
                            raise RateLimited(
                                f"{label}: the server asks us to wait {after:.0f} s.", after
                            )
                        wait = after if after is not None else wait
                    elif status in (401, 403):
                        raise AuthError(f"{label}: access refused (HTTP {status}).")
                    elif status in (404, 410):
                        raise NotPublished(f"{label}: not found (HTTP {status}).")
                    elif status == 416:  # nothing left to fetch, or a stale part: start again
                        part.unlink(missing_ok=True)
                        problem = "HTTP 416 (range not satisfiable)"
                    elif status >= 400:
                        raise ResponseError(f"{label}: HTTP {status}.")
                    else:
                        total = _expected_total(response, have)
                        limit = policy.max_download_bytes
                        if total is not None and total > limit:
                            part.unlink(missing_ok=True)
                            raise ResponseError(
                                _too_large(label, total, limit, "max_download_bytes")
                            )
                        mode = "ab" if status == 206 else "wb"
                        got = have if status == 206 else 0
                        with part.open(mode) as fh:
                            for chunk in response.iter_bytes():
                                got += len(chunk)
                                if got > limit:
                                    fh.close()
                                    part.unlink(missing_ok=True)
                                    raise ResponseError(
                                        _too_large(label, got, limit, "max_download_bytes")
                                    )
                                _check_deadline(at, label, "body still coming")
                                fh.write(chunk)
                        if total is not None and got != total:
                            problem = f"body cut short ({got} of {total} bytes)"
                        else:
                            problem = _verify(part, size, sha256)
                            if not problem:
                                part.replace(dest)
                                return dest
                            part.unlink(missing_ok=True)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            self._pause(label, attempt, policy, problem, wait, at)
        if "size" in problem or "SHA-256" in problem:
            raise ResponseError(f"{label}: {problem}.")
        raise TransportError(f"{label}: gave up after {policy.attempts} tries ({problem}).")


def _check_deadline(at: float, label: str, problem: str, wait: float = 0.0) -> None:
    """Raise :class:`DeadlineExceeded` when the deadline has passed (or would, after
    ``wait`` more seconds)."""
    if time.monotonic() + wait >= at:
        raise DeadlineExceeded(
            f"{label}: no complete answer before the deadline (the last problem: {problem}); "
            "gave up (settings: http.deadline, the source's deadline)."
        )


def _too_large(label: str, size: int, limit: int, setting: str) -> str:
    return (
        f"{label}: the reply is larger than {limit:,} bytes (at least {size:,}); refused and "
        f"nothing kept (setting http.{setting})."
    )


def _read_capped(response: httpx.Response, limit: int, at: float, label: str) -> bytes:
    """The (decoded) body of a streamed reply, refused once over ``limit`` bytes or past
    the deadline."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseError(_too_large(label, int(declared), limit, "max_response_bytes"))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseError(_too_large(label, size, limit, "max_response_bytes"))
        _check_deadline(at, label, "body still coming")
        chunks.append(chunk)
    return b"".join(chunks)


def _loaded(streamed: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response holding the decoded ``body`` of a streamed one."""
    skip = {"content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in skip]
    return httpx.Response(
        streamed.status_code, headers=headers, content=body, request=streamed.request
    )


def _check_length(response: httpx.Response, got: int) -> None:
    """A body shorter than its Content-Length is a transport failure (httpx usually catches
    it; a server that closes early with a compressed body may slip through)."""
    declared = response.headers.get("Content-Length")
    if declared is None or response.headers.get("Content-Encoding"):
        return
    if declared.isdigit() and got != int(declared):
        raise httpx.RemoteProtocolError(f"body cut short ({got} of {declared} bytes)")


def _expected_total(response: httpx.Response, have: int) -> int | None:
    """Bytes the part file should hold once this response is written."""
    declared = response.headers.get("Content-Length")
    if response.headers.get("Content-Encoding") or declared is None or not declared.isdigit():
        return None
    return int(declared) + (have if response.status_code == 206 else 0)


def _verify(path: Path, size: int | None, sha256: str | None) -> str:
    """'' when the file has the expected size and hash, else what is wrong."""
    got = path.stat().st_size
    if size is not None and got != size:
        return f"size {got} bytes, expected {size}"
    if sha256:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest().lower() != sha256.lower():
            return f"SHA-256 {digest.hexdigest()[:12]}..., expected {sha256[:12]}..."
    return ""


def _safe_url(url: str) -> str:
    """The URL without its query string (which may carry keys)."""
    return str(url).split("?", 1)[0]


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:120] or "empty body"
