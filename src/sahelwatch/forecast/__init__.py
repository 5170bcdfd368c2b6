"""Forecasts of fatalities per unit and month, as samples, with benchmarks and backtests.

::

    from sahelwatch.forecast import forecast, summarize, store_forecast, evaluate

    frame = forecast(store, level="country", origin="2025-02")   # 1,000 draws per unit-month
    cells = forecast(store, level="grid", origin="2026-01")      # PRIO-GRID cells (also admin1)
    table = summarize(frame)                                     # quantiles, P(>=1/25/100)
    store_forecast(store, frame, "2025-02", MODEL_VERSION)
    evaluate(store, "eval/")                                     # report.md + report.html

Modules: :mod:`~sahelwatch.forecast.data` (series from the store, forecast frames),
:mod:`~sahelwatch.forecast.benchmarks` (the VIEWS challenge benchmarks),
:mod:`~sahelwatch.forecast.ratio` (the default model, ``blend``),
:mod:`~sahelwatch.forecast.run` (:func:`forecast`, at every level),
:mod:`~sahelwatch.forecast.models` (the country models and the LightGBM model),
:mod:`~sahelwatch.forecast.record` (headlines and track records),
:mod:`~sahelwatch.forecast.subnational` (admin-1 and grid level),
:mod:`~sahelwatch.forecast.covariates` (GDELT, coups, VIEWS WDI/V-Dem),
:mod:`~sahelwatch.forecast.scores`, :mod:`~sahelwatch.forecast.backtest`,
:mod:`~sahelwatch.forecast.report`, :mod:`~sahelwatch.forecast.evaluation`,
:mod:`~sahelwatch.forecast.stored` (stored runs read back). Heavy libraries
(LightGBM, SciPy, Dask: the [forecast] and [dask] extras) are imported only when used.
"""

from __future__ import annotations

from sahelwatch.forecast.backtest import (
    CHALLENGE_WINDOWS,
    ROLLING_WINDOWS,
    TUNING_WINDOWS,
    Window,
    backtest,
    backtest_units,
    tune,
)
from sahelwatch.forecast.benchmarks import BENCHMARKS
from sahelwatch.forecast.data import (
    TARGETS,
    CountryPanel,
    load_country_panel,
    load_forecast,
    store_forecast,
    summarize,
)
from sahelwatch.forecast.evaluation import Evaluation, evaluate, load_evaluation, store_evaluation
from sahelwatch.forecast.models import DEFAULT_MODEL, MODEL_VERSION, ModelConfig
from sahelwatch.forecast.ratio import BlendConfig
from sahelwatch.forecast.record import headline, track_record
from sahelwatch.forecast.run import FORECAST_LEVELS, forecast
from sahelwatch.forecast.stored import forecast_runs, observed_history, pick_run, stored_summary
from sahelwatch.forecast.subnational import DOWNSCALE_VERSION

__all__ = [
    "BENCHMARKS",
    "CHALLENGE_WINDOWS",
    "DEFAULT_MODEL",
    "DOWNSCALE_VERSION",
    "FORECAST_LEVELS",
    "MODEL_VERSION",
    "ROLLING_WINDOWS",
    "TARGETS",
    "TUNING_WINDOWS",
    "BlendConfig",
    "CountryPanel",
    "Evaluation",
    "ModelConfig",
    "Window",
    "backtest",
    "backtest_units",
    "evaluate",
    "forecast",
    "forecast_runs",
    "headline",
    "load_country_panel",
    "load_evaluation",
    "load_forecast",
    "observed_history",
    "pick_run",
    "store_evaluation",
    "store_forecast",
    "stored_summary",
    "summarize",
    "track_record",
    "tune",
]
