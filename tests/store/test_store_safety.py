"""The store survives a killed ingest, refuses to be opened twice for writing, and reports the
problems it cannot get round as StoreError sentences."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sahelwatch import Store, StoreError, ingest
from sahelwatch.store import SCHEMA_VERSION, bundled_file

CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"
CLI = "from sahelwatch.cli import main; main()"
# Copies of release 26.0.1 in the large file: 45 x 1727 = 77,715 records, so that the merge (a
# large INSERT) runs long after "merging versions" is printed and the kill lands inside it.
COPIES = 45


def _big_release(path: Path) -> int:
    """A valid GED-format file: the 26.0.1 records repeated with new ids. Returns rows written."""
    src = bundled_file(CANDIDATE_1)
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true, header = true, "
            "delim = ',', quote = '\"', escape = '\"')",
            [str(src)],
        )
        columns = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
        select = ", ".join(
            "CAST(CAST(id AS BIGINT) + k * 1000000 AS VARCHAR) AS id" if c == "id" else c
            for c in columns
        )
        con.execute(
            f"COPY (SELECT {select} FROM t, range(1, {COPIES} + 1) r(k) ORDER BY k, rowid) "
            f"TO '{path}' (HEADER, DELIMITER ',')"
        )
    return COPIES * 1727


@pytest.mark.slow
def test_killed_ingest_leaves_store_as_before(tmp_path, table_counts, versions_checksum):
    db = tmp_path / "store.duckdb"
    big = tmp_path / "GEDEvent_v26_0_9.csv"
    rows = _big_release(big)
    with Store(db) as s:
        ingest(s, bundled_file(CANDIDATE_1))
        before, digest = table_counts(s), versions_checksum(s)
    # every record loads: the 5 whose best lies outside low..high are flagged, not quarantined
    assert before["event_versions"] == 1727 and before["quarantine"] == 0

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "stdout.txt", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, "ingest", "--db", str(db), str(big)],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
        )
        seen: list[str] = []
        try:
            assert proc.stderr is not None
            deadline = time.monotonic() + 50
            for raw in proc.stderr:
                seen.append(raw.decode("utf-8", "replace").strip())
                if seen[-1] == "merging versions":
                    # The transaction is open: the release row and the raw rows are written
                    # but not committed, and the merge's INSERT is starting.
                    proc.send_signal(signal.SIGKILL)
                    break
                assert time.monotonic() < deadline, seen
            rest = proc.stderr.read().decode("utf-8", "replace")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, seen)
    # It was killed mid-transaction: validation and quarantine were done, coverage and the
    # ingest log (the last steps before COMMIT) were not reached.
    assert seen[:3] == [
        "reading GEDEvent_v26_0_9.csv (UCDP GED / Candidate events (49 columns))",
        f"validating {rows} rows",
        "merging versions",
    ]
    assert "recording coverage" not in rest, "the kill came too late to test anything"
    assert "rows read" not in (tmp_path / "stdout.txt").read_text(errors="replace")

    with Store(db) as s:  # reopening works
        assert table_counts(s) == before
        assert versions_checksum(s) == digest
        assert s.con.execute("SELECT release FROM releases").fetchall() == [("26.0.1",)]
        # The ingest can simply be run again.
        report = ingest(s, big)
        assert (report.release, report.rows_read) == ("26.0.9", rows)
        assert (report.added, report.rejected) == (rows, 0)
        after = table_counts(s)
        assert after["event_versions"] == before["event_versions"] + rows
        assert after["quarantine"] == 0
        assert after["ingest_log"] == 2


# --------------------------------------------------------------------------------------------
# Locking and opening.


HOLDER = """
import sys
from sahelwatch import Store
store = Store(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
"""


def test_store_locked_by_another_process(tmp_path, monkeypatch, capsys):
    """A writer holds a new store (no snapshot of it yet): others wait, then say so."""
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "0.3")
    busy = (
        f"the store {tmp_path / 'store.duckdb'} is in use by another process (still busy after "
        "0.3 s); try again when it has finished, or wait longer with SAHELWATCH_STORE_WAIT=SECONDS."
    )
    db = tmp_path / "store.duckdb"
    Store(db).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        for read_only in (False, True):
            with pytest.raises(StoreError) as caught:
                Store(db, read_only=read_only)
            assert str(caught.value) == busy
        # The command line says the same in one line.
        from sahelwatch import cli

        monkeypatch.setattr(sys, "argv", ["sahelwatch", "status", "--db", str(db)])
        with pytest.raises(SystemExit) as stopped:
            cli.main()
        assert stopped.value.code == 1
        err = capsys.readouterr().err
        assert err == f"error: {busy}\n"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
    Store(db).close()  # free again once the other process has gone


def test_read_only_store_must_exist(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(StoreError, match=r"there is no store at .*nowhere\.duckdb.*--bundled"):
        Store(missing, read_only=True)
    assert not missing.exists()


def test_not_a_store(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("this is a text file, not a database\n" * 100, encoding="utf-8")
    with pytest.raises(StoreError, match=r"notes\.duckdb"):
        Store(path, read_only=True)
    with pytest.raises(StoreError, match=r"notes\.duckdb"):
        Store(path)
    assert path.read_text(encoding="utf-8").startswith("this is a text file")


def test_directory_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="cannot open the store"):
        Store(tmp_path)


def test_csv_file_is_not_a_store(tmp_path):
    """DuckDB 2 opens 'x.csv' as an in-memory database with the CSV attached: an ingest into
    it would report success and keep nothing. The store must refuse such paths."""
    path = tmp_path / "events.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"events\.csv is not a SahelWatch store"):
        Store(path).close()
    new = tmp_path / "new_events.csv"
    with pytest.raises(StoreError, match=r"looks like a data file, not a store.*\*\.duckdb"):
        Store(new).close()
    assert not new.exists()
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n"


def test_empty_csv_file_is_not_a_store(tmp_path):
    path = tmp_path / "events.csv"
    path.touch()
    with pytest.raises(StoreError):
        Store(path).close()


def test_store_under_a_file_is_a_store_error(tmp_path):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match=r"^cannot create the store .*plain\.txt/store\.duckdb"):
        Store(blocker / "store.duckdb")


def test_ingest_into_read_only_store(bundled_path, table_counts):
    with Store(bundled_path, read_only=True) as s:
        before = table_counts(s)
        with pytest.raises(StoreError) as caught:
            ingest(s, Path(__file__).parents[1] / "data" / "ged_v23_1_random_sample_1000.csv.gz")
        assert str(caught.value) == (
            f"the store {bundled_path} is open read-only; nothing was ingested."
        )
        assert table_counts(s) == before


def test_schema_is_created_once(tmp_path):
    db = tmp_path / "store.duckdb"
    with Store(db) as s:
        ingest(s, bundled_file(CANDIDATE_1))
    with Store(db) as s:  # reopening does not reset anything
        assert s.con.execute("SELECT * FROM meta ORDER BY key").fetchall() == [
            ("ingest_serial", "1"),  # one ingest
            ("schema_version", SCHEMA_VERSION),
        ]
        assert s.con.execute("SELECT count(*) FROM event_versions").fetchone() == (1727,)


def test_a_store_of_another_layout_is_refused_untouched(tmp_path):
    db = tmp_path / "old.duckdb"
    with Store(db) as s:
        s.con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    before = db.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="has layout 1, this SahelWatch reads layout"):
            Store(db, read_only=read_only)
    assert db.read_bytes() == before
