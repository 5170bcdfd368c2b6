"""The main job on the real bundled data: the store, indicators, forecasts and alerts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sahelwatch import cli
from sahelwatch.alerts import list_alerts
from sahelwatch.bundled import bundled_files
from sahelwatch.forecast.models import model_version
from sahelwatch.main_job import MODELS, forecast_and_alert, indicator_summary
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
        stored = list_alerts(store, limit=None)
        near = [a for a in stored if a.rule == "near-bamako"]
        assert len(near) == 1 and near[0].evidence["event_ids"]
        assert f"alerts: {len(stored)} new" in first
    again = forecast_and_alert(bundled_copy, n_draws=20, horizons=range(1, 3))
    assert again.count("already stored") == 5 and "alerts: 0 new" in again


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
