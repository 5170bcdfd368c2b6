"""The default country model: a scale-free ratio model averaged with conflictology.

Model ``ratio``
---------------
Each unit's forecast is its own recent level times a ratio learnt from every unit's history:
``draw = expm1(b + r)``, where ``b`` is the mean of ``log1p`` over the unit's last 3 months with
data (a geometric mean of ``y + 1``: one peak month weighs less than in the plain mean) and ``r``
is a quantile of the errors ``log1p(y[t + h]) - b[t]`` of all units and the four series over the
newest 240 feature months before the origin, taken among the rows whose level ``b[t]`` falls in
the same bin (units with ``b = 0`` form a bin of their own: onsets; the others are split into
bins of at least ``min_bin`` rows). A war forecast from its own level keeps its scale, and the
spread of the ratio is what the wars of the same size did next. The draws are the ``n_draws``
mid-quantiles of that conditional distribution (deterministic, sorted, rounded to counts).

Model ``blend`` (the default)
-----------------------------
The quantile average ("Vincentisation") of ``ratio`` and the ``conflictology`` benchmark: with
both sets of draws sorted, ``draw_i = w ratio_(i) + (1 - w) conflictology_(i)``. It keeps
conflictology's grip on each country's own recent months and takes from the ratio model the
spread of what similar levels did next. ``w`` and the ratio model's settings were chosen on
the tuning windows only (docs/forecasting.md).

Both read only the panel cut at the origin; both cost well under a second per horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sahelwatch.forecast.benchmarks import conflictology
from sahelwatch.forecast.data import CountryPanel

BLEND_VERSION = "blend-ratio-2"
"""Version stored with forecasts of the ``blend`` model."""
RATIO_VERSION = "ratio-2"
"""Version stored with forecasts of the ``ratio`` model."""


@dataclass(frozen=True)
class BlendConfig:
    """Settings of the ``ratio`` and ``blend`` models (defaults chosen on the tuning windows).

    Attributes
    ----------
    level_months : months whose mean (over the months with data) is the unit's level ``b``.
    geometric : the level is the mean of ``log1p`` over those months (a geometric mean of
        ``y + 1``, which discounts a peak month) rather than ``log1p`` of their mean.
    train_months : newest feature months whose errors make the ratio distribution.
    min_bin : least number of rows in one level bin.
    weight : weight of the ratio model in the quantile average with conflictology (``blend``).
    """

    level_months: int = 3
    geometric: bool = True
    train_months: int = 240
    min_bin: int = 2000
    weight: float = 0.5


def level(series: np.ndarray, months: int, geometric: bool = False) -> np.ndarray:
    """``log1p`` of each unit's mean over the last ``months`` calendar months with data, at
    every month (the last known value when none of those months has data; ``NaN`` before the
    first month with data). ``series``: ``(units, months)``, ``NaN`` = no data. ``geometric``:
    the mean of ``log1p`` over those months instead (a geometric mean of ``y + 1``)."""
    if geometric:
        return _window_mean(np.log1p(series), months)
    return np.log1p(_window_mean(series, months))


def _window_mean(series: np.ndarray, months: int) -> np.ndarray:
    """Each row's mean over its last ``months`` months with data, at every month (see
    :func:`level`)."""
    known = ~np.isnan(series)
    filled = np.where(known, series, 0.0)
    zeros = np.zeros((series.shape[0], 1))
    csum = np.concatenate([zeros, filled.cumsum(axis=1)], axis=1)
    ccount = np.concatenate([zeros, known.cumsum(axis=1)], axis=1)
    idx = np.arange(series.shape[1])
    lo = np.maximum(idx + 1 - months, 0)
    total, count = csum[:, idx + 1] - csum[:, lo], ccount[:, idx + 1] - ccount[:, lo]
    last = np.maximum.accumulate(np.where(known, idx, -1), axis=1)
    last_value = np.take_along_axis(series, np.maximum(last, 0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = np.where(
            count > 0, total / count, np.where(last >= 0, last_value, np.nan)
        )
    return out


def _bins(levels: np.ndarray, min_bin: int) -> np.ndarray:
    """Inner edges of the level bins above zero (quantiles, at least ``min_bin`` rows each)."""
    positive = levels[levels > 0]
    n_bins = len(positive) // max(min_bin, 1)
    if n_bins < 2:
        return np.empty(0)
    return np.unique(np.quantile(positive, np.linspace(0, 1, n_bins + 1)[1:-1]))


def _bin_of(levels: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.where(levels > 0, np.searchsorted(edges, levels), -1)


def ratio(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    targets: Sequence[int],
    config: BlendConfig | None = None,
) -> np.ndarray:
    """Draws ``(units, horizons, targets, n_draws)`` of the ratio model (see the module
    docstring); ``seed`` is unused (the draws are quantiles). A unit without data gets
    ``NaN``."""
    config = config or BlendConfig()
    values = panel.values
    n_units, n_months, n_series = values.shape
    levels = np.stack([level(values[:, :, s], config.level_months, config.geometric)
                       for s in range(n_series)])
    probs = (np.arange(n_draws) + 0.5) / n_draws
    out = np.full((n_units, len(horizons), len(targets), n_draws), np.nan)
    for i, h in enumerate(horizons):
        last = n_months - 1 - h
        first = max(0, last - config.train_months + 1)
        if last < first:
            continue
        b = levels[:, :, first : last + 1]
        y = values[:, first + h : last + h + 1].transpose(2, 0, 1)
        keep = ~np.isnan(b) & ~np.isnan(y)
        rows_b, rows_r = b[keep], np.log1p(y[keep]) - b[keep]
        if rows_b.size == 0:
            continue
        edges = _bins(rows_b, config.min_bin)
        row_bin = _bin_of(rows_b, edges)
        for j, k in enumerate(targets):
            now = levels[k, :, -1]
            now_bin = _bin_of(now, edges)
            for bin_id in np.unique(now_bin[~np.isnan(now)]):
                pool = rows_r[row_bin == bin_id]
                if pool.size == 0:  # a level no training row had: all rows of its sign
                    pool = rows_r[(row_bin >= 0) == (bin_id >= 0)]
                units = np.flatnonzero((now_bin == bin_id) & ~np.isnan(now))
                if pool.size == 0:
                    continue
                q = np.quantile(pool, probs)
                draws = np.round(np.expm1(now[units, None] + q[None, :]))
                out[units, i, j] = np.maximum(draws, 0.0)
    return out


def blend(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    targets: Sequence[int],
    config: BlendConfig | None = None,
) -> np.ndarray:
    """Draws of the quantile average of :func:`ratio` (weight ``config.weight``) and
    conflictology (see the module docstring). ``NaN`` where either has no forecast."""
    config = config or BlendConfig()
    own = np.sort(ratio(panel, horizons, n_draws, seed, targets, config), axis=-1)
    bench = np.sort(conflictology(panel, horizons, n_draws, seed, targets), axis=-1)
    return config.weight * own + (1 - config.weight) * bench


__all__ = ["BLEND_VERSION", "RATIO_VERSION", "BlendConfig", "blend", "level", "ratio"]
