"""Rolling-origin backtests, the challenge evaluation and the tuning of the model.

A window is a calendar year forecast from October of the year before, as in the VIEWS 2023/24
Prediction Challenge: features up to October, horizons 3..14 = January..December. At each origin
the data are cut there (:meth:`CountryPanel.until`) before anything is fitted.

* :data:`CHALLENGE_WINDOWS` (Y2019..Y2023) are scored against the challenge's actuals
  (``ged_sb``, bundled as ``data/views_cm_actuals_windows_2018_2024.csv.gz``).
* :data:`TUNING_WINDOWS` (Y2014..Y2017, total fatalities) are where :func:`tune` chooses the
  model's settings; they end before the first evaluation window begins, so the evaluation
  windows play no part in choosing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.data import TARGETS, load_country_panel, month_number
from sahelwatch.forecast.models import (
    HorizonTask,
    ModelConfig,
    _horizon_job,
    fan_out,
    forecast_array,
)
from sahelwatch.forecast.scores import score_all
from sahelwatch.periods import add_months
from sahelwatch.store import Store, bundled_file

MODELS: tuple[str, ...] = ("lgbm", "conflictology", "last_historical", "bootstrap", "zero")
"""The model and the four challenge benchmarks, in report order."""

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


CHALLENGE_WINDOWS: tuple[Window, ...] = tuple(challenge_window(y) for y in range(2019, 2024))
TUNING_WINDOWS: tuple[Window, ...] = tuple(challenge_window(y) for y in range(2014, 2018))


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
    config: ModelConfig | None = None,
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
    models : ``lgbm`` and/or benchmark names.
    horizons : restrict each window to these horizons (default: all of the window).
    actuals : unit_id, month, obs (and optionally window); default: the challenge's actuals
        for ``sb``, else the store's own series read up to the last window month.
    workers, scheduler : where the model's (window, horizon) fits run.

    Returns
    -------
    pandas.DataFrame
        One row per model, window, unit and month: horizon, obs, the scores of
        :func:`sahelwatch.forecast.scores.score_all`, and the draws' median, 5% and 95%
        quantiles.
    """
    k = TARGETS.index(target)
    last_origin = max(w.origin for w in windows)
    panel = load_country_panel(store, until=last_origin)
    if actuals is None:
        actuals = _default_actuals(store, windows, target)
    plan = [(w, [h for h in w.horizons if horizons is None or h in horizons]) for w in windows]
    results: dict[tuple[str, str], np.ndarray] = {}
    if "lgbm" in models:
        tasks = [HorizonTask(w.origin, h, (k,), n_draws, seed) for w, hs in plan for h in hs]
        out = fan_out(_horizon_job, (panel, config or ModelConfig()), tasks, workers, scheduler)
        i = 0
        for w, hs in plan:
            results["lgbm", w.name] = np.stack(out[i : i + len(hs)], axis=1)[:, :, 0]
            i += len(hs)
    for model in models:
        if model == "lgbm":
            continue
        for w, hs in plan:
            draws = forecast_array(panel, w.origin, hs, [k], n_draws, seed, model)
            results[model, w.name] = draws[:, :, 0]
    obs_index = actuals.set_index(["unit_id", "month"])["obs"]
    frames = []
    for (model, name), draws in results.items():
        w, hs = next((w, hs) for w, hs in plan if w.name == name)
        months = [add_months(w.origin, h) for h in hs]
        unit = np.repeat(panel.units, len(hs))
        month = np.tile(np.array(months, dtype=object), len(panel.units))
        keys = pd.MultiIndex.from_arrays([unit, month])
        obs = obs_index.reindex(keys).to_numpy(dtype=float)
        flat = draws.reshape(-1, draws.shape[-1])
        keep = ~np.isnan(obs) & ~np.isnan(flat).any(axis=1)
        horizon = np.tile(hs, len(panel.units))
        frames.append(score_rows(model, name, unit, month, horizon, obs, flat, keep, seed))
    return pd.concat(frames, ignore_index=True)


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
    from sahelwatch.forecast.data import newest_covered_month
    from sahelwatch.forecast.subnational import load_unit_panel

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
    that every model can forecast. ``models`` default: the model and every benchmark of the
    level. Returns rows as :func:`backtest` (``window`` is ``<level> <origin>``).
    """
    from sahelwatch.forecast.benchmarks import benchmarks_for
    from sahelwatch.forecast.data import newest_covered_month
    from sahelwatch.forecast.subnational import load_unit_panel, unit_draws

    k = TARGETS.index(target)
    origins = list(origins) if origins is not None else unit_origins(store, level, countries)
    truth = load_unit_panel(store, level, newest_covered_month(store), countries)
    if models is None:
        grid_pairs = truth.pairs if level == "grid" else None
        models = ("lgbm", *benchmarks_for(grid_pairs))
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
    return pd.concat(frames, ignore_index=True).assign(level=level)


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
    from sahelwatch.forecast.scores import SCORES

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


def tune(
    store: Store,
    grid: Sequence[ModelConfig] = TUNING_GRID,
    windows: Sequence[Window] = TUNING_WINDOWS,
    horizons: Sequence[int] = (3, 8, 14),
    target: str = "total",
    n_draws: int = 200,
    seed: int = 0,
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> pd.DataFrame:
    """Score each candidate setting on the tuning windows (never on evaluation windows).

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
            scores = backtest(store, windows, target, ("lgbm",), n_draws, seed, config,
                              horizons, workers=workers, scheduler=scheduler)
            scores = scores.merge(reference[key], on=key)  # the rows both can score
            name = (f"params={config.params or 'default'} train_months={config.train_months} "
                    f"baseline={config.baseline} monotone={config.monotone} "
                    f"min_bin={config.min_bin}")
        rows.append({"candidate": i - 1, "settings": name, "crps": scores["crps"].mean(),
                     "ign": scores["ign"].mean(), "mis90": scores["mis90"].mean(),
                     "n": len(scores)})
    return pd.DataFrame(rows).sort_values("crps").reset_index(drop=True)


@dataclass
class Evaluation:
    """What :func:`evaluate` computed and wrote."""

    scores: pd.DataFrame
    report_md: Path
    report_html: Path


def evaluate(
    store: Store,
    out_dir: str | Path,
    windows: Sequence[Window] = CHALLENGE_WINDOWS,
    n_draws: int = 1000,
    seed: int = 0,
    config: ModelConfig | None = None,
    horizons: Sequence[int] | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
    levels: Sequence[str] = ("country", "admin1", "grid"),
    unit_n_draws: int = 200,
    unit_horizons: Sequence[int] = (1, 2, 3),
) -> Evaluation:
    """Backtest the model and the benchmarks on the challenge windows and write the report.

    Writes ``report.md``, ``report.html`` and ``scores.csv.gz`` (every unit-month's scores)
    into ``out_dir``. ``horizons`` restricts the windows (for quick checks); the other
    parameters are those of :func:`backtest`. ``levels`` other than ``country`` add rolling-
    origin backtests of total fatalities (:func:`backtest_units`, Sahel units, every origin
    with located data) with ``unit_n_draws`` draws and ``unit_horizons``.

    Examples
    --------
    >>> evaluate(store, "eval/").report_md                        # doctest: +SKIP
    PosixPath('eval/report.md')
    """
    from sahelwatch.forecast.report import write_report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    if "country" in levels:
        parts.append(backtest(
            store, windows, "sb", MODELS, n_draws, seed, config, horizons,
            workers=workers, scheduler=scheduler,
        ).assign(level="country"))  # fmt: skip
    for level in (lv for lv in levels if lv != "country"):
        parts.append(backtest_units(
            store, level, horizons=unit_horizons, n_draws=unit_n_draws, seed=seed,
            config=config, workers=workers, scheduler=scheduler,
        ))  # fmt: skip
    if not parts:
        raise QueryError("evaluate needs at least one level: country, admin1 or grid.")
    scores = pd.concat(parts, ignore_index=True)
    scores.to_csv(out / "scores.csv.gz", index=False)
    md, html = write_report(scores, out, n_draws=n_draws, seed=seed)
    return Evaluation(scores, md, html)


EVALUATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS evaluations (
    created_at TIMESTAMP NOT NULL, level VARCHAR NOT NULL, model VARCHAR NOT NULL,
    windows VARCHAR NOT NULL, n_draws INTEGER NOT NULL, seed INTEGER NOT NULL,
    crps DOUBLE, ign DOUBLE, mis90 DOUBLE, unit_months BIGINT NOT NULL)
"""


def store_evaluation(store: Store, scores: pd.DataFrame, n_draws: int, seed: int) -> int:
    """Keep the mean scores of an evaluation (per level and model) in the store's
    ``evaluations`` table, for briefs and dashboards; returns the rows written."""
    scores = scores if "level" in scores else scores.assign(level="country")
    summary = summary_table(scores, by=("level", "model"))
    windows = scores.groupby("level")["window"].agg(lambda w: ", ".join(sorted(set(w))))
    summary["windows"] = summary["level"].map(windows)
    store.con.execute(EVALUATIONS_SCHEMA)
    store.con.register("sw_evaluation", summary)
    store.con.execute(
        "INSERT INTO evaluations SELECT now(), level, model, windows, ?, ?, crps, ign, mis90, n "
        "FROM sw_evaluation",
        [n_draws, seed],
    )
    store.con.unregister("sw_evaluation")
    return len(summary)


def load_evaluation(store: Store, level: str = "country") -> pd.DataFrame:
    """The newest stored evaluation of a level (one row per model); empty when none."""
    if not store.has_table("evaluations"):
        return pd.DataFrame(columns=["model", "windows", "n_draws", "seed", "crps", "ign"])
    return store.con.execute(
        "SELECT * FROM evaluations WHERE level = ? AND created_at = "
        "(SELECT max(created_at) FROM evaluations WHERE level = ?) ORDER BY crps",
        [level, level],
    ).df()
