"""Choose the settings of the sub-national ``located`` model on the tuning origins only.

Usage::

    nice -n 10 .venv/bin/python benchmarks/tune_located.py [--db STORE] [--level grid ...]
        [--draws 100]

For each level (admin-1, admin-2, PRIO-GRID), the unit panel is read once up to 2015-12 (the
last target month of the tuning origins 2009-12..2014-12, horizons 1-12: nothing of the
evaluation origins 2016-12..2022-12 is read) and every candidate of the grid below is scored
(mean CRPS of total fatalities, ``--draws`` mid-quantile draws) against the level's benchmarks
(those of :func:`sahelwatch.forecast.subnational_eval.unit_models`). A candidate is a recent
pool (months, neighbours, trend) quantile-averaged with the learnt distribution at a weight
(:mod:`sahelwatch.forecast.located`); the learnt draws are computed once per origin and shared
by the candidates.

Two scorings: the units of Mali, Burkina Faso and Niger (the evaluation's units, quiet before
2015) and, where the located history allows, also those of neighbours whose violence grew in
those years (grid: Nigeria, GED 20.1, Boko Haram; admin-1: Côte d'Ivoire and Senegal, which have
bundled admin-1 boundaries), the panel the model is fitted on then holding them too. The
chosen candidate of a level has the lowest mean, over the scorings, of its CRPS over the best
benchmark's. Without ``--db`` a store is built from the bundled data in a temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from bundled_store import given_or_bundled

from sahelwatch.forecast.benchmarks import benchmarks_for
from sahelwatch.forecast.data import TARGETS
from sahelwatch.forecast.located import LocatedConfig, learned, recent_pool
from sahelwatch.forecast.scores import crps_ensemble
from sahelwatch.forecast.subnational import load_unit_panel
from sahelwatch.forecast.subnational_eval import UNIT_COUNTRIES, unit_models
from sahelwatch.forecast.unit_features import distance_matrix
from sahelwatch.store import Store

TUNING_ORIGINS = tuple(date(y, 12, 1) for y in range(2009, 2015))
LAST_TARGET = date(2015, 12, 1)
HORIZONS = list(range(1, 13))
FIRST_MONTH = date(1989, 1, 1)
EXTRA_COUNTRIES = {"grid": (475,), "admin1": (437, 433), "admin2": ()}
POOLS = [
    LocatedConfig(pool_months=m, neighbours=nb, trend=tr)
    for m, nb, tr in itertools.product((12, 24), (False, True), (0.0, 0.5, 1.0, 1.5))
]
WEIGHTS = (0.2, 0.35, 0.5, 0.65, 0.8)
LEARNT = {
    "train 120, holdout 24": LocatedConfig(),
    "train 180, holdout 24": LocatedConfig(train_months=180),
    "train 120, holdout 36": LocatedConfig(holdout_months=36),
    "300 trees": LocatedConfig(params={"num_iterations": 300}),
}


def pool_name(config: LocatedConfig) -> str:
    """A short name of a pool's settings."""
    nb = "+nb" if config.neighbours else ""
    return f"pool {config.pool_months}{nb} trend {config.trend}"


def score_level(store: Store, level: str, countries: tuple[int, ...], n_draws: int
                ) -> dict[str, dict[str, float]]:  # fmt: skip
    """Mean CRPS of every candidate and benchmark: ``{scoring: {name: crps}}``."""
    months = (LAST_TARGET.year - FIRST_MONTH.year) * 12 + LAST_TARGET.month
    up = load_unit_panel(store, level, LAST_TARGET, countries, months=months)
    k = TARGETS.index("total")
    benches = {m: f for m, f in benchmarks_for(up.pairs if level == "grid" else None).items()
               if m in unit_models(level)}  # fmt: skip
    dist = distance_matrix(up.places)
    scorings = {"Mali, Burkina Faso, Niger": np.isin(up.country, UNIT_COUNTRIES)}
    if set(countries) - set(UNIT_COUNTRIES):
        scorings["with neighbours"] = np.ones(len(up.country), dtype=bool)
    crps: dict[str, dict[str, list[np.ndarray]]] = {s: {} for s in scorings}
    for origin in TUNING_ORIGINS:
        cut = up.until(origin)
        n = cut.panel.n_months
        obs = np.stack([up.panel.values[:, n - 1 + h, k] for h in HORIZONS], axis=1)
        draws = {m: np.sort(f(cut.panel, HORIZONS, n_draws, 0, [k])[:, :, 0], axis=-1)
                 for m, f in benches.items()}  # fmt: skip
        fits = {name: learned(cut.panel, HORIZONS, n_draws, 0, k, cut.context(), c, dist)
                for name, c in LEARNT.items()}  # fmt: skip
        for config in POOLS:
            pool = recent_pool(cut.panel, n_draws, k, config, up.pairs)[:, None, :]
            draws[f"{pool_name(config)}, learnt 0"] = np.broadcast_to(
                pool, obs.shape + pool.shape[-1:]
            )
            for (fit_name, fit), w in itertools.product(fits.items(), WEIGHTS):
                if fit is not None:
                    draws[f"{pool_name(config)}, learnt {w} ({fit_name})"] = (
                        w * fit + (1 - w) * pool
                    )
        for scoring, units in scorings.items():
            keep = ~np.isnan(obs) & units[:, None]
            for d in draws.values():
                keep &= ~np.isnan(d).any(axis=-1)
            for name, d in draws.items():
                crps[scoring].setdefault(name, []).append(crps_ensemble(obs[keep], d[keep]))
    return {s: {m: float(np.concatenate(v).mean()) for m, v in by.items()}
            for s, by in crps.items()}  # fmt: skip


def report(level: str, scores: dict[str, dict[str, float]], benches: list[str]) -> str:
    """The table of a level and its chosen candidate."""
    ratios: dict[str, list[float]] = {}
    lines = [f"== {level}"]
    for scoring, by in scores.items():
        best = min(benches, key=lambda m: by[m])
        lines.append(f"  {scoring}: " + ", ".join(f"{m} {by[m]:.4f}" for m in benches)
                     + f" (best: {best})")  # fmt: skip
        for name, value in by.items():
            if name not in benches:
                ratios.setdefault(name, []).append(value / by[best])
    ranked = sorted(ratios, key=lambda name: float(np.mean(ratios[name])))
    for name in ranked[:8]:
        per = ", ".join(f"{r:.3f}" for r in ratios[name])
        lines.append(f"  {np.mean(ratios[name]):.3f} x best benchmark ({per}): {name}")
    lines.append(f"  chosen: {ranked[0]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a store (default: build one from the bundle)")
    parser.add_argument("--level", action="append", choices=["admin1", "admin2", "grid"])
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = given_or_bundled(args.db, tmp)
        with Store(path, read_only=True) as store:
            for level in args.level or ["admin1", "admin2", "grid"]:
                start = time.perf_counter()
                countries = UNIT_COUNTRIES + EXTRA_COUNTRIES[level]
                scores = score_level(store, level, countries, args.draws)
                benches = [m for m in unit_models(level) if m in next(iter(scores.values()))]
                print(report(level, scores, benches), flush=True)
                print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
