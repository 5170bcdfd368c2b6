"""Scores: hand-computed cases and cross-checks against scoringrules and properscoring."""

from __future__ import annotations

import numpy as np
import pytest

from sahelwatch.forecast import scores as sc


def test_crps_hand_cases() -> None:
    # E|X - y| - E|X - X'|/2 with X uniform on {0, 2}, y = 0: 1 - 1/2.
    assert sc.crps_ensemble(np.array([0.0]), np.array([[0.0, 2.0]]))[0] == pytest.approx(0.5)
    # A perfect point forecast scores zero; a wrong one scores the absolute error.
    got = sc.crps_ensemble(np.array([3.0, 3.0]), np.array([[3.0, 3.0], [7.0, 7.0]]))
    np.testing.assert_allclose(got, [0.0, 4.0])


@pytest.mark.slow
def test_crps_matches_scoringrules_and_properscoring() -> None:
    properscoring = pytest.importorskip("properscoring")
    scoringrules = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(1)
    obs = rng.poisson(3, 200).astype(float) * rng.integers(0, 50, 200)
    draws = rng.negative_binomial(1, 0.05, (200, 301)).astype(float)
    own = sc.crps_ensemble(obs, draws)
    by_sr = scoringrules.crps_ensemble(obs, draws, backend="numpy")
    np.testing.assert_allclose(own, by_sr, rtol=1e-10)
    np.testing.assert_allclose(own, properscoring.crps_ensemble(obs, draws), rtol=1e-10)


def test_ignorance_bins_and_smoothing() -> None:
    zeros = np.zeros((1, 1000))
    # All 1,000 draws in the observation's bin: p = 1001 / 1011.
    assert sc.ignorance_score(np.array([0.0]), zeros)[0] == pytest.approx(-np.log2(1001 / 1011))
    # An empty bin scores log2(m + 11), not infinity.
    assert sc.ignorance_score(np.array([30.0]), zeros)[0] == pytest.approx(np.log2(1011))
    # Bin edges: [0.5, 2.5) holds 1 and 2; 3 is in the next bin; >= 1000.5 is the last bin.
    draws = np.array([[1.0, 2.0]])
    one = {"resample_to": None}
    assert sc.ignorance_score(np.array([2.0]), draws, **one)[0] == pytest.approx(-np.log2(3 / 13))
    assert sc.ignorance_score(np.array([3.0]), draws, **one)[0] == pytest.approx(-np.log2(1 / 13))
    big = np.array([[2000.0, 50000.0]])
    assert sc.ignorance_score(np.array([1001.0]), big, **one)[0] == pytest.approx(-np.log2(3 / 13))


def test_ignorance_prepares_draws_as_the_challenge_code() -> None:
    from scipy.signal import resample

    # Fewer than 1,000 draws: resampled to 1,000 by scipy.signal.resample (the challenge's
    # resample_predictions.py), negatives set to 0, values capped at 1e10.
    rng = np.random.default_rng(3)
    draws = rng.negative_binomial(1, 0.1, (5, 200)).astype(float)
    draws[0, :2] = [-4.0, 5e12]
    prepared = sc.challenge_draws(draws)
    expected = np.clip(resample(draws, 1000, axis=1), 0, 1e10)
    np.testing.assert_array_equal(prepared, expected)
    assert prepared.shape == (5, 1000) and prepared.min() >= 0 and prepared.max() <= 1e10
    # 1,000 draws (or more) are only clipped and capped, never resampled.
    full = np.array([[-1.0] * 500 + [2e10] * 500])
    np.testing.assert_array_equal(sc.challenge_draws(full), [[0.0] * 500 + [1e10] * 500])
    # The score uses the prepared draws: 1,000 after resampling, so m + 11 = 1011.
    obs = rng.poisson(3, 5).astype(float)
    finite = np.clip(draws, 0, 1e6)
    bins = np.digitize(sc.challenge_draws(finite), sc.IGNORANCE_BINS) - 1
    obs_bin = np.digitize(obs, sc.IGNORANCE_BINS) - 1
    counts = (bins == obs_bin[:, None]).sum(axis=1)
    np.testing.assert_allclose(sc.ignorance_score(obs, finite), -np.log2((counts + 1) / 1011))
    # Negative draws count in the bin of 0.
    assert sc.ignorance_score(np.array([0.0]), np.full((1, 1000), -3.0))[0] == pytest.approx(
        -np.log2(1001 / 1011))


def test_interval_brier_coverage_hand_cases() -> None:
    draws = np.tile(np.arange(101, dtype=float), (3, 1))  # 5% quantile 5, 95% quantile 95
    obs = np.array([50.0, 100.0, 0.0])
    np.testing.assert_allclose(sc.interval_score(obs, draws, 0.1), [90, 90 + 20 * 5, 90 + 20 * 5])
    np.testing.assert_allclose(sc.interval_coverage(obs, draws, 0.9), [1, 0, 0])
    half = np.array([[0.0, 0.0, 30.0, 40.0]])
    assert sc.brier_score(np.array([30.0]), half, 25)[0] == pytest.approx(0.25)
    assert sc.brier_score(np.array([0.0]), half, 25)[0] == pytest.approx(0.25)


def test_pit_is_uniform_for_a_calibrated_count_forecast() -> None:
    rng = np.random.default_rng(2)
    obs = rng.poisson(2.0, 20000).astype(float)
    draws = rng.poisson(2.0, (20000, 400)).astype(float)
    hist = sc.pit_histogram(sc.pit(obs, draws))
    np.testing.assert_allclose(hist, 0.1, atol=0.015)
    np.testing.assert_array_equal(sc.pit(obs, draws, seed=5), sc.pit(obs, draws, seed=5))


def test_coverage_of_counts_by_pit_is_nominal_where_the_plain_interval_is_not() -> None:
    rng = np.random.default_rng(3)
    mean = np.where(rng.uniform(size=20000) < 0.7, 0.02, 30.0)  # mostly quiet, some at war
    obs = rng.poisson(mean).astype(float)
    draws = rng.poisson(mean[:, None], (20000, 400)).astype(float)  # calibrated
    plain = sc.interval_coverage(obs, draws, 0.9).mean()
    expected = sc.expected_coverage(draws, 0.9).mean()
    assert plain > 0.95 and plain == pytest.approx(expected, abs=0.01)  # ties at zero
    assert sc.pit_coverage(sc.pit(obs, draws), 0.9) == pytest.approx(0.90, abs=0.01)
    assert sc.pit_coverage(sc.pit(obs, draws), 0.5) == pytest.approx(0.50, abs=0.01)
    narrow = draws * 0.5  # too narrow and too low: both coverages fall short
    assert sc.pit_coverage(sc.pit(obs, narrow), 0.9) < 0.85


def test_expected_coverage_hand_cases() -> None:
    draws = np.array([np.arange(101, dtype=float), np.r_[np.zeros(96), np.arange(1.0, 6.0)]])
    # 5%..95% quantiles 5 and 95 hold 91 of 101 draws; 0 and 0 (96 zeros) hold 96 of them
    np.testing.assert_allclose(sc.expected_coverage(draws, 0.9), [91 / 101, 96 / 101])
    assert sc.pit_coverage(np.array([0.01, 0.05, 0.5, 0.95, 0.99]), 0.9) == pytest.approx(0.6)


def test_scores_reject_missing_values() -> None:
    with pytest.raises(ValueError, match="NaN"):
        sc.crps_ensemble(np.array([np.nan]), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="expected"):
        sc.crps_ensemble(np.zeros(2), np.zeros((3, 3)))
