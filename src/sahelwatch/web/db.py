"""How the web app reaches the store: a read-only connection per request, one writer at a time.

DuckDB lets many connections of one process share a database opened read-only, and lets several
processes open the same file read-only at once; a writer needs the file to itself. So:

* every request opens its own read-only connection (``duckdb.connect`` on a database this
  process already has open costs microseconds) and closes it when the response is built;
* one *anchor* connection keeps the database open between requests and is closed after
  ``linger_s`` seconds without requests, so that a ``sahelwatch ingest`` in another process can
  take the file while the server is idle (while the server reads, such a writer is refused
  with "in use by another process");
* the app's own writer (``POST /api/ingest``) waits for the requests in flight to finish,
  closes the anchor, opens the store for writing, and lets readers in again when it is done.

:meth:`StoreAccess.generation` changes whenever the file (or its write-ahead log) changes,
whoever wrote it; the response cache keys on it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from sahelwatch.errors import StoreError
from sahelwatch.store import Store, bundled_file

__all__ = ["RequestStore", "StoreAccess", "StoreBusy"]


class StoreBusy(StoreError):
    """The store is being written (by this server or another process); retry shortly."""


@cache
def _countries() -> pd.DataFrame:
    """The bundled country table, typed as :class:`~sahelwatch.store.Store` makes it."""
    frame = pd.read_csv(bundled_file("countries.csv"), dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "gw": frame["gw"].astype("int32"),
            "iso3": frame["iso3"].replace("", None),
            "iso_num": pd.to_numeric(frame["iso_num"], errors="coerce").astype("Int32"),
            "name": frame["name"],
            "aliases": frame["aliases"].replace("", None),
        }
    )


class RequestStore(Store):
    """A :class:`~sahelwatch.store.Store` over a connection the web app opened (read-only).

    It has what the library's read functions use (``con``, ``path``, ``read_only``,
    :meth:`current_sql`) and the ``countries`` table, registered from memory instead of being
    read from CSV on every request.
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.read_only = True
        self.con = con
        con.register("countries", _countries())


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer keeps new readers out."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self, timeout: float) -> bool:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: not self._writer and not self._writers_waiting, timeout
            )
            if ok:
                self.readers += 1
            return ok

    def release_read(self) -> int:
        with self._cond:
            self.readers -= 1
            if self.readers == 0:
                self._cond.notify_all()
            return self.readers

    def acquire_write(self, timeout: float) -> bool:
        with self._cond:
            self._writers_waiting += 1
            try:
                ok = self._cond.wait_for(lambda: not self._writer and self.readers == 0, timeout)
                if ok:
                    self._writer = True
                return ok
            finally:
                self._writers_waiting -= 1

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class StoreAccess:
    """Read-only connections per request over one store file, and an exclusive writer.

    Parameters
    ----------
    path : the store file; it must exist (build it with ``sahelwatch ingest --bundled``).
    memory_limit : DuckDB's memory budget for the server's connections.
    linger_s : seconds the database stays open after the last request.
    wait_s : how long a request waits for a writer to finish before it is refused.

    Examples
    --------
    >>> access = StoreAccess("store.duckdb")                  # doctest: +SKIP
    >>> with access.reader() as store:                        # doctest: +SKIP
    ...     store.con.execute("SELECT count(*) FROM events").fetchone()
    """

    def __init__(
        self,
        path: str | Path,
        *,
        memory_limit: str = "1GB",
        linger_s: float = 10.0,
        wait_s: float = 30.0,
    ) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise StoreError(
                f"there is no store at {self.path}; build one with 'sahelwatch ingest --bundled'."
            )
        self.memory_limit = memory_limit
        self.linger_s = linger_s
        self.wait_s = wait_s
        self._lock = _ReadWriteLock()
        self._anchor_lock = threading.Lock()
        self._anchor: duckdb.DuckDBPyConnection | None = None
        self._last_use = time.monotonic()
        self._closed = threading.Event()
        self._janitor: threading.Thread | None = None
        self._config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit
        }

    # --- generation -------------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes whenever the store file or its write-ahead log changes."""
        parts = []
        for candidate in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = os.stat(candidate)
            except FileNotFoundError:
                parts.append("-")
            else:
                parts.append(f"{st.st_mtime_ns:x}.{st.st_size:x}")
        return ":".join(parts)

    # --- readers ----------------------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(self.path), read_only=True, config=self._config)
        except duckdb.Error as exc:
            text = str(exc).lower()
            if "lock" in text or "different configuration" in text:
                raise StoreBusy(
                    "the store is being written by another process; try again shortly."
                ) from exc
            raise StoreError(f"cannot open the store: {str(exc).splitlines()[0]}") from exc

    def _ensure_anchor(self) -> None:
        with self._anchor_lock:
            self._last_use = time.monotonic()
            if self._anchor is None:
                self._anchor = self._connect()
                if self._janitor is None or not self._janitor.is_alive():
                    self._janitor = threading.Thread(
                        target=self._close_when_idle, name="sahelwatch-store-janitor", daemon=True
                    )
                    self._janitor.start()

    def _close_when_idle(self) -> None:
        while not self._closed.wait(min(1.0, max(self.linger_s / 4, 0.05))):
            with self._anchor_lock:
                idle = time.monotonic() - self._last_use
                if self._anchor is not None and self._lock.readers == 0 and idle > self.linger_s:
                    self._anchor.close()
                    self._anchor = None
                    return

    @contextmanager
    def reader(self, *, linger: bool = True) -> Iterator[RequestStore]:
        """A read-only store for one request; closed on exit.

        ``linger=False`` (for periodic polls such as the alert stream) neither opens the anchor
        nor counts as use, so a server that only polls lets writers in between polls.
        """
        if not self._lock.acquire_read(self.wait_s):
            raise StoreBusy("the store is being updated; try again shortly.")
        try:
            if linger:
                self._ensure_anchor()
            con = self._connect()
            try:
                yield RequestStore(self.path, con)
            finally:
                con.close()
        finally:
            if linger:
                self._last_use = time.monotonic()
            self._lock.release_read()

    # --- the writer -------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """The store opened for writing, once every request in flight has finished."""
        if not self._lock.acquire_write(self.wait_s):
            raise StoreBusy("the store is busy with other requests; try again shortly.")
        try:
            with self._anchor_lock:
                if self._anchor is not None:
                    self._anchor.close()
                    self._anchor = None
            with Store(self.path, memory_limit=self.memory_limit) as store:
                yield store
        finally:
            self._lock.release_write()

    def close(self) -> None:
        """Close the anchor connection and stop the janitor."""
        self._closed.set()
        with self._anchor_lock:
            if self._anchor is not None:
                self._anchor.close()
                self._anchor = None
