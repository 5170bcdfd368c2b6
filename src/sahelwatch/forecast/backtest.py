"""Rolling-origin backtests, the challenge evaluation and the tuning of the model.

A window is a calendar year forecast from October of the year before, as in the VIEWS 2023/24
Prediction Challenge: features up to October, horizons 3..14 = January..December. At each origin
the data are cut there (:meth:`CountryPanel.until`) before anything is fitted.

* :data:`CHALLENGE_WINDOWS` (Y2018..Y2024) are scored against the challenge's actuals
  (``ged_sb``, bundled as ``data/views_cm_actuals_windows_2018_2024.csv.gz``; Y2024 holds
  January-April only, and Y2018 cannot be scored in our data: ``sb`` history starts 2017-11,
  after its origin).
* :data:`ROLLING_WINDOWS`: total fatalities, origins every 6 months 2010-06..2023-12, horizons
  1..12, scored against the store's own series.
* :data:`TUNING_WINDOWS` (Y2014..Y2017, total fatalities) are where :func:`tune` chose the
  LightGBM model's settings, :data:`BLEND_TUNING_WINDOWS` (Y2006..Y2017) the default model's;
  they end before the first challenge window begins, so those windows play no part in
  choosing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.benchmarks import benchmarks_for
from sahelwatch.forecast.data import TARGETS, load_country_panel, month_number, newest_covered_month
from sahelwatch.forecast.models import (
    DEFAULT_MODEL,
    HorizonTask,
    ModelConfig,
    _horizon_job,
    fan_out,
    forecast_array,
)
from sahelwatch.forecast.ratio import BlendConfig
from sahelwatch.forecast.scores import SCORES, score_all
from sahelwatch.forecast.subnational import load_unit_panel, unit_draws
from sahelwatch.periods import add_months
from sahelwatch.store import Store, bundled_file

MODELS: tuple[str, ...] = (
    DEFAULT_MODEL, "ratio", "conflictology", "last_historical", "bootstrap", "zero"
)
"""The model, its scale-free part and the four challenge benchmarks, in report order (the
LightGBM model, ``lgbm``, is scored when asked for: it costs a minute per window)."""
Config = ModelConfig | BlendConfig

ACTUALS_FILE = "views_cm_actuals_windows_2018_2024.csv.gz"


@dataclass(frozen=True)
class Window:
    """An evaluation window: forecasts made at ``origin`` for ``months``."""

    name: str
    origin: date
    months: tuple[date, ...]

    @property
    def horizons(self) -> list[int]:
        """Months ahead of the origin, one per month of the window."""
        return [month_number(m) - month_number(self.origin) for m in self.months]


def challenge_window(year: int) -> Window:
    """Window ``Y<year>``: origin October of ``year - 1``, months January..December ``year``."""
    return Window(f"Y{year}", date(year - 1, 10, 1), tuple(date(year, m, 1) for m in range(1, 13)))


def rolling_window(origin: date, horizons: int = 12) -> Window:
    """The months 1..``horizons`` after ``origin``, forecast from ``origin`` (named after it)."""
    months = tuple(add_months(origin, h) for h in range(1, horizons + 1))
    return Window(f"{origin:%Y-%m}", origin, months)


CHALLENGE_WINDOWS: tuple[Window, ...] = tuple(challenge_window(y) for y in range(2018, 2025))
TUNING_WINDOWS: tuple[Window, ...] = tuple(challenge_window(y) for y in range(2014, 2018))
ROLLING_WINDOWS: tuple[Window, ...] = tuple(
    rolling_window(add_months(date(2010, 6, 1), 6 * i)) for i in range(28)
)
"""Total fatalities from origins 2010-06, 2010-12, ..., 2023-12, horizons 1..12."""


def load_actuals() -> pd.DataFrame:
    """The challenge's actuals: unit_id, month (date), window, obs (``ged_sb``)."""
    raw = pd.read_csv(bundled_file(ACTUALS_FILE))
    month_id = raw["month_id"].to_numpy()
    return pd.DataFrame(
        {
            "unit_id": raw["gwcode"].astype(np.int64),
            "month": [add_months(date(1980, 1, 1), int(i) - 1) for i in month_id],
            "window": raw["window"].astype(str),
            "obs": raw["ged_sb_actual"].astype(float),
        }
    )


def backtest(
    store: Store,
    windows: Sequence[Window] = CHALLENGE_WINDOWS,
    target: str = "sb",
    models: Sequence[str] = MODELS,
    n_draws: int = 1000,
    seed: int = 0,
    config: Config | None = None,
    horizons: Sequence[int] | None = None,
    actuals: pd.DataFrame | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> pd.DataFrame:
    """Forecast every window from data cut at its origin and score each unit-month.

    Parameters
    ----------
    windows : the windows; each is forecast from its own origin.
    target : the series scored (``sb`` for the challenge).
    models : model names (``blend``, ``ratio``, ``lgbm``) and/or benchmark names.
    config : settings of the models of its kind (see :func:`forecast_array`).
    horizons : restrict each window to these horizons (default: all of the window).
    actuals : unit_id, month, obs (and optionally window); default: the challenge's actuals
        for ``sb``, else the store's own series read up to the last window month.
    workers, scheduler : where the model's (window, horizon) fits run.

    Returns
    -------
    pandas.DataFrame
        One row per model, window, unit and month: horizon, obs, the scores of
        :func:`sahelwatch.forecast.scores.score_all`, the draws' median, 5% and 95%
        quantiles, and ``target``. Every model is scored on the same unit-months: those with
        an observation that every model forecasts.
    """
    k = TARGETS.index(target)
    last_origin = max(w.origin for w in windows)
    panel = load_country_panel(store, until=last_origin)
    if actuals is None:
        actuals = _default_actuals(store, windows, target)
    plan = [(w, [h for h in w.horizons if horizons is None or h in horizons]) for w in windows]
    results: dict[tuple[str, str], np.ndarray] = {}
    if "lgbm" in models:
        settings = config if isinstance(config, ModelConfig) else ModelConfig()
        tasks = [HorizonTask(w.origin, h, (k,), n_draws, seed) for w, hs in plan for h in hs]
        out = fan_out(_horizon_job, (panel, settings), tasks, workers, scheduler)
        i = 0
        for w, hs in plan:
            results["lgbm", w.name] = np.stack(out[i : i + len(hs)], axis=1)[:, :, 0]
            i += len(hs)
    for model in models:
        if model == "lgbm":
            continue
        for w, hs in plan:
            if hs:
                draws = forecast_array(panel, w.origin, hs, [k], n_draws, seed, model, config)
                results[model, w.name] = draws[:, :, 0]
    obs_index = actuals.set_index(["unit_id", "month"])["obs"]
    frames = []
    for w, hs in plan:
        mine = {m: d.reshape(-1, n_draws) for (m, name), d in results.items() if name == w.name}
        if not mine:
            continue
        months = [add_months(w.origin, h) for h in hs]
        unit = np.repeat(panel.units, len(hs))
        month = np.tile(np.array(months, dtype=object), len(panel.units))
        keys = pd.MultiIndex.from_arrays([unit, month])
        obs = obs_index.reindex(keys).to_numpy(dtype=float)
        keep = ~np.isnan(obs)
        for flat in mine.values():
            keep &= ~np.isnan(flat).any(axis=1)
        if not keep.any():
            continue
        horizon = np.tile(hs, len(panel.units))
        for model, flat in mine.items():
            frames.append(score_rows(model, w.name, unit, month, horizon, obs, flat, keep, seed))
    return pd.concat(frames, ignore_index=True).assign(target=target)


def score_rows(
    model: str,
    window: str,
    unit: np.ndarray,
    month: np.ndarray,
    horizon: np.ndarray,
    obs: np.ndarray,
    draws: np.ndarray,
    keep: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """The scored rows (``keep``) of one model and window: one row per unit-month with its
    scores and the draws' median, 5% and 95% quantiles."""
    scores = score_all(obs[keep], draws[keep], seed=seed)
    q05, q50, q95 = np.quantile(draws[keep], [0.05, 0.5, 0.95], axis=1)
    return pd.DataFrame(
        {
            "model": model,
            "window": window,
            "unit_id": unit[keep],
            "month": month[keep],
            "horizon": horizon[keep],
            "obs": obs[keep],
            **scores,
            "q05": q05,
            "q50": q50,
            "q95": q95,
        }
    )


def unit_origins(store: Store, level: str, countries: Sequence[int] | None = None) -> list[date]:
    """Default origins of sub-national backtests: every month with located data (in the last
    :data:`~sahelwatch.forecast.subnational.PANEL_MONTHS`) that a later month with located
    data follows."""
    up = load_unit_panel(store, level, newest_covered_month(store), countries)
    covered = np.flatnonzero(~np.isnan(up.panel.values[:, :, 0]).all(axis=0))
    return [up.panel.month(int(i)) for i in covered[:-1]]


def backtest_units(
    store: Store,
    level: str,
    origins: Sequence[date] | None = None,
    horizons: Sequence[int] = (1, 2, 3),
    target: str = "total",
    models: Sequence[str] | None = None,
    n_draws: int = 200,
    seed: int = 0,
    config: ModelConfig | None = None,
    countries: Sequence[int] | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest at ``admin1`` or ``grid`` level, data cut at each origin.

    Every model is scored on the same unit-months: those with an observation (a located month)
    that every model can forecast. ``models`` default: the default model (shared out) and every
    benchmark of the level. Returns rows as :func:`backtest` (``window`` is ``<level> <origin>``).
    """
    k = TARGETS.index(target)
    origins = list(origins) if origins is not None else unit_origins(store, level, countries)
    truth = load_unit_panel(store, level, newest_covered_month(store), countries)
    if models is None:
        grid_pairs = truth.pairs if level == "grid" else None
        models = (DEFAULT_MODEL, *benchmarks_for(grid_pairs))
    world = load_country_panel(store, until=max(origins)) if origins else None
    frames = []
    for origin in origins:
        hs = [h for h in horizons if add_months(origin, h) <= truth.panel.end]
        if not hs:
            continue
        cols = [truth.panel.index(add_months(origin, h)) for h in hs]
        obs = truth.panel.values[:, cols, k].reshape(-1)
        draws = {
            m: unit_draws(store, truth, origin, hs, [k], n_draws, seed, m, world,
                          config=config, workers=workers, scheduler=scheduler)[:, :, 0]
            .reshape(len(obs), n_draws)
            for m in models
        }  # fmt: skip
        keep = ~np.isnan(obs)
        for flat in draws.values():
            keep &= ~np.isnan(flat).any(axis=1)
        unit = np.repeat(truth.panel.units, len(hs))
        month = np.tile(np.array([add_months(origin, h) for h in hs], dtype=object),
                        len(truth.panel.units))
        horizon = np.tile(hs, len(truth.panel.units))
        name = f"{level} {origin:%Y-%m}"
        for m, flat in draws.items():
            frames.append(score_rows(m, name, unit, month, horizon, obs, flat, keep, seed))
    if not frames:
        raise QueryError(f"no {level} unit-month after these origins can be scored.")
    return pd.concat(frames, ignore_index=True).assign(level=level, target=target)


def _default_actuals(store: Store, windows: Sequence[Window], target: str) -> pd.DataFrame:
    if target == "sb":
        views = load_actuals()
        names = {w.name for w in windows}
        if names <= set(views["window"]):
            return views[views["window"].isin(names)]
    last = max(max(w.months) for w in windows)
    truth = load_country_panel(store, until=last).frame()
    truth = truth[truth["target"] == target]
    return pd.DataFrame(
        {
            "unit_id": truth["unit_id"].to_numpy(),
            "month": [date(int(m[:4]), int(m[5:]), 1) for m in truth["month"]],
            "obs": truth["value"].to_numpy(),
        }
    )


def summary_table(scores: pd.DataFrame, by: Sequence[str] = ("window", "model")) -> pd.DataFrame:
    """Mean of every score by the given columns (and the number of unit-months)."""
    grouped = scores.groupby(list(by), sort=False, observed=True)
    out = grouped[list(SCORES)].mean()
    out["n"] = grouped.size()
    return out.reset_index()


# Every setting tried by `tune`, in the order tried (the last rounds refine the best of the
# first); the chosen one is the default `ModelConfig()`. A small grid: two cores.
_OLD: dict[str, Any] = {"monotone": False, "baseline": None}
TUNING_GRID: tuple[ModelConfig, ...] = (
    ModelConfig(train_months=None, **_OLD),
    ModelConfig(params={"num_leaves": 31}, train_months=None, **_OLD),
    ModelConfig(params={"min_data_in_leaf": 300}, train_months=None, **_OLD),
    ModelConfig(params={"num_leaves": 63, "min_data_in_leaf": 50}, train_months=None, **_OLD),
    ModelConfig(params={"num_iterations": 600, "learning_rate": 0.025}, train_months=None,
                **_OLD),
    ModelConfig(**_OLD),
    ModelConfig(monotone=False, baseline="mean3"),
    ModelConfig(monotone=False, baseline="mean12"),
    ModelConfig(monotone=False, baseline="last_known"),
    ModelConfig(monotone=False, baseline="last_known", min_bin=100),
    ModelConfig(baseline=None),
    ModelConfig(baseline=None, min_bin=100),
    ModelConfig(baseline="last_known", min_bin=100),
    ModelConfig(baseline="mean12", min_bin=100),
    ModelConfig(),
    ModelConfig(baseline="mean24", min_bin=100),
    ModelConfig(baseline="mean12", min_bin=50),
    ModelConfig(baseline="mean6", min_bin=100),
    ModelConfig(baseline="mean12", min_bin=100, params={"num_leaves": 31}),
)
# The settings of the ratio model and the blend weight tried by `tune` (the chosen one is
# `BlendConfig()`), on the longer tuning windows the model's low cost allows: first with the
# plain mean as the level (blend-ratio-1 chose 3 months, weight 0.4), then the geometric mean.
BLEND_GRID: tuple[BlendConfig, ...] = tuple(
    BlendConfig(level_months=k, min_bin=b, train_months=t, weight=w, geometric=False)
    for k, b, t in ((3, 2000, 240), (6, 2000, 240), (12, 2000, 240), (3, 1000, 240),
                    (3, 2000, 400))
    for w in (0.3, 0.4, 0.5, 0.7, 1.0)
) + tuple(
    BlendConfig(level_months=k, min_bin=b, train_months=t, weight=w)
    for k, b, t in ((2, 2000, 240), (3, 2000, 240), (4, 2000, 240), (6, 2000, 240),
                    (3, 1000, 240), (3, 4000, 240), (3, 2000, 400))
    for w in (0.3, 0.4, 0.5, 0.7)
)
BLEND_TUNING_WINDOWS: tuple[Window, ...] = tuple(challenge_window(y) for y in range(2006, 2018))
"""Origins 2005-10..2016-10 (total fatalities): where the blend's settings were chosen."""


def tune(
    store: Store,
    grid: Sequence[Config] = TUNING_GRID,
    windows: Sequence[Window] = TUNING_WINDOWS,
    horizons: Sequence[int] = (3, 8, 14),
    target: str = "total",
    n_draws: int = 200,
    seed: int = 0,
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> pd.DataFrame:
    """Score each candidate setting on the tuning windows (never on evaluation windows).

    A :class:`ModelConfig` is a setting of the LightGBM model, a :class:`BlendConfig` one of
    the ``blend`` model (the default; use ``grid=BLEND_GRID, windows=BLEND_TUNING_WINDOWS,
    horizons=(3, 6, 9, 12, 14)``).

    Returns
    -------
    pandas.DataFrame
        One row per candidate (and conflictology as a reference, candidate -1): its settings,
        mean CRPS, ignorance and interval score on the unit-months that conflictology can
        also score, sorted best first.
    """
    if max(max(w.months) for w in windows) >= min(w.months[0] for w in CHALLENGE_WINDOWS):
        raise ValueError("tuning windows must end before the first evaluation window")
    key = ["window", "unit_id", "month"]
    reference = backtest(store, windows, target, ("conflictology",), n_draws, seed,
                         horizons=horizons)
    rows = []
    for i, config in enumerate([None, *grid]):
        if config is None:
            scores, name = reference, "conflictology (reference)"
        else:
            model = "lgbm" if isinstance(config, ModelConfig) else "blend"
            scores = backtest(store, windows, target, (model,), n_draws, seed, config,
                              horizons, workers=workers, scheduler=scheduler)
            scores = scores.merge(reference[key], on=key)  # the rows both can score
            name = _settings(config)
        rows.append({"candidate": i - 1, "settings": name, "crps": scores["crps"].mean(),
                     "ign": scores["ign"].mean(), "mis90": scores["mis90"].mean(),
                     "n": len(scores)})
    return pd.DataFrame(rows).sort_values("crps").reset_index(drop=True)


def _settings(config: Config) -> str:
    if isinstance(config, BlendConfig):
        mean = "geometric" if config.geometric else "plain"
        return (f"blend weight={config.weight} level_months={config.level_months} ({mean} "
                f"mean) min_bin={config.min_bin} train_months={config.train_months}")
    return (f"params={config.params or 'default'} train_months={config.train_months} "
            f"baseline={config.baseline} monotone={config.monotone} min_bin={config.min_bin}")
