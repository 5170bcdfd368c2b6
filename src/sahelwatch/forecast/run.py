"""The entry point that turns a store into forecast samples at any level.

:func:`forecast` reads the store up to the origin and asks the country models
(:mod:`sahelwatch.forecast.models`) or the sub-national ones
(:mod:`sahelwatch.forecast.subnational`) for draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.data import TARGETS, draws_frame, load_country_panel, newest_covered_month
from sahelwatch.forecast.models import DEFAULT_MODEL, ModelConfig, forecast_array, model_version
from sahelwatch.forecast.ratio import BlendConfig
from sahelwatch.forecast.subnational import forecast_units
from sahelwatch.periods import add_months, parse_month
from sahelwatch.store import Store

FORECAST_LEVELS: tuple[str, ...] = ("country", "admin1", "admin2", "grid")
"""Levels :func:`forecast` serves: countries, admin-1 and admin-2 units (P-codes), PRIO-GRID
cells."""


def forecast(
    store: Store,
    level: str = "country",
    origin: str | date | None = None,
    horizons: Iterable[int] = range(1, 37),
    n_draws: int = 1000,
    seed: int = 0,
    *,
    targets: Sequence[str] = TARGETS,
    model: str = DEFAULT_MODEL,
    config: ModelConfig | BlendConfig | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
    countries: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Forecast fatalities of every unit of a level for months ``origin + h``, as samples.

    Parameters
    ----------
    store : the store; only months up to and including ``origin`` are read.
    level : ``country`` (every country of :func:`~sahelwatch.forecast.data.forecast_units`),
        ``admin1``, ``admin2`` or ``grid`` (PRIO-GRID cells); see
        :mod:`sahelwatch.forecast.subnational`.
    origin : the last month with data the forecast may use (``YYYY-MM``); default the newest
        month any release covers. A month without data is no data, not zero.
    horizons : months ahead, 1..36.
    n_draws : samples per unit, month and target (the VIEWS format uses 1,000).
    seed : the same seed gives the same samples.
    targets : among ``sb``, ``ns``, ``os``, ``total``.
    model : ``blend`` (the default model), ``ratio``, ``lgbm`` (the earlier LightGBM model)
        or a benchmark: ``zero``, ``last_historical``, ``bootstrap``, ``conflictology`` and, at
        grid level, ``conflictology_nb``. Below country level a country model is shared
        out; ``located`` is learnt on the units themselves.
    config : model settings (:class:`~sahelwatch.forecast.ratio.BlendConfig` or
        :class:`ModelConfig`; default: the model's defaults).
    workers, scheduler : where horizons run (see :func:`fan_out`).
    countries : Gleditsch-Ward codes whose units are forecast below country level (default
        the Sahel countries that have units at the level).
    progress : called with a line of text as the work goes on (country level: each target).

    Returns
    -------
    pandas.DataFrame
        Columns level, unit_id (Gleditsch-Ward code, P-code or gid), month (``YYYY-MM``),
        target, draw, value; ``attrs`` holds ``origin`` and ``model_version``.

    Examples
    --------
    >>> frame = forecast(store, origin="2026-02", horizons=[1], n_draws=100, targets=["total"])
    >>> frame.attrs["model_version"], len(frame)  # 191 countries x 100 draws
    ('blend-ratio-2', 19100)
    >>> float(frame.query("unit_id == 432")["value"].median())  # Mali, all deaths in 2026-03
    94.0
    """
    if level not in FORECAST_LEVELS:
        raise QueryError(f"unknown level '{level}'; use one of {', '.join(FORECAST_LEVELS)}.")
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise QueryError(f"unknown target {unknown[0]!r}; choose among {', '.join(TARGETS)}.")
    hs = [int(h) for h in horizons]
    if not hs or min(hs) < 1 or max(hs) > 36:
        raise QueryError("horizons must lie between 1 and 36 months.")
    if n_draws < 1:
        raise QueryError("n_draws must be at least 1.")
    if origin is None:
        origin_month = newest_covered_month(store)
    elif isinstance(origin, str):
        origin_month = parse_month(origin)
    else:
        origin_month = date(origin.year, origin.month, 1)
    k = [TARGETS.index(t) for t in targets]
    if level == "country":
        say = progress or (lambda _: None)
        panel = load_country_panel(store, until=origin_month)
        # One target at a time (progress), except LightGBM, whose fits serve every target.
        groups = [k] if model == "lgbm" else [[t] for t in k]
        parts = []
        for n, group in enumerate(groups, 1):
            names = ", ".join(TARGETS[t] for t in group)
            say(f"country {model} from {origin_month:%Y-%m}: {names} ({n}/{len(groups)}), "
                f"{len(panel.units)} countries x {len(hs)} months x {n_draws} draws")
            parts.append(forecast_array(panel, origin_month, hs, group, n_draws, seed, model,
                                        config, workers, scheduler))
        draws = np.concatenate(parts, axis=2)
        units, version = panel.units, model_version(model)
    else:
        units, draws, version = forecast_units(
            store, level, origin_month, hs, k, n_draws, seed, model, countries,
            config=config, workers=workers, scheduler=scheduler,
        )  # fmt: skip
    months = [add_months(origin_month, h) for h in hs]
    frame = draws_frame(level, units, months, list(targets), draws)
    frame.attrs.update(origin=f"{origin_month:%Y-%m}", model_version=version)
    return frame


__all__ = ["FORECAST_LEVELS", "forecast"]
