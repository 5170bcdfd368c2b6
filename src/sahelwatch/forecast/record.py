"""Honest headlines and track records, from the evaluation kept in the store.

``sahelwatch evaluate --save`` keeps the mean scores of every model (table ``evaluations``) and
every scored unit-month (table ``evaluation_units``: the forecast's median and 90% interval,
the observation, CRPS, ignorance, coverage and PIT). From them:

* :func:`headline` picks, for a level and target, the forecast with the better backtest
  record (lowest mean CRPS: the model, a benchmark or the blend of both) and says which and why;
* :func:`track_record` shows one unit's earlier forecasts against what happened (e.g. the
  forecast made at 2023-10 for 2024 against the actuals), each model against conflictology
  for that unit, and calibration (PIT histogram, interval coverage) for the unit and the level.

::

    from sahelwatch.forecast.record import headline, track_record

    headline(store, "country", "sb").model          # e.g. 'blend'
    track_record(store, "432", "country", "sb")["summary"]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import NotFound
from sahelwatch.forecast.evaluation import UNIT_COLUMNS, default_target, load_evaluation
from sahelwatch.forecast.models import DEFAULT_MODEL, MODEL_VERSIONS
from sahelwatch.forecast.scores import pit_coverage, pit_histogram
from sahelwatch.forecast.subnational import SERVED, version_at
from sahelwatch.store import Store

REFERENCE = "conflictology"
"""The benchmark every record is compared with."""
LABELS = {
    "blend": "the model (blend of the ratio model and conflictology)",
    "ratio": "the ratio model alone",
    "lgbm": "the LightGBM model",
    "conflictology": "conflictology (each unit's last 12 months)",
    "conflictology_nb": "conflictology with neighbours",
    "last_historical": "last historical value (Poisson)",
    "bootstrap": "bootstrap (all units, 240 months)",
    "zero": "zero",
    "located": "the located model (learnt on the units' located history)",
}


def label(model: str, level: str = "country") -> str:
    """A reader's name for a model or benchmark (below country level, a country model is
    shared out over the units)."""
    if level != "country" and model in MODEL_VERSIONS:
        return f"{LABELS.get(model, model)}, shared out over the units"
    return LABELS.get(model, model)


def default_model(level: str) -> str:
    """The model shown at ``level`` while no backtest is kept: the country model, or the
    level's served model (:data:`~sahelwatch.forecast.subnational.SERVED`)."""
    return SERVED.get(level, DEFAULT_MODEL)


@dataclass
class Headline:
    """The forecast shown first for a level and target, and why."""

    level: str
    target: str
    model: str
    model_version: str
    reason: str
    evaluated_target: str | None = None
    windows: str | None = None
    record: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As plain JSON-ready values."""
        return asdict(self)


def headline(
    store: Store, level: str = "country", target: str = "sb", available: set[str] | None = None
) -> Headline:
    """The forecast to headline for ``level`` and ``target``: the one with the lowest mean
    CRPS in the newest stored evaluation of that level and target (for a target without its
    own evaluation, that of ``total``, then of the level's default target), among ``available``
    model names (default: every model evaluated). Without any stored evaluation, the default
    model, saying that its record is unknown.

    Examples
    --------
    >>> headline(store, "country", "sb").model  # no backtest kept yet: the default model
    'blend'
    """
    tried = dict.fromkeys([target, "total", default_target(level)])
    for evaluated in tried:
        table = load_evaluation(store, level, evaluated)
        if available is not None:
            table = table[table["model"].isin(available)]
        if len(table):
            break
    else:
        shown = default_model(level)
        return Headline(
            level, target, shown, version_at(level, shown),
            f"no backtest of {level}-level forecasts is kept in this store (run `sahelwatch "
            f"evaluate --save`), so {label(shown, level)} is shown without a record.",
        )  # fmt: skip
    rows = table.sort_values("crps", kind="stable").to_dict("records")
    best = rows[0]
    record = [
        {"model": str(r["model"]), "crps": float(r["crps"]), "ign": _num(r["ign"]),
         "cov90": _num(r.get("cov90", np.nan)), "unit_months": int(r["unit_months"])}
        for r in rows
    ]  # fmt: skip
    by_model = {str(r["model"]): float(r["crps"]) for r in rows}
    windows = str(best["windows"])
    why = (f"{label(str(best['model']), level)} has the lowest mean CRPS in the backtest of "
           f"{level}-level {evaluated} fatalities ({_windows_text(windows)}, "
           f"{int(best['unit_months']):,} unit-months): {crps_text(float(best['crps']))}")
    rivals = [m for m in (default_model(level), REFERENCE) if m in by_model
              and m != best["model"]]  # fmt: skip
    if rivals:
        why += ", against " + ", ".join(f"{label(m, level)} {crps_text(by_model[m])}"
                                        for m in rivals)  # fmt: skip
    why += "."
    if evaluated != target:
        why += f" No backtest of {target} is kept; the record of {evaluated} is used."
    why += _stale(rows, level)
    return Headline(level, target, str(best["model"]), version_at(level, str(best["model"])),
                    why, evaluated, windows, record)  # fmt: skip


def crps_text(value: float) -> str:
    """A mean CRPS in words: two decimals, three below 1 (grid cells score around 0.25).

    >>> crps_text(56.361), crps_text(0.2504)
    ('56.36', '0.250')
    """
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"


def served_models(store: Store, level: str) -> list[str]:
    """The models the main job forecasts at a sub-national ``level``: the served model and,
    where the kept backtest gives another forecast the better record, that one too (the
    headline, which the dashboard then shows)."""
    return list(dict.fromkeys([SERVED[level], headline(store, level, "total").model]))


def _stale(rows: list[dict[Any, Any]], level: str) -> str:
    """A sentence naming the models whose kept record is of another version than the one
    forecasting now (records kept before versions were stored say nothing)."""
    stale = [(str(r["model"]), str(r["model_version"])) for r in rows
             if isinstance(r.get("model_version"), str)
             and r["model_version"] != version_at(level, str(r["model"]))]  # fmt: skip
    if not stale:
        return ""
    kept = ", ".join(f"{label(m, level)} ({v}, now {version_at(level, m)})" for m, v in stale)
    return (f" The record of {kept} was kept for an earlier version: run `sahelwatch evaluate "
            "--save` to score the forecasts made now.")


def _num(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def _windows_text(windows: str) -> str:
    """``Y2018, Y2019`` as is; more than three as ``7 windows, 2016-12 to 2022-12`` (a
    sub-national window's name, ``admin1 2016-12``, without its level)."""
    names = [name.split(" ")[-1] for name in windows.split(", ")]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} windows, {names[0]} to {names[-1]}"


def unit_scores(
    store: Store, level: str, target: str, unit: str | None = None
) -> pd.DataFrame:
    """The kept unit-month scores of a level and target (one unit's, or all); empty when
    none are kept."""
    if not store.has_table("evaluation_units"):
        return pd.DataFrame(columns=UNIT_COLUMNS)
    frame = store.con.execute(
        "SELECT level, target, model, window_name AS \"window\", unit_id, month, horizon, obs, "
        "q05, q50, q95, crps, ign, cov50, cov90, pit FROM evaluation_units "
        "WHERE level = $level AND target = $target AND ($unit IS NULL OR unit_id = $unit) "
        "ORDER BY model, month, horizon",
        {"level": level, "target": target, "unit": unit},
    ).df()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return frame


def _calibration_scores(store: Store, level: str, target: str) -> pd.DataFrame:
    """The columns :func:`calibration` reads, of every kept unit-month of a level and
    target (read without the rest: a level holds hundreds of thousands)."""
    return store.con.execute(
        "SELECT model, pit, cov50, cov90, crps FROM evaluation_units "
        "WHERE level = $level AND target = $target ORDER BY model, month, horizon",
        {"level": level, "target": target},
    ).df()


def calibration(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """Per model: PIT histogram (10 bins, each ideally 0.1), 50% and 90% interval coverage
    counted by the randomised PIT (``pit_cov50``, ``pit_cov90``: ideally 0.5 and 0.9) and
    plainly (``cov50``, ``cov90``: share inside the draws' quantiles, above nominal for
    counts even when calibrated), mean CRPS and unit-months."""
    out = []
    for model, rows in scores.groupby("model", sort=False):
        pits = rows["pit"].to_numpy()
        out.append({
            "model": str(model),
            "pit": [round(float(v), 4) for v in pit_histogram(pits)],
            "pit_cov50": pit_coverage(pits, 0.5),
            "pit_cov90": pit_coverage(pits, 0.9),
            "cov50": float(rows["cov50"].mean()),
            "cov90": float(rows["cov90"].mean()),
            "crps": float(rows["crps"].mean()),
            "unit_months": len(rows),
        })  # fmt: skip
    return out


def track_record(
    store: Store, unit: str | int, level: str = "country", target: str | None = None
) -> dict[str, Any]:
    """One unit's backtest record from the kept evaluation.

    Returns
    -------
    dict
        ``unit``, ``level``, ``target``; ``headline`` (:func:`headline` of the level and
        target); ``summary``: per model the unit's mean CRPS, unit-months, the ratio to
        conflictology's and the windows it beat conflictology in; ``windows``: per window its
        origin and each month's observation with every model's median, 5% and 95% quantiles
        and CRPS; ``calibration``: PIT histogram and coverage for the unit and for the level.
        Empty lists when the store keeps no evaluation of that level and target.

    Raises
    ------
    NotFound : the kept evaluation of the level and target has no such unit.
    """
    target = target or default_target(level)
    unit = str(unit)
    mine = unit_scores(store, level, target, unit)
    result: dict[str, Any] = {
        "unit": unit, "level": level, "target": target,
        "headline": headline(store, level, target).to_dict(),
        "summary": [], "windows": [], "calibration": {"unit": [], "level": []},
    }  # fmt: skip
    if mine.empty:
        level_rows = _calibration_scores(store, level, target) if store.has_table(
            "evaluation_units") else None  # fmt: skip
        if level_rows is not None and not level_rows.empty:
            raise NotFound(f"the kept {level} backtest of {target} fatalities has no unit "
                           f"'{unit}'.")  # fmt: skip
        return result
    result["summary"] = _summary(mine)
    result["windows"] = _windows(mine)
    result["calibration"] = {
        "unit": calibration(mine),
        "level": calibration(_calibration_scores(store, level, target)),
    }
    return result


def _summary(scores: pd.DataFrame) -> list[dict[str, Any]]:
    per = scores.pivot_table(index="window", columns="model", values="crps", aggfunc="mean")
    means = scores.groupby("model", sort=False)["crps"].agg(["mean", "size"])
    out = []
    ref = dict(zip(means.index, means["mean"], strict=True)).get(REFERENCE)
    for row in means.reset_index().to_dict("records"):
        model = row["model"]
        entry: dict[str, Any] = {"model": str(model), "crps": float(row["mean"]),
                                 "unit_months": int(row["size"])}
        if ref is not None and model != REFERENCE:
            entry["ratio_to_conflictology"] = float(row["mean"]) / ref if ref > 0 else None
            entry["windows_better"] = int((per[model] < per[REFERENCE]).sum())
            entry["windows"] = int(per[model].notna().sum())
        out.append(entry)
    return out


def _windows(scores: pd.DataFrame) -> list[dict[str, Any]]:
    windows: dict[str, dict[str, dict[str, Any]]] = {}
    for c in scores.sort_values(["window", "month"], kind="stable").to_dict("records"):
        months = windows.setdefault(str(c["window"]), {})
        month = months.setdefault(str(c["month"]), {
            "month": str(c["month"]), "horizon": int(c["horizon"]), "obs": float(c["obs"]),
            "models": {}})  # fmt: skip
        month["models"][str(c["model"])] = {  # 4 decimals: 267.15, never 267.1499999999976
            k: round(float(c[k]), 4) for k in ("q05", "q50", "q95", "crps")}
    out = []
    for name, months in windows.items():
        first = next(iter(months.values()))
        origin = pd.Period(first["month"], "M") - first["horizon"]
        out.append({"window": name, "origin": str(origin), "months": list(months.values())})
    return out


__all__ = [
    "Headline",
    "calibration",
    "crps_text",
    "default_model",
    "headline",
    "label",
    "served_models",
    "track_record",
    "unit_scores",
    "version_at",
]
