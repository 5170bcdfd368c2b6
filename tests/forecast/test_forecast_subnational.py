"""Admin-1 and grid forecasts on the bundled store: end to end, leakage, benchmarks, storage."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch import geo
from sahelwatch.forecast import ModelConfig, forecast, load_forecast, store_forecast
from sahelwatch.forecast.backtest import backtest_units
from sahelwatch.forecast.benchmarks import benchmarks_for, conflictology
from sahelwatch.forecast.covariates import with_covariates
from sahelwatch.forecast.data import CountryPanel, load_country_panel
from sahelwatch.forecast.models import HorizonTask, fit_predict
from sahelwatch.forecast.subnational import load_unit_panel
from sahelwatch.store import Store

FAST = ModelConfig(params={"num_iterations": 15, "num_leaves": 7}, train_months=72, min_bin=50)
JAN = date(2026, 1, 1)
SAHEL3 = [432, 439, 436]  # Mali, Burkina Faso, Niger


def _grid(store: Store, seed: int = 3, model: str = "lgbm") -> pd.DataFrame:
    return forecast(store, "grid", origin="2026-01", horizons=[1, 3], n_draws=15, seed=seed,
                    model=model, config=FAST, workers=1)


@pytest.fixture(scope="module")
def grid_seed3(bundled_path: Path) -> dict[str, pd.DataFrame]:
    """:func:`_grid` of three models on the bundled store (seed 3), computed once."""
    with Store(bundled_path, read_only=True) as store:
        return {m: _grid(store, model=m) for m in ("lgbm", "conflictology_nb", "bootstrap")}


def test_conflictology_with_8_neighbours_hand_case() -> None:
    centre = int(geo.priogrid_gid(15.25, -1.25))
    block = geo.gid_neighbours(centre)["neighbour"].tolist()
    units = np.array(sorted([centre, *block, centre + 5]), dtype=np.int64)  # one far cell
    values = np.full((len(units), 14, 4), np.nan)
    for i in range(len(units)):
        values[i, 2:, :] = i  # each unit: 12 months of its own row number
    far, mid = int(np.flatnonzero(units == centre + 5)[0]), int(np.flatnonzero(units == centre)[0])
    values[mid, 2:, 0] = np.arange(12)  # the centre: 0..11
    values[mid, 5, 0] = np.nan  # a month without data: the 12 before it are taken instead
    values[mid, 1, 0] = 100.0
    panel = CountryPanel(units, date(2020, 1, 1), values)
    from sahelwatch.forecast.subnational import _neighbour_rows

    pairs = _neighbour_rows("grid", units)
    fn = benchmarks_for(pairs)["conflictology_nb"]
    out = fn(panel, [1, 2], 108 * 2, 0, [0])
    own = [100.0, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    neighbours = [float(i) for i in range(len(units)) if i not in (mid, far) for _ in range(12)]
    expected = np.array(own + neighbours)  # own 12 values, then each neighbour's, by row
    np.testing.assert_array_equal(out[mid, 0, 0], np.tile(expected, 2))
    np.testing.assert_array_equal(out[mid, 1, 0], out[mid, 0, 0])
    # The far cell has no neighbour in the panel: plain conflictology.
    np.testing.assert_array_equal(out[far], conflictology(panel, [1, 2], 216, 0, [0])[far])
    assert len(pairs[0]) == 4 * 3 + 4 * 5 + 8  # queen links inside the 3 x 3 block
    assert not np.isnan(out[mid]).any()


@pytest.mark.slow
def test_admin1_and_grid_forecasts_end_to_end(bundled_path: Path, tmp_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        admin = forecast(store, "admin1", origin="2026-01", horizons=[1, 2], n_draws=20,
                         config=FAST, workers=1)
        country = forecast(store, origin="2026-01", horizons=[1, 2], n_draws=20, config=FAST,
                           workers=1)
        cells = _grid(store)
        assert load_forecast(store, "2026-01", "x").empty  # read-only, no table: no error
    assert list(admin.columns) == ["level", "unit_id", "month", "target", "draw", "value"]
    assert {"ML01", "NE001", "SN01", "CI01"} <= set(admin["unit_id"].astype(str))
    assert len(admin) == 78 * 2 * 4 * 20 and admin.attrs["model_version"].endswith("shares-1")
    assert set(cells["level"].astype(str)) == {"grid"} and cells["unit_id"].dtype == np.int32
    assert cells["value"].notna().all() and (cells["value"] >= 0).all()
    # Mali's admin-1 draws never add up to more than Mali's own draw.
    mali = admin[admin["unit_id"].astype(str).str.startswith("ML")]
    units_sum = mali.groupby(["month", "target", "draw"], observed=True)["value"].sum()
    mali_c = country[country["unit_id"] == 432].set_index(["month", "target", "draw"])["value"]
    assert (units_sum <= mali_c.reindex(units_sum.index) + 1e-6).all()
    assert units_sum.sum() > 0
    # Stored with level and P-codes; read back on a read-only store.
    path = tmp_path / "fc.duckdb"
    shutil.copyfile(bundled_path, path)
    with Store(path) as writable:
        store_forecast(writable, country, "2026-01", "v")
        store_forecast(writable, admin, "2026-01", "v")
    with Store(path, read_only=True) as ro:
        back = load_forecast(ro, "2026-01", "v", level="admin1")
        both = load_forecast(ro, "2026-01", "v")
        levels = ro.con.execute("SELECT DISTINCT level FROM forecasts ORDER BY 1").fetchall()
    assert levels == [("admin1",), ("country",)] and len(both) == len(admin) + len(country)
    assert sorted(back["unit_id"].unique()) == sorted(admin["unit_id"].astype(str).unique())
    key = ["unit_id", "month", "target", "draw"]
    merged = admin.astype({"unit_id": str, "month": str, "target": str}).merge(back, on=key)
    np.testing.assert_array_equal(merged["value_x"], merged["value_y"])


@pytest.mark.slow
def test_grid_forecast_reads_nothing_after_origin(
    bundled_path: Path, tmp_path: Path, grid_seed3: dict[str, pd.DataFrame]
) -> None:
    path = tmp_path / "leak.duckdb"
    shutil.copyfile(bundled_path, path)
    with Store(path) as store:
        up = load_unit_panel(store, "grid", JAN)
        # Months no located release covers are no data, never zero (2024-2025: country totals
        # at most); the located months around them (GED 24.1 to 2023, Candidate 2026) are data.
        gap = [up.panel.index(date(y, m, 1)) for y in (2024, 2025) for m in range(1, 13)]
        assert np.isnan(up.panel.values[:, gap]).all()
        sahel3 = np.isin(up.country, SAHEL3)
        assert not np.isnan(up.panel.values[sahel3, up.panel.index(date(2023, 12, 1))]).any()
        assert not np.isnan(up.panel.values[:, -1]).any()
        # Rewrite everything after the origin: events, country-months, coverage of the gap.
        store.con.execute("UPDATE event_versions SET best = best * 5 + 100, latitude = 14.0 "
                          "WHERE date_start >= DATE '2026-02-01'")
        store.con.execute("UPDATE cm_versions SET best_total = best_total * 3 + 7, "
                          "best_sb = best_sb + 99 WHERE month > DATE '2026-01-01'")
        store.con.execute("INSERT INTO coverage SELECT release_id, country_gw, DATE '2026-03-01' "
                          "FROM coverage WHERE month = DATE '2026-02-01'")
        for m, frame in grid_seed3.items():
            np.testing.assert_array_equal(frame["value"].to_numpy(), _grid(store, model=m)
                                          ["value"].to_numpy())
    # An origin inside the months without located data (2025-06): conflictology takes each
    # cell's last 12 located months (2023), never the gap as zeros.
    with Store(bundled_path, read_only=True) as ro:
        inside, before_gap = (
            forecast(ro, "grid", origin=o, horizons=[1], n_draws=24, model="conflictology",
                     targets=["total"], countries=[432])
            for o in ("2025-06", "2023-12")
        )
    np.testing.assert_array_equal(inside["value"].to_numpy(), before_gap["value"].to_numpy())
    assert inside["value"].notna().all() and inside["value"].sum() > 0


@pytest.mark.slow
def test_grid_forecast_same_seed_same_samples(
    bundled_path: Path, grid_seed3: dict[str, pd.DataFrame]
) -> None:
    with Store(bundled_path, read_only=True) as store:
        first, again, other = grid_seed3["lgbm"], _grid(store, 3), _grid(store, 2)
    np.testing.assert_array_equal(first["value"].to_numpy(), again["value"].to_numpy())
    assert not np.array_equal(first["value"].to_numpy(), other["value"].to_numpy())


def test_unit_backtest_scores_every_model_on_the_same_unit_months(bundled_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        scores = backtest_units(store, "grid", origins=[JAN], horizons=[1], n_draws=20,
                                models=("zero", "conflictology", "conflictology_nb"))
    sizes = scores.groupby("model").size()
    assert set(sizes.index) == {"zero", "conflictology", "conflictology_nb"}
    assert sizes.nunique() == 1 and sizes.iloc[0] > 1000
    assert set(scores["window"]) == {"grid 2026-01"} and (scores["month"] == date(2026, 2, 1)).all()


def test_covariates_are_cut_at_the_origin_and_enter_the_model(bundled_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        panel = load_country_panel(store, until=date(2019, 10, 1))
    rich = with_covariates(panel, ("gdelt", "coups", "views"))
    assert rich.covariates is not None and rich.covariates.shape[1] == panel.n_months
    mali = int(np.flatnonzero(panel.units == 432)[0])
    usa = int(np.flatnonzero(panel.units == 2)[0])
    assert not np.isnan(rich.covariates[mali, -1]).any() and np.isnan(rich.covariates[usa]).all()
    cut = rich.until(date(2019, 1, 1))
    assert cut.covariates is not None and cut.covariates.shape[1] == cut.n_months
    task = HorizonTask(date(2019, 10, 1), 2, (0,), 20, 0)
    plain = fit_predict(panel, task, FAST)
    config = ModelConfig(params=FAST.params, train_months=72, min_bin=50, covariates=("gdelt",))
    assert not np.array_equal(plain, fit_predict(panel, task, config))


@pytest.mark.parametrize("level", ["cell", "county"])
def test_unknown_level_is_a_clear_error(bundled_path: Path, level: str) -> None:
    from sahelwatch.errors import QueryError

    with Store(bundled_path, read_only=True) as store, pytest.raises(QueryError, match="level"):
        forecast(store, level, origin="2026-01", horizons=[1])


# The learnt sub-national model on the located history (GED 24.1, 1989-2023).


def test_located_model_reads_nothing_after_origin(bundled_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "leak.duckdb"
    shutil.copyfile(bundled_path, path)

    def run(store: Store) -> pd.DataFrame:
        return forecast(store, "admin1", origin="2019-12", horizons=[1, 12], n_draws=50,
                        model="located", countries=[432], targets=["total", "sb"])

    with Store(path) as store:
        before = run(store)
        store.con.execute("UPDATE event_versions SET best = best * 5 + 100 "
                          "WHERE date_start >= DATE '2020-01-01'")
        after = run(store)
    assert before.attrs["model_version"] == "located-2"
    assert before["unit_id"].astype(str).str.startswith("ML").all()
    assert before["value"].notna().all() and before["value"].sum() > 0
    np.testing.assert_array_equal(before["value"].to_numpy(), after["value"].to_numpy())
    # The same rewrite before the origin changes the forecast: the test can fail.
    with Store(path) as store:
        store.con.execute("UPDATE event_versions SET best = best * 5 + 100 "
                          "WHERE date_start BETWEEN DATE '2019-06-01' AND DATE '2019-12-31'")
        assert not np.array_equal(before["value"].to_numpy(), run(store)["value"].to_numpy())


def test_admin2_forecasts_by_pcode(bundled_store: Store) -> None:
    frame = forecast(bundled_store, "admin2", origin="2023-12", horizons=[1], n_draws=20,
                     model="located", countries=[439], targets=["total"])
    admin2 = geo.load_admin(2)
    assert set(frame["unit_id"].astype(str)) == set(
        admin2.loc[admin2["country_gw"] == 439, "admin2_pcode"])  # 45 departments' codes
    assert frame["value"].notna().all() and frame["value"].sum() > 0


def test_subnational_backtest_scores_the_model_and_every_benchmark(
    bundled_store: Store, tmp_path: Path
) -> None:
    from sahelwatch.forecast.report import write_report
    from sahelwatch.forecast.subnational_eval import backtest_level, unit_models

    scores = backtest_level(bundled_store, "grid", 20, 0, origins=[date(2018, 12, 1)],
                            horizons=[1, 12])
    sizes = scores.groupby("model").size()
    assert set(sizes.index) == set(unit_models("grid")) == {
        "located", "zero", "conflictology", "conflictology_nb", "blend"}
    assert sizes.nunique() == 1 and sizes.iloc[0] > 1500
    assert set(scores["month"]) == {date(2019, 1, 1), date(2019, 12, 1)}
    assert (scores["level"] == "grid").all()
    assert "conflictology_nb" not in unit_models("admin1")
    # The report says first whether the grid target is met.
    head = write_report(scores, tmp_path)[0].read_text(encoding="utf-8").splitlines()[:6]
    assert head[2].startswith("## Targets: ")
    assert head[4].startswith(("met: PRIO-GRID", "MISSED: PRIO-GRID")) and "2018-12" in head[4]


def test_unit_target_lines_hand_case() -> None:
    from sahelwatch.forecast.subnational_eval import unit_target_lines

    rows = [("admin1", m, c) for m, c in [("located", 0.8), ("zero", 1.0), ("conflictology", 0.9)]]
    rows += [("grid", m, c) for m, c in [("located", 0.5), ("conflictology_nb", 0.55)]]
    scores = pd.DataFrame(rows, columns=["level", "model", "crps"]).assign(
        window=lambda f: f["level"] + " 2016-12", horizon=1)
    admin, grid = unit_target_lines(scores)
    assert admin.startswith("met: Admin-1") and "0.89 x the best benchmark, conflictology" in admin
    assert grid.startswith("MISSED: PRIO-GRID") and "0.91 x" in grid and "2016-12..2016-12" in grid
    only = unit_target_lines(scores[scores["model"] != "located"])
    assert all(line.startswith("MISSED") for line in only)
