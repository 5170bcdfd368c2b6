"""The ratio model and its blend with conflictology, against hand-computed cases."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sahelwatch.forecast.benchmarks import conflictology
from sahelwatch.forecast.data import TARGETS, CountryPanel, load_country_panel
from sahelwatch.forecast.ratio import BlendConfig, blend, level, ratio
from sahelwatch.store import Store

N_MONTHS = 60


def test_level_is_the_mean_of_the_months_with_data() -> None:
    series = np.array([[np.nan, 2.0, 4.0, np.nan, 6.0, np.nan, np.nan, np.nan]])
    got = np.expm1(level(series, 3)[0])
    assert np.isnan(got[0])  # before the first month with data: unknown
    assert got[1] == pytest.approx(2.0)
    assert got[3] == pytest.approx(3.0)  # months 1..3: 2 and 4 (no data is not zero)
    assert got[4] == pytest.approx(5.0)  # months 2..4: 4 and 6
    assert got[7] == pytest.approx(6.0)  # no data in the last 3 months: the last known value


def test_geometric_level_discounts_a_peak_month() -> None:
    series = np.array([[10.0, 1000.0, np.nan, 10.0, np.nan]])
    got = level(series, 4, geometric=True)[0]
    # Months 0..3 with data: 10, 1000, 10; the mean of log1p is log1p of their geometric mean.
    assert got[3] == pytest.approx(np.log(11.0 * 1001.0 * 11.0) / 3)
    assert np.expm1(got[3]) == pytest.approx(48.5, abs=0.1)  # the plain mean is 340
    assert np.expm1(level(series, 4)[0, 3]) == pytest.approx(340.0)
    assert got[4] == pytest.approx(np.log(1001.0 * 11.0) / 2)  # no data is not a zero month


@pytest.fixture
def panel() -> CountryPanel:
    values = np.zeros((4, N_MONTHS, 4))
    values[0] = 10.0  # steady at 10 in every series
    values[1] = 0.0  # quiet throughout
    values[2] = np.nan  # no data at all
    values[3] = 10.0
    values[3, -12:, 0] = np.arange(1.0, 13.0)  # the last 12 months of sb: 1..12
    return CountryPanel(np.array([1, 2, 3, 4]), date(2000, 1, 1), values)


def test_ratio_keeps_each_unit_at_its_own_level(panel: CountryPanel) -> None:
    steady = CountryPanel(panel.units[:3], panel.start, panel.values[:3])
    out = ratio(steady, [1, 6], 50, 0, [3], BlendConfig(min_bin=1))
    assert out.shape == (3, 2, 1, 50)
    # Every unit stayed at its level, so every ratio of the history is 1: the draws are the
    # unit's level, whatever the horizon.
    np.testing.assert_array_equal(out[0], 10.0)
    np.testing.assert_array_equal(out[1], 0.0)  # quiet units stayed quiet
    assert np.isnan(out[2]).all()  # no data is no forecast
    # The same seed or another: the draws are quantiles, not random.
    again = ratio(steady, [1, 6], 50, 7, [3], BlendConfig(min_bin=1))
    np.testing.assert_array_equal(out, again)


def test_ratio_draws_are_quantiles_of_the_level_bin() -> None:
    # One unit doubles every month; another is quiet. The training rows of level > 0 all have
    # ratio log1p(2y) - log1p(y); a horizon-1 forecast applies their quantiles to the level.
    values = np.zeros((2, 20, 1))
    values[0, :, 0] = 2.0 ** np.arange(20)
    panel = CountryPanel(np.array([1, 2]), date(2000, 1, 1), values)
    config = BlendConfig(level_months=1, train_months=240, min_bin=1000, geometric=False)
    out = ratio(panel, [1], 4, 0, [0], config)
    b = np.log1p(values[0, :, 0])
    errors = np.log1p(values[0, 1:, 0]) - b[:-1]  # feature months 0..18, targets 1..19
    expected = np.expm1(b[-1] + np.quantile(errors, (np.arange(4) + 0.5) / 4))
    np.testing.assert_array_equal(out[0, 0, 0], np.round(expected))
    np.testing.assert_array_equal(out[1, 0, 0], 0.0)


def test_blend_is_the_quantile_average_with_conflictology(panel: CountryPanel) -> None:
    config = BlendConfig(min_bin=1, weight=0.4)
    own = np.sort(ratio(panel, [2], 24, 0, [0], config), axis=-1)
    bench = np.sort(conflictology(panel, [2], 24, 0, [0]), axis=-1)
    got = blend(panel, [2], 24, 0, [0], config)
    np.testing.assert_allclose(got, 0.4 * own + 0.6 * bench)
    # Unit 4: conflictology is its last 12 months, 1..12, twice.
    np.testing.assert_array_equal(bench[3, 0, 0], np.repeat(np.arange(1.0, 13.0), 2))
    assert not np.isnan(got[[0, 1, 3]]).any()
    assert np.isnan(got[2]).all()
    zero = blend(panel, [2], 24, 0, [0], BlendConfig(min_bin=1, weight=0.0))
    np.testing.assert_array_equal(zero, bench)


def test_a_war_past_its_peak_is_forecast_below_the_peak(bundled_path) -> None:
    # Real data, origin 2024-04: the country whose last three months of total deaths hold the
    # sharpest single peak (peak over the median of the three). The model's level discounts
    # that peak: its median draw lies below the plain-mean model's and below the peak month.
    with Store(bundled_path, read_only=True) as store:
        panel = load_country_panel(store, until=date(2024, 4, 1))
    k = TARGETS.index("total")
    last3 = panel.values[:, -3:, k]
    ok = ~np.isnan(last3).any(axis=1) & (np.median(last3, axis=1) >= 25)
    sharpness = np.where(ok, last3.max(axis=1) / np.maximum(np.median(last3, axis=1), 1), 0)
    u = int(np.argmax(sharpness))
    assert sharpness[u] > 2  # a real peak
    geometric = blend(panel, [1, 3], 1000, 0, [k])[u, :, 0]
    plain = blend(panel, [1, 3], 1000, 0, [k], BlendConfig(geometric=False))[u, :, 0]
    assert (np.median(geometric, axis=-1) < np.median(plain, axis=-1)).all()
    assert (np.median(geometric, axis=-1) < last3[u].max()).all()
    # Deterministic: another seed gives the same draws; data after the origin are not read.
    np.testing.assert_array_equal(geometric, blend(panel, [1, 3], 1000, 9, [k])[u, :, 0])
