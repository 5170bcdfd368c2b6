"""Forecast samples kept as Parquet files beside a store file, so that storing a run holds the
store for a moment.

A full forecast is 27.5 million samples: inserting them into the store's DuckDB file held it
for 8-70 s (other writers waited). So on a DuckDB file the samples of each run (one origin,
model version and level) are one Parquet file in ``<store>.forecasts/``, and the store keeps
what makes them a table:

* ``forecast_files``: one row per run: ``origin``, ``model_version``, ``level``, ``file`` (its
  absolute path: a copy of the store file reads the same files; a store moved or copied with
  its folder reads them from there, :meth:`~sahelwatch.store.Store.forecast_files`), ``rows``
  and what lists the runs (:data:`SUMMARY`: units, months, targets, draws), so that listing
  them reads no sample;
* ``forecasts``: a view reading those files, with the columns and types the table had, so every
  reader (summaries, briefs, alert rules, a notebook's SQL) reads it as before.

Storing a run is two steps. :func:`stage` writes its file (under a temporary name, then
renamed) with an in-memory DuckDB, without opening the store (the forecast job does so before it
waits for its turn to write). :func:`register` then, in one
transaction of the store's writer, replaces the run's row and the view: milliseconds. Until
that commit no reader sees the run; a job killed before it leaves an unreferenced file, which
:func:`prune` removes after :data:`GRACE_S` seconds (a staged file waits at most that long for
its turn to write). A replaced run's file is kept as long, for readers of an older snapshot.

A store whose ``forecasts`` is a table (written before this layout, or a DuckLake, where
everything is Parquet already) is read as it is; the first run registered on such a DuckDB file
moves the table's runs to files in the same transaction (:func:`register`).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sahelwatch.errors import StoreError
from sahelwatch.priority import work_cores
from sahelwatch.snapshot import result_wait
from sahelwatch.store import (
    FORECAST_COLUMNS,
    LAKE_PREFIX,
    Store,
    default_path,
    forecast_folder,
    rollback,
    sql_string,
)

__all__ = [
    "COLUMNS",
    "GRACE_S",
    "SUMMARY",
    "StagedRun",
    "in_files",
    "listed_runs",
    "prune",
    "register",
    "rows_sql",
    "stage",
]

#: The columns of ``forecasts``, in order.
COLUMNS = FORECAST_COLUMNS
#: Seconds an unreferenced file (a run not yet registered, a replaced run) is kept at least.
GRACE_S = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS forecast_files (
    origin DATE NOT NULL, model_version VARCHAR NOT NULL, level VARCHAR NOT NULL,
    file VARCHAR NOT NULL, rows BIGINT NOT NULL, created_at TIMESTAMP, units BIGINT,
    first_month DATE, last_month DATE, targets VARCHAR[], draws INTEGER)
"""
#: What ``forecast_files`` keeps of each run besides its file (``sahelwatch.forecast.stored``
#: lists the runs from it), computed from the run's samples.
SUMMARY = (
    "max(created_at) AS created_at, count(DISTINCT coalesce(unit_code, unit_id::VARCHAR)) "
    "AS units, min(month) AS first_month, max(month) AS last_month, "
    "list(DISTINCT target ORDER BY target) AS targets, "
    "max(draw) + 1 AS draws"
)
_INSERT = (
    "INSERT INTO forecast_files (origin, model_version, level, file, rows, created_at, units, "
    "first_month, last_month, targets, draws) VALUES ($o, $v, $l, $f, $rows, $created_at, "
    "$units, $first_month, $last_month, $targets, $draws)"
)


def _summary(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """``rows`` and :data:`SUMMARY` of a file of samples."""
    cur = con.execute(f"SELECT count(*) AS rows, {SUMMARY} FROM read_parquet($f)", {"f": str(path)})
    found = cur.fetchone()
    assert found is not None  # an aggregate has one row
    return dict(zip([d[0] for d in cur.description], found, strict=True))


@dataclass(frozen=True)
class StagedRun:
    """The file of one run written by :func:`stage`, ready for :func:`register`."""

    origin: date
    model_version: str
    level: str
    path: Path
    summary: dict[str, Any]


def in_files(location: str | Path | None) -> Path | None:
    """The store file whose samples are kept in files, for a store location (None: the
    default); None for a DuckLake or an in-memory store."""
    if location is not None and str(location).startswith(LAKE_PREFIX):
        return None
    path = Path(location).expanduser() if location is not None else default_path()
    return None if str(path) == ":memory:" else path


def rows_sql(samples: Path | pd.DataFrame, source: str = "read_parquet($path)") -> str:
    """A ``SELECT`` of :data:`COLUMNS` from samples as a forecast frame has them (``level``,
    ``unit_id`` (a number, or a P-code at admin levels), ``month`` (``YYYY-MM``), ``target``,
    ``draw``, ``value``): a Parquet file read as ``source`` (parameter ``$path``), or a frame
    registered under the name ``source``; with the parameters ``$origin`` and ``$version``."""
    if isinstance(samples, pd.DataFrame):
        numeric = pd.api.types.is_integer_dtype(samples["unit_id"])
    else:
        numeric = pa.types.is_integer(pq.read_schema(samples).field("unit_id").type)
    unit_id, unit_code = ("unit_id", "NULL") if numeric else ("NULL", "unit_id::VARCHAR")
    return (
        "SELECT $origin::DATE AS origin, $version::VARCHAR AS model_version, "
        "now()::TIMESTAMP AS created_at, level::VARCHAR AS level, "
        f"{unit_id}::BIGINT AS unit_id, strptime(month::VARCHAR, '%Y-%m')::DATE AS month, "
        "target::VARCHAR AS target, draw::INTEGER AS draw, value::DOUBLE AS value, "
        f"{unit_code}::VARCHAR AS unit_code FROM {source}"
    )


def stage(
    store_path: Path, samples: Path | pd.DataFrame, origin: date, model_version: str
) -> list[StagedRun]:
    """Write the samples (a Parquet file or the frame itself, :func:`rows_sql`) as one file per
    level in the store's folder, with an in-memory DuckDB: the store is not opened."""
    folder = forecast_folder(store_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot keep forecast samples in {folder}: {exc.strerror}.") from exc
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model_version)[:60]
    framed = isinstance(samples, pd.DataFrame)
    source = "sw_samples" if framed else "read_parquet($path)"
    sql = rows_sql(samples, source)
    path: dict[str, Any] = {} if framed else {"path": str(samples)}
    params = {"origin": origin, "version": model_version, **path}
    staged = []
    with duckdb.connect(config={"threads": work_cores()}) as con:
        con.execute("SET enable_progress_bar = false")  # the caller shows progress
        if framed:
            con.register("sw_samples", samples)
        levels = [r[0] for r in con.execute(
            f"SELECT DISTINCT level::VARCHAR FROM {source} ORDER BY 1", path
        ).fetchall()]  # fmt: skip
        for level in levels:
            name = f"{origin:%Y-%m}_{slug}_{level}_{uuid.uuid4().hex[:12]}.parquet"
            part = folder / f".{name}.part"
            try:
                con.execute(
                    f"COPY ({sql} WHERE level::VARCHAR = $level) TO {sql_string(part)} "
                    "(FORMAT parquet, COMPRESSION zstd)",
                    {**params, "level": level},
                )
                os.replace(part, folder / name)
            finally:
                part.unlink(missing_ok=True)
            summary = _summary(con, folder / name)
            staged.append(StagedRun(origin, model_version, level, folder / name, summary))
    return staged


def _table_type(store: Store) -> str | None:
    row = store.con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'forecasts' "
        "AND table_schema = current_schema()"
    ).fetchone()
    return str(row[0]) if row else None


def _move_table_out(store: Store, folder: Path) -> None:
    """Runs of a ``forecasts`` table (an older store) to files and rows of ``forecast_files``;
    the table is dropped (in the caller's transaction)."""
    con = store.con
    runs = con.execute(
        "SELECT DISTINCT origin, model_version, level FROM forecasts ORDER BY ALL"
    ).fetchall()
    for origin, version, level in runs:
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", version)[:60]
        name = f"{origin:%Y-%m}_{slug}_{level}_{uuid.uuid4().hex[:12]}.parquet"
        keys = {"o": origin, "v": version, "l": level}
        con.execute(
            f"COPY (SELECT {COLUMNS} FROM forecasts WHERE origin = $o AND model_version = $v "
            f"AND level = $l) TO {sql_string(folder / name)} (FORMAT parquet, COMPRESSION zstd)",
            keys,
        )
        summary = _summary(con, folder / name)
        con.execute(_INSERT, {**keys, "f": str(folder / name), **summary})
    con.execute("DROP TABLE forecasts")


def register(store: Store, runs: list[StagedRun]) -> int:
    """Make staged runs the store's runs of their origin, model version and level (replacing
    earlier ones) in one transaction; returns the rows registered."""
    folder = forecast_folder(store.path)
    missing = [run.path.name for run in runs if not run.path.is_file()]
    if missing:
        raise StoreError(
            f"the forecast samples {', '.join(missing)} are no longer in {folder} (removed "
            f"after waiting {GRACE_S:g} s for the store); compute the forecast again."
        )
    con = store.con
    con.execute(_SCHEMA)
    replaced: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        if _table_type(store) == "BASE TABLE":
            _move_table_out(store, folder)
        for run in runs:
            keys = {"o": run.origin, "v": run.model_version, "l": run.level}
            where = "origin = $o AND model_version = $v AND level = $l"
            replaced += [r[0] for r in con.execute(
                f"SELECT file FROM forecast_files WHERE {where}", keys
            ).fetchall()]  # fmt: skip
            con.execute(f"DELETE FROM forecast_files WHERE {where}", keys)
            con.execute(_INSERT, {**keys, "f": str(run.path), **run.summary})
        store.refresh_forecasts()
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    now = time.time()
    for name in replaced:  # kept GRACE_S from now for readers of an older snapshot
        try:
            os.utime(name, (now, now))
        except OSError:
            continue
    prune(store)
    return sum(int(run.summary["rows"]) for run in runs)


def prune(store: Store) -> list[str]:
    """Remove the files of ``<store>.forecasts/`` that no run of the store names and that are
    older than :data:`GRACE_S` seconds (or the time a job waits to write, if longer): those of
    killed or failed jobs and of replaced runs. Returns their names."""
    folder = forecast_folder(store.path)
    if store.lake or not folder.is_dir():
        return []
    named: set[str] = set()  # by name: a store moved with its folder names its files elsewhere
    if store.has_table("forecast_files"):
        listed = store.con.execute("SELECT file FROM forecast_files").fetchall()
        named = {Path(file).name for (file,) in listed}
    limit = time.time() - max(GRACE_S, 2 * result_wait())
    removed = []
    for path in folder.iterdir():
        name = path.name.removeprefix(".").removesuffix(".part")
        try:
            if name not in named and path.stat().st_mtime < limit:
                path.unlink()
                removed.append(path.name)
        except OSError:
            continue  # removed by another process meanwhile
    return removed


def listed_runs(store: Store) -> str | None:
    """SQL listing the runs from ``forecast_files`` (``origin``, ``model_version``, ``level``
    and :data:`SUMMARY`, newest origin first), or None where the runs must be read from the
    samples (no such table, or a ``forecasts`` table)."""
    if _table_type(store) != "VIEW" or not store.has_table("forecast_files"):
        return None
    return (
        "SELECT origin, model_version, level, created_at, units, first_month, last_month, "
        "targets, draws FROM forecast_files ORDER BY origin DESC, model_version, level"
    )
