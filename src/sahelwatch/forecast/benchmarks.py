"""The benchmark models of the VIEWS 2023/24 Prediction Challenge, as sample forecasts.

Every benchmark takes a panel cut at the origin (its last month) and returns draws
``[unit, horizon, target, draw]``:

``zero``
    every draw 0.
``last_historical``
    Poisson draws with mean the unit's value in the origin month (if the origin month has no
    data, the newest month that has).
``bootstrap``
    draws taken with replacement from the values of *all* units in the last 240 months up to
    the origin (months without data are left out, not counted as zero).
``conflictology``
    the unit's own values in its last 12 months with data, repeated in order until there are
    ``n_draws`` draws (1,000 = 83 copies of each month plus one more of the four oldest).
``conflictology_nb`` (grid level)
    the same pool extended by the last 12 months with data of each of the unit's (up to 8)
    queen neighbours in the panel: the unit's own 12 values first, then each neighbour's, in
    the order of the neighbours' rows; repeated in order to ``n_draws``.

The draws do not depend on the horizon (except the Poisson noise). A unit with no data at all
up to the origin gets ``NaN`` draws: no data is not a forecast of zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from sahelwatch.forecast.data import CountryPanel

BenchmarkFn = Callable[[CountryPanel, Sequence[int], int, int, Sequence[int]], np.ndarray]

BOOTSTRAP_MONTHS = 240
CONFLICTOLOGY_MONTHS = 12


def _rng(seed: int, target: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, salt, target])


def zero(
    panel: CountryPanel, horizons: Sequence[int], n_draws: int, seed: int, targets: Sequence[int]
) -> np.ndarray:
    """All draws zero.

    Examples
    --------
    >>> from sahelwatch.forecast.data import load_country_panel
    >>> panel = load_country_panel(store)
    >>> zero(panel, [1, 2], 10, 0, [0]).shape  # countries, horizons, targets, draws
    (191, 2, 1, 10)
    """
    out = np.zeros((len(panel.units), len(horizons), len(targets), n_draws))
    out[~_has_data(panel, targets)[:, None, :].repeat(len(horizons), 1)] = np.nan
    return out


def last_historical(
    panel: CountryPanel, horizons: Sequence[int], n_draws: int, seed: int, targets: Sequence[int]
) -> np.ndarray:
    """Poisson draws around each unit's last observed value."""
    out = np.empty((len(panel.units), len(horizons), len(targets), n_draws))
    for j, k in enumerate(targets):
        last = last_known(panel.values[:, :, k])
        rng = _rng(seed, k, 1)
        lam = np.nan_to_num(last)[:, None, None]
        draws = rng.poisson(lam, size=(len(panel.units), len(horizons), n_draws)).astype(float)
        draws[np.isnan(last)] = np.nan
        out[:, :, j] = draws
    return out


def bootstrap(
    panel: CountryPanel, horizons: Sequence[int], n_draws: int, seed: int, targets: Sequence[int]
) -> np.ndarray:
    """Draws from the pooled values of all units over the last 240 months."""
    out = np.empty((len(panel.units), len(horizons), len(targets), n_draws))
    for j, k in enumerate(targets):
        window = panel.values[:, -BOOTSTRAP_MONTHS:, k]
        pool = window[~np.isnan(window)]
        if pool.size == 0:
            out[:, :, j] = np.nan
            continue
        rng = _rng(seed, k, 2)
        out[:, :, j] = rng.choice(pool, size=(len(panel.units), len(horizons), n_draws))
    out[~_has_data(panel, targets)[:, None, :].repeat(len(horizons), 1)] = np.nan
    return out


def conflictology(
    panel: CountryPanel, horizons: Sequence[int], n_draws: int, seed: int, targets: Sequence[int]
) -> np.ndarray:
    """Each unit's own last 12 months with data, as equally weighted draws."""
    return conflictology_neighbours(panel, horizons, n_draws, seed, targets, pairs=None)


def conflictology_neighbours(
    panel: CountryPanel,
    horizons: Sequence[int],
    n_draws: int,
    seed: int,
    targets: Sequence[int],
    *,
    pairs: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """Conflictology over the unit's own last 12 months with data and, when ``pairs`` (row,
    neighbour row) are given, those of its neighbours. A unit without data of its own gets
    ``NaN`` draws."""
    out = np.full((len(panel.units), len(horizons), len(targets), n_draws), np.nan)
    by_row: dict[int, list[int]] = {}
    if pairs is not None:
        for r, nb in zip(*pairs, strict=True):
            by_row.setdefault(int(r), []).append(int(nb))
    for j, k in enumerate(targets):
        recent = [_recent(row) for row in panel.values[:, :, k]]
        for u, own in enumerate(recent):
            if own.size == 0:
                continue
            pool = np.concatenate([own, *(recent[nb] for nb in by_row.get(u, []))])
            out[u, :, j] = np.resize(pool, n_draws)[None, :]
    return out


def _recent(series: np.ndarray) -> np.ndarray:
    """The last :data:`CONFLICTOLOGY_MONTHS` values of a series that are not ``NaN``."""
    return series[~np.isnan(series)][-CONFLICTOLOGY_MONTHS:]


BENCHMARKS: dict[str, BenchmarkFn] = {
    "zero": zero,
    "last_historical": last_historical,
    "bootstrap": bootstrap,
    "conflictology": conflictology,
}
"""Benchmark name -> function."""


def benchmarks_for(pairs: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, BenchmarkFn]:
    """The benchmarks of a level: :data:`BENCHMARKS`, plus ``conflictology_nb`` when the
    units' neighbour ``pairs`` (grid level) are given."""
    if pairs is None:
        return dict(BENCHMARKS)
    return {**BENCHMARKS, "conflictology_nb": partial(conflictology_neighbours, pairs=pairs)}


def last_known(series: np.ndarray) -> np.ndarray:
    """The newest non-missing value of each row of ``series`` (``NaN`` if none)."""
    known = ~np.isnan(series)
    idx = np.where(known, np.arange(series.shape[1]), -1).max(axis=1)
    out = series[np.arange(series.shape[0]), np.maximum(idx, 0)]
    return np.where(idx >= 0, out, np.nan)


def _has_data(panel: CountryPanel, targets: Sequence[int]) -> np.ndarray:
    return ~np.isnan(panel.values[:, :, list(targets)]).all(axis=1)
