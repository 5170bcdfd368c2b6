"""Issue 14's sub-national target: the learnt ``located`` model against the benchmarks.

At each of admin-1, admin-2 and PRIO-GRID level, the units of Mali, Burkina Faso and Niger are
forecast from rolling origins every December 2016..2022 (:data:`UNIT_ORIGINS`), 1 to 12 months
ahead, total fatalities, from the located history cut at each origin
(:func:`sahelwatch.forecast.backtest.backtest_units`). The models: ``located``
(:mod:`sahelwatch.forecast.located`), ``zero``, ``conflictology`` (own last 12 values),
``conflictology_nb`` (grid: with the 8 neighbouring cells' values), and the share-out of the
country model (:data:`SHARE_OUT`). Target: the model's mean CRPS at most
:data:`~sahelwatch.forecast.scores.TARGET_RATIO` times the best benchmark's at that level.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from sahelwatch.forecast.backtest import backtest_units
from sahelwatch.forecast.reach import reach
from sahelwatch.forecast.scores import TARGET_RATIO
from sahelwatch.store import Store

UNIT_LEVELS: tuple[str, ...] = ("admin1", "admin2", "grid")
"""Sub-national levels of the target."""
UNIT_COUNTRIES: tuple[int, ...] = (432, 439, 436)
"""Mali, Burkina Faso, Niger (Gleditsch-Ward)."""
UNIT_ORIGINS: tuple[date, ...] = tuple(date(y, 12, 1) for y in range(2016, 2023))
"""Rolling origins of the target: December 2016 .. December 2022."""
UNIT_HORIZONS: tuple[int, ...] = tuple(range(1, 13))
"""Horizons of the target (months)."""
MODEL = "located"
"""The learnt sub-national model the target judges."""
SHARE_OUT = "blend"
"""The country model whose share-out over the units is a benchmark."""
LEVEL_NAMES = {"admin1": "Admin-1", "admin2": "Admin-2", "grid": "PRIO-GRID"}


def unit_models(level: str) -> tuple[str, ...]:
    """The model and the benchmarks scored at ``level`` (``conflictology_nb`` at grid level)."""
    bench = [m for m in ("zero", "conflictology", "conflictology_nb")
             if m != "conflictology_nb" or level == "grid"]  # fmt: skip
    return (MODEL, *bench, SHARE_OUT)


def backtest_level(
    store: Store,
    level: str,
    n_draws: int = 200,
    seed: int = 0,
    origins: Sequence[date] = UNIT_ORIGINS,
    horizons: Sequence[int] = UNIT_HORIZONS,
    **options: Any,
) -> pd.DataFrame:
    """Scores of :func:`unit_models` at ``level`` (rows as
    :func:`~sahelwatch.forecast.backtest.backtest_units`); ``options`` go to it."""
    return backtest_units(
        store, level, origins=origins, horizons=horizons, models=unit_models(level),
        n_draws=n_draws, seed=seed, countries=UNIT_COUNTRIES, **options,
    )  # fmt: skip


def unit_target_lines(scores: pd.DataFrame) -> list[str]:
    """One line per sub-national level in ``scores`` (a ``level`` column), starting ``met`` or
    ``MISSED``: the model's mean CRPS against the best benchmark's."""
    lines = []
    for level, rows in scores.groupby("level", sort=False):
        crps = rows.groupby("model")["crps"].mean()
        name = LEVEL_NAMES.get(str(level), str(level))
        bench = crps.drop(MODEL, errors="ignore")
        if MODEL not in crps or bench.empty:
            lines.append(f"MISSED: {name}: the {MODEL} model and a benchmark must be scored.")
            continue
        best = str(bench.idxmin())
        ratio = crps[MODEL] / bench[best] if bench[best] > 0 else float("inf")
        met = ratio <= TARGET_RATIO
        windows = sorted(rows["window"].str.split(" ").str[-1].unique())
        lines.append(
            f"{'met' if met else 'MISSED'}: {name} (Mali, Burkina Faso, Niger), origins "
            f"{windows[0]}..{windows[-1]}, horizons {rows['horizon'].min()}-"
            f"{rows['horizon'].max()}: mean CRPS of the {MODEL} model {crps[MODEL]:.3f} = "
            f"{ratio:.2f} x the best benchmark, {best} ({bench[best]:.3f}); target "
            f"<= {TARGET_RATIO:.2f}."
        )
        split = None if met else reach(rows, MODEL, best)
        lines += [split.text(f"the {MODEL} model", best)] if split else []
    return lines


__all__ = [
    "MODEL",
    "SHARE_OUT",
    "UNIT_COUNTRIES",
    "UNIT_HORIZONS",
    "UNIT_LEVELS",
    "UNIT_ORIGINS",
    "backtest_level",
    "unit_models",
    "unit_target_lines",
]
