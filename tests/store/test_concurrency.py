"""Several processes on one store: readers read snapshots, writers take turns, long jobs hold
the store only to write their results, and compaction gives back what interrupted work left.

Other processes are real subprocesses (DuckDB locks are per process). Every wait is bounded;
no assertion is about time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from replay.helpers import make_config

from conftest import GED_SAMPLE, checksum_of, counts_of
from sahelwatch import cli, priority, watch
from sahelwatch.compact import compact, compact_if_wasteful
from sahelwatch.connectors.base import Pull
from sahelwatch.connectors.files import Folder
from sahelwatch.errors import ConfigError, StoreError
from sahelwatch.forecast import load_forecast
from sahelwatch.settings import overridden, settings
from sahelwatch.snapshot import busy_message
from sahelwatch.store import Store, bundled_file

# A process that opens the store for writing, makes a change it has not committed, says
# "ready" and keeps the store until its standard input closes (then commits).
WRITER = """
import sys
from sahelwatch import Store
store = Store(sys.argv[1])
store.con.execute("BEGIN")
store.con.execute("CREATE TABLE from_the_writer AS SELECT 1 AS x")
print("ready", flush=True)
sys.stdin.read()
store.con.execute("COMMIT")
store.close()
"""

# The real `sahelwatch forecast` command, paused once it has read the store and before it
# computes (until a line arrives on its standard input).
PAUSED_FORECAST = """
import sys
import sahelwatch.forecast as fc
real = fc.forecast
def paused(*args, **kwargs):
    print("computing", flush=True)
    sys.stdin.readline()
    return real(*args, **kwargs)
fc.forecast = paused
sys.argv = ["sahelwatch", *sys.argv[1:]]
from sahelwatch.cli import main
main()
"""


def _env(wait: str = "20") -> dict[str, str]:
    return {**os.environ, "SAHELWATCH_STORE_WAIT": wait}


@contextmanager
def _process(code: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """A Python subprocess running ``code``; its first line of output has been read."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() in ("ready", "computing")
        yield proc
    finally:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=600)


def _sahelwatch(*args: str, wait: str = "20") -> subprocess.CompletedProcess[str]:
    code = "import sys; from sahelwatch.cli import main; sys.argv[0] = 'sahelwatch'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=_env(wait),
        timeout=600,
    )


def _event_count(store: Store) -> int:
    row = store.con.execute("SELECT count(*) FROM event_versions").fetchone()
    assert row is not None
    return int(row[0])


# --------------------------------------------------------------------------------------------
# A forecast computing while others read and write.


def test_a_forecast_keeps_no_one_out_while_it_computes(bundled_copy: Path, tmp_path: Path):
    db = str(bundled_copy)
    out = tmp_path / "fc.parquet"
    args = ("forecast", "--db", db, "--out", str(out), "--save", "--model", "conflictology")
    with _process(PAUSED_FORECAST, *args, "--horizons", "2", "--draws", "20") as job:
        # the forecast has read the store and is computing: everyone else goes on
        status = _sahelwatch("status", "--db", db, wait="2")
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"Store {db}: ") and "Releases:" in status.stdout
        checked = _sahelwatch(
            "alerts", "--check", str(bundled_file("alert_rules.toml")), "--db", db, wait="2"
        )
        assert checked.returncode == 0, checked.stderr
        assert "new alerts from the rules" in checked.stderr
        with Store(db, read_only=True, wait_s=2) as notebook:
            assert _event_count(notebook) > 0
            assert notebook.has_table("alerts")  # what alerts --check wrote
        with Store(db, wait_s=2) as writer:  # a notebook that writes, too
            writer.con.execute("CREATE TABLE analyst_notes AS SELECT 'seen' AS note")
        assert job.stdin is not None
        job.stdin.write("go\n")
        job.stdin.flush()
        assert job.wait(timeout=600) == 0
    assert out.is_file()
    with Store(db, read_only=True) as after:
        row = after.con.execute(
            "SELECT count(*), count(DISTINCT month) FROM forecasts "
            "WHERE model_version = 'benchmark-conflictology'"
        ).fetchone()
        assert row is not None and row[0] > 0 and row[1] == 2
        assert after.has_table("analyst_notes")  # the forecast's write kept the others' work
        origin = str(after.con.execute("SELECT max(origin) FROM forecasts").fetchone()[0])[:7]
        stored = load_forecast(after, origin, "benchmark-conflictology")
    written = pd.read_parquet(out)  # stored from the file it wrote first: the same samples

    def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        columns = ["unit_id", "month", "target", "draw", "value"]
        return sorted(frame[columns].astype(str).itertuples(index=False, name=None))

    assert len(written) > 0 and rows(stored) == rows(written)


def test_readers_read_the_state_before_a_write_in_progress(bundled_copy: Path):
    with Store(bundled_copy, read_only=True) as first:  # a snapshot of the state now
        before = _event_count(first)
    with _process(WRITER, str(bundled_copy)):
        with Store(bundled_copy, read_only=True, wait_s=0) as reader:
            assert _event_count(reader) == before
            assert not reader.has_table("from_the_writer")
        status = _sahelwatch("status", "--db", str(bundled_copy), wait="0")
        assert status.returncode == 0, status.stderr
    with Store(bundled_copy, read_only=True, wait_s=0) as reader:
        assert reader.has_table("from_the_writer")  # the first read after the write sees it


# --------------------------------------------------------------------------------------------
# Waiting, then a sentence.


def test_a_writer_waits_its_turn_then_says_so(store: Store, tmp_path: Path):
    db = store.path
    store.close()
    with _process(WRITER, str(db)) as holder:
        with pytest.raises(StoreError) as caught:
            Store(db, wait_s=0.3)
        assert str(caught.value) == busy_message(db, 0.3)
        assert "still busy after 0.3 s" in str(caught.value)
        # ... and one that waits longer gets in once the other writer is done
        assert holder.stdin is not None
        threading.Timer(0.5, holder.stdin.close).start()
        with Store(db, wait_s=120) as second:
            assert second.has_table("from_the_writer")


def test_the_command_line_says_it_waited(bundled_copy: Path):
    with _process(WRITER, str(bundled_copy)):
        result = _sahelwatch("alerts", "--check", str(bundled_file("alert_rules.toml")),
                             "--db", str(bundled_copy), wait="0.5")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == f"error: {busy_message(bundled_copy, 0.5)}\n"


def test_a_bad_wait_setting_is_a_sentence(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SAHELWATCH_STORE_WAIT", "soon")
    with pytest.raises(ConfigError, match=r"SAHELWATCH_STORE_WAIT: expected a number, got 'soon'"):
        Store(store.path, read_only=True)


# --------------------------------------------------------------------------------------------
# Compaction.

# Interrupted work: a large transaction that writes its blocks into the file, then the process
# ends without committing (as a killed ingest does).
INTERRUPTED = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
con.execute("BEGIN")
con.execute("CREATE TABLE lost AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(4000000)")
os._exit(0)
"""


def test_compaction_gives_back_what_interrupted_work_left(
    bundled_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    pairs_sql = "SELECT file_id, row_number FROM event_versions ORDER BY uid LIMIT 50"
    with Store(bundled_copy, read_only=True) as original:
        counts, checksum = counts_of(original), checksum_of(original)
        pairs = original.con.execute(pairs_sql).fetchall()
        raws = original.raw_records([f for f, _ in pairs], [r for _, r in pairs])
    assert len(raws) == 50 and all(raws)
    fresh = bundled_copy.stat().st_size
    assert not compact_if_wasteful(bundled_copy).done  # nothing to give back yet
    subprocess.run([sys.executable, "-c", INTERRUPTED, str(bundled_copy)], check=True)
    bloated = bundled_copy.stat().st_size
    assert bloated > 2 * fresh

    monkeypatch.setattr(sys, "argv", ["sahelwatch", "store", "compact", "--db", str(bundled_copy)])
    cli.main()
    assert capsys.readouterr().out.startswith(f"compacted the store {bundled_copy}:")
    assert bundled_copy.stat().st_size < bloated / 2
    assert not bundled_copy.with_name(bundled_copy.name + ".wal").exists()
    with Store(bundled_copy, read_only=True) as compacted:
        assert not compacted.has_table("lost")
        assert counts_of(compacted) == counts
        assert checksum_of(compacted) == checksum  # every row, in its order
        assert compacted.raw_records([f for f, _ in pairs], [r for _, r in pairs]) == raws


def test_an_ingest_compacts_a_file_of_mostly_free_space(bundled_copy: Path):
    """DuckDB gives back the end of its file at the next write, not free blocks in between
    (a large table emptied, forecasts replaced): the next ingest compacts those."""
    with Store(bundled_copy) as store:
        store.con.execute("CREATE TABLE scratch AS SELECT range AS i, md5(range::VARCHAR) AS h "
                          "FROM range(4000000)")  # fmt: skip
        store.con.execute("CHECKPOINT")
        store.con.execute("CREATE TABLE after_it AS SELECT range AS i FROM range(200000)")
        store.con.execute("CHECKPOINT")
        store.con.execute("DROP TABLE scratch")
    bloated = bundled_copy.stat().st_size
    result = _sahelwatch("ingest", "--no-coverage", str(GED_SAMPLE), "--db", str(bundled_copy))
    assert result.returncode == 0, result.stderr
    assert f"compacted the store {bundled_copy}:" in result.stderr
    assert bundled_copy.stat().st_size < bloated / 2
    assert not compact(bundled_copy, only_if_wasteful=True).done
    with Store(bundled_copy, read_only=True) as after:
        assert after.has_table("after_it") and not after.has_table("scratch")


# --------------------------------------------------------------------------------------------
# The watch service writes in short windows; batch jobs give way to readers.

# Another process's short write: it waits at most 2 s for the store file.
QUICK_WRITER = """
import sys
from sahelwatch import Store
with Store(sys.argv[1], wait_s=2) as store:
    store.con.execute("CREATE TABLE analyst_notes AS SELECT 'seen' AS note")
"""


def test_another_writer_gets_in_while_the_watch_polls(
    bundled_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The watch holds the store file only for each write: while a source is being polled
    (here a folder whose poll waits until the test lets it go), another process writes."""
    polling, release = threading.Event(), threading.Event()

    class SlowFolder(Folder):
        def poll(self) -> Iterator[Pull]:
            polling.set()
            assert release.wait(timeout=600)
            yield from super().poll()

    monkeypatch.setitem(watch.CONNECTORS, "folder", SlowFolder)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / GED_SAMPLE.name).write_bytes(GED_SAMPLE.read_bytes())
    config = make_config(
        tmp_path,
        bundled_copy,
        sources=[{"name": "inbox", "kind": "folder", "path": str(inbox), "settle": 0,
                  "check": False}],  # a sample: the checks would hold it back
    )
    reports: list[watch.CycleReport] = []
    cycle = threading.Thread(target=lambda: reports.append(watch.Watch(config).cycle()))
    cycle.start()
    try:
        assert polling.wait(timeout=600)
        other = subprocess.run([sys.executable, "-c", QUICK_WRITER, str(bundled_copy)],
                               capture_output=True, text=True, env=_env(), timeout=600)  # fmt: skip
        assert other.returncode == 0, other.stderr
    finally:
        release.set()
        cycle.join(timeout=600)
    (report,) = reports
    assert [source for source, _ in report.loaded] == ["inbox"] and not report.errors
    with Store(bundled_copy, read_only=True) as after:
        assert after.has_table("analyst_notes")  # the other process's write
        logged = after.con.execute("SELECT count(*) FROM ingest_log WHERE path LIKE ?",
                                   [f"%{GED_SAMPLE.name}"]).fetchone()  # fmt: skip
        assert logged == (1,)  # and the watch's load, after it


def test_batch_jobs_leave_a_core_to_readers(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(priority, "cores", lambda: 2)
    assert priority.batch_workers(2) == 1  # on two cores a forecast runs in its own process
    assert priority.work_cores() == 1  # and the server's queries use one thread each
    monkeypatch.setattr(priority, "cores", lambda: 16)
    assert [priority.batch_workers(n) for n in (1, 2, 32)] == [1, 2, 15]
    with overridden(free_cores=0):
        assert priority.batch_workers(32) == 16
    with overridden(free_cores=64):
        assert priority.batch_workers(2) == 1  # never fewer than one
    monkeypatch.setenv("SAHELWATCH_FREE_CORES", "some")
    with pytest.raises(ConfigError, match="SAHELWATCH_FREE_CORES: expected a whole number"):
        priority.work_cores()


def test_a_batch_step_gives_way_with_the_same_settings():
    """The main job's forecast step runs in a child process with a lower CPU priority (the
    process itself goes on to serve the dashboard) and this process's settings."""
    before = os.nice(0)
    assert priority.run_yielding(os.nice, 0) == min(19, before + 10)
    assert os.nice(0) == before
    with overridden(multi_month="start", batch_nice=3):
        assert priority.run_yielding(settings).multi_month == "start"
        assert priority.run_yielding(os.nice, 0) == min(19, before + 3)
