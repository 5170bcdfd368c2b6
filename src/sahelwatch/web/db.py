"""How the web app reaches the store: every request reads a snapshot; writers take turns.

A request reads the store through a read-only connection to the newest snapshot of the store
file (:mod:`sahelwatch.snapshot`), so the server never holds the store file itself: a
``sahelwatch ingest``, ``forecast --save`` or ``alerts --check`` in another process writes while
the server goes on answering from the state before that write, and the first request after the
write reads the new state. So:

* every request opens its own read-only connection (``duckdb.connect`` on a database this
  process already has open costs microseconds) and closes it when the response is built;
* one *anchor* connection keeps the newest snapshot open between requests and is closed after
  ``linger_s`` seconds without requests (or when a newer snapshot replaces it);
* the app's own writer (``POST /api/ingest``) opens the store file for writing, one at a time,
  waiting like any writer while another process writes.

:meth:`StoreAccess.generation` changes whenever the file (or its write-ahead log) changes,
whoever wrote it; the response cache keys on it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from sahelwatch import snapshot
from sahelwatch.errors import StoreError
from sahelwatch.gazetteer import countries
from sahelwatch.priority import work_cores
from sahelwatch.store import LAKE_PREFIX, Store

__all__ = ["RequestStore", "StoreAccess", "StoreBusy"]


class StoreBusy(StoreError):
    """The store is being written (by this server or another process); retry shortly."""


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
        con.register("countries", countries())


class StoreAccess:
    """Read-only connections per request to the newest snapshot of one store file, and a
    writer (one at a time) on the file itself.

    Parameters
    ----------
    path : the store file; it must exist (build it with ``sahelwatch ingest --bundled``).
    memory_limit : DuckDB's memory budget for the server's connections.
    linger_s : seconds the newest snapshot stays open after the last request.
    wait_s : how long the writer waits for another writer (and a request for a first snapshot)
        before it is refused (default ``$SAHELWATCH_STORE_WAIT``, else 10 s).

    Examples
    --------
    >>> from sahelwatch.store import Store
    >>> with Store("store.duckdb"):
    ...     pass
    >>> access = StoreAccess("store.duckdb")
    >>> with access.reader() as reader:
    ...     reader.con.execute("SELECT count(*) FROM event_versions").fetchone()
    (0,)
    """

    def __init__(
        self,
        path: str | Path,
        *,
        memory_limit: str = "1GB",
        linger_s: float = 10.0,
        wait_s: float | None = None,
    ) -> None:
        if str(path).startswith(LAKE_PREFIX):
            raise StoreError(
                f"the dashboard server reads a store file; it cannot serve the DuckLake {path} "
                "yet (docs/concurrency.md, 'Beyond one machine')."
            )
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise StoreError(
                f"there is no store at {self.path}; build one with 'sahelwatch ingest --bundled'."
            )
        self.memory_limit = memory_limit
        self.linger_s = linger_s
        self.wait_s = snapshot.store_wait(wait_s)
        self._writing = threading.Lock()
        self._anchor_lock = threading.Lock()
        self._anchor: tuple[Path, duckdb.DuckDBPyConnection] | None = None
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

    def _snapshot(self) -> Path:
        try:
            return snapshot.snapshot(self.path, self._config, self.wait_s)
        except StoreError as exc:
            raise StoreBusy(
                "the store is being written for the first time; try again shortly."
            ) from exc

    def _connect(self, target: Path) -> duckdb.DuckDBPyConnection:
        try:
            con = snapshot.connect(target, read_only=True, config=self._config, wait_s=self.wait_s)
            # Queries of requests use every core but SAHELWATCH_FREE_CORES: one read cannot take
            # every core from the others (on two cores: one thread per query). Set after opening:
            # a connection with other settings than one already open on the same file (a
            # notebook's Store in the same process) is refused.
            con.execute(f"SET threads = {work_cores()}")
            return con
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store: {str(exc).splitlines()[0]}") from exc

    def _ensure_anchor(self, target: Path) -> None:
        with self._anchor_lock:
            self._last_use = time.monotonic()
            if self._anchor is not None and self._anchor[0] != target:
                self._anchor[1].close()
                self._anchor = None
            if self._anchor is None:
                self._anchor = (target, self._connect(target))
                if self._janitor is None or not self._janitor.is_alive():
                    self._janitor = threading.Thread(
                        target=self._close_when_idle, name="sahelwatch-store-janitor", daemon=True
                    )
                    self._janitor.start()

    def _close_when_idle(self) -> None:
        while not self._closed.wait(min(1.0, max(self.linger_s / 4, 0.05))):
            with self._anchor_lock:
                idle = time.monotonic() - self._last_use
                if self._anchor is not None and idle > self.linger_s:
                    self._anchor[1].close()
                    self._anchor = None
                    return

    @contextmanager
    def reader(self, *, linger: bool = True) -> Iterator[RequestStore]:
        """A read-only store for one request (the newest snapshot); closed on exit.

        ``linger=False`` (for periodic polls such as the alert stream) neither opens the anchor
        nor counts as use.
        """
        target = self._snapshot()
        for attempt in range(3):
            try:
                if linger:
                    self._ensure_anchor(target)
                con = self._connect(target)
                break
            except StoreError:
                if target.exists() or attempt == 2:
                    raise
                target = self._snapshot()  # replaced by a newer snapshot meanwhile
        try:
            yield RequestStore(self.path, con)
        finally:
            con.close()
            if linger:
                self._last_use = time.monotonic()

    # --- the writer -------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """The store file opened for writing: one writer of this app at a time, each waiting
        (up to ``wait_s``) while another process writes."""
        if not self._writing.acquire(timeout=self.wait_s):
            raise StoreBusy("the store is busy with another upload; try again shortly.")
        try:
            try:
                store = Store(self.path, memory_limit=self.memory_limit, wait_s=self.wait_s)
            except StoreError as exc:
                if "in use by another process" not in str(exc):
                    raise
                raise StoreBusy(
                    "the store is being written by another process; try again."
                ) from exc
            with store:
                yield store
        finally:
            self._writing.release()

    def close(self) -> None:
        """Close the anchor connection and stop the janitor."""
        self._closed.set()
        with self._anchor_lock:
            if self._anchor is not None:
                self._anchor[1].close()
                self._anchor = None
