"""Backtests, the challenge actuals and the report, on the bundled store (few draws)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from sahelwatch.bundled import ingest_bundled
from sahelwatch.forecast import CHALLENGE_WINDOWS, TUNING_WINDOWS, ModelConfig, evaluate, tune
from sahelwatch.forecast.backtest import backtest, challenge_window, load_actuals
from sahelwatch.forecast.data import load_country_panel
from sahelwatch.forecast.scores import crps_ensemble
from sahelwatch.store import Store

FAST = ModelConfig(params={"num_iterations": 15, "num_leaves": 7}, train_months=72, min_bin=50)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("store") / "bundled.duckdb"
    with Store(path) as s:
        ingest_bundled(s)
        yield s


def test_windows_follow_the_challenge() -> None:
    y2019 = challenge_window(2019)
    assert y2019.origin == date(2018, 10, 1)
    assert y2019.horizons == list(range(3, 15))
    assert [w.name for w in CHALLENGE_WINDOWS] == ["Y2019", "Y2020", "Y2021", "Y2022", "Y2023"]
    assert max(max(w.months) for w in TUNING_WINDOWS) < CHALLENGE_WINDOWS[0].months[0]


def test_actuals_match_the_store(store: Store) -> None:
    actuals = load_actuals()
    assert set(actuals["window"]) >= {w.name for w in CHALLENGE_WINDOWS}
    assert actuals.groupby("window")["unit_id"].nunique().min() == 191
    panel = load_country_panel(store, until=date(2023, 12, 1))
    rows = actuals[actuals["window"] == "Y2022"]
    got = [panel.values[np.flatnonzero(panel.units == u)[0], panel.index(m), 0]
           for u, m in zip(rows["unit_id"], rows["month"], strict=True)]
    np.testing.assert_array_equal(got, rows["obs"].to_numpy())


def test_backtest_scores_conflictology_by_hand(store: Store) -> None:
    window = challenge_window(2021)
    scores = backtest(store, [window], models=("conflictology",), n_draws=12, horizons=[3])
    assert len(scores) == 191
    panel = load_country_panel(store, until=window.origin)
    mali = int(np.flatnonzero(panel.units == 432)[0])
    draws = panel.values[mali, -12:, 0][None, :]
    obs = load_actuals().set_index(["unit_id", "month"])["obs"][(432, date(2021, 1, 1))]
    row = scores[scores["unit_id"] == 432].iloc[0]
    assert row["obs"] == obs
    assert row["crps"] == pytest.approx(crps_ensemble(np.array([obs]), draws)[0])
    assert row["crps"] == pytest.approx(row["crps_sr"])


def test_evaluate_writes_the_report(store: Store, tmp_path: Path) -> None:
    result = evaluate(store, tmp_path, windows=CHALLENGE_WINDOWS[:2], n_draws=20, config=FAST,
                      horizons=[3, 14], workers=1, unit_n_draws=20, unit_horizons=[1])
    country = result.scores[result.scores["level"] == "country"]
    models = {"lgbm", "conflictology", "last_historical", "bootstrap", "zero"}
    assert set(country["model"]) == models
    assert len(country) == 5 * 2 * 2 * 191
    grid = result.scores[result.scores["level"] == "grid"]
    assert set(grid["model"]) == models | {"conflictology_nb"}
    assert set(result.scores["level"]) == {"country", "admin1", "grid"}
    text = result.report_md.read_text(encoding="utf-8")
    for needle in ("All windows", "Window Y2019", "Window Y2020", "Calibration",
                   "Where the model loses", "Mali (432)", "Burkina Faso (439)", "Niger (436)",
                   "24.92", "Level admin1", "Level grid", "conflictology with 8 neighbours",
                   "the best benchmark"):
        assert needle in text
    page = result.report_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page and "Niger (436)" in page
    assert (tmp_path / "scores.csv.gz").exists()


def test_tuning_refuses_the_evaluation_windows(store: Store) -> None:
    with pytest.raises(ValueError, match="before the first evaluation window"):
        tune(store, grid=[FAST], windows=CHALLENGE_WINDOWS[:1])


def test_stored_evaluation_reaches_the_brief(store: Store, tmp_path: Path) -> None:
    from sahelwatch.brief import build
    from sahelwatch.forecast import load_evaluation, store_evaluation

    before = build(store, country="MLI", forecast="none", figures=False).evaluation
    assert before["rows"] == [] and "sahelwatch evaluate" in before["note"]
    result = evaluate(store, tmp_path, windows=CHALLENGE_WINDOWS[:1], n_draws=20, config=FAST,
                      horizons=[3], workers=1, levels=["country"])  # fmt: skip
    assert store_evaluation(store, result.scores, 20, 0) == 5
    kept = load_evaluation(store, "country")
    means = result.scores.groupby("model")["crps"].mean()
    assert dict(zip(kept["model"], kept["crps"], strict=True)) == pytest.approx(means.to_dict())
    assert (kept["windows"] == "Y2019").all() and (kept["unit_months"] == 191).all()
    shown = build(store, country="MLI", forecast="none", figures=False).evaluation
    assert [row[1] for row in shown["rows"]] == pytest.approx(sorted(means))
    assert "Y2019" in shown["source"] and "20 draws" in shown["source"]
    best_benchmark = means.drop("lgbm").min()
    word = "lowest" if means["lgbm"] <= best_benchmark else "behind"
    assert word in shown["note"]
