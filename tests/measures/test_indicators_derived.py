"""Kept indicator series (sahelwatch.indicators.derived): what they answer equals what the
indicator functions compute on the real bundled data, and they are kept per state of the data
(an ingest makes a new state; a forecast written to the store does not)."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sahelwatch.indicators import derived, indicator_series, indicators
from sahelwatch.store import Store, bundled_file


@pytest.fixture(scope="module")
def store_path(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("derived") / "store.duckdb"
    shutil.copyfile(bundled_path, path)
    return path


def same(kept: pd.DataFrame, computed: pd.DataFrame) -> None:
    """Equal values, columns and order (text columns may come back as another text dtype)."""

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype({c: object for c in frame.columns if frame[c].dtype.kind in "OT"})

    text = [c for c in computed.columns if computed[c].dtype.kind in "OT" or c == "release"]
    pd.testing.assert_frame_equal(
        plain(kept).astype({c: object for c in text}),
        plain(computed).astype({c: object for c in text}),
        check_dtype=False,
    )


def test_kept_series_answer_as_the_functions(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        folder = derived.derived_dir(store)
        assert folder is not None and not folder.exists()
        first = derived.series(store, "MLI", "admin1", date(2024, 1, 1), date(2025, 6, 1))
        kept = list(folder.glob("*/ucdp-admin1-432.parquet"))
        assert len(kept) == 1  # computed once, over every covered month, and kept
        again = derived.series(store, "MLI", "admin1", date(2024, 1, 1), date(2025, 6, 1))
        computed = indicator_series(store, "MLI", "admin1", date(2024, 1, 1), date(2025, 6, 1))
        same(first, computed)
        same(again, computed)  # read back from the Parquet file
        # months no release covers stay no data, never zero (UCDP has no events 2025-03..11)
        gap = again[again["month"].between("2025-03-01", "2025-11-01")]
        assert len(gap) and gap["deadliness"].isna().all() and not gap["covered"].any()
        whole = derived.series(store, "MLI", "admin1")
        assert whole["month"].min() == pd.Timestamp("1989-01-01")
        # a period the kept months do not hold is computed as before
        beyond = derived.series(store, "MLI", "admin1", date(2026, 1, 1), date(2026, 4, 1))
        same(beyond, indicator_series(store, "MLI", "admin1", date(2026, 1, 1), date(2026, 4, 1)))
        assert beyond["month"].max() == pd.Timestamp("2026-04-01")


@pytest.mark.parametrize(("level", "month"), [("admin1", date(2026, 2, 1)),
                                              ("admin1", date(2012, 7, 1)),
                                              ("country", date(2019, 11, 1))])  # fmt: skip
def test_kept_month_equals_the_indicators(store_path: Path, level: str, month: date) -> None:
    with Store(store_path, read_only=True) as store:
        derived.precompute(store, [("MLI", "country"), ("MLI", level)])
        kept = derived.month(store, "MLI", level, month)
        same(kept, indicators(store, "MLI", level, f"{month:%Y-%m}"))
        if level == "admin1":
            assert kept["country_pressure"].notna().all()


@pytest.mark.slow
def test_a_forecast_keeps_the_state_and_an_ingest_makes_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sahelwatch import cli
    from sahelwatch.forecast import store_forecast
    from sahelwatch.ingest import ingest

    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        ingest(store, bundled_file("ucdp_ged241_country_export_mali.csv.gz"))
        before = derived.data_state(store)
        assert derived.precompute(store, [("MLI", "admin1"), ("NER", "country")]) == 1
        assert derived.precompute(store, [("MLI", "admin1")]) == 0  # kept already
        samples = pd.DataFrame(
            {"level": "country", "unit_id": 432, "month": "2024-01", "target": "total",
             "draw": [0, 1], "value": [3.0, 5.0]}
        )  # fmt: skip
        store_forecast(store, samples, "2023-12", "test")
        assert derived.data_state(store) == before
        ingest(store, bundled_file("ucdp_ged241_country_export_burkina_faso.csv.gz"))
        after = derived.data_state(store)
        folder = derived.derived_dir(store)
    assert after != before and folder is not None
    monkeypatch.setattr("sys.argv", ["sahelwatch", "store", "derive", "--db", str(path)])
    cli.main()
    # Mali and Burkina Faso at country, admin-1 and admin-2 level; the other Sahel countries
    # have no data in this store
    assert capsys.readouterr().out.startswith("6 indicator series computed and kept (19 asked")
    assert [p.name for p in folder.iterdir()] == [after]  # the earlier state's folder is gone
    assert len(list((folder / after).glob("ucdp-*-43[29].parquet"))) == 6


def test_a_change_to_the_code_makes_a_new_state(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(store_path, read_only=True) as store:
        now = derived.data_state(store)
        assert now.startswith(derived.code_fingerprint() + "-")
        monkeypatch.setattr(derived, "code_fingerprint", lambda: "changedcode0")
        assert derived.data_state(store) == now.replace(now.split("-")[0], "changedcode0", 1)


def test_readers_remove_states_untouched_for_an_hour(bundled_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(bundled_path, path)
    with Store(path, read_only=True) as store:
        folder = derived.derived_dir(store)
        assert folder is not None
        old, recent = folder / "old-state", folder / "recent-state"
        for state in (old, recent):
            state.mkdir(parents=True)
            (state / "ucdp-country-432.parquet").write_bytes(b"")
        hours_ago = time.time() - derived.STALE_S - 60
        os.utime(old, (hours_ago, hours_ago))
        derived.full_series(store, "NER", "country")  # kept in the current state's folder
        states = sorted(p.name for p in folder.iterdir())
        assert states == sorted(["recent-state", derived.data_state(store)])
