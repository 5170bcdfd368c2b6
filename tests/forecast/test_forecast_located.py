"""The sub-national ``located`` model and its features, on the bundled located history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from sahelwatch.forecast import forecast, store_forecast
from sahelwatch.forecast.data import TARGETS
from sahelwatch.forecast.located import LEVEL_CONFIGS, learned, located, recent_pool
from sahelwatch.forecast.subnational import UnitPanel, load_unit_panel
from sahelwatch.forecast.unit_features import (
    FEATURES,
    NEVER,
    NO_EVENT_KM,
    country_level,
    months_since,
    unit_features,
)
from sahelwatch.store import Store

SAHEL3 = [432, 439, 436]  # Mali, Burkina Faso, Niger
ORIGIN = date(2016, 12, 1)
TOTAL = TARGETS.index("total")


@pytest.fixture(scope="module")
def grid(bundled_path: object) -> UnitPanel:
    """The grid panel of the three countries up to 2017-12 (a year past :data:`ORIGIN`)."""
    with Store(bundled_path, read_only=True) as store:  # type: ignore[arg-type]
        return load_unit_panel(store, "grid", date(2017, 12, 1), SAHEL3)


def _features(up: UnitPanel) -> np.ndarray:
    series = up.panel.values[:, :, TOTAL]
    return unit_features(series, up.jihadist, up.pairs, up.country, up.places)


def test_features_at_the_origin_read_nothing_after_it(grid: UnitPanel) -> None:
    full, cut = _features(grid), _features(grid.until(ORIGIN))
    t = cut.shape[1] - 1
    # Every feature at the origin, the distance to the nearest jihadist event included, is the
    # same whether or not the months after it are in the panel.
    np.testing.assert_array_equal(full[:, t], cut[:, t])
    # ... while the same features a year later do see the new events: the test can fail.
    assert not np.array_equal(full[:, -1], cut[:, -1])
    km = cut[:, t, FEATURES.index("jihadist_km")]
    present = np.nan_to_num(cut[:, t, FEATURES.index("jihadist_12")]) > 0
    assert present.sum() > 10 and (km[present] == 0).all()
    assert ((km[~present] > 0) & (km[~present] < np.log1p(NO_EVENT_KM))).all()
    # Border proximity: every cell of the three (landlocked) countries has a land border.
    border = np.expm1(cut[:, t, FEATURES.index("border_km")])
    assert not np.isnan(border).any() and border.min() < 30 and border.max() > 300


def test_recency_and_country_level_hand_case() -> None:
    nan = np.nan
    series = np.array([[nan, 0, 3, 0, nan, 0], [nan, 0, 0, 0, nan, 6]])
    np.testing.assert_array_equal(months_since(series)[0], [NEVER, NEVER, 0, 1, 2, 3])
    assert (months_since(series)[1, :5] == NEVER).all() and months_since(series)[1, 5] == 0
    # The country's months without data stay out of its means: no data is never zero.
    expected = np.log1p([nan, 0, 1.5, 1, 1.5, 3])
    np.testing.assert_allclose(country_level(series, np.array([1, 1]), 3)[1], expected)


def test_learnt_distribution_is_reproducible_and_reads_the_neighbourhood(
    grid: UnitPanel,
) -> None:
    up = grid.until(ORIGIN)
    config = LEVEL_CONFIGS["grid"]
    first = learned(up.panel, [1, 6], 200, 0, TOTAL, up.context(), config)
    again = learned(up.panel, [1, 6], 200, 0, TOTAL, up.context(), config)
    assert first is not None and again is not None
    np.testing.assert_array_equal(first, again)
    assert not np.isnan(first).any() and (first >= 0).all()
    feats = _features(up)[:, -1]
    quiet = feats[:, FEATURES.index("own_36")] == 0
    km = np.expm1(feats[:, FEATURES.index("jihadist_km")])
    near, far = quiet & (km < 150), quiet & (km > 400)
    assert near.sum() > 10 and far.sum() > 100
    # A quiet cell near jihadist activity is more likely to see deaths than one far from it.
    assert (first[near] > 0).mean() > (first[far] > 0).mean()
    # The model: the quantile average of the learnt draws and the recent pool.
    draws = located(up.panel, [1, 6], 200, 0, [TOTAL], context=up.context(), config=config)
    pool = recent_pool(up.panel, 200, TOTAL, config, up.pairs)[:, None, :]
    w = config.learned_weight
    np.testing.assert_allclose(draws[:, :, 0], w * first + (1 - w) * pool)


def test_recent_pool_hand_case(grid: UnitPanel) -> None:
    up = grid.until(ORIGIN)
    values = up.panel.values.copy()
    values[0, :, TOTAL] = np.nan
    values[0, -14:, TOTAL] = [50, 50] + [0] * 9 + [4, 4, 4]  # 12 newest: nine 0s, three 4s
    values[1, :, TOTAL] = np.nan  # no data at all
    panel = replace(up.panel, values=values)
    flat = recent_pool(panel, 12, TOTAL, replace(LEVEL_CONFIGS["grid"], pool_months=12,
                                                   trend=0.0), up.pairs)  # fmt: skip
    np.testing.assert_array_equal(flat[0], [0] * 9 + [4] * 3)
    assert np.isnan(flat[1]).all()
    # Trend 1: scaled by (1 + mean of the last 3) / (1 + mean of the pool) = 5 / 2.
    rising = recent_pool(panel, 12, TOTAL, replace(LEVEL_CONFIGS["grid"], pool_months=12,
                                                     trend=1.0), up.pairs)  # fmt: skip
    np.testing.assert_array_equal(rising[0], [0] * 9 + [10] * 3)


def test_grid_headline_is_the_better_record_and_the_main_job_serves_it(
    bundled_copy: object,
) -> None:
    from fastapi.testclient import TestClient

    from sahelwatch.forecast.evaluation import store_evaluation
    from sahelwatch.forecast.record import crps_text, headline, label, served_models
    from sahelwatch.forecast.subnational_eval import backtest_level
    from sahelwatch.web import create_app

    with Store(bundled_copy) as store:  # type: ignore[arg-type]
        assert served_models(store, "grid") == ["located"]  # no record kept yet
        scores = backtest_level(store, "grid", 20, 0, origins=[date(2018, 12, 1)],
                                horizons=[1, 6])  # fmt: skip
        store_evaluation(store, scores, 20, 0)
        means = scores.groupby("model")["crps"].mean()
        top = headline(store, "grid", "total")
        assert top.model == means.idxmin() and crps_text(means.min()) in top.reason
        assert "fatalities (2018-12, " in top.reason  # the window without its level's name
        assert top.reason.startswith(label(top.model, "grid"))
        assert served_models(store, "grid") == list(dict.fromkeys(["located", top.model]))
        # A hand-made record in which conflictology with neighbours does better: it becomes the
        # headline, the reason says why against the located model, and the main job forecasts it.
        nb = scores["model"] == "conflictology_nb"
        store_evaluation(store, scores.assign(crps=scores["crps"].where(~nb, 0.0)), 20, 0)
        top = headline(store, "grid", "sb")
        assert top.model == "conflictology_nb" and top.model_version == "benchmark-conflictology_nb"
        assert top.reason.startswith("conflictology with neighbours has the lowest mean CRPS")
        located_label = label("located", "grid")
        assert f"{located_label} {crps_text(means['located'])}" in top.reason
        assert "No backtest of sb" in top.reason
        assert served_models(store, "grid") == ["located", "conflictology_nb"]
        for model in served_models(store, "grid"):  # as the main job stores them
            frame = forecast(store, "grid", origin="2026-02", horizons=[1], n_draws=10,
                             model=model, countries=SAHEL3, targets=["total"])  # fmt: skip
            store_forecast(store, frame, "2026-02", frame.attrs["model_version"])
    with TestClient(create_app(bundled_copy, read_env=False)) as client:
        body = client.get("/api/forecasts/headline?level=grid&target=total").json()
        shown = client.get("/api/forecasts?level=grid&target=total").json()
    assert body["headlines"][0]["model"] == "conflictology_nb"
    # The map's forecast is the headline's run, with the reason it is shown.
    assert shown["model_version"] == "benchmark-conflictology_nb"
    assert shown["headline"]["reason"] == body["headlines"][0]["reason"]
    assert len(shown["rows"]) == 916
