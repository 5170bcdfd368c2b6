"""What the watch service keeps in the store besides events: checkpoints, pull runs and
held-back pulls.

Tables
------
connector_state  one row per source: a JSON checkpoint (releases done, paging progress,
                 newest ACLED timestamp, ...) and when the source was last polled.
connector_runs   one row per poll of a source: outcome (``loaded``, ``nothing-new``, ``held``,
                 ``failed``), release, message; the stale-source rule reads it.
held_pulls       pulls the data-quality checks held back: the file kept on disk, its hash, the
                 reasons, and how it was resolved (``loaded`` by an operator, or ``superseded``).

Every write here is one transaction (``Store.write_serially``), so a process killed at any
point leaves each row as it was before or after the write, never half-written, and on a shared
DuckLake store (which has no key constraints) two processes' writes behave as if one followed
the other: one checkpoint row per source, hold and run ids unique.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sahelwatch.store import Store

__all__ = [
    "STATE_SCHEMA",
    "Hold",
    "ensure_state_schema",
    "find_hold",
    "holds",
    "last_runs",
    "load_state",
    "record_hold",
    "record_run",
    "resolve_hold",
    "save_state",
]

STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS connector_state (
    source VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, polled_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS connector_runs (
    run_id BIGINT NOT NULL, source VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL, outcome VARCHAR NOT NULL, release VARCHAR,
    message VARCHAR);
CREATE TABLE IF NOT EXISTS held_pulls (
    hold_id INTEGER PRIMARY KEY, source VARCHAR NOT NULL, release VARCHAR,
    path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL,
    reasons VARCHAR NOT NULL, ingest VARCHAR NOT NULL, held_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP, resolution VARCHAR);
"""


def ensure_state_schema(store: Store) -> None:
    """Create the tables above if the store lacks them (a read-only store is left alone)."""
    if not store.read_only:
        store.create_tables(STATE_SCHEMA, "the watch service's state")


def load_state(store: Store, source: str) -> tuple[dict[str, Any], datetime | None]:
    """A source's checkpoint (empty when it was never polled) and when it was last polled."""
    if not store.has_table("connector_state"):
        return {}, None
    row = store.con.execute(
        "SELECT state, polled_at FROM connector_state WHERE source = ?", [source]
    ).fetchone()
    if row is None:
        return {}, None
    return json.loads(row[0]), row[1]


def save_state(
    store: Store, source: str, state: dict[str, Any], *, polled_at: datetime | None = None
) -> None:
    """Replace a source's checkpoint (and, when given, the time it was last polled)."""
    params = {"s": source, "state": json.dumps(state, sort_keys=True), "polled": polled_at}

    def write() -> None:  # an upsert both engines run: update, then insert if it was missing
        store.con.execute(
            "UPDATE connector_state SET state = $state, polled_at = coalesce($polled, polled_at),"
            " updated_at = now() WHERE source = $s",
            params,
        )
        store.con.execute(
            "INSERT INTO connector_state SELECT $s, $state, $polled, now() "
            "WHERE NOT EXISTS (SELECT 1 FROM connector_state WHERE source = $s)",
            params,
        )

    store.write_serially(write, f"saving the state of {source}")


def record_run(
    store: Store,
    source: str,
    started_at: datetime,
    outcome: str,
    *,
    release: str | None = None,
    message: str = "",
    finished_at: datetime | None = None,
) -> None:
    """Log one poll of a source (times in UTC, without a time zone)."""
    store.write_serially(
        lambda: store.con.execute(
            "INSERT INTO connector_runs SELECT coalesce(max(run_id), 0) + 1, ?, ?, "
            "coalesce(?, now()::TIMESTAMP), ?, ?, ? FROM connector_runs",
            [source, started_at, finished_at, outcome, release, message[:2000]],
        ),
        f"logging a poll of {source}",
    )


def last_runs(store: Store) -> dict[str, dict[str, Any]]:
    """Per source: the last poll, the last successful poll and the last load."""
    if not store.has_table("connector_runs"):
        return {}
    rows = store.con.execute(
        "SELECT source, max(finished_at), "
        "max(finished_at) FILTER (WHERE outcome IN ('loaded', 'nothing-new')), "
        "max(finished_at) FILTER (WHERE outcome = 'loaded'), "
        "arg_max(outcome, run_id), arg_max(message, run_id) "
        "FROM connector_runs GROUP BY source"
    ).fetchall()
    return {
        r[0]: {
            "last_poll": r[1],
            "last_success": r[2],
            "last_load": r[3],
            "last_outcome": r[4],
            "last_message": r[5],
        }
        for r in rows
    }


@dataclass(frozen=True)
class Hold:
    """A pull held back by the data-quality checks."""

    hold_id: int
    source: str
    release: str | None
    path: Path
    sha256: str
    bytes: int
    reasons: list[str]
    ingest: dict[str, Any]
    held_at: datetime
    resolved_at: datetime | None
    resolution: str | None


_HOLD_COLUMNS = (
    "hold_id, source, release, path, sha256, bytes, reasons, ingest, held_at, resolved_at, "
    "resolution"
)


def _hold(row: tuple[Any, ...]) -> Hold:
    return Hold(
        int(row[0]),
        row[1],
        row[2],
        Path(row[3]),
        row[4],
        int(row[5]),
        json.loads(row[6]),
        json.loads(row[7]),
        row[8],
        row[9],
        row[10],
    )


def find_hold(store: Store, source: str, sha256: str) -> Hold | None:
    """The hold of a pull with this content, if one exists."""
    if not store.has_table("held_pulls"):
        return None
    row = store.con.execute(
        f"SELECT {_HOLD_COLUMNS} FROM held_pulls WHERE source = ? AND sha256 = ? "
        "ORDER BY hold_id DESC LIMIT 1",
        [source, sha256],
    ).fetchone()
    return _hold(row) if row else None


def record_hold(
    store: Store,
    source: str,
    release: str | None,
    path: Path,
    sha256: str,
    size: int,
    reasons: list[str],
    ingest: dict[str, Any],
) -> Hold:
    """Record a held-back pull and return it (its id one more than the highest so far)."""
    values = [
        source,
        release,
        str(path),
        sha256,
        size,
        json.dumps(reasons),
        json.dumps(ingest, sort_keys=True),
    ]

    def write() -> tuple[Any, ...] | None:
        store.con.execute(
            "INSERT INTO held_pulls SELECT coalesce(max(hold_id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, "
            "now(), NULL, NULL FROM held_pulls",
            values,
        )
        return store.con.execute(
            f"SELECT {_HOLD_COLUMNS} FROM held_pulls ORDER BY hold_id DESC LIMIT 1"
        ).fetchone()

    row = store.write_serially(write, f"holding back a pull of {source}")
    assert row is not None
    return _hold(row)


def holds(store: Store, *, unresolved: bool = False) -> list[Hold]:
    """Held pulls, newest first."""
    if not store.has_table("held_pulls"):
        return []
    where = "WHERE resolved_at IS NULL" if unresolved else ""
    rows = store.con.execute(
        f"SELECT {_HOLD_COLUMNS} FROM held_pulls {where} ORDER BY hold_id DESC"
    ).fetchall()
    return [_hold(r) for r in rows]


def resolve_hold(store: Store, hold_id: int, resolution: str) -> None:
    """Mark a hold resolved (``loaded`` or ``superseded``)."""
    store.write_serially(
        lambda: store.con.execute(
            "UPDATE held_pulls SET resolved_at = now(), resolution = ? WHERE hold_id = ?",
            [resolution, hold_id],
        ),
        f"resolving hold {hold_id}",
    )
