"""The main job on the real bundled data: the store, indicators, forecasts and alerts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sahelwatch import cli
from sahelwatch.alerts import list_alerts
from sahelwatch.bundled import bundled_files
from sahelwatch.forecast.models import model_version
from sahelwatch.forecast.stored import forecast_runs
from sahelwatch.main_job import MODELS, backtest, forecast_and_alert, indicator_summary
from sahelwatch.progress import step
from sahelwatch.store import Store


@pytest.mark.slow
def test_forecasts_and_alerts_once(bundled_copy: Path) -> None:
    said: list[str] = []
    first = forecast_and_alert(bundled_copy, n_draws=20, horizons=range(1, 3), progress=said.append)
    bars = [line.split(" forecasting")[0] for line in said if " forecasting " in line]
    assert bars == [step(i, 5) for i in range(1, 6)]  # one step bar per stored run
    with Store(bundled_copy, read_only=True) as store:
        runs = store.con.execute(
            "SELECT level, model_version, strftime(origin, '%Y-%m'), "
            "count(DISTINCT coalesce(unit_code, unit_id::VARCHAR)), count(DISTINCT month) "
            "FROM forecasts GROUP BY ALL ORDER BY 1, 2"
        ).fetchall()
        # the newest covered month is 2026-02; 191 countries, 2 months ahead; below country
        # level Mali, Burkina Faso and Niger: 31 admin-1, 165 admin-2 units, 916 cells
        country = [("country", v, "2026-02", 191, 2) for v in sorted(map(model_version, MODELS))]
        units = [(lv, "located-2", "2026-02", n, 2)
                 for lv, n in (("admin1", 31), ("admin2", 165), ("grid", 916))]
        assert runs == sorted(country + units)
        listed = forecast_runs(store).set_index(["level", "model_version"])["units"]
        assert listed.to_dict() == {(lv, v): n for lv, v, _, n, _ in country + units}
        stored = list_alerts(store, limit=None)
        near = [a for a in stored if a.rule == "near-bamako"]
        assert len(near) == 1 and near[0].evidence["event_ids"]
        assert f"alerts: {len(stored)} new" in first
    again = forecast_and_alert(bundled_copy, n_draws=20, horizons=range(1, 3))
    assert again.count("already stored") == 5 and "alerts: 0 new" in again


@pytest.mark.slow
def test_backtest_keeps_the_record_once(bundled_copy: Path) -> None:
    from sahelwatch.forecast.backtest import CHALLENGE_WINDOWS
    from sahelwatch.forecast.record import headline, track_record

    quick = {"windows": CHALLENGE_WINDOWS[-2:-1], "horizons": [3], "rolling": [],
             "unit_horizons": [1]}  # fmt: skip
    steps: list[str] = []
    said = backtest(bundled_copy, n_draws=20, progress=steps.append, **quick)
    assert steps == [f"{step(1, 4)} backtest of country sb, 1 windows", *(
        f"{step(i, 4)} backtest of {lv}" for i, lv in enumerate(("admin1", "admin2", "grid"), 2))]
    report = bundled_copy.with_name(bundled_copy.name + ".evaluation") / "report.md"
    assert said.startswith(f"backtest (country, admin1, admin2, grid; report: {report}):")
    assert report.read_text().startswith("# SahelWatch forecast evaluation")
    # the verdict of every level: the country windows, then each level below
    assert "country sb, challenge windows Y2023" in said
    assert all(f"{name} (Mali, Burkina Faso, Niger)" in said
               for name in ("Admin-1", "Admin-2", "PRIO-GRID"))  # fmt: skip
    with Store(bundled_copy, read_only=True) as store:
        top = headline(store, "country", "sb")
        assert "lowest mean CRPS in the backtest" in top.reason and top.record
        assert track_record(store, "432", "country", "sb")["windows"]
    assert backtest(bundled_copy, n_draws=20, **quick) == (
        "backtest: the record of the current models is kept already")
    with Store(bundled_copy) as store:  # a record of an earlier version: that level again
        store.con.execute("UPDATE evaluations SET model_version = 'located-1' "
                          "WHERE level = 'admin2'")  # fmt: skip
    assert backtest(bundled_copy, n_draws=20, **quick).startswith("backtest (admin2; ")


def test_core_install_makes_the_forecasts_it_can(bundled_copy: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)  # as without the [forecast] extra
    said = forecast_and_alert(bundled_copy, n_draws=20, horizons=range(1, 2))
    for level in ("admin1", "admin2", "grid"):
        assert (f"forecast located-2 ({level}) from 2026-02: not made, the LightGBM models "
                "and backtests need the [forecast] extra") in said
    with Store(bundled_copy, read_only=True) as store:
        levels = store.con.execute("SELECT DISTINCT level FROM forecasts").fetchall()
    assert levels == [("country",)] and "alerts:" in said


def test_indicator_summary_is_the_indicators(bundled_store: Store) -> None:
    text = indicator_summary(bundled_store)
    assert text.startswith("Indicators, 2026-02:")
    assert all(name in text for name in ("Mali", "Burkina Faso", "Niger", "state under pressure"))


@pytest.mark.slow
def test_run_without_forecast_or_server(monkeypatch, capsys, tmp_path: Path) -> None:
    db = tmp_path / "main.duckdb"
    monkeypatch.setattr("sys.argv", ["sahelwatch", "run", "--no-forecast", "--no-serve",
                                     "--db", str(db)])  # fmt: skip
    cli.main()
    captured = capsys.readouterr()
    out = captured.out
    files = bundled_files()
    for done, f in enumerate(files, 1):  # a step bar before each bundled file
        assert f"{step(done, len(files))} {f.name}" in captured.err
    assert "2025-03..2025-11" in out  # the gap is reported
    assert "Indicators, 2026-02:" in out and "Mali" in out


def test_step_bar() -> None:
    assert step(3, 12) == "[#####---------------]  3/12"
    assert step(12, 12) == "[" + "#" * 20 + "] 12/12"
    assert step(0, 4) == "[" + "-" * 20 + "] 0/4"
