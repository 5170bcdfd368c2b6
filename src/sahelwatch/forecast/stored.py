"""Stored forecasts read back: the runs, the run to show, summaries of their draws, and the
observed series they forecast.

A run is what :func:`sahelwatch.forecast.store_forecast` wrote for one origin, model version
and level. :func:`stored_summary` summarises the stored draws in SQL (as
:func:`~sahelwatch.forecast.summarize` does in memory), so a notebook and ``/api/forecasts``
read the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import NotFound
from sahelwatch.forecast.data import (
    DEFAULT_QUANTILES,
    TARGETS,
    THRESHOLDS,
    load_country_panel,
)
from sahelwatch.periods import format_month
from sahelwatch.samples import SUMMARY, listed_runs
from sahelwatch.store import Store

__all__ = [
    "BENCHMARK_PREFIX",
    "NoForecasts",
    "forecast_runs",
    "observed_history",
    "pick_run",
    "stored_summary",
    "unit_names",
]

#: Model versions of the benchmarks start with this.
BENCHMARK_PREFIX = "benchmark-"

_RUN_COLUMNS = [
    "origin", "model_version", "level", "created_at", "units", "first_month", "last_month",
    "targets", "draws", "benchmark",
]  # fmt: skip


class NoForecasts(NotFound):
    """The store holds no forecasts (matching the request)."""


def forecast_runs(store: Store) -> pd.DataFrame:
    """One row per stored run, newest origin first: ``origin``, ``model_version``, ``level``,
    ``created_at``, ``units``, ``first_month``, ``last_month``, ``targets``, ``draws`` and
    ``benchmark`` (a VIEWS challenge benchmark); months as ``YYYY-MM``. Empty without
    forecasts."""
    if not store.has_table("forecasts"):
        return pd.DataFrame(columns=_RUN_COLUMNS)
    sql = listed_runs(store) or (
        f"SELECT origin, model_version, level, {SUMMARY} FROM forecasts GROUP BY ALL "
        "ORDER BY origin DESC, model_version, level"
    )  # the list kept beside the sample files, else read from the samples
    runs = store.con.execute(sql).df()
    runs["benchmark"] = runs["model_version"].str.startswith(BENCHMARK_PREFIX)
    for column in ("origin", "first_month", "last_month"):
        runs[column] = pd.to_datetime(runs[column]).dt.strftime("%Y-%m")
    runs["created_at"] = pd.to_datetime(runs["created_at"]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return runs


def pick_run(
    runs: pd.DataFrame,
    origin: date | None,
    model: str | None,
    level: str,
    preferred: Sequence[str] = (),
) -> tuple[str, str, list[str]]:
    """The origin (``YYYY-MM``) and model version of the run asked for, and the benchmarks of
    the same origin and level.

    Parameters
    ----------
    runs : :func:`forecast_runs`.
    origin : the origin (default: the newest of the level).
    model : the model version (default: the first ``preferred`` version stored at the origin,
        else the model rather than a benchmark).

    Raises
    ------
    NoForecasts : no run matches.
    """
    mine = runs[runs["level"] == level]
    if mine.empty:
        raise NoForecasts(f"the store holds no {level}-level forecasts.")
    if origin is not None:
        mine = mine[mine["origin"] == format_month(origin)]
        if mine.empty:
            raise NoForecasts(f"the store holds no forecasts made at {format_month(origin)}.")
    chosen_origin = str(mine["origin"].max())
    mine = mine[mine["origin"] == chosen_origin]
    if model is not None:
        if model not in set(mine["model_version"]):
            held = ", ".join(sorted(mine["model_version"]))
            raise NoForecasts(f"no run of model '{model}' at {chosen_origin} (there are {held}).")
        chosen = model
    else:
        stored = set(mine["model_version"])
        models = mine[~mine["benchmark"]]["model_version"].tolist()
        fallback = sorted(models)[-1] if models else sorted(stored)[0]
        chosen = next((v for v in preferred if v in stored), fallback)
    benchmarks = sorted(
        m for m in mine["model_version"] if m != chosen and m.startswith(BENCHMARK_PREFIX)
    )
    return chosen_origin, chosen, benchmarks


def stored_summary(
    store: Store,
    origin: str,
    models: Sequence[str],
    level: str,
    units: Sequence[int | str] | None = None,
    targets: Sequence[str] = (),
    months: Sequence[date] = (),
    samples: bool = False,
) -> pd.DataFrame:
    """Mean, quantiles and exceedance probabilities of the stored draws of each model, unit,
    month and target of the runs made at ``origin`` (``YYYY-MM``) at ``level``.

    Parameters
    ----------
    units, targets, months : only these (default: all); units by P-code at admin levels.
    samples : add the draws themselves (``samples``, in draw order).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``model_version``, ``level``, ``unit_id`` (P-code at admin levels),
        ``month`` (``YYYY-MM``), ``target``, ``draws``, ``mean``, ``q05`` .. ``q95``
        (:data:`~sahelwatch.forecast.data.DEFAULT_QUANTILES`) and ``p_ge_1``, ``p_ge_25``,
        ``p_ge_100``.
    """
    params: dict[str, Any] = {
        "origin": date.fromisoformat(origin + "-01"),
        "models": list(models),
        "level": level,
        "q": list(DEFAULT_QUANTILES),
    }
    clauses = ["origin = $origin", "list_contains($models, model_version)", "level = $level"]
    admin = level.startswith("admin")
    if units:
        params["units"] = list(units)
        clauses.append(f"list_contains($units, {'unit_code' if admin else 'unit_id'})")
    if targets:
        params["targets"] = list(targets)
        clauses.append("list_contains($targets, target)")
    if months:
        params["months"] = list(months)
        clauses.append("list_contains($months, month)")
    probs = ", ".join(f"avg((value >= {t})::DOUBLE) AS p_ge_{t}" for t in THRESHOLDS)
    extra = ", list(value ORDER BY draw) AS samples" if samples else ""
    unit = "unit_code AS unit_id" if admin else "unit_id"  # P-codes
    frame = store.con.execute(
        f"SELECT model_version, {unit}, month, target, count(*) AS draws, avg(value) AS mean, "
        f"quantile_cont(value, $q) AS q, {probs}{extra} FROM forecasts "
        f"WHERE {' AND '.join(clauses)} GROUP BY ALL "
        "ORDER BY model_version, unit_id, month, target",
        params,
    ).df()
    qs = np.array(frame["q"].tolist(), dtype=float).reshape(len(frame), len(DEFAULT_QUANTILES))
    qs = qs.round(4)  # interpolated quantiles of counts: 36.05, never 36.05000000000001
    frame["mean"] = frame["mean"].round(4)  # of float32 draws: 0.188, never 0.18800000488758087
    for i, q in enumerate(DEFAULT_QUANTILES):
        frame.insert(6 + i, f"q{round(q * 100):02d}", qs[:, i])
    frame = frame.drop(columns="q")
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    frame.insert(0, "origin", origin)
    frame.insert(2, "level", level)
    return frame


def unit_names(
    store: Store, level: str, origin: str, countries: Sequence[int] | None = None
) -> pd.DataFrame:
    """``unit_id`` (P-code or cell), ``unit_name`` and ``country_gw`` of the units a
    ``level`` forecast made at ``origin`` (``YYYY-MM``) covers (of ``countries`` only, when
    given; by default those the sub-national forecasts cover)."""
    from sahelwatch.forecast.subnational import default_countries, panel_level
    from sahelwatch.panels import build_panel

    month = date.fromisoformat(origin + "-01")
    frame = build_panel(store, panel_level(level),  # type: ignore[arg-type]
                        countries=list(countries or default_countries(level)), start=month,
                        end=month)  # fmt: skip
    return frame[["unit_id", "unit_name", "country_gw"]].reset_index(drop=True)


def observed_history(store: Store, gws: Sequence[int], start: date | None = None) -> pd.DataFrame:
    """Observed monthly fatalities of the countries by target (the series the country
    forecasts learn from, :func:`~sahelwatch.forecast.data.load_country_panel`): ``unit_id``,
    ``month`` and one column per target; NaN where no source covers the month."""
    panel = load_country_panel(store, units=list(gws), start=start)
    wide = panel.frame().pivot_table(
        index=["unit_id", "month"], columns="target", values="value", dropna=False, sort=True
    ).reset_index()
    wide.columns.name = None
    return wide[["unit_id", "month", *TARGETS]]
