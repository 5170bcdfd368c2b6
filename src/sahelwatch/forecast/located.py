"""Model ``located``: sub-national forecasts learnt from the units' own located history.

Model ``located`` (version :data:`LOCATED_VERSION`)
--------------------------------------------------
Fitted on the unit panel itself (admin-1, admin-2 units or PRIO-GRID cells; UCDP GED located
events since 1989) cut at the origin, instead of sharing a country forecast out. Its draws are
the quantile average (both sets sorted, ``w * learnt_(i) + (1 - w) * pool_(i)``) of

* **the learnt distribution** (weight ``learned_weight``): a LightGBM regression of
  ``log1p(y[t + h])`` on the features of :mod:`sahelwatch.forecast.unit_features` at ``t``
  (the unit's own levels over 1-36 months, its neighbourhood's, months since its last
  fatalities, jihadist events in it, the distance to the nearest jihadist event and to the
  nearest violence, to the nearest land border, its country's level) and the horizon ``h``,
  fitted on the unit-months of the ``train_months`` before the last ``holdout_months`` with
  data (``horizon_draws`` random horizons per unit-month; quiet unit-months, without fatalities of
  their own in 36 months or around them in 12, kept at rate ``quiet_keep`` and weighted
  back up). Its errors on the last ``holdout_months`` (targets the fit did not see), binned by
  the prediction (bins of ``min_bin`` rows), give the spread: ``draw = expm1(pred + error
  quantile)``. So a cell near a jihadist front is forecast from what such cells did next, and
  a recent bias of the fit (an escalation it did not foresee) shifts its draws.
* **the recent pool** (weight ``1 - learned_weight``): conflictology over the unit's last
  ``pool_months`` months with data (and, with ``neighbours``, its neighbours'), scaled by the
  trend ``((1 + mean of its last 3) / (1 + mean of its pool)) ** trend``.

Everything comes from the panel cut at the origin; one fit per target and level costs a second
or two. The settings per level (:data:`LEVEL_CONFIGS`) were chosen by
``benchmarks/tune_located.py`` on the tuning origins 2009-12..2014-12 only (targets up to
2015-12), before the evaluation origins 2016-12..2022-12
(:mod:`sahelwatch.forecast.subnational_eval`); docs/forecasting.md has the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sahelwatch.extras import needs
from sahelwatch.forecast.data import CountryPanel
from sahelwatch.forecast.unit_features import FEATURES, distance_matrix, unit_features

LOCATED_VERSION = "located-2"
"""Version stored with sub-national forecasts of the ``located`` model."""

Pairs = tuple[np.ndarray, np.ndarray]

PARAMS: dict[str, Any] = {
    "objective": "regression", "learning_rate": 0.05, "num_iterations": 150, "num_leaves": 15,
    "min_data_in_leaf": 50, "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
    "num_threads": 1, "deterministic": True, "force_row_wise": True, "verbosity": -1,
}  # fmt: skip
"""LightGBM parameters of the learnt distribution (single-threaded, deterministic)."""
MIN_ROWS = 200
"""Fewer training rows than this (or holdout rows than ``min_bin``): the recent pool alone."""


@dataclass(frozen=True)
class LocatedConfig:
    """Settings of the ``located`` model (per level: :data:`LEVEL_CONFIGS`).

    Attributes
    ----------
    pool_months : months with data of the unit's recent pool.
    neighbours : whether the pool takes the neighbours' months too.
    trend : exponent of the trend scaling of the pool (0: none).
    learned_weight : weight of the learnt distribution in the quantile average.
    train_months, holdout_months : feature months of the fit; newest months whose errors make
        the spread.
    quiet_keep : share of quiet unit-months kept for the fit.
    horizon_draws : random horizons per unit-month in the fit.
    min_bin : rows per bin of the errors.
    params : LightGBM parameters over :data:`PARAMS`.
    """

    pool_months: int = 12
    neighbours: bool = False
    trend: float = 0.0
    learned_weight: float = 0.2
    train_months: int = 120
    holdout_months: int = 24
    quiet_keep: float = 0.1
    horizon_draws: int = 3
    min_bin: int = 300
    params: Mapping[str, Any] = field(default_factory=dict)


LEVEL_CONFIGS: dict[str, LocatedConfig] = {
    "admin1": LocatedConfig(pool_months=12, trend=0.5, learned_weight=0.5),
    "admin2": LocatedConfig(pool_months=12, neighbours=True, learned_weight=0.2, holdout_months=36),
    "grid": LocatedConfig(pool_months=24, trend=0.5, learned_weight=0.2),
}
"""The settings of each level, chosen by ``benchmarks/tune_located.py`` on the tuning origins
(module docstring): mean CRPS 0.957 x the best benchmark's at admin-1 (conflictology's for Mali,
Burkina Faso and Niger; zero's with Côte d'Ivoire and Senegal too), 0.986 x at admin-2 (zero's),
0.992 x at grid level (0.994 x conflictology with neighbours for the three; 0.990 x
conflictology with Nigeria's cells too)."""


@dataclass(frozen=True)
class UnitContext:
    """What the ``located`` model reads besides the fatality series, per unit.

    Attributes
    ----------
    pairs : (row, neighbour row) positions of neighbouring units.
    country : Gleditsch-Ward code of each unit.
    jihadist : ``(units, months)`` events with a jihadist side, ``NaN`` where not covered.
    places : ``(units, 3)`` of :func:`~sahelwatch.forecast.unit_features.unit_places`.
    """

    pairs: Pairs
    country: np.ndarray
    jihadist: np.ndarray
    places: np.ndarray


def recent_pool(
    panel: CountryPanel, n_draws: int, k: int, config: LocatedConfig, pairs: Pairs
) -> np.ndarray:
    """``(units, n_draws)`` sorted draws of the trend-scaled recent pool of target ``k``
    (``NaN`` for a unit without data)."""
    series = panel.values[:, :, k]
    recent = [row[~np.isnan(row)][-config.pool_months :] for row in series]
    by_row: dict[int, list[int]] = {}
    if config.neighbours:
        for r, nb in zip(*pairs, strict=True):
            by_row.setdefault(int(r), []).append(int(nb))
    probs = (np.arange(n_draws) + 0.5) / n_draws
    out = np.full((len(recent), n_draws), np.nan)
    for u, own in enumerate(recent):
        if own.size == 0:
            continue
        pool = np.concatenate([own, *(recent[nb] for nb in by_row.get(u, []))])
        scale = ((1 + own[-3:].mean()) / (1 + own.mean())) ** config.trend
        out[u] = np.round(np.quantile(pool, probs, method="inverted_cdf") * scale)
    return out


def _training_rows(
    feats: np.ndarray,
    series: np.ndarray,
    months: tuple[int, int],
    max_target: int,
    max_h: int,
    config: LocatedConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (features + horizon, ``log1p`` target, weight, target month) of the feature months
    ``months`` (first, last) with targets up to ``max_target``."""
    ts = np.arange(max(months[0], 0), months[1] + 1)
    u = np.repeat(np.arange(series.shape[0]), ts.size * config.horizon_draws)
    t = np.tile(np.repeat(ts, config.horizon_draws), series.shape[0])
    h = rng.integers(1, max_h + 1, size=u.size)
    target = t + h
    x = feats[u, t]
    own36, near12 = FEATURES.index("own_36"), FEATURES.index("near_12")
    quiet = (x[:, own36] == 0) & (x[:, near12] == 0)
    keep = target <= max_target
    keep[keep] &= ~np.isnan(series[u[keep], target[keep]])
    keep &= ~np.isnan(x[:, FEATURES.index("own_3")])
    keep &= ~quiet | (rng.random(u.size) < config.quiet_keep)
    weight = np.where(quiet, 1.0 / config.quiet_keep, 1.0)
    rows = np.column_stack([x, h]).astype(np.float32)[keep]
    return rows, np.log1p(series[u[keep], target[keep]]), weight[keep], target[keep]


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, probs: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probs, cum, v)


def learned(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    k: int,
    context: UnitContext,
    config: LocatedConfig,
    dist: np.ndarray | None = None,
) -> np.ndarray | None:
    """``(units, horizons, n_draws)`` sorted draws of the learnt distribution of target ``k``
    (``NaN`` for a unit without data); ``None`` when the panel is too short to fit.
    ``dist``: the units' distance matrix when known."""
    with needs("forecast"):
        import lightgbm as lgb

    series = panel.values[:, :, k].astype(np.float64)
    dist = distance_matrix(context.places) if dist is None else dist
    feats = unit_features(series, context.jihadist, context.pairs, context.country,
                          context.places, dist)  # fmt: skip
    last, max_h = panel.n_months - 1, max(horizons)
    covered = np.flatnonzero(~np.isnan(series).all(axis=0))
    if covered.size <= config.holdout_months:
        return None
    cut = int(covered[-config.holdout_months - 1])  # the holdout: the last months with data
    rng = np.random.default_rng([seed, k, 7])
    x, y, w, _ = _training_rows(feats, series, (cut - config.train_months - max_h, cut - 1),
                                cut, max_h, config, rng)  # fmt: skip
    hx, hy, hw, target = _training_rows(feats, series, (cut - max_h, last - 1), last, max_h,
                                        config, rng)  # fmt: skip
    new = target > cut
    hx, hy, hw = hx[new], hy[new], hw[new]
    if len(y) < MIN_ROWS or len(hy) < config.min_bin:
        return None
    params = {**PARAMS, **config.params, "seed": seed}
    booster = lgb.train(params, lgb.Dataset(x, y, weight=w, params={"verbosity": -1}))
    pred = np.asarray(booster.predict(hx))
    splits = np.array_split(np.argsort(pred, kind="stable"), len(pred) // config.min_bin)
    edges = np.array([pred[s[-1]] for s in splits[:-1]])
    probs = (np.arange(n_draws) + 0.5) / n_draws
    errors = np.stack([_weighted_quantiles(hy[s] - pred[s], hw[s], probs) for s in splits])
    now = feats[:, last]
    out = np.full((len(series), len(horizons), n_draws), np.nan)
    for i, h in enumerate(horizons):
        p = np.asarray(booster.predict(np.column_stack([now, np.full(len(now), h)])))
        spread = errors[np.searchsorted(edges, p)]
        out[:, i] = np.maximum(np.round(np.expm1(p[:, None] + spread)), 0.0)
    out[np.isnan(now[:, FEATURES.index("own_3")])] = np.nan
    return out


def located(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    targets: Sequence[int],
    *,
    context: UnitContext,
    config: LocatedConfig | None = None,
) -> np.ndarray:
    """Draws ``(units, horizons, targets, n_draws)`` of the ``located`` model (module
    docstring), from ``panel`` (cut at the origin) and the units' ``context``; a unit without
    data gets ``NaN``. Reproducible: the same ``seed`` gives the same draws."""
    config = config or LocatedConfig()
    out = np.full((len(panel.units), len(horizons), len(targets), n_draws), np.nan)
    dist = distance_matrix(context.places) if config.learned_weight > 0 else None
    for j, k in enumerate(targets):
        pool = recent_pool(panel, n_draws, k, config, context.pairs)[:, None, :]
        fit = None
        if config.learned_weight > 0:
            fit = learned(panel, horizons, n_draws, seed, k, context, config, dist)
        if fit is None:
            out[:, :, j] = pool
        else:
            out[:, :, j] = config.learned_weight * fit + (1 - config.learned_weight) * pool
    return out


__all__ = [
    "LEVEL_CONFIGS",
    "LOCATED_VERSION",
    "LocatedConfig",
    "UnitContext",
    "learned",
    "located",
    "recent_pool",
]
