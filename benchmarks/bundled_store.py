"""The store a benchmark reads: the one given with ``--db``, or one built from the bundled data
(run as ``python benchmarks/NAME.py``, which puts this folder on ``sys.path``)."""

from __future__ import annotations

from pathlib import Path

from sahelwatch.bundled import ingest_bundled
from sahelwatch.store import Store

__all__ = ["given_or_bundled"]


def given_or_bundled(db: Path | None, folder: str | Path) -> Path:
    """``db`` if given, else a store built from every bundled file in ``folder`` (a temporary
    folder that the caller removes)."""
    if db is not None:
        return db
    path = Path(folder) / "bundled.duckdb"
    with Store(path) as store:
        ingest_bundled(store)
    return path
