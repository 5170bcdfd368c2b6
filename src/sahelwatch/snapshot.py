"""How several processes share one store file: readers read snapshots, writers take turns.

DuckDB lets one process write a database file, and only while no other process has it open.
So that a long job, a notebook or the web server never locks the others out
(``docs/concurrency.md``):

* a store opened read-only reads a *snapshot*: a copy of the file as it stood after its last
  write, made once per state of the file by the first reader that needs it and kept in
  ``<store>.snapshots/``. A reader touches the store file itself only for the moment that copy
  takes, never while it reads; one that finds a writer at work reads the newest snapshot;
* a writer opens the file itself; when another process has it, it tries again for up to
  :func:`store_wait` seconds (the setting ``SAHELWATCH_STORE_WAIT``), then fails with a
  sentence.

Long computations (forecasts, evaluations, briefs) read a snapshot and write their results in
one short transaction at the end, so writers hold the file for seconds.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from sahelwatch.errors import StoreError
from sahelwatch.settings import settings

WAIT_ENV = "SAHELWATCH_STORE_WAIT"
#: An unfinished copy older than this (seconds) was left by a reader that stopped: removed.
KEEP_OLD_S = 600.0

#: Seconds a long job (forecast, evaluation) waits at least to write its results.
RESULT_WAIT_S = 300.0

Config = dict[str, Any]


def store_wait(value: float | None = None) -> float:
    """Seconds to wait for a busy store: ``value``, else ``$SAHELWATCH_STORE_WAIT``, else 10."""
    return max(0.0, float(value)) if value is not None else settings().store_wait


def is_lock_error(exc: BaseException) -> bool:
    """Whether a DuckDB error says another connection has the file (this process or another)."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(
        words in text
        for words in ("could not set lock", "conflicting lock", "different configuration")
    )


def result_wait() -> float:
    """Seconds a job that computed for minutes waits to write its results: at least
    :data:`RESULT_WAIT_S`, so that another writer's turn does not cost the computation."""
    return max(store_wait(), RESULT_WAIT_S)


def busy_message(path: Path, wait_s: float) -> str:
    """The sentence for a store that stayed busy."""
    return (
        f"the store {path} is in use by another process (still busy after {wait_s:g} s); try "
        f"again when it has finished, or wait longer with {WAIT_ENV}=SECONDS."
    )


#: Held while a connection opens: DuckDB's Python client registers its DataFrame scan
#: (``pandas_scan``) on a database only after sharing the new database with other threads, so a
#: connection opened meanwhile cannot read a registered DataFrame ("Table Function with name
#: pandas_scan does not exist"). Opening a database this process has open takes microseconds.
_opening = threading.Lock()


def _open(path: Path | str, read_only: bool, config: Config) -> duckdb.DuckDBPyConnection:
    with _opening:
        return duckdb.connect(str(path), read_only=read_only, config=config)


def connect(
    path: Path | str, *, read_only: bool, config: Config, wait_s: float
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, trying again while another connection holds the file, for up to
    ``wait_s`` seconds (then the lock error is raised)."""
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            return _open(path, read_only, config)
        except duckdb.Error as exc:
            left = deadline - time.monotonic()
            if not is_lock_error(exc) or left <= 0:
                raise
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)


def snapshot_dir(path: Path) -> Path:
    """The folder of a store's snapshots."""
    return path.with_name(path.name + ".snapshots")


def _token(path: Path) -> str | None:
    """Names the state of the store file (inode, time, size); None while it has a write-ahead
    log (a writer is at work, or one stopped before writing the log back)."""
    if path.with_name(path.name + ".wal").exists():
        return None
    st = path.stat()
    return f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"


def _newest(folder: Path) -> Path | None:
    found = [p for p in folder.glob("*.duckdb") if not p.name.startswith(".")]
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


_building = threading.Lock()


def snapshot(path: Path, config: Config, wait_s: float) -> Path:
    """The file a reader of the store at ``path`` should open read-only: the snapshot of its
    current state (made now if missing), the newest snapshot while a writer has the file, or
    the store file itself where no snapshot can be written (a read-only folder)."""
    folder = snapshot_dir(path)
    token = _token(path)
    if token is not None and (folder / f"{token}.duckdb").is_file():
        return folder / f"{token}.duckdb"
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        with _building:
            try:
                return _make_snapshot(path, folder, config)
            except duckdb.Error as exc:
                if not is_lock_error(exc):
                    raise
            except OSError:
                return path  # no snapshot can be kept here: read the file itself
        newest = _newest(folder) if folder.is_dir() else None
        if newest is not None:
            return newest
        left = deadline - time.monotonic()
        if left <= 0:
            raise StoreError(busy_message(path, wait_s))
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.5)


def _make_snapshot(path: Path, folder: Path, config: Config) -> Path:
    """Copy the store file under a read-only connection (so that no writer is at work)."""
    con = _open(path, True, config)
    try:
        token = _token(path)
        wal = path.with_name(path.name + ".wal")
        name = token or f"{path.stat().st_ino:x}-{wal.stat().st_mtime_ns:x}-wal"
        target = folder / f"{name}.duckdb"
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
        try:
            shutil.copyfile(path, part)
            if token is None:  # a log left by a stopped writer: fold it into the copy
                shutil.copyfile(wal, part.with_name(part.name + ".wal"))
                duckdb.connect(str(part)).close()
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
            part.with_name(part.name + ".wal").unlink(missing_ok=True)
    finally:
        con.close()
    _prune(folder, target)
    return target


def _prune(folder: Path, keep: Path) -> None:
    """Remove the snapshots of earlier states (a reader that has one open goes on reading it:
    removing an open file keeps it readable on POSIX systems) and copies left unfinished more
    than :data:`KEEP_OLD_S` seconds ago."""
    limit = time.time() - KEEP_OLD_S
    for old in folder.iterdir():
        try:
            if old != keep and (not old.name.startswith(".") or old.stat().st_mtime < limit):
                old.unlink()
        except OSError:
            continue  # another reader removed it first
