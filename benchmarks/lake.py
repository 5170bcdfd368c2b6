"""The store on DuckLake (PostgreSQL catalog) against a DuckDB file, on the bundled data.

Measures (seconds, imports excluded), each on a fresh store:

* ``ingest_bundled`` into a DuckDB file and into a lake, one file after the other;
* ``status`` and ``query.events`` for Mali, read-only, on each;
* five bundled UCDP files ingested by three processes at once (two analysts, one watch-like
  process) into a new lake, against the same files one after the other into another: wall time
  (process start-up included in both) and whether both lakes hold the same rows.

Needs the ``[lake]`` environment and a PostgreSQL server on which it may create databases (a
libpq string without ``dbname``; ``scripts/lake_ci.sh`` shows how to start a throwaway one).

Run: ``.venv-lake/bin/python benchmarks/lake.py --server 'host=/tmp/pg user=postgres'``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sahelwatch.bundled import ingest_bundled
from sahelwatch.ingest import ingest
from sahelwatch.query import EventFilter, events
from sahelwatch.status import status
from sahelwatch.store import LAKE_DATA_ENV, Store, bundled_file

GROUPS = (
    ("ucdp_ged241_country_export_mali.csv.gz", "ucdp_ged241_country_export_burkina_faso.csv.gz"),
    ("ucdp_ged241_niger_repaired_standard.csv.gz", "ucdp_ged241_country_export_benin.csv.gz"),
    ("ucdp_candidate_26.0.1_events_global.csv.gz",),
)
WRITER = """
import sys
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file
with Store(sys.argv[1]) as store:
    for name in sys.argv[2:]:
        ingest(store, bundled_file(name))
"""
COUNTED = ("releases", "ingest_log", "event_versions", "cm_versions", "sightings", "coverage")


def psql(server: str, sql: str) -> None:
    subprocess.run(["psql", "-q", "-c", sql, f"{server} dbname=postgres"], check=True)


def new_lake(server: str, work: Path, made: list[str]) -> str:
    """A new lake with its tables, in a new database of ``server`` (data files under ``work``)."""
    name = f"swbench_{uuid.uuid4().hex[:10]}"
    psql(server, f"CREATE DATABASE {name}")
    made.append(name)
    os.environ[LAKE_DATA_ENV] = f"{work / name}/"
    location = f"ducklake:postgres:dbname={name} {server}"
    Store(location).close()
    del os.environ[LAKE_DATA_ENV]  # the lake keeps its data path; another one would be refused
    return location


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def counts(location: str) -> list[int]:
    with Store(location, read_only=True) as store:
        return [store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="libpq string without dbname")
    args = parser.parse_args()
    made: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            measure(args.server, Path(tmp), made)
        finally:
            for name in made:
                psql(args.server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure(server: str, work: Path, made: list[str]) -> None:
    """Print the figures (see the module docstring)."""
    stores = {"DuckDB file": str(work / "file.duckdb"), "DuckLake": new_lake(server, work, made)}
    for label, location in stores.items():
        with Store(location) as store:
            seconds = timed(lambda s=store: list(ingest_bundled(s)))
        with Store(location, read_only=True) as store:
            read_status = timed(lambda s=store: status(s).to_text())
            mali = EventFilter(countries=["MLI"])
            read_events = timed(lambda s=store, f=mali: events(s, f))
        print(
            f"{label}: ingest --bundled {seconds:.1f} s, status {read_status:.1f} s, "
            f"events of Mali {read_events:.1f} s"
        )
    print(
        "bundled stores hold the same rows:",
        counts(stores["DuckDB file"]) == counts(stores["DuckLake"]),
    )

    at_once, one_by_one = new_lake(server, work, made), new_lake(server, work, made)
    started = time.perf_counter()
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, at_once, *names]) for names in GROUPS
    ]
    if any(p.wait() for p in processes):
        raise SystemExit("a concurrent ingest failed (above)")
    parallel = time.perf_counter() - started
    sequential = timed(
        lambda: [
            subprocess.run([sys.executable, "-c", WRITER, one_by_one, *names], check=True)
            for names in GROUPS
        ]
    )
    print(
        f"5 UCDP files: 3 processes at once {parallel:.1f} s, one after the other "
        f"{sequential:.1f} s; same rows: {counts(at_once) == counts(one_by_one)}"
    )
    file_store = work / "five.duckdb"
    with Store(file_store) as store:
        for names in GROUPS:
            for name in names:
                ingest(store, bundled_file(name))
    print(
        "the same five files into a DuckDB file give the same rows:",
        counts(str(file_store)) == counts(at_once),
    )


if __name__ == "__main__":
    main()
