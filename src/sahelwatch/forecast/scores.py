"""Scores of sample forecasts against observed values.

Every function takes ``obs`` of shape ``(n,)`` and ``draws`` of shape ``(n, m)`` (m samples per
forecast) and returns one score per forecast, shape ``(n,)``; lower is better unless said.
The definitions follow the VIEWS 2023/24 Prediction Challenge:

* :func:`crps_ensemble`: the empirical CRPS of the ensemble, ``E|X - y| - E|X - X'| / 2`` (the
  same as ``scoringrules.crps_ensemble`` with its default estimator and
  ``properscoring.crps_ensemble``, which the tests check).
* :func:`ignorance_score`: ``-log2`` of the ensemble's probability of the observation's bin,
  bins ``[0, 0.5), [0.5, 2.5), ... [500.5, 1000.5), [1000.5, inf)`` (11 bins), the probability
  smoothed by adding one pseudo-draw to every bin: ``p = (count + 1) / (m + 11)``, as in the
  challenge's code, so an empty bin scores ``log2(m + 11)`` (9.98 bits for 1,000 draws), not
  infinity. The draws are first prepared as the challenge's code prepares submissions
  (:func:`challenge_draws`): fewer than 1,000 are resampled to 1,000 with
  ``scipy.signal.resample`` (its script ``resample_predictions.py``), then negatives are set to 0
  and values capped at 1e10.
* :func:`interval_score`: the interval score of the central ``1 - alpha`` interval between the
  ``alpha/2`` and ``1 - alpha/2`` sample quantiles (linear interpolation):
  ``(u - l) + 2/alpha (l - y) 1[y < l] + 2/alpha (y - u) 1[y > u]``.
* :func:`brier_score`: ``(P(X >= t) - 1[y >= t])^2``.
* :func:`interval_coverage`: whether ``y`` lies in the central interval (closed); not a score.
  For counts a calibrated forecast covers *more* than the nominal level (where the draws tie at
  the interval's ends, e.g. a forecast with 0 below its 5% quantile covers every observed 0):
  :func:`expected_coverage` says how much, and :func:`pit_coverage` is the share of outcomes
  whose randomised PIT lies in the central interval of [0, 1], the nominal level exactly when
  the forecast is calibrated (Czado, Gneiting & Held 2009).
* :func:`pit`: the randomised probability integral transform for counts,
  ``F(y-1) + V (F(y) - F(y-1))``, ``V`` uniform; flat when the forecast is calibrated.
"""

from __future__ import annotations

import numpy as np

from sahelwatch.extras import needs

IGNORANCE_BINS: tuple[float, ...] = (
    0,
    0.5,
    2.5,
    5.5,
    10.5,
    25.5,
    50.5,
    100.5,
    250.5,
    500.5,
    1000.5,
)

TARGET_RATIO = 0.90
"""Issue 14's target: the model's mean CRPS at most this times the benchmark's."""


def _check(obs: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    obs = np.asarray(obs, dtype=float)
    draws = np.asarray(draws, dtype=float)
    if draws.ndim != 2 or obs.shape != draws.shape[:1]:
        raise ValueError(f"expected obs (n,) and draws (n, m); got {obs.shape} and {draws.shape}")
    if np.isnan(obs).any() or np.isnan(draws).any():
        raise ValueError("obs and draws must not contain NaN; drop rows without data first")
    return obs, draws


def crps_ensemble(obs: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Empirical CRPS of each ensemble (own kernel: sorted-sample formula).

    With sorted draws ``x_(1) <= ... <= x_(m)``:
    ``CRPS = mean|x_i - y| - (1/m^2) sum_i (2i - m - 1) x_(i)``.

    Examples
    --------
    >>> float(crps_ensemble(np.array([0.0]), np.array([[0.0, 2.0]]))[0])
    0.5
    """
    obs, draws = _check(obs, draws)
    m = draws.shape[1]
    x = np.sort(draws, axis=1)
    spread = ((2 * np.arange(1, m + 1) - m - 1) * x).sum(axis=1) / m**2
    return np.abs(x - obs[:, None]).mean(axis=1) - spread


CHALLENGE_DRAWS = 1000
"""Draws per forecast the challenge scores; fewer are resampled to this many."""
DRAW_CAP = 1e10
"""Largest draw value the challenge's scoring keeps (larger ones are capped)."""


def challenge_draws(draws: np.ndarray, n: int | None = CHALLENGE_DRAWS) -> np.ndarray:
    """Draws as the challenge's code prepares them for the ignorance score.

    With fewer than ``n`` draws per forecast, each row is resampled to ``n`` by
    ``scipy.signal.resample`` (the Fourier method, along the draws in their stored order, as the
    challenge's ``resample_predictions.py`` does); then negative values become 0 and values above
    :data:`DRAW_CAP` become the cap. ``n=None`` skips the resampling.
    """
    draws = np.asarray(draws, dtype=float)
    if n is not None and draws.shape[1] < n:
        with needs("forecast"):
            from scipy.signal import resample

        draws = np.asarray(resample(draws, n, axis=1), dtype=float)
    return np.clip(draws, 0.0, DRAW_CAP)


def ignorance_score(
    obs: np.ndarray,
    draws: np.ndarray,
    bins: tuple[float, ...] = IGNORANCE_BINS,
    resample_to: int | None = CHALLENGE_DRAWS,
) -> np.ndarray:
    """The challenge's binned ensemble ignorance score in bits (see the module docstring);
    the draws pass :func:`challenge_draws` first (``resample_to=None``: no resampling).

    Examples
    --------
    >>> round(float(ignorance_score(np.array([0.0]), np.zeros((1, 1000)))[0]), 4)
    0.0143
    """
    obs, draws = _check(obs, draws)
    draws = challenge_draws(draws, resample_to)
    edges = np.asarray(bins, dtype=float)
    n_bins = len(edges)
    obs_bin = np.digitize(obs, edges) - 1
    draw_bin = np.digitize(draws, edges) - 1
    counts = (draw_bin == obs_bin[:, None]).sum(axis=1)
    return -np.log2((counts + 1) / (draws.shape[1] + n_bins))


def _quantiles(draws: np.ndarray, probs: list[float]) -> np.ndarray:
    return np.quantile(draws, probs, axis=1)


def interval_score(obs: np.ndarray, draws: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Interval score of the central ``1 - alpha`` sample interval."""
    obs, draws = _check(obs, draws)
    lower, upper = _quantiles(draws, [alpha / 2, 1 - alpha / 2])
    return (
        (upper - lower)
        + 2 / alpha * np.maximum(lower - obs, 0)
        + 2 / alpha * np.maximum(obs - upper, 0)
    )


def interval_coverage(obs: np.ndarray, draws: np.ndarray, level: float) -> np.ndarray:
    """1.0 where ``obs`` lies in the central ``level`` interval of the draws, else 0.0."""
    obs, draws = _check(obs, draws)
    lower, upper = _quantiles(draws, [(1 - level) / 2, (1 + level) / 2])
    return ((obs >= lower) & (obs <= upper)).astype(float)


def expected_coverage(draws: np.ndarray, level: float) -> np.ndarray:
    """Share of a forecast's own draws in its central ``level`` interval: what
    :func:`interval_coverage` would be on average if the outcomes followed the forecast."""
    draws = np.asarray(draws, dtype=float)
    lower, upper = _quantiles(draws, [(1 - level) / 2, (1 + level) / 2])
    return ((draws >= lower[:, None]) & (draws <= upper[:, None])).mean(axis=1)


def pit_coverage(pits: np.ndarray, level: float) -> float:
    """Share of randomised PIT values (:func:`pit`) in ``[(1 - level) / 2, (1 + level) / 2]``:
    the coverage of the central ``level`` interval for counts, ``level`` when calibrated."""
    values = np.asarray(pits, dtype=float)
    inside = (values >= (1 - level) / 2) & (values <= (1 + level) / 2)
    return float(inside.mean()) if len(values) else float("nan")


def brier_score(obs: np.ndarray, draws: np.ndarray, threshold: float = 25) -> np.ndarray:
    """Brier score of the event ``y >= threshold`` with ``P = share of draws >= threshold``."""
    obs, draws = _check(obs, draws)
    prob = (draws >= threshold).mean(axis=1)
    return (prob - (obs >= threshold)) ** 2


def pit(obs: np.ndarray, draws: np.ndarray, seed: int = 0) -> np.ndarray:
    """Randomised PIT values in [0, 1] for count forecasts (seeded, so reproducible)."""
    obs, draws = _check(obs, draws)
    below = (draws < obs[:, None]).mean(axis=1)
    at_or_below = (draws <= obs[:, None]).mean(axis=1)
    v = np.random.default_rng(seed).uniform(size=obs.shape)
    return below + v * (at_or_below - below)


def pit_histogram(values: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Share of PIT values in each of ``n_bins`` equal bins of [0, 1] (sums to 1)."""
    counts, _ = np.histogram(values, bins=n_bins, range=(0.0, 1.0))
    return counts / max(len(values), 1)


SCORES = ("crps", "ign", "mis90", "brier25", "cov50", "cov90")
"""Per-forecast columns of :func:`score_all`."""


def score_all(obs: np.ndarray, draws: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """Every per-forecast score (keyed by the names in :data:`SCORES`), the coverage of the 90%
    interval expected if calibrated (``ecov90``) and the PIT values (``pit``)."""
    return {
        "crps": crps_ensemble(obs, draws),
        "ign": ignorance_score(obs, draws),
        "mis90": interval_score(obs, draws, 0.1),
        "brier25": brier_score(obs, draws, 25),
        "cov50": interval_coverage(obs, draws, 0.5),
        "cov90": interval_coverage(obs, draws, 0.9),
        "ecov90": expected_coverage(draws, 0.9),
        "pit": pit(obs, draws, seed),
    }
