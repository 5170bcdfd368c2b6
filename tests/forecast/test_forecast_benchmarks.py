"""The challenge benchmarks against hand-computed cases on a small made-up panel."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sahelwatch.forecast.benchmarks import (
    BOOTSTRAP_MONTHS,
    bootstrap,
    conflictology,
    last_historical,
    zero,
)
from sahelwatch.forecast.data import CountryPanel
from sahelwatch.forecast.scores import crps_ensemble

N_MONTHS = 300


@pytest.fixture
def panel() -> CountryPanel:
    values = np.zeros((4, N_MONTHS, 4))
    values[0, :, 0] = 1000.0
    values[0, -12:, 0] = np.arange(1, 13)  # last 12 months: 1..12
    values[1, -1, 0] = 7.0  # quiet, then 7 in the origin month
    values[3, -3, 0] = 5.0  # 5, then two months without data
    values[3, -2:, :] = np.nan
    values[:, N_MONTHS - BOOTSTRAP_MONTHS - 1, 0] = 99999.0  # just outside the 240 months
    values[2] = np.nan  # no data at all
    return CountryPanel(np.array([1, 2, 3, 4]), date(2000, 1, 1), values)


def test_zero(panel: CountryPanel) -> None:
    out = zero(panel, [1, 2, 3], 10, 0, [0])
    assert out.shape == (4, 3, 1, 10)
    assert (out[[0, 1, 3]] == 0).all()
    assert np.isnan(out[2]).all()  # no data is no forecast


def test_last_historical(panel: CountryPanel) -> None:
    out = last_historical(panel, [1, 2], 4000, 0, [0])
    assert out[0].mean() == pytest.approx(12, rel=0.03)
    assert out[1].mean() == pytest.approx(7, rel=0.03)
    assert out[1].var() == pytest.approx(7, rel=0.1)  # Poisson: variance = mean
    # Origin month without data: the newest month with data (5) is used.
    assert out[3].mean() == pytest.approx(5, rel=0.05)
    assert np.isnan(out[2]).all()
    assert (out[0, 0] != out[0, 1]).any()  # independent noise per horizon


def test_bootstrap_draws_from_the_last_240_months_of_all_units(panel: CountryPanel) -> None:
    out = bootstrap(panel, [1], 3000, 0, [0])
    window = panel.values[:, -BOOTSTRAP_MONTHS:, 0]
    pool = set(window[~np.isnan(window)].tolist())
    drawn = set(out[[0, 1, 3]].ravel().tolist())
    assert drawn <= pool
    assert 99999.0 not in drawn
    assert 1000.0 in drawn and 0.0 in drawn
    # Same distribution for every unit that has data.
    assert out[0].mean() == pytest.approx(out[1].mean(), rel=0.15)


def test_conflictology_uses_each_units_last_12_months(panel: CountryPanel) -> None:
    out = conflictology(panel, [1, 5], 1000, 0, [0])
    values, counts = np.unique(out[0, 0, 0], return_counts=True)
    np.testing.assert_array_equal(values, np.arange(1, 13))
    assert sorted(counts.tolist()) == [83] * 8 + [84] * 4
    np.testing.assert_array_equal(out[0, 0], out[0, 1])  # the same for every horizon
    # Hand-computed CRPS for y = 0 with draws uniform on 1..12:
    # E|X - 0| = 6.5, E|X - X'| = (12^2 - 1) / (3 * 12) = 143/36, so CRPS = 6.5 - 143/72.
    twelve = np.arange(1.0, 13.0)[None, :]
    assert crps_ensemble(np.array([0.0]), twelve)[0] == pytest.approx(6.5 - 143 / 72)
    # Months without data are skipped: unit 4's last 12 months with data end with the 5.
    assert set(out[3, 0, 0].tolist()) == {0.0, 5.0}
    assert np.isnan(out[2]).all()
