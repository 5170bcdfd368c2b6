"""Forecasts end to end on the bundled store: shape, reproducibility, leakage, storage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch.errors import QueryError
from sahelwatch.forecast import (
    TARGETS,
    ModelConfig,
    forecast,
    load_country_panel,
    load_forecast,
    store_forecast,
    summarize,
)
from sahelwatch.forecast.data import newest_covered_month
from sahelwatch.forecast.models import HorizonTask, fan_out, fit_predict, forecast_array
from sahelwatch.panels import build_panel
from sahelwatch.store import Store, bundled_file

FAST = ModelConfig(params={"num_iterations": 15, "num_leaves": 7}, train_months=72, min_bin=50)


@pytest.fixture
def store(bundled_path: Path):
    with Store(bundled_path, read_only=True) as s:
        yield s


def _copy(bundled_path: Path, tmp_path: Path) -> Store:
    target = tmp_path / "copy.duckdb"
    shutil.copy(bundled_path, target)
    return Store(target)


def test_import_does_not_load_heavy_libraries() -> None:
    code = (
        "import sys, sahelwatch.forecast; "
        "print([m for m in ('lightgbm', 'scoringrules', 'distributed') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_panel_keeps_uncovered_months_as_no_data(store: Store) -> None:
    panel = load_country_panel(store, until=date(2026, 2, 1))
    assert len(panel.units) == 191 and panel.start == date(1989, 1, 1)
    mali = int(np.flatnonzero(panel.units == 432)[0])
    sb, total = TARGETS.index("sb"), TARGETS.index("total")
    # VIEWS ends 2024-04; GED 25.1 totals go on to 2024-12; Candidate events resume 2025-01.
    assert not np.isnan(panel.values[mali, panel.index(date(2024, 4, 1)), sb])
    assert np.isnan(panel.values[mali, panel.index(date(2024, 5, 1)) :
                                 panel.index(date(2024, 12, 1)) + 1, sb]).all()
    assert not np.isnan(panel.values[mali, panel.index(date(2024, 12, 1)), total])
    # The withheld months 2025-03..2025-11 are no data for every country and series.
    gap = panel.values[:, panel.index(date(2025, 3, 1)) : panel.index(date(2025, 11, 1)) + 1]
    assert np.isnan(gap).all()
    # Covered Candidate months are counted from events: a country without events has 0.
    jan = panel.index(date(2025, 1, 1))
    expected = store.con.execute(
        "SELECT sum(best) FROM event_versions WHERE country_gw = 432 AND violence_type = 'sb' "
        "AND date_start >= DATE '2025-01-01' AND date_start < DATE '2025-02-01'"
    ).fetchone()[0]
    assert panel.values[mali, jan, sb] == expected
    iceland = int(np.flatnonzero(panel.units == 395)[0])
    assert panel.values[iceland, jan].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert panel.until(date(2024, 1, 1)).end == date(2024, 1, 1)
    assert newest_covered_month(store) == date(2026, 2, 1)


def test_total_follows_the_newer_release_as_the_country_panel_does(store: Store) -> None:
    """GED 25.1 country-month totals beat Mali's GED 24.1 events for the total; the types,
    which the totals do not split, still come from the events. Nigeria, absent from the GED
    25.1 totals, keeps its GED 20.1 events, as in the country panel."""
    panel = load_country_panel(store, until=date(2024, 12, 1), units=[432, 475])
    frame = panel.frame().pivot(index=["unit_id", "month"], columns="target", values="value")
    totals = pd.read_csv(bundled_file("ged251_country_month_global.csv.gz"))
    totals = totals[totals["country_id"] == 432]
    keys = zip(totals["country_id"], totals["year"], totals["month"], strict=True)
    index = pd.MultiIndex.from_tuples([(gw, f"{y}-{m:02d}") for gw, y, m in keys])
    mine = frame["total"].reindex(index).to_numpy()
    assert len(totals) == 36 * 12 and (mine == totals["best_total"].to_numpy()).all()
    mali_2022 = frame.loc[432].loc["2022-01":"2022-12"]
    events = store.con.execute(
        "SELECT sum(best) FROM event_versions JOIN releases USING (release_id) WHERE "
        "source = 'ucdp_ged' AND country_gw = 432 AND year(date_start) = 2022"
    ).fetchone()[0]
    assert (mali_2022["total"].sum(), events) == (3656, 3650)
    country = build_panel(store, "country", countries=[432, 475], start="1989-01", end="2024-12")
    for target in TARGETS:  # the panel counts in float32; VIEWS fills what it lacks
        mine, its = frame[target].to_numpy(), country[f"best_{target}"].to_numpy()
        known = ~np.isnan(its)
        assert known.sum() > 700
        np.testing.assert_allclose(mine[known], its[known], rtol=1e-6, err_msg=target)

def test_forecast_end_to_end(store: Store, tmp_path: Path) -> None:
    frame = forecast(store, origin="2025-02", horizons=[1, 2], n_draws=20, config=FAST,
                     workers=1, model="lgbm")
    assert list(frame.columns) == ["level", "unit_id", "month", "target", "draw", "value"]
    assert len(frame) == 191 * 2 * 4 * 20
    assert set(frame["month"].astype(str)) == {"2025-03", "2025-04"}
    assert set(frame["target"].astype(str)) == set(TARGETS)
    values = frame["value"].to_numpy()
    assert not np.isnan(values).any() and (values >= 0).all()
    assert (values == np.round(values)).all()
    assert frame.attrs["origin"] == "2025-02"
    table = summarize(frame)
    assert len(table) == 191 * 2 * 4
    assert {"mean", "q05", "q50", "q95", "p_ge_1", "p_ge_25", "p_ge_100"} <= set(table.columns)
    assert (table["q05"] <= table["q95"]).all()
    assert table["p_ge_1"].between(0, 1).all()
    assert (table["p_ge_25"] <= table["p_ge_1"]).all()
    mali = table[(table["unit_id"] == 432) & (table["target"] == "total")]
    assert (mali["q50"] > 10).all()  # Mali's war is not forecast to stop
    # Stored and read back; a second write of the same run replaces the first.
    writable = Store(tmp_path / "fc.duckdb")
    try:
        assert store_forecast(writable, frame, "2025-02", "test-1") == len(frame)
        store_forecast(writable, frame, "2025-02", "test-1")
        back = load_forecast(writable, "2025-02", "test-1")
        assert len(back) == len(frame)
        row = writable.con.execute(
            "SELECT count(*), min(created_at) IS NOT NULL FROM forecasts").fetchone()
        assert row == (len(frame), True)
    finally:
        writable.close()


def test_benchmark_models_and_bad_arguments(store: Store) -> None:
    frame = forecast(store, origin="2024-04", horizons=[3], n_draws=12, model="conflictology",
                     targets=["sb"])
    mali = frame[frame["unit_id"] == 432]["value"].to_numpy()
    history = load_country_panel(store, until=date(2024, 4, 1))
    i = int(np.flatnonzero(history.units == 432)[0])
    np.testing.assert_array_equal(np.sort(mali), np.sort(history.values[i, -12:, 0]))
    with pytest.raises(QueryError, match="level"):
        forecast(store, level="county")
    with pytest.raises(QueryError, match="horizons"):
        forecast(store, horizons=[0])
    with pytest.raises(QueryError, match="unknown model"):
        forecast(store, origin="2024-04", horizons=[1], model="oracle")


def test_same_seed_same_samples(store: Store) -> None:
    panel = load_country_panel(store, until=date(2024, 4, 1))
    task = HorizonTask(date(2024, 4, 1), 2, (0, 3), 30, 7)
    first = fit_predict(panel, task, FAST)
    np.testing.assert_array_equal(first, fit_predict(panel, task, FAST))
    other = fit_predict(panel, HorizonTask(date(2024, 4, 1), 2, (0, 3), 30, 8), FAST)
    assert not np.array_equal(first, other)
    # A target's samples do not depend on which other targets are asked for.
    alone = fit_predict(panel, HorizonTask(date(2024, 4, 1), 2, (3,), 30, 7), FAST)
    np.testing.assert_array_equal(alone[:, 0], first[:, 1])


@pytest.mark.slow
def test_no_leakage_after_origin(bundled_path: Path, tmp_path: Path) -> None:
    origin = "2024-01"
    store = _copy(bundled_path, tmp_path)
    try:
        before = {
            m: forecast(store, origin=origin, horizons=[1, 4], n_draws=25, seed=3, config=FAST,
                        model=m, workers=1)
            for m in ("blend", "ratio", "lgbm", "bootstrap", "last_historical", "conflictology")
        }
        con = store.con
        # Rewrite everything after the origin: country-months, events and coverage.
        con.execute(
            "UPDATE cm_versions SET best_sb = best_sb * 9 + 50, best_ns = best_ns + 999, "
            "best_os = 0, best_total = best_total * 3 + 7 WHERE month > DATE '2024-01-01'"
        )
        con.execute("UPDATE event_versions SET best = best * 5 + 100 "
                    "WHERE date_start >= DATE '2024-02-01'")
        con.execute(
            "INSERT INTO coverage SELECT release_id, country_gw, DATE '2025-06-01' "
            "FROM coverage WHERE month = DATE '2025-02-01'"
        )
        for m, frame in before.items():
            after = forecast(store, origin=origin, horizons=[1, 4], n_draws=25, seed=3,
                             config=FAST, model=m, workers=1)
            np.testing.assert_array_equal(frame["value"].to_numpy(), after["value"].to_numpy())
    finally:
        store.close()


def test_default_model_forecast(store: Store) -> None:
    lines: list[str] = []
    frame = forecast(store, origin="2024-04", horizons=[1, 12], n_draws=50, targets=["sb", "total"],
                     progress=lines.append)
    assert frame.attrs["model_version"] == "blend-ratio-2"
    assert len(lines) == 2 and "sb (1/2)" in lines[0] and "191 countries" in lines[0]
    assert frame.equals(forecast(store, origin="2024-04", horizons=[1, 12], n_draws=50,
                                 targets=["sb", "total"]))  # reproducible
    table = summarize(frame)
    mali = table[(table["unit_id"] == 432) & (table["target"] == "total")]
    history = load_country_panel(store, until=date(2024, 4, 1))
    i = int(np.flatnonzero(history.units == 432)[0])
    recent = history.values[i, -12:, 3]
    # The median lies between the model's two parts, both near Mali's own recent months.
    assert (mali["q50"] > np.quantile(recent, 0.1)).all()
    assert (mali["q50"] < recent.max()).all()
    values = frame["value"].to_numpy()
    assert not np.isnan(values).any() and (values >= 0).all()


def test_months_without_data_are_not_zeros(store: Store) -> None:
    # Origin 2025-02: type-specific series have no data 2024-05..2024-12. Filling that gap with
    # zeros must change the forecast: the model does not read no data as quiet.
    panel = load_country_panel(store, until=date(2025, 2, 1))
    task = HorizonTask(date(2025, 2, 1), 1, (0,), 40, 0)
    honest = fit_predict(panel, task, FAST)
    zeroed = panel.values.copy()
    gap = slice(panel.index(date(2024, 5, 1)), panel.index(date(2024, 12, 1)) + 1)
    zeroed[:, gap, :3] = np.nan_to_num(zeroed[:, gap, :3])
    filled = type(panel)(panel.units, panel.start, zeroed)
    assert not np.array_equal(honest, fit_predict(filled, task, FAST))
    origin = date(2025, 2, 1)
    for model in ("blend", "ratio"):
        honest = forecast_array(panel, origin, [1], [0], 40, 0, model)
        assert not np.array_equal(honest, forecast_array(filled, origin, [1], [0], 40, 0, model))


@pytest.mark.slow
def test_process_pool_and_dask_give_the_serial_result(store: Store) -> None:
    panel = load_country_panel(store, until=date(2023, 10, 1))
    tasks = [HorizonTask(date(2023, 10, 1), h, (0,), 10, 1) for h in (1, 2)]
    from sahelwatch.forecast.models import _horizon_job

    serial = fan_out(_horizon_job, (panel, FAST), tasks, workers=1)
    pooled = fan_out(_horizon_job, (panel, FAST), tasks, workers=2)
    for a, b in zip(serial, pooled, strict=True):
        np.testing.assert_array_equal(a, b)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = fan_out(_horizon_job, (panel, FAST), tasks, scheduler=client)
    for a, b in zip(serial, on_dask, strict=True):
        np.testing.assert_array_equal(a, b)
