"""Model ``located``: sub-national forecasts learnt from the units' own located history.

Model ``located`` (version :data:`LOCATED_VERSION`)
--------------------------------------------------
The ratio model of :mod:`sahelwatch.forecast.ratio`, conditioned on the neighbourhood too, fitted
on the unit panel itself (admin-1, admin-2 units or PRIO-GRID cells; UCDP GED located events
since 1989) instead of sharing a country forecast out:
``draw = expm1(b + r)``, where ``b = log1p(mean of the unit's last level_months months with
data)`` and ``r`` is a quantile of the errors ``log1p(y[t + h]) - b[t]`` of every unit over the
newest ``train_months`` feature months before the origin, among the rows in the same cell of

* the unit's own level bin (``b = 0``, the quiet units, a bin of their own; the others split
  into quantile bins of at least ``min_bin`` rows), and
* its neighbourhood bin: ``log1p`` of the mean over the same months of the fatalities of its
  queen-contiguous units (8 cells at grid level) summed, 0 or one of ``neighbour_bins``
  quantile bins above 0 (default 1: quiet or not); a cell of the two with fewer than
  ``min_bin // 4`` rows falls back to the own-level bin.

So a quiet cell next to a fighting one is forecast from what quiet cells next to fighting did
next (onsets, diffusion), and a unit at war from its own scale. The draws are the ``n_draws``
mid-quantiles, rounded to counts, then quantile-averaged with conflictology (the unit's own
last 12 months): ``draw_i = weight * located_(i) + (1 - weight) * conflictology_(i)``.

Everything comes from the panel cut at the origin; it costs a few seconds per level and origin
(numpy quantiles, no fitting), so the main job computes it directly. The settings were chosen
on tuning origins 2009-12..2014-12 (horizons 1-12, targets up to 2015-12), before the
evaluation origins 2016-12..2022-12 (:mod:`sahelwatch.forecast.subnational_eval`), among level
months 1, 3, 6, 12, weights 0.3, 0.5, 0.7, 1 and 1 or 3 neighbourhood bins: the mean CRPS of
the chosen settings was 0.848 at admin-1 (conflictology 0.878, with neighbours 0.853, zero
0.902) and 0.0353 at grid level (zero 0.0353, conflictology 0.0361, with neighbours 0.0352).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sahelwatch.forecast.benchmarks import conflictology
from sahelwatch.forecast.data import CountryPanel
from sahelwatch.forecast.ratio import level

LOCATED_VERSION = "located-1"
"""Version stored with sub-national forecasts of the ``located`` model."""

Pairs = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LocatedConfig:
    """Settings of the ``located`` model (defaults chosen on the tuning origins).

    Attributes
    ----------
    level_months : months whose mean (over the months with data) is the unit's level.
    train_months : newest feature months whose errors make the conditional distributions.
    min_bin : least number of rows in one own-level bin.
    neighbour_bins : bins of the neighbourhood's level above zero.
    weight : weight of the learnt distribution in the quantile average with conflictology.
    """

    level_months: int = 3
    train_months: int = 240
    min_bin: int = 2000
    neighbour_bins: int = 1
    weight: float = 0.7


def _edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Inner quantile edges splitting the positive ``values`` into at most ``n_bins`` bins."""
    positive = values[values > 0]
    if n_bins < 2 or positive.size < n_bins:
        return np.empty(0)
    return np.unique(np.quantile(positive, np.linspace(0, 1, n_bins + 1)[1:-1]))


def _bin(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """0 for zero levels, 1.. for the positive bins."""
    return np.where(values > 0, np.searchsorted(edges, values) + 1, 0)


def neighbour_level(series: np.ndarray, pairs: Pairs, months: int) -> np.ndarray:
    """``log1p`` of the mean over the last ``months`` months with data of the neighbours'
    summed fatalities (``NaN`` where a neighbour has no data; 0 for a unit without
    neighbours)."""
    from sahelwatch.panels import spatial_lag

    return level(spatial_lag(series, pairs), months)


def located(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    targets: Sequence[int],
    *,
    pairs: Pairs,
    config: LocatedConfig | None = None,
) -> np.ndarray:
    """Draws ``(units, horizons, targets, n_draws)`` of the ``located`` model (module
    docstring), from ``panel`` (cut at the origin) and its neighbour ``pairs``. ``seed`` is
    unused (the draws are quantiles); a unit without data gets ``NaN``."""
    config = config or LocatedConfig()
    n_units, n_months, _ = panel.values.shape
    probs = (np.arange(n_draws) + 0.5) / n_draws
    out = np.full((n_units, len(horizons), len(targets), n_draws), np.nan)
    for j, k in enumerate(targets):
        series = panel.values[:, :, k].astype(np.float64)
        own = level(series, config.level_months)
        near = neighbour_level(series, pairs, config.level_months)
        for i, h in enumerate(horizons):
            last = n_months - 1 - h
            first = max(0, last - config.train_months + 1)
            if last < first:
                continue
            b, nb = own[:, first : last + 1], near[:, first : last + 1]
            y = series[:, first + h : last + h + 1]
            keep = ~np.isnan(b) & ~np.isnan(nb) & ~np.isnan(y)
            if not keep.any():
                continue
            rows_b, rows_nb = b[keep], nb[keep]
            rows_r = np.log1p(y[keep]) - rows_b
            n_own = max(1, int((rows_b > 0).sum()) // max(config.min_bin, 1))
            own_edges = _edges(rows_b, n_own)
            nb_edges = _edges(rows_nb, config.neighbour_bins)
            width = len(nb_edges) + 2
            row_own = _bin(rows_b, own_edges)
            row_key = row_own * width + _bin(rows_nb, nb_edges)
            now_b, now_nb = own[:, -1], near[:, -1]
            now_own = _bin(now_b, own_edges)
            now_key = now_own * width + _bin(np.nan_to_num(now_nb), nb_edges)
            known = ~np.isnan(now_b)
            for key in np.unique(now_key[known]):
                pool = rows_r[row_key == key]
                if pool.size < config.min_bin // 4:
                    pool = rows_r[row_own == key // width]
                if pool.size == 0:
                    continue
                units = np.flatnonzero((now_key == key) & known)
                q = np.quantile(pool, probs)
                out[units, i, j] = np.maximum(np.round(np.expm1(now_b[units, None] + q)), 0.0)
    if config.weight >= 1:
        return out
    bench = np.sort(conflictology(panel, horizons, n_draws, seed, targets), axis=-1)
    return config.weight * out + (1 - config.weight) * bench


__all__ = ["LOCATED_VERSION", "LocatedConfig", "located", "neighbour_level"]
