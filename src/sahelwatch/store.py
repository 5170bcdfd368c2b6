"""The event store: an embedded DuckDB database that keeps every version of every record.

Tables
------
releases        one row per (source, release): its family, ordering key and whether preliminary.
ingest_log      one row per file ingested: path, SHA-256, counts, times, its header (columns),
                whether it withdrew the records of earlier releases that it lacks.
raw.file_N      every record of ingested file N as the file had it (its columns, as text, in
                file order: see :func:`row_number_sql`); never changed.
event_versions  canonical events; a row per (uid, release) whenever an event is new or changed,
                with the file and row it came from (:meth:`Store.raw_records` gives the row back
                as a JSON object) and its data-quality ``flags`` (rules the source's own record
                breaks; NULL when none).
cm_versions     country-month aggregates, versioned the same way.
ch_unit_versions, ch_area_versions, unhcr_population_versions, idmc_idp_versions,
unhcr_location_versions, dtm_idp_versions
                food insecurity (Cadre Harmonisé) and displacement (UNHCR, IDMC, IOM DTM) records,
                versioned the same way (see :mod:`sahelwatch.consequences`).
sightings       every (uid, release, file, row) a record was seen in, changed or not.
withdrawals     (uid, release, file, reason): a record that a complete newer release lacks in a
                country and month it covers, or that a source's list of deleted events names,
                is withdrawn from that release on (until a later release has it again).
coverage        (release, country, month) that a release covers; a month no release covers is
                "no data", never zero.
quarantine      rejected rows: file, row number, raw content (JSON) and reason.
meta            the layout version and ``ingest_serial``, a counter every ingest advances (on
                DuckLake this makes two overlapping ingests conflict: see :func:`retry_conflicts`).

:meth:`Store.current_sql` selects the newest version of each record (or as of a release).

A store is a DuckDB file (the default), or, shared by several machines, a DuckLake whose catalog
is in PostgreSQL: ``Store("ducklake:postgres:dbname=... host=...")`` (``docs/concurrency.md``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import random
import re
import time
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import duckdb

from sahelwatch import snapshot
from sahelwatch.errors import StoreError
from sahelwatch.formats import FORMATS
from sahelwatch.formats.base import CM_COLUMNS, EVENT_COLUMNS, MACROS
from sahelwatch.settings import settings

SCHEMA_VERSION = "4"

#: A store location starting with this names a DuckLake (``ducklake:postgres:<libpq string>``).
LAKE_PREFIX = "ducklake:"
#: The variable of the folder (or URL) of a new DuckLake's data files (``settings().lake_data``).
LAKE_DATA_ENV = "SAHELWATCH_LAKE_DATA"
#: Times a transaction that lost a commit race on DuckLake is tried in all.
COMMIT_TRIES = 8

_T = TypeVar("_T")

_VERSION_COLUMNS = (
    "release_id INTEGER NOT NULL, file_id INTEGER NOT NULL, row_number BIGINT, "
    "content_hash VARCHAR NOT NULL"
)


def _columns(spec: dict[str, str]) -> str:
    return ", ".join(f"{name} {typ}" for name, typ in spec.items())


SCHEMA = f"""
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS releases (
    release_id INTEGER PRIMARY KEY, family VARCHAR NOT NULL, source VARCHAR NOT NULL,
    release VARCHAR NOT NULL, release_key VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    preliminary BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, UNIQUE (source, release));
CREATE TABLE IF NOT EXISTS ingest_log (
    file_id INTEGER PRIMARY KEY, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL, format VARCHAR NOT NULL, release_id INTEGER NOT NULL,
    rows_read BIGINT, added BIGINT, revised BIGINT, unchanged BIGINT, rejected BIGINT,
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, columns VARCHAR[],
    withdraws BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS event_versions ({_VERSION_COLUMNS}, {_columns(EVENT_COLUMNS)});
CREATE TABLE IF NOT EXISTS cm_versions ({_VERSION_COLUMNS}, {_columns(CM_COLUMNS)});
CREATE TABLE IF NOT EXISTS sightings (
    uid VARCHAR NOT NULL, release_id INTEGER NOT NULL, file_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS coverage (
    release_id INTEGER NOT NULL, country_gw INTEGER NOT NULL, month DATE NOT NULL);
CREATE TABLE IF NOT EXISTS withdrawals (
    uid VARCHAR NOT NULL, release_id INTEGER NOT NULL, file_id INTEGER NOT NULL,
    reason VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (
    file_id INTEGER NOT NULL, path VARCHAR NOT NULL, row_number BIGINT NOT NULL,
    reason VARCHAR NOT NULL, raw VARCHAR);
""" + "".join(
    # Food-insecurity and displacement formats keep their versions in tables of their own.
    f"CREATE TABLE IF NOT EXISTS {f.table} ({_VERSION_COLUMNS}, {_columns(f.canonical_columns)});\n"
    for f in FORMATS
    if f.table
)

# What DuckLake lacks (key and unique constraints, non-literal defaults); there every write
# that needs them checks uniqueness itself under `meta.ingest_serial` (`Store.write_serially`).
_LAKE_UNSUPPORTED = re.compile(
    r",\s*(PRIMARY KEY|UNIQUE) \([^)]*\)| PRIMARY KEY| DEFAULT FALSE"
)

# The layout version and the ingest counter, added once (valid on both engines).
_META_ROWS = """
INSERT INTO meta SELECT * FROM (VALUES ('schema_version', $v), ('ingest_serial', '0')) m(k, v)
WHERE k NOT IN (SELECT key FROM meta)
"""

# Newest version of each record; `{where}` restricts the releases taken into account (as-of).
CURRENT_SQL = """
SELECT v.*, r.source, r.release, r.preliminary
FROM {table} v JOIN releases r USING (release_id)
WHERE {where}
QUALIFY row_number() OVER (PARTITION BY v.uid ORDER BY r.release_key DESC) = 1
"""

# Records withdrawn (as of the releases `{where}` admits, over `r`): withdrawn by a release and
# not seen in that release or any later one.
WITHDRAWN_SQL = """
SELECT x.uid FROM withdrawals x JOIN releases r USING (release_id)
WHERE {where} AND NOT EXISTS (
    SELECT 1 FROM sightings s JOIN releases sr USING (release_id)
    WHERE s.uid = x.uid AND sr.release_key >= r.release_key AND {seen_where})
"""


def default_path() -> Path:
    """``$SAHELWATCH_DB``, else ``sahelwatch.duckdb`` in the per-user data directory."""
    configured = settings().db
    if configured is not None:
        return configured
    from platformdirs import user_data_dir

    return Path(user_data_dir("sahelwatch")) / "sahelwatch.duckdb"


def _check_store_path(path: Path) -> None:
    """Refuse a path that is not (or cannot become) a DuckDB database file."""
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            magic = fh.read(12)[8:12]
        if magic != b"DUCK":
            raise StoreError(f"{path} is not a SahelWatch store (it is not a DuckDB file).")
    if path.suffix.lower() in {".csv", ".gz", ".zip", ".xlsx", ".json", ".parquet"} and (
        not path.exists() or path.stat().st_size == 0
    ):
        raise StoreError(
            f"{path} looks like a data file, not a store; name the store file *.duckdb."
        )


def raw_table(file_id: int) -> str:
    """Name of the table holding ingested file ``file_id`` as it was read."""
    return f"raw.file_{int(file_id)}"


def row_number_sql(con: duckdb.DuckDBPyConnection, table: str, alias: str = "s") -> str:
    """SQL of a raw record's row in its file (the header is row 1), for ``table`` as ``alias``.

    Rows are numbered by ``rowid`` counted from the table's first row: inside the transaction
    that creates a table, DuckDB numbers its rows from a large offset.
    """
    row = con.execute(f"SELECT min(rowid) FROM {table}").fetchone()
    first = int(row[0]) if row and row[0] is not None else 0
    return f"({alias}.rowid - {first} + 2)"


def bundled_file(name: str) -> Path:
    """Path of a data file shipped inside the package."""
    return Path(str(resources.files("sahelwatch") / "data" / name))


def is_conflict(exc: BaseException) -> bool:
    """Whether a DuckDB error is a transaction that lost to another one committed meanwhile
    (DuckLake refuses the later of two commits that change the same rows or make one table)."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) and (
        "failed to commit" in text or "conflict" in text
    )


def retry_conflicts(work: Callable[[], _T], what: str) -> _T:
    """``work()``, run again after a short random pause while it loses a commit race
    (:func:`is_conflict`), :data:`COMMIT_TRIES` times in all; ``work`` rolls back its own
    transaction, and runs again from the start, seeing what the winner committed."""
    attempt = 1
    while True:
        try:
            return work()
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            if attempt >= COMMIT_TRIES:
                raise StoreError(
                    f"{what} lost {attempt} commit races to other writers of the store; "
                    "nothing was written, try again."
                ) from exc
        time.sleep(random.uniform(0.05, 0.25) * attempt)
        attempt += 1


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction; a failed COMMIT has already ended it."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


#: The columns of the ``forecasts`` view over the forecast sample files (:mod:`sahelwatch.samples`).
FORECAST_COLUMNS = (
    "origin, model_version, created_at, level, unit_id, month, target, draw, value, unit_code"
)


def forecast_folder(store_path: Path) -> Path:
    """``<store>.forecasts/`` (absolute): the folder of a store file's forecast sample files."""
    path = store_path.absolute()
    return path.with_name(path.name + ".forecasts")


def sql_string(text: str | Path) -> str:
    """``text`` (a path, say) as an SQL string literal.

    >>> sql_string("it's")
    "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def _forecasts_view(files: Iterable[Path], temp: bool = False) -> str:
    """SQL making ``forecasts`` the view over these sample files (dropping it if none)."""
    listed = ", ".join(sql_string(f) for f in files)
    if not listed:
        return "DROP VIEW IF EXISTS forecasts"
    return (
        f"CREATE OR REPLACE {'TEMP ' * temp}VIEW forecasts AS SELECT {FORECAST_COLUMNS} "
        f"FROM read_parquet([{listed}])"
    )


def _lake_extensions() -> str:
    """The extension folder of the duckdb-ext-ducklake and duckdb-ext-postgres wheels."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise StoreError(
            "a DuckLake store needs SahelWatch's lake extra (pip install 'sahelwatch[lake]': "
            "DuckDB 1.4.4 with its ducklake and postgres extensions)."
        )
    return str(Path(next(iter(spec.submodule_search_locations))) / "extensions")


class Store:
    """A SahelWatch store on disk.

    Parameters
    ----------
    path : database file, or a DuckLake as ``ducklake:postgres:<libpq string>``
        (``docs/concurrency.md``); default :func:`default_path`.
    read_only : read a snapshot of the store as it stood after its last write; it never keeps
        writers out (:mod:`sahelwatch.snapshot`, ``docs/concurrency.md``).
    memory_limit : DuckDB's memory budget; larger work spills to a temporary directory.
    wait_s : how long to wait while another process is writing the store before giving up
        (default ``$SAHELWATCH_STORE_WAIT``, else 10 s).

    Examples
    --------
    >>> from sahelwatch.ingest import ingest
    >>> with Store("mine.duckdb") as mine:
    ...     ingest(mine, bundled_file("ucdp_candidate_26.0.2_events_global.csv.gz")).added
    1298
    """

    #: The DuckLake this store is (its ``ducklake:`` location), or None for a DuckDB file.
    lake: str | None = None

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        memory_limit: str = "1GB",
        wait_s: float | None = None,
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        location = str(path) if path is not None else str(self.path)
        self.lake = location if location.startswith(LAKE_PREFIX) else None
        if read_only and not self.lake and not self.path.exists():
            raise StoreError(
                f"there is no store at {self.path}; build one with 'sahelwatch ingest --bundled'."
            )
        self.read_only = read_only
        if not self.lake:
            _check_store_path(self.path)
        wait = snapshot.store_wait(wait_s)
        config = {"memory_limit": memory_limit}
        try:
            if not self.lake:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = self._connect(config, wait)
            self.con.execute("SET enable_progress_bar = false")
        except OSError as exc:
            raise StoreError(f"cannot create the store {self.path}: {exc.strerror}.") from exc
        except duckdb.Error as exc:
            if snapshot.is_lock_error(exc):
                raise StoreError(snapshot.busy_message(self.path, wait)) from exc
            if isinstance(exc, duckdb.IOException):
                raise StoreError(
                    f"cannot open the store {self.path}: {str(exc).splitlines()[0]}"
                ) from exc
            raise StoreError(
                f"{self.path} is not a SahelWatch store ({str(exc).splitlines()[0]})."
            ) from exc
        self._check_schema_version()
        if not read_only:
            retry_conflicts(self._create_schema, f"creating the tables of {self.path}")
        self._install_session()

    def _create_schema(self) -> None:
        """The tables (without what DuckLake lacks, on a lake) and the meta rows."""
        self.con.execute(_LAKE_UNSUPPORTED.sub("", SCHEMA) if self.lake else SCHEMA)
        self.con.execute(_META_ROWS, {"v": SCHEMA_VERSION})

    def create_tables(self, schema: str, what: str) -> None:
        """Run ``CREATE TABLE IF NOT EXISTS`` statements of a module's own tables: as written on
        a DuckDB file, without the key constraints on a lake (where the module's writes keep
        them with :meth:`write_serially`); processes creating them at once are retried."""
        sql = _LAKE_UNSUPPORTED.sub("", schema) if self.lake else schema
        retry_conflicts(lambda: self.con.execute(sql), f"creating the tables of {what}")

    def write_serially(self, work: Callable[[], _T], what: str) -> _T:
        """``work()`` in one transaction that also claims the serial row
        (:meth:`claim_ingest`), committed; of two overlapping writes on a lake the later is
        run again from the start (:func:`retry_conflicts`) and sees the winner's rows, so
        checks such as "is this key already stored" and "the next id" hold without key
        constraints."""

        def attempt() -> _T:
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.claim_ingest()
                result = work()
                self.con.execute("COMMIT")
            except BaseException:
                rollback(self.con)
                raise
            return result

        return retry_conflicts(attempt, what)

    def claim_ingest(self) -> None:
        """Advance ``meta.ingest_serial`` in the open transaction. Of two overlapping ingests on
        DuckLake the later to commit then fails and is tried again (:func:`retry_conflicts`),
        so ingests behave as if run one after the other and their checks (file already
        ingested, release already known, next ids) hold. A DuckDB file has one writer at a
        time: there it costs a one-row update."""
        self.con.execute(
            "UPDATE meta SET value = (value::BIGINT + 1)::VARCHAR WHERE key = 'ingest_serial'"
        )

    def _connect(self, config: dict[str, str], wait: float) -> duckdb.DuckDBPyConnection:
        """The file itself for a writer (waiting its turn); a snapshot for a reader; the lake
        itself for both (DuckLake keeps snapshots of its own)."""
        if self.lake:
            return self._connect_lake(self.lake, config)
        if not self.read_only or str(self.path) == ":memory:":
            return snapshot.connect(self.path, read_only=self.read_only, config=config, wait_s=wait)
        for _ in range(3):  # a snapshot just replaced by a newer one: take that
            target = snapshot.snapshot(self.path, config, wait)
            try:
                return snapshot.connect(target, read_only=True, config=config, wait_s=wait)
            except duckdb.IOException:
                if target.exists():
                    raise
        raise StoreError(snapshot.busy_message(self.path, wait))

    def _connect_lake(self, lake: str, config: dict[str, str]) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB that has attached the lake as ``lake`` and uses it."""
        con = duckdb.connect(
            config={
                **config,
                "extension_directory": _lake_extensions(),
                "autoinstall_known_extensions": "false",
                "autoload_known_extensions": "false",
            }
        )
        options = ["READ_ONLY"] if self.read_only else []
        data = settings().lake_data
        if data and not self.read_only:
            options.append(f"DATA_PATH {sql_string(data)}")
        attach = f"ATTACH {sql_string(lake)} AS lake" + (f" ({', '.join(options)})" * bool(options))
        try:
            con.execute("SET enable_progress_bar = false; LOAD ducklake; LOAD postgres")
            for attempt in range(1, COMMIT_TRIES + 1):
                try:
                    con.execute(attach)
                    break
                except duckdb.Error as exc:  # another process is creating the same new lake
                    if attempt == COMMIT_TRIES or "initialize ducklake" not in str(exc).lower():
                        raise
                    time.sleep(random.uniform(0.1, 0.5))
            con.execute("USE lake")
        except duckdb.Error as exc:
            con.close()
            raise StoreError(
                f"cannot open the store {lake} (DuckDB {duckdb.__version__}): "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        return con

    def _check_schema_version(self) -> None:
        """Refuse a store written with another layout (before any change is made to it)."""
        try:
            row = self.con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except duckdb.CatalogException:
            return  # a new store (no meta table yet)
        if row and row[0] != SCHEMA_VERSION:
            self.con.close()
            raise StoreError(
                f"the store {self.path} has layout {row[0]}, this SahelWatch reads layout "
                f"{SCHEMA_VERSION}; build a new store (sahelwatch ingest --bundled --db NEW)."
            )

    def _install_session(self) -> None:
        """Per-connection helpers: the country table and the text macros."""
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE countries AS SELECT gw::INTEGER AS gw, iso3, "
            "TRY_CAST(iso_num AS INTEGER) AS iso_num, name, aliases FROM read_csv(?, "
            "all_varchar = true, header = true)",
            [str(bundled_file("countries.csv"))],
        )
        for name, body in MACROS.items():
            self.con.execute(f"CREATE OR REPLACE TEMP MACRO {name}{body}")
        if self.lake or not self.has_table("forecast_files"):
            return
        found = self.forecast_files()
        if any(str(where) != file for file, where in found.items()):
            if self.read_only:  # this connection's own view of the files where they are now
                self.con.execute(_forecasts_view(found.values(), temp=True))
            else:
                self.write_serially(self.refresh_forecasts, f"the forecasts of {self.path}")

    def forecast_files(self) -> dict[str, Path]:
        """Each registered run's sample file (``forecast_files.file``) and where it is: there,
        or, where the store was moved or copied with its ``<store>.forecasts/`` folder, the
        file of that name in this store's folder."""
        folder = forecast_folder(self.path)
        found = {}
        for (file,) in self.con.execute(
            "SELECT file FROM forecast_files ORDER BY origin, model_version, level"
        ).fetchall():
            moved = folder / Path(file).name
            found[file] = moved if not Path(file).is_file() and moved.is_file() else Path(file)
        return found

    def refresh_forecasts(self) -> None:
        """Make ``forecasts`` the view over the registered runs' files, each named where it is
        now (:meth:`forecast_files`), in the caller's transaction if one is open."""
        found = self.forecast_files()
        for file, where in found.items():
            if str(where) != file:
                self.con.execute(
                    "UPDATE forecast_files SET file = $new WHERE file = $old",
                    {"new": str(where), "old": file},
                )
        self.con.execute(_forecasts_view(found.values()))

    def has_table(self, name: str) -> bool:
        """Whether the store has a table ``name`` (tables made on first use may be missing)."""
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def raw_records(self, file_ids: list[int], row_numbers: list[int]) -> list[str | None]:
        """The source records at (file, row) pairs as JSON objects named by the file's header,
        in the order asked (None where a pair names no record)."""
        wanted: dict[int, set[int]] = {}
        for file_id, row in zip(file_ids, row_numbers, strict=True):
            wanted.setdefault(int(file_id), set()).add(int(row))
        found: dict[tuple[int, int], str] = {}
        for file_id, rows in wanted.items():
            if not self.has_table(raw_table(file_id).split(".")[1]):
                continue  # no such file
            table = raw_table(file_id)
            number = row_number_sql(self.con, table, "r")
            for row, text in self.con.execute(
                f"SELECT {number}, to_json(r)::VARCHAR FROM {table} r "
                f"WHERE {number} IN (SELECT unnest($rows))",
                {"rows": sorted(rows)},
            ).fetchall():
                found[(file_id, int(row))] = text
        return [found.get((int(f), int(r))) for f, r in zip(file_ids, row_numbers, strict=True)]

    def current_sql(
        self, table: str = "event_versions", as_of: int | None = None, *, withdrawn: bool = False
    ) -> str:
        """SQL of the newest version of each record, optionally as of a release id. Withdrawn
        events (see :meth:`withdrawn_sql`) are left out, or are the only ones (``withdrawn``)."""
        where = self._as_of_where(as_of)
        if table == "event_versions":
            where += f" AND v.uid {'IN' if withdrawn else 'NOT IN'} ({self.withdrawn_sql(as_of)})"
        return CURRENT_SQL.format(table=table, where=where)

    def withdrawn_sql(self, as_of: int | None = None) -> str:
        """SQL of the uids of the events withdrawn now (or as of a release id): a complete
        newer release lacked them where it covers their country and month, or the source
        listed them as deleted, and no later release has them again."""
        return WITHDRAWN_SQL.format(
            where=self._as_of_where(as_of), seen_where=self._as_of_where(as_of, "sr")
        )

    @staticmethod
    def _as_of_where(as_of: int | None, alias: str = "r") -> str:
        """SQL restricting releases ``alias`` to the family of ``as_of`` up to it (or TRUE)."""
        if as_of is None:
            return "TRUE"
        pick = f"FROM releases WHERE release_id = {int(as_of)}"
        return (
            f"{alias}.family = (SELECT family {pick}) AND "
            f"{alias}.release_key <= (SELECT release_key {pick})"
        )

    def close(self) -> None:
        """Close the database."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
