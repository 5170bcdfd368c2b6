"""The country forecasting models (:func:`forecast_array`); :mod:`sahelwatch.forecast.run` turns a
store into samples with them.

The default country model is ``blend`` (:mod:`sahelwatch.forecast.ratio`: a scale-free ratio
model averaged quantile by quantile with conflictology). This module also holds the earlier
LightGBM model, kept for comparison.

Model ``lgbm`` (``lgbm-direct``)
--------------------------------
One LightGBM regressor per horizon ``h`` (direct multi-step), pooled over all countries and the
four series (``sb``, ``ns``, ``os``, ``total``; the series is a feature), fitted on
``log1p(fatalities h months after the feature month)``. Features at month ``t`` use only months
up to ``t`` and skip months without data (means over the months that have data, never zeros
for no data); see :data:`FEATURES`.

The distribution comes from a second stage: the model is first fitted without the last
``VALIDATION_MONTHS`` feature months, and its errors on those months (on the log scale) are
kept, grouped into bins of the predicted value. The final model is refitted on all months;
each forecast draws errors from the bin of its prediction:
``draw = max(0, round(expm1(prediction + error)))``.

Everything a task needs is a :class:`CountryPanel` cut at the origin, so a forecast made at
origin ``T`` cannot see data after ``T``. Horizons (and origins, in backtests) are fanned out
over a local process pool or a Dask cluster (:func:`fan_out`).
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from sahelwatch.errors import QueryError
from sahelwatch.extras import needs
from sahelwatch.forecast import ratio as ratio_models
from sahelwatch.forecast.benchmarks import BENCHMARKS
from sahelwatch.forecast.data import (
    TARGETS,
    CountryPanel,
    month_number,
)
from sahelwatch.forecast.ratio import BLEND_VERSION, RATIO_VERSION, BlendConfig

DEFAULT_MODEL = "blend"
"""The model :func:`forecast` uses unless told otherwise."""
MODEL_VERSION = BLEND_VERSION
"""Version of the default model written with stored forecasts; change it when the model or its
settings change."""
LGBM_VERSION = "lgbm-direct-1"
"""Version of the LightGBM model."""
MODEL_VERSIONS: dict[str, str] = {"blend": BLEND_VERSION, "ratio": RATIO_VERSION,
                                  "lgbm": LGBM_VERSION}
"""Model name -> version stored with its forecasts (benchmarks: ``benchmark-<name>``)."""


def model_version(model: str) -> str:
    """The version stored with forecasts of ``model`` (a model or a benchmark's name)."""
    return MODEL_VERSIONS.get(model, f"benchmark-{model}")

VALIDATION_MONTHS = 24
MIN_HISTORY = 12
MEANS = (3, 6, 12, 24, 60, 120)
SINCE_CAP = 240

# With the defaults of `ModelConfig`, chosen by `sahelwatch.forecast.backtest.tune` on the
# tuning windows (origins 2013-10 .. 2016-10, total fatalities in 2014-2017), which end before
# the first evaluation window; see docs/forecasting.md for the grid and the scores.
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "regression",
    "learning_rate": 0.05,
    "num_iterations": 300,
    "num_leaves": 15,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
}


@dataclass(frozen=True)
class ModelConfig:
    """Settings of the ``lgbm-direct`` model.

    Attributes
    ----------
    params : LightGBM parameters (merged over :data:`DEFAULT_PARAMS`).
    train_months : feature months used for training, the newest (None: all); 240 was chosen
        by tuning.
    min_bin : least number of validation errors in one bin of the second stage.
    monotone : constrain the prediction to rise with every level feature (recent means,
        lags, maxima) and to fall with the months since the last fatalities; without it the
        few extreme wars in the training data (Rwanda 1994) teach the trees that the highest
        levels collapse, and a war like Syria's in 2013 is forecast at a hundredth of its level.
    baseline : None, or an own-series feature (``mean12``, the default, ``mean3``, ...): the model
        then learns ``log1p(y) - baseline``, a change from the recent level, which keeps large
        wars at their own scale instead of shrinking them towards the leaves' means.
    covariates : covariate sets of :mod:`sahelwatch.forecast.covariates` (``gdelt``,
        ``coups``, ``views``) appended to the features; none by default (the backtest on the
        tuning windows did not keep them, see docs/forecasting.md).
    """

    params: dict[str, Any] = field(default_factory=dict)
    train_months: int | None = 240
    min_bin: int = 300
    baseline: str | None = "mean12"
    monotone: bool = True
    covariates: tuple[str, ...] = ()

    def base(self, x: np.ndarray) -> np.ndarray:
        """The log-scale level the model predicts a change from (0 without a baseline)."""
        if self.baseline is None:
            return np.zeros(len(x))
        column = x[:, FEATURES.index(f"own_{self.baseline}")].astype(np.float64)
        fallback = x[:, FEATURES.index("own_last_known")].astype(np.float64)
        return np.nan_to_num(np.where(np.isnan(column), fallback, column))

    def lgbm_params(self, seed: int) -> dict[str, Any]:
        """LightGBM parameters for one fit: single-threaded and deterministic."""
        extra: dict[str, Any] = {}
        if self.monotone:
            from sahelwatch.forecast.covariates import covariate_names

            free = [0] * len(covariate_names(self.covariates))
            extra = {"monotone_constraints": monotone_constraints() + free,
                     "monotone_constraints_method": "intermediate"}
        return {
            **DEFAULT_PARAMS,
            **extra,
            **self.params,
            "num_threads": 1,
            "deterministic": True,
            "force_row_wise": True,
            "seed": seed,
            "verbosity": -1,
        }


# --- features ----------------------------------------------------------------------------------


def _own_features(series: np.ndarray) -> tuple[list[np.ndarray], list[str]]:
    """Features of one series per unit (rows) and month (columns)."""
    n_units, n_months = series.shape
    known = ~np.isnan(series)
    filled = np.where(known, series, 0.0)
    idx = np.arange(n_months)
    csum = np.concatenate([np.zeros((n_units, 1)), filled.cumsum(axis=1)], axis=1)
    ccount = np.concatenate([np.zeros((n_units, 1)), known.cumsum(axis=1)], axis=1)
    feats: list[np.ndarray] = []
    names: list[str] = []

    def lag(k: int) -> np.ndarray:
        out = np.full_like(series, np.nan)
        out[:, k:] = series[:, : n_months - k]
        return np.log1p(out)

    for k in (0, 1, 2):
        feats.append(lag(k))
        names.append(f"lag{k}")
    for w in MEANS:
        lo = np.maximum(idx + 1 - w, 0)
        total = csum[:, idx + 1] - csum[:, lo]
        count = ccount[:, idx + 1] - ccount[:, lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            feats.append(np.log1p(np.where(count > 0, total / count, np.nan)))
        names.append(f"mean{w}")
        if w in (12, 60):
            feats.append(count / w)
            names.append(f"known{w}")
    padded = np.concatenate([np.full((n_units, 11), np.nan), series], axis=1)
    window = np.lib.stride_tricks.sliding_window_view(padded, 12, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        feats.append(np.log1p(np.nanmax(window, axis=2)))
    names.append("max12")
    first = np.minimum.accumulate(np.where(known, idx, n_months), axis=1)
    for threshold in (1, 25, 100):
        hit = known & (series >= threshold)
        last_hit = np.maximum.accumulate(np.where(hit, idx, -1), axis=1)
        since = np.where(last_hit >= 0, idx - last_hit, idx - first + 1).astype(float)
        since[first > idx] = np.nan
        feats.append(np.minimum(since, SINCE_CAP))
        names.append(f"since{threshold}")
    last = np.maximum.accumulate(np.where(known, idx, -1), axis=1)
    last_value = np.take_along_axis(series, np.maximum(last, 0), axis=1)
    feats.append(np.log1p(np.where(last >= 0, last_value, np.nan)))
    names.append("last_known")
    feats.append(np.where(last >= 0, idx - last, np.nan).astype(float))
    names.append("age")
    return feats, names


def feature_tensor(panel: CountryPanel) -> tuple[np.ndarray, list[str]]:
    """Features of every unit, month and series: array ``(units, months, targets, features)``.

    Own-series features (``own_*``) describe the series being forecast; ``x_<target>_*``
    features describe each of the four series of the same country, and ``series`` is the
    index of the series in :data:`TARGETS`; the panel's covariates, if any, follow. All use
    months up to the feature month only.
    """
    n_units, n_months, n_targets = panel.values.shape
    per_target = [_own_features(panel.values[:, :, k]) for k in range(n_targets)]
    own_names = [f"own_{n}" for n in per_target[0][1]]
    pick = {"mean12": "mean12", "mean60": "mean60", "last_known": "last"}
    cross_names: list[str] = []
    cross: list[np.ndarray] = []
    for k, target in enumerate(TARGETS[:n_targets]):
        names = per_target[k][1]
        for key, short in pick.items():
            cross.append(per_target[k][0][names.index(key)])
            cross_names.append(f"x_{target}_{short}")
    base = len(own_names) + len(cross_names) + 1
    n_cov = len(panel.covariate_names)
    out = np.empty((n_units, n_months, n_targets, base + n_cov), dtype=np.float32)
    for k in range(n_targets):
        out[:, :, k, : len(own_names)] = np.stack(per_target[k][0], axis=-1)
        out[:, :, k, len(own_names) : base - 1] = np.stack(cross, axis=-1)
        out[:, :, k, base - 1] = k
        if n_cov and panel.covariates is not None:
            out[:, :, k, base:] = panel.covariates
    return out, [*own_names, *cross_names, "series", *panel.covariate_names]


FEATURES: tuple[str, ...] = tuple(
    feature_tensor(
        CountryPanel(np.zeros(1, np.int64), date(2000, 1, 1), np.zeros((1, 2, len(TARGETS))))
    )[1]
)
"""Names of the model's features, in column order."""


def monotone_constraints() -> list[int]:
    """+1 for level features, -1 for months-since features, 0 for the rest (see FEATURES)."""
    levels = ("lag", "mean", "max", "last")
    out = []
    for name in FEATURES:
        stem = "last" if name.endswith("last_known") else name.split("_")[-1]
        if stem.startswith("since"):
            out.append(-1)
        elif stem.startswith(levels):
            out.append(1)
        else:
            out.append(0)
    return out


# --- one horizon ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HorizonTask:
    """One fit: origin month, horizon, targets to forecast, draws and seed."""

    origin: date
    horizon: int
    targets: tuple[int, ...]
    n_draws: int
    seed: int


def _rows(
    feats: np.ndarray, values: np.ndarray, first: int, last: int, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training rows with feature months ``first..last`` and targets ``h`` months later."""
    x = feats[:, first : last + 1].reshape(-1, feats.shape[-1])
    y = values[:, first + h : last + h + 1].reshape(-1)
    keep = ~np.isnan(y)
    return x[keep], np.log1p(y[keep])


def _fit(x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> Any:
    with needs("forecast"):
        import lightgbm as lgb

    data = lgb.Dataset(x, y, free_raw_data=True, params={"verbosity": -1})
    return lgb.train(params, data)


def _error_bins(pred: np.ndarray, errors: np.ndarray, min_bin: int) -> tuple[np.ndarray, list]:
    """Upper edges of prediction bins and the sorted errors in each (at least ``min_bin``)."""
    order = np.argsort(pred, kind="stable")
    pred, errors = pred[order], errors[order]
    n_bins = max(1, len(pred) // max(min_bin, 1))
    splits = np.array_split(np.arange(len(pred)), n_bins)
    edges = np.array([pred[s[-1]] for s in splits[:-1]] + [np.inf])
    return edges, [np.sort(errors[s]) for s in splits]


def fit_predict(panel: CountryPanel, task: HorizonTask, config: ModelConfig) -> np.ndarray:
    """Fit the horizon-``h`` model at the task's origin and draw samples.

    Returns
    -------
    numpy.ndarray
        Draws ``(units, len(task.targets), n_draws)`` for month ``origin + h``.
    """
    panel = panel.until(task.origin)
    if config.covariates:
        from sahelwatch.forecast.covariates import with_covariates

        panel = with_covariates(panel, config.covariates)
    t = panel.index(task.origin)
    h = task.horizon
    feats, _ = feature_tensor(panel)
    values = panel.values
    last = t - h
    first = (
        MIN_HISTORY
        if config.train_months is None
        else max(MIN_HISTORY, last - config.train_months + 1)
    )
    if last < first + VALIDATION_MONTHS:
        raise QueryError(
            f"too little history before {task.origin:%Y-%m} to fit horizon {h}; "
            f"the panel starts {panel.start:%Y-%m}."
        )
    seed = int(
        np.random.SeedSequence([task.seed, month_number(task.origin), h]).generate_state(1)[0]
        % (2**31 - 1)
    )
    params = config.lgbm_params(seed)
    # Stage 2 errors: fit without the newest months, predict them.
    x_fit, y_fit = _rows(feats, values, first, last - VALIDATION_MONTHS, h)
    x_val, y_val = _rows(feats, values, last - VALIDATION_MONTHS + 1, last, h)
    early = _fit(x_fit, y_fit - config.base(x_fit), params)
    pred_val = config.base(x_val) + early.predict(x_val)
    edges, errors = _error_bins(pred_val, y_val - pred_val, config.min_bin)
    del early
    # Final model on every month.
    x_all, y_all = _rows(feats, values, first, last, h)
    model = _fit(x_all, y_all - config.base(x_all), params)
    ceiling = float(y_all.max()) + 1.0
    out = np.empty((len(panel.units), len(task.targets), task.n_draws))
    for j, k in enumerate(task.targets):
        x_now = feats[:, t, k].astype(np.float64)
        mu = config.base(x_now) + model.predict(x_now)
        rng = np.random.default_rng([task.seed, month_number(task.origin), h, k])
        bins = np.searchsorted(edges, mu, side="left")
        for b in np.unique(bins):
            rows = np.flatnonzero(bins == b)
            pool = errors[b]
            picks = pool[rng.integers(0, len(pool), size=(len(rows), task.n_draws))]
            logs = np.minimum(mu[rows, None] + picks, ceiling)
            out[rows, j] = np.maximum(np.round(np.expm1(logs)), 0.0)
    return out


def _horizon_job(payload: tuple[CountryPanel, ModelConfig], task: HorizonTask) -> np.ndarray:
    panel, config = payload
    return fit_predict(panel, task, config)


# --- fan-out -----------------------------------------------------------------------------------

_WORKER_PAYLOAD: Any = None


def _init_worker(payload: Any) -> None:
    global _WORKER_PAYLOAD
    _WORKER_PAYLOAD = payload


def _call_in_worker(fn: Callable[[Any, Any], Any], task: Any) -> Any:
    return fn(_WORKER_PAYLOAD, task)


def fan_out(
    fn: Callable[[Any, Any], Any],
    payload: Any,
    tasks: Iterable[Any],
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> list[Any]:
    """Run ``fn(payload, task)`` for every task and return the results in task order.

    Parameters
    ----------
    fn : a module-level function (it is pickled).
    payload : data shared by every task, sent once to each worker.
    workers : local worker processes (``spawn``ed); 1 runs in this process.
    scheduler : a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
        when given, tasks run on that cluster and ``workers`` is ignored.
    """
    tasks = list(tasks)
    if scheduler is not None:
        with needs("dask"):
            from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            shared = client.scatter(payload, broadcast=True)
            futures = [client.submit(fn, shared, task, pure=False) for task in tasks]
            return list(client.gather(futures))
        finally:
            if client is not scheduler:
                client.close()
    if workers <= 1 or len(tasks) <= 1:
        return [fn(payload, task) for task in tasks]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(payload,),
    ) as pool:
        return list(pool.map(_call_in_worker, [fn] * len(tasks), tasks))


# --- public entry point ------------------------------------------------------------------------


def forecast_array(
    panel: CountryPanel,
    origin: date,
    horizons: Sequence[int],
    targets: Sequence[int],
    n_draws: int,
    seed: int,
    model: str = DEFAULT_MODEL,
    config: ModelConfig | BlendConfig | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
) -> np.ndarray:
    """Draws ``(units, horizons, targets, n_draws)`` of ``model`` (``blend``, ``ratio``,
    ``lgbm`` or a benchmark name) made at ``origin`` from ``panel`` (cut at ``origin`` first).
    ``config`` is a :class:`~sahelwatch.forecast.ratio.BlendConfig` for ``blend`` and
    ``ratio``, a :class:`ModelConfig` for ``lgbm`` (the other kind is ignored)."""
    panel = panel.until(origin)
    if panel.end != origin:
        raise QueryError(f"the panel ends {panel.end:%Y-%m}, before the origin {origin:%Y-%m}.")
    if model in BENCHMARKS:
        return BENCHMARKS[model](panel, list(horizons), n_draws, seed, list(targets))
    if model in ("blend", "ratio"):
        settings = config if isinstance(config, BlendConfig) else None
        fn = ratio_models.blend if model == "blend" else ratio_models.ratio
        return fn(panel, list(horizons), n_draws, seed, list(targets), settings)
    if model != "lgbm":
        names = ", ".join([*MODEL_VERSIONS, *BENCHMARKS])
        raise QueryError(f"unknown model '{model}'; choose one of {names}.")
    config = config if isinstance(config, ModelConfig) else None
    tasks = [HorizonTask(origin, int(h), tuple(targets), n_draws, seed) for h in horizons]
    results = fan_out(_horizon_job, (panel, config or ModelConfig()), tasks, workers, scheduler)
    return np.stack(results, axis=1)


__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PARAMS",
    "FEATURES",
    "LGBM_VERSION",
    "MODEL_VERSION",
    "MODEL_VERSIONS",
    "HorizonTask",
    "ModelConfig",
    "fan_out",
    "feature_tensor",
    "fit_predict",
    "forecast_array",
    "model_version",
]
