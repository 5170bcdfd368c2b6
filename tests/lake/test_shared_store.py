"""Several processes share one store on DuckLake (PostgreSQL catalog): two analysts and the
watch ingest at the same time while a reader reads; the same file ingested twice at once loads
once; the command line reads the lake; two processes keep the same alerts, deliveries, holds
and checkpoint once; the real watch service runs while an analyst ingests and ``alerts
--check`` runs. See ``docs/concurrency.md``, "Beyond one machine".

They run where ``SAHELWATCH_LAKE_TEST`` names a PostgreSQL server (a libpq connection string
without ``dbname``, e.g. ``host=/tmp/pg user=postgres``) and SahelWatch's ``[lake]`` extra is
installed; ``scripts/lake_ci.sh`` sets both up (CI runs it). Elsewhere they are skipped.

Fixtures: ``lake`` is the location of a new, empty lake (``ducklake:postgres:dbname=...``), a
database of its own on that server with its data files in ``tmp_path``; ``lake_env`` is the
environment of processes that open it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sahelwatch.ingest import ingest
from sahelwatch.store import LAKE_DATA_ENV, Store, bundled_file

LAKE_TEST_ENV = "SAHELWATCH_LAKE_TEST"

# The bundled files the analysts, the watch and the reference store ingest.
ANALYST_1 = (
    "ucdp_ged241_country_export_mali.csv.gz",
    "ucdp_ged241_country_export_burkina_faso.csv.gz",
)
ANALYST_2 = (
    "ucdp_ged241_niger_repaired_standard.csv.gz",
    "ucdp_ged241_country_export_benin.csv.gz",
)
WATCH = ("ucdp_candidate_26.0.1_events_global.csv.gz",)

# A process that ingests bundled files into the store at argv[1], one summary line each.
WRITER = """
import sys
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file
with Store(sys.argv[1]) as store:
    for name in sys.argv[2:]:
        print(ingest(store, bundled_file(name)).summary().splitlines()[0], flush=True)
"""


def _psql(server: str, sql: str) -> None:
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail(f"{LAKE_TEST_ENV} is set but psql is not on PATH (scripts/lake_ci.sh adds it)")
    subprocess.run([psql, "-q", "-c", sql, f"{server} dbname=postgres"], check=True, timeout=60)


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = os.environ.get(LAKE_TEST_ENV)
    if not server:
        pytest.skip(
            f"DuckLake tests need a PostgreSQL server named by {LAKE_TEST_ENV} and the [lake] "
            "extra: run scripts/lake_ci.sh"
        )
    name = f"sw_{uuid.uuid4().hex[:12]}"
    _psql(server, f"CREATE DATABASE {name}")
    monkeypatch.setenv(LAKE_DATA_ENV, f"{tmp_path / 'lake-data'}/")
    yield f"ducklake:postgres:dbname={name} {server}"
    _psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def lake_env(lake: str) -> dict[str, str]:
    return {**os.environ, "SAHELWATCH_DB": lake, "PYTHONUNBUFFERED": "1"}


def start_writer(lake: str, env: dict[str, str], *names: str) -> subprocess.Popen[str]:
    """A process that ingests the bundled files ``names`` into ``lake``."""
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, lake, *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> str:
    """Its standard output, once it has ended well (else the test fails with its stderr)."""
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, err
    return out


def table_counts(store: Store) -> dict[str, int]:
    """Rows of each of the store's tables, and how many raw file tables it has."""
    counts = {}
    for table in ("releases", "ingest_log", "event_versions", "cm_versions", "sightings",
                  "coverage", "withdrawals", "quarantine"):  # fmt: skip
        row = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        counts[table] = int(row[0]) if row else -1
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
        "AND table_catalog = current_database()"
    ).fetchone()
    counts["raw tables"] = int(row[0]) if row else -1
    return counts


# Reads the lake at argv[1] (status, then current events) until the file argv[2] exists; prints
# "events N" for each read, N its count of current events. Any failed read ends it with an error.
READER = """
import pathlib, sys
from sahelwatch.query import events
from sahelwatch.status import status
from sahelwatch.store import Store
stop = pathlib.Path(sys.argv[2])
while True:
    last = stop.exists()
    with Store(sys.argv[1], read_only=True) as store:
        status(store).to_text()
        print("events", len(events(store)), flush=True)
    if last:
        break
"""


def _sahelwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from sahelwatch.cli import main; sys.argv[0] = 'sahelwatch'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=600
    )


def _reference(tmp_path: Path, names: tuple[str, ...]) -> dict[str, int]:
    """Table counts after the same files went one by one into a DuckDB file."""
    with Store(tmp_path / "reference.duckdb") as store:
        for name in names:
            ingest(store, bundled_file(name))
        return table_counts(store)


def test_analysts_and_the_watch_ingest_at_once_while_a_reader_reads(
    lake: str, lake_env: dict[str, str], tmp_path: Path
):
    Store(lake).close()  # the tables exist before the reader's first read
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, lake, str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=lake_env,
    )  # fmt: skip
    assert reader.stdout is not None
    first = reader.stdout.readline()  # it has read once before the writers start
    writers = [start_writer(lake, lake_env, *names) for names in (ANALYST_1, ANALYST_2, WATCH)]
    outputs = [finish(writer) for writer in writers]
    stop.touch()
    lines = (first + finish(reader)).splitlines()
    reads = [int(line.split()[1]) for line in lines if line[:7] == "events "]

    assert all("already ingested" not in out for out in outputs)
    assert reads[0] == 0 and len(reads) >= 2
    assert reads == sorted(reads)  # every read a consistent snapshot
    with Store(lake, read_only=True) as store:
        counts = table_counts(store)
        assert reads[-1] == len(store.con.execute(store.current_sql()).fetchall())
        duplicates = store.con.execute(
            "SELECT (SELECT count(*) - count(DISTINCT (uid, release_id)) FROM event_versions), "
            "(SELECT count(*) - count(DISTINCT sha256) FROM ingest_log), "
            "(SELECT count(*) - count(DISTINCT (source, release)) FROM releases), "
            "(SELECT count(*) - count(DISTINCT release_id) FROM releases), "
            "(SELECT count(*) - count(DISTINCT file_id) FROM ingest_log)"
        ).fetchone()
        # every raw record is found again at the row its version names
        sample = store.con.execute(
            "SELECT file_id, row_number, source_id FROM event_versions USING SAMPLE 200 ROWS"
        ).fetchall()
        raw = store.raw_records([s[0] for s in sample], [s[1] for s in sample])
    assert duplicates == (0, 0, 0, 0, 0)
    assert [json.loads(text)["id"] if text else None for text in raw] == [s[2] for s in sample]
    assert counts == _reference(tmp_path, ANALYST_1 + ANALYST_2 + WATCH)
    assert counts["ingest_log"] == 5


def test_the_same_file_ingested_twice_at_once_loads_once(
    lake: str, lake_env: dict[str, str], tmp_path: Path
):
    # two processes on a new lake: they also race to create its tables
    both = [start_writer(lake, lake_env, *WATCH) for _ in range(2)]
    outputs = sorted(finish(writer) for writer in both)
    assert "already ingested" not in outputs[0]
    assert "already ingested" in outputs[1]
    with Store(lake, read_only=True) as store:
        assert table_counts(store) == _reference(tmp_path, WATCH)


def test_the_command_line_reads_the_lake(lake: str, lake_env: dict[str, str], tmp_path: Path):
    finish(start_writer(lake, lake_env, *ANALYST_1))
    with Store(tmp_path / "file.duckdb") as store:
        for name in ANALYST_1:
            ingest(store, bundled_file(name))
    status = _sahelwatch(lake_env, "status")
    assert status.returncode == 0, status.stderr
    assert "ucdp_ged" in status.stdout and "24.1" in status.stdout
    on_lake = _sahelwatch(lake_env, "events", "--country", "MLI", "--period", "2020-01..2021-12")
    on_file = _sahelwatch(
        lake_env, "events", "--country", "MLI", "--period", "2020-01..2021-12",
        "--db", str(tmp_path / "file.duckdb"),
    )  # fmt: skip
    assert on_lake.returncode == 0, on_lake.stderr
    assert on_lake.stdout.count("\n") > 100
    assert sorted(on_lake.stdout.splitlines()) == sorted(on_file.stdout.splitlines())


CLI = "from sahelwatch.cli import main; main()"


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """A Python process with these arguments (``finish`` waits for it)."""
    return subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


# Records, at once with another process, the same alerts, a failed delivery of each, a hold
# and the checkpoint of one source into the lake at argv[1]: argv[2] rounds, one write each.
RACER = """
import sys
from pathlib import Path
from sahelwatch.alerts import Alert, mark_delivery, record
from sahelwatch.connectors.state import ensure_state_schema, record_hold, save_state
from sahelwatch.store import Store
with Store(sys.argv[1]) as store:
    ensure_state_schema(store)
    for i in range(int(sys.argv[2])):
        alert = Alert("race", f"race:{i}", "info", f"race {i}", "")
        record(store, [alert])
        mark_delivery(store, alert, "feed", ok=False, error="down", max_tries=100)
        record_hold(store, "inbox", None, Path("held.csv"), f"sha{i}", 1, ["odd"], {})
        save_state(store, "inbox", {"round": i})
"""


def test_two_processes_keep_alerts_deliveries_and_holds_once(lake: str, lake_env: dict[str, str]):
    rounds = 12
    Store(lake).close()
    racers = [_start(lake_env, "-c", RACER, lake, str(rounds)) for _ in range(2)]
    for racer in racers:
        finish(racer)
    with Store(lake, read_only=True) as store:
        alerts = store.con.execute(
            "SELECT count(*), count(DISTINCT key), min(seq), max(seq), count(DISTINCT seq) "
            "FROM alerts"
        ).fetchone()
        deliveries = store.con.execute(
            "SELECT count(*), count(DISTINCT alert_id), min(attempts), max(attempts) "
            "FROM alert_deliveries WHERE channel = 'feed'"
        ).fetchone()
        held = store.con.execute(
            "SELECT count(*), count(DISTINCT hold_id), max(hold_id) FROM held_pulls"
        ).fetchone()
        states = store.con.execute("SELECT state FROM connector_state").fetchall()
    assert alerts == (rounds, rounds, 1, rounds, rounds)  # each alert once, numbered 1..n
    assert deliveries == (rounds, rounds, 2, 2)  # one row per alert: both attempts counted
    assert held == (2 * rounds, 2 * rounds, 2 * rounds)
    assert states == [(json.dumps({"round": rounds - 1}),)]


def _watch_config(tmp_path: Path, lake: str) -> tuple[Path, Path]:
    """A watch configuration on the lake whose one source is a folder holding the Candidate
    release ``WATCH``, with the rules of a file that ``alerts --check`` reads too."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / WATCH[0]).write_bytes(bundled_file(WATCH[0]).read_bytes())
    old = time.time() - 60
    os.utime(inbox / WATCH[0], (old, old))
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[alerts.rules]]\nname = "near-bamako"\nkind = "proximity"\nplace = "Bamako"\n'
        'radius_km = 100\nseverity = "critical"\n\n'
        '[[alerts.rules]]\nname = "mali-deaths"\nkind = "threshold"\nlevel = "country"\n'
        "threshold = 90\n"
    )
    config = tmp_path / "sahelwatch.toml"
    config.write_text(
        f"store = {json.dumps(lake)}\n[watch]\nstate_dir = {json.dumps(str(tmp_path / 'state'))}"
        f'\n[[sources]]\nname = "inbox"\nkind = "folder"\npath = {json.dumps(str(inbox))}\n'
        f"settle = 1\nevery = 1\n\n{rules.read_text()}"
    )
    return config, rules


def test_the_watch_an_analyst_and_alert_checks_share_the_lake(
    lake: str, lake_env: dict[str, str], tmp_path: Path
):
    """``watch --once`` loads a Candidate release from a folder while an analyst ingests two
    files and ``alerts --check`` runs again and again, twice at once at the end."""
    Store(lake).close()
    config, rules = _watch_config(tmp_path, lake)
    watch = _start(lake_env, "-c", CLI, "watch", "--config", str(config), "--once")
    analyst = start_writer(lake, lake_env, *ANALYST_1)
    checks = []
    while watch.poll() is None or analyst.poll() is None:
        checks.append(_sahelwatch(lake_env, "alerts", "--check", str(rules)))
    finish(watch)
    assert "already ingested" not in finish(analyst)
    both = [_start(lake_env, "-c", CLI, "alerts", "--check", str(rules)) for _ in range(2)]
    for check in both:
        finish(check)
    assert checks and all(c.returncode == 0 for c in checks), [c.stderr for c in checks]
    print(f"{len(checks)} alerts --check ran while the watch and the analyst wrote")
    finish(_start(lake_env, "-c", CLI, "watch", "--config", str(config), "--once"))

    with Store(lake, read_only=True) as store:
        counts = table_counts(store)
        alerts = store.con.execute(
            "SELECT count(*) - count(DISTINCT key), count(*) - count(DISTINCT seq), "
            "list(DISTINCT rule ORDER BY rule) FROM alerts"
        ).fetchone()
        deliveries = store.con.execute(
            "SELECT count(*) - count(DISTINCT (alert_id, channel)), count(*) FROM alert_deliveries"
        ).fetchone()
        state = store.con.execute(
            "SELECT state, polled_at IS NOT NULL FROM connector_state WHERE source = 'inbox'"
        ).fetchall()
        runs = store.con.execute(
            "SELECT outcome FROM connector_runs WHERE source = 'inbox' ORDER BY run_id"
        ).fetchall()
    assert counts == _reference(tmp_path, ANALYST_1 + WATCH)  # every row once
    assert counts["ingest_log"] == 3
    assert alerts == (0, 0, ["mali-deaths", "near-bamako"])  # every alert once
    assert deliveries[0] == 0 and deliveries[1] > 0  # one row per alert and channel
    seen = hashlib.sha256(bundled_file(WATCH[0]).read_bytes()).hexdigest()
    assert len(state) == 1 and state[0][1] and json.loads(state[0][0])["seen"] == [seen]
    assert runs == [("loaded",), ("nothing-new",)]  # the second watch found nothing new
