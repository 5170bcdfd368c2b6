"""Store compaction: give back the space that interrupted or replaced work left in the file.

DuckDB reuses free blocks but does not give them back: an ingest killed in the middle leaves
the blocks it had written (a killed 200,000-event ingest left a 0.8 MB store at 31 MB; the next
write's checkpoint gives back such space only at the end of the file), and emptied tables and
replaced forecasts leave free blocks in between. :func:`compact` copies every schema, table and
row into a fresh file and puts it in place of the store, as one writer (other writers wait;
readers read their snapshot meanwhile, see :mod:`sahelwatch.snapshot`).
:func:`compact_if_wasteful` does it only when the file is at least :data:`AUTO_RATIO` times the
size of its data and that data is small enough to copy in seconds (the CLI runs it after each
ingest). Forecast samples kept beside the store (:mod:`sahelwatch.samples`) are not copied: the
view over them is, and the files no run names are removed once old enough.

Examples
--------
>>> from sahelwatch.store import Store
>>> with Store("store.duckdb"):
...     pass
>>> compact("store.duckdb").summary()  # doctest: +ELLIPSIS
'compacted the store store.duckdb: ... MB -> ... MB.'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sahelwatch.errors import StoreError
from sahelwatch.samples import prune
from sahelwatch.store import Store

#: Compact automatically when the file is at least this many times the size of its data ...
AUTO_RATIO = 2.0
#: ... and the data is at most this many bytes (copying it takes seconds).
AUTO_MAX_DATA = 2 * 1024**3
#: ... and the waste is at least this many bytes (not worth a copy below).
AUTO_MIN_WASTE = 8 * 1024**2


@dataclass(frozen=True)
class Compaction:
    """What :func:`compact` did: file sizes before and after (bytes) and the data's size."""

    path: Path
    before: int
    after: int
    data: int
    done: bool

    def summary(self) -> str:
        """One line for the command line."""
        mb = 1024**2
        if not self.done:
            return (
                f"the store {self.path} is {self.before / mb:.1f} MB for "
                f"{self.data / mb:.1f} MB of data; nothing to compact."
            )
        return (
            f"compacted the store {self.path}: {self.before / mb:.1f} MB -> "
            f"{self.after / mb:.1f} MB."
        )


def data_bytes(store: Store) -> int:
    """Bytes of the store's blocks in use (what a fresh copy of it needs, roughly)."""
    row = store.con.execute(
        "SELECT block_size * used_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _tables(store: Store, catalog: str) -> dict[str, int]:
    """Row count of every table of a catalog attached to ``store``'s connection."""
    names = store.con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND NOT temporary",
        [catalog],
    ).fetchall()
    counts = {}
    for schema, table in names:
        row = store.con.execute(f'SELECT count(*) FROM "{catalog}"."{schema}"."{table}"').fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def compact(
    path: str | Path | None = None, *, wait_s: float | None = None, only_if_wasteful: bool = False
) -> Compaction:
    """Rewrite the store at ``path`` into a fresh file holding the same schemas, tables and rows
    (in the same order), and put it in place of the old one.

    With ``only_if_wasteful`` it does so only when the file is worth compacting (see the
    module docstring). The copy is checked table by table before it replaces the store; a
    failure leaves the store as it was.
    """
    with Store(path, wait_s=wait_s) as store:
        target = store.path
        if store.lake:  # no file to rewrite: DuckLake's own maintenance merges its files
            if only_if_wasteful:
                return Compaction(target, 0, 0, 0, done=False)
            raise StoreError(
                f"the store {target} is a DuckLake: compact it with DuckLake's maintenance "
                "functions (ducklake_merge_adjacent_files, then ducklake_cleanup_old_files)."
            )
        store.con.execute("CHECKPOINT")
        before = target.stat().st_size
        data = data_bytes(store)
        if only_if_wasteful and not (
            before >= AUTO_RATIO * data
            and data <= AUTO_MAX_DATA
            and before - data >= AUTO_MIN_WASTE
        ):
            return Compaction(target, before, before, data, done=False)
        fresh = target.with_name(f".{target.name}.compact")
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        catalog = store.con.execute("SELECT current_database()").fetchone()
        assert catalog is not None
        try:
            store.con.execute(f"ATTACH '{fresh}' AS sw_compact")
            try:
                store.con.execute(f'COPY FROM DATABASE "{catalog[0]}" TO sw_compact')
                if _tables(store, "sw_compact") != _tables(store, catalog[0]):
                    raise StoreError(
                        f"the compacted copy of {target} differs from the store; the store "
                        "was left as it was."
                    )
            finally:
                store.con.execute("DETACH sw_compact")
            # Still the only writer: new writers open the fresh file, this one closes the old.
            os.replace(fresh, target)
            prune(store)  # sample files of killed forecasts and replaced runs
        except BaseException:
            fresh.unlink(missing_ok=True)
            raise
    return Compaction(target, before, target.stat().st_size, data, done=True)


def compact_if_wasteful(path: str | Path | None = None) -> Compaction:
    """:func:`compact` when the file is much larger than its data and cheap to copy."""
    return compact(path, only_if_wasteful=True)
