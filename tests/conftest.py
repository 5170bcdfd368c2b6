"""Shared fixtures for the store, ingest, CLI and query tests.

Everything here works on the real data bundled with the package (``src/sahelwatch/data``) and the
real samples in ``tests/data``; nothing needs the network or ``/work/shared``.

Fixtures
--------
store            a fresh, empty, writable Store in ``tmp_path``.
bundled_path     (session, in the repository's conftest.py) path of a store built once with
                 ``ingest_bundled``; never written to.
bundled_store    that store opened read-only for one test.
bundled_copy     a private writable copy of that store (a path) for tests that write.
release_rows     (session) header and records of a bundled UCDP CSV, parsed with a real CSV parser.
write_csv        writes a header and records into tmp_path in UCDP's exact CSV style.
table_counts     row counts of every store table, to show that a failure wrote nothing.
versions_checksum  a checksum of the whole ``event_versions`` table.
direct           (session) plain DuckDB over the bundled event CSVs: view ``allrel`` (every row of
                 the three releases, ``rel`` 0/1/2) and ``cur`` (the current view built without
                 SahelWatch), to check SahelWatch's answers against.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from sahelwatch.store import Store, bundled_file

TESTS_DATA = Path(__file__).parent / "data"

CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"
CANDIDATE_2 = "ucdp_candidate_26.0.2_events_global.csv.gz"
REDUCED_2025 = "ucdp_candidate_2025_reduced_global.csv.gz"
GED_CM = "ged251_country_month_global.csv.gz"
VIEWS_CM = "views_cm_ged_2017-11_2024-04.csv.gz"
NIGERIA = "ucdp_ged201_nigeria_events_standard.csv.gz"
NIGER = "ucdp_ged241_niger_repaired_standard.csv.gz"
GED_SAMPLE = TESTS_DATA / "ged_v23_1_random_sample_1000.csv.gz"

TABLES = (
    "releases",
    "ingest_log",
    "event_versions",
    "cm_versions",
    "sightings",
    "coverage",
    "quarantine",
)


def raw_tables(store: Store) -> list[str]:
    """The store's raw file tables (``raw.file_N``), in file order."""
    names = store.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
    ).fetchall()
    return sorted((f"raw.{n}" for (n,) in names), key=lambda t: int(t.rsplit("_", 1)[1]))


def counts_of(store: Store) -> dict[str, int]:
    """Row count of every store table, raw file tables included."""
    result = {}
    for table in (*TABLES, *raw_tables(store)):
        row = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        result[table] = int(row[0])
    return result


def checksum_of(store: Store) -> str:
    """MD5 over every row of ``event_versions`` and of every raw file table."""
    parts = []
    for table in ("event_versions", *raw_tables(store)):
        row = store.con.execute(
            f"SELECT coalesce(md5(string_agg(to_json(v)::VARCHAR, '\n' ORDER BY v.rowid)), '') "
            f"FROM {table} v"
        ).fetchone()
        assert row is not None
        parts.append(f"{table}:{row[0]}")
    return "|".join(parts)


def read_ucdp_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records of a (gzipped) CSV, with a real CSV parser (fields can hold newlines)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


# UCDP writes an empty text value in these columns as "" (other empty fields stay empty).
QUOTED_EMPTY = {
    "conflict_dset_id",
    "dyad_dset_id",
    "side_a_dset_id",
    "side_b_dset_id",
    "source_original",
    "where_description",
}


def _field(value: str, quote_empty: bool) -> str:
    if value == "":
        return '""' if quote_empty else ""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """UCDP's CSV style: LF line ends, minimal quoting, "" for empty text in some columns.
    Written back from :func:`read_ucdp_csv`, a UCDP Candidate file is byte-identical."""
    quoted = [name in QUOTED_EMPTY for name in header]
    lines = [",".join(_field(h, False) for h in header)]
    lines += [",".join(_field(v, q) for v, q in zip(row, quoted, strict=False)) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store in ``tmp_path``."""
    with Store(tmp_path / "store.duckdb") as fresh:
        yield fresh


@pytest.fixture
def bundled_store(bundled_path: Path) -> Iterator[Store]:
    """The session's bundled store, opened read-only for one test."""
    with Store(bundled_path, read_only=True) as opened:
        yield opened


@pytest.fixture
def bundled_copy(bundled_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the bundled store (a path: open it with ``Store(path)``)."""
    target = tmp_path / "bundled_copy.duckdb"
    shutil.copyfile(bundled_path, target)
    return target


@pytest.fixture(scope="session")
def release_rows() -> Callable[[str], tuple[list[str], list[list[str]]]]:
    """``release_rows(name)`` -> header and records of a bundled (or tests/data) CSV file."""
    cache: dict[str, tuple[list[str], list[list[str]]]] = {}

    def read(name: str) -> tuple[list[str], list[list[str]]]:
        if name not in cache:
            local = TESTS_DATA / name
            cache[name] = read_ucdp_csv(local if local.exists() else bundled_file(name))
        header, rows = cache[name]
        return list(header), [list(r) for r in rows]

    return read


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """``write_csv(name, header, rows, encoding='utf-8')`` -> path of the file in tmp_path."""

    def write(name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(header, rows).encode(encoding))
        return path

    return write


@pytest.fixture(scope="session")
def direct() -> Iterator[duckdb.DuckDBPyConnection]:
    """Plain DuckDB over the bundled UCDP event files: ``cur`` is the current view (newest
    release per id), built without SahelWatch; ``rel`` orders the releases (-2 GED 20.1,
    -1 GED 24.1, 0 the reduced 2025 Candidate file, 1 and 2 Candidate 26.0.1 and 26.0.2).
    Every row counts, those a codebook rule flags included (the store loads them)."""
    con = duckdb.connect()
    r, a, b, nigeria, niger = (
        str(bundled_file(n)) for n in (REDUCED_2025, CANDIDATE_1, CANDIDATE_2, NIGERIA, NIGER)
    )
    exports = [str(p) for p in sorted(bundled_file(".").glob("ucdp_ged241_country_export_*"))]
    assert len(exports) == 7
    full = (
        "SELECT id::BIGINT AS id, country_id::INTEGER AS country_id, "
        "type_of_violence::INTEGER AS tov, {start} AS date_start, "
        "{best}::INTEGER AS best, {low}::INTEGER AS low, {high}::INTEGER AS high, "
        "latitude::DOUBLE AS lat, longitude::DOUBLE AS lon, side_a, side_b, "
        "number_of_sources::INTEGER AS n_sources, {rel} AS rel "
        "FROM read_csv({path}, all_varchar = true)"
    )
    bulk = {"start": "left(date_start, 10)::DATE", "best": "best", "low": "low", "high": "high"}
    export = {
        "start": "strptime(date_start, '%m/%d/%Y %H:%M:%S')::DATE",
        **{k: f"{k}_est" for k in ("best", "low", "high")},
    }
    con.execute(
        f"""
        CREATE VIEW allrel AS
        SELECT id::BIGINT AS id, country_id::INTEGER AS country_id,
               type_of_violence::INTEGER AS tov, date::DATE AS date_start, best::INTEGER AS best,
               0 AS rel FROM read_csv('{r}', all_varchar = true)
        UNION ALL BY NAME {full.format(rel=-2, path=repr(nigeria), **bulk)}
        UNION ALL BY NAME {full.format(rel=-1, path=repr(niger), **bulk)}
        UNION ALL BY NAME {full.format(rel=-1, path=exports, **export)}
        UNION ALL BY NAME {full.format(rel=1, path=repr(a), **bulk)}
        UNION ALL BY NAME {full.format(rel=2, path=repr(b), **bulk)}
        """
    )
    con.execute(
        "CREATE VIEW cur AS SELECT * FROM allrel "
        "QUALIFY row_number() OVER (PARTITION BY id ORDER BY rel DESC) = 1"
    )
    assert con.execute("SELECT count(*) FROM cur").fetchone() == (4603 + 5072 + 6547 + 1727 + 1287,)
    yield con
    con.close()


@pytest.fixture
def table_counts() -> Callable[[Store], dict[str, int]]:
    return counts_of


@pytest.fixture
def versions_checksum() -> Callable[[Store], str]:
    return checksum_of
