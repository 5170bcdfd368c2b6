"""Forecast samples kept as Parquet files beside the store (sahelwatch.samples): read as the
``forecasts`` table was, registered in one short transaction, never half visible, moved out of
an older store's table, kept through compaction, and removed once no run names them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sahelwatch import samples
from sahelwatch.compact import compact
from sahelwatch.forecast import forecast, forecast_runs, load_forecast, store_forecast, stored
from sahelwatch.forecast.data import FORECASTS_SCHEMA, samples_file, stage_forecast
from sahelwatch.store import Store, forecast_folder

ORIGIN = "2026-02"


@pytest.fixture(scope="module")
def frame(bundled_path: Path) -> pd.DataFrame:
    with Store(bundled_path, read_only=True) as store:
        return forecast(store, origin=ORIGIN, horizons=[1, 2], n_draws=20, model="conflictology")


def rows(table: pd.DataFrame) -> list[tuple[object, ...]]:
    columns = ["level", "unit_id", "month", "target", "draw", "value"]
    return sorted(table[columns].astype(str).itertuples(index=False, name=None))


def kinds(store: Store) -> dict[str, str]:
    found = store.con.execute("SELECT table_name, table_type FROM information_schema.tables")
    return dict(found.fetchall())


def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(samples, "GRACE_S", 0.0)
    monkeypatch.setattr(samples, "result_wait", lambda: 0.0)


def test_samples_are_files_beside_the_store_read_as_before(
    bundled_copy: Path, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = frame.attrs["model_version"]
    staged = stage_forecast(bundled_copy, frame, ORIGIN, version)  # the store is not opened
    assert staged is not None and [run.level for run in staged] == ["country"]
    with Store(bundled_copy, read_only=True) as before:
        assert forecast_runs(before).empty  # staged, not yet a run
    with Store(bundled_copy) as store:
        assert store_forecast(store, staged, ORIGIN, version) == len(frame)
        assert kinds(store)["forecasts"] == "VIEW" and "forecast_files" in kinds(store)
    with Store(bundled_copy, read_only=True) as reader:
        assert rows(load_forecast(reader, ORIGIN, version)) == rows(frame)
        runs = forecast_runs(reader)
        assert runs[["origin", "model_version", "level", "draws"]].values.tolist() == [
            [ORIGIN, version, "country", 20]
        ]
        with monkeypatch.context() as patched:  # the same list read from the samples themselves
            patched.setattr(stored, "listed_runs", lambda store: None)
            pd.testing.assert_frame_equal(forecast_runs(reader), runs)
    first = staged[0].path
    again = frame.assign(value=frame["value"] + 1.0)
    with Store(bundled_copy) as store:  # the same run again: replaced
        store_forecast(store, again, ORIGIN, version)
    with Store(bundled_copy, read_only=True) as reader:
        assert rows(load_forecast(reader, ORIGIN, version)) == rows(again)
        assert len(forecast_runs(reader)) == 1
    assert first.is_file()  # kept a while for readers of an older snapshot
    no_grace(monkeypatch)
    with Store(bundled_copy) as store:
        assert samples.prune(store) == [first.name]
    with Store(bundled_copy, read_only=True) as reader:
        assert rows(load_forecast(reader, ORIGIN, version)) == rows(again)


# Stages a run like `sahelwatch forecast --save`, says so, and waits to be killed before it
# registers the run.
KILLED = """
import sys
import pandas as pd
from sahelwatch.forecast.data import stage_forecast
staged = stage_forecast(sys.argv[1], pd.read_parquet(sys.argv[2]), "2026-02", "killed")
print(staged[0].path, flush=True)
sys.stdin.read()
"""


def test_a_killed_forecast_leaves_nothing_visible(
    bundled_copy: Path, frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = tmp_path / "frame.parquet"
    frame.to_parquet(written)
    job = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(bundled_copy), str(written)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert job.stdout is not None
    left = Path(job.stdout.readline().strip())
    os.kill(job.pid, signal.SIGKILL)
    job.wait(timeout=60)
    assert left.is_file() and left.parent == forecast_folder(bundled_copy)
    with Store(bundled_copy, read_only=True) as reader:
        assert not reader.has_table("forecasts") and forecast_runs(reader).empty
    no_grace(monkeypatch)
    compact(bundled_copy)  # removes what no run names
    assert not left.exists()


def test_an_older_store_moves_its_table_out_and_compaction_keeps_them(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    path = tmp_path / "older.duckdb"
    with Store(path) as store, samples_file(frame) as written:  # the layout before: a table
        store.con.execute(FORECASTS_SCHEMA)
        for version in ("old-1", "old-2"):
            store.con.execute(
                f"INSERT INTO forecasts ({samples.COLUMNS}) {samples.rows_sql(written)}",
                {"origin": "2026-02-01", "version": version, "path": str(written)},
            )
    with Store(path, read_only=True) as reader:
        assert kinds(reader)["forecasts"] == "BASE TABLE"
        assert rows(load_forecast(reader, ORIGIN, "old-1")) == rows(frame)  # read as it is
    with Store(path) as store:
        store_forecast(store, frame.head(40), ORIGIN, "new")
        assert kinds(store)["forecasts"] == "VIEW"
    compact(path)
    with Store(path, read_only=True) as reader:
        for version, expected in (("old-1", frame), ("old-2", frame), ("new", frame.head(40))):
            assert rows(load_forecast(reader, ORIGIN, version)) == rows(expected), version
        files = reader.con.execute("SELECT count(*) FROM forecast_files").fetchone()
        assert files == (3,)



def test_a_store_moved_with_its_folder_reads_and_keeps_its_runs(
    tmp_path: Path, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "here" / "mine.duckdb"
    with Store(first) as store:
        store_forecast(store, frame, ORIGIN, "a-1")
        store_forecast(store, frame.head(40), ORIGIN, "b-1")
    moved = tmp_path / "there" / "mine.duckdb"
    moved.parent.mkdir()
    first.rename(moved)
    forecast_folder(first).rename(forecast_folder(moved))
    with Store(moved, read_only=True) as reader:  # its own view of the files, nothing written
        assert rows(load_forecast(reader, ORIGIN, "a-1")) == rows(frame)
        found = reader.forecast_files().values()
        assert [f.parent for f in found] == [forecast_folder(moved)] * 2
    no_grace(monkeypatch)
    with Store(moved) as store:  # the first writer names the files where they are now
        listed = store.con.execute("SELECT file FROM forecast_files ORDER BY file").fetchall()
        assert [Path(f).parent for (f,) in listed] == [forecast_folder(moved)] * 2
        assert samples.prune(store) == []  # the moved runs are not orphans
        store_forecast(store, frame.head(20), ORIGIN, "c-1")
    with Store(moved, read_only=True) as reader:
        for version, expected in (("a-1", frame), ("b-1", frame.head(40)), ("c-1", frame.head(20))):
            assert rows(load_forecast(reader, ORIGIN, version)) == rows(expected), version
