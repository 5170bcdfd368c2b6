"""The evaluation: backtest the model and the benchmarks, write the report, keep the scores.

:func:`evaluate` runs the country backtests (:mod:`sahelwatch.forecast.backtest`) and the
sub-national ones (:mod:`sahelwatch.forecast.subnational_eval`) and writes the report
(:mod:`sahelwatch.forecast.report`); :func:`store_evaluation` keeps mean scores (table
``evaluations``) and every scored unit-month (``evaluation_units``) in the store, which
:mod:`sahelwatch.forecast.record` reads for headlines and track records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.backtest import (
    CHALLENGE_WINDOWS,
    MODELS,
    ROLLING_WINDOWS,
    Config,
    Window,
    backtest,
    summary_table,
)
from sahelwatch.forecast.models import ModelConfig
from sahelwatch.forecast.report import verdict_lines, write_report
from sahelwatch.forecast.subnational import version_at
from sahelwatch.forecast.subnational_eval import backtest_level
from sahelwatch.progress import Progress, step
from sahelwatch.store import Store


@dataclass
class Evaluation:
    """What :func:`evaluate` computed and wrote."""

    scores: pd.DataFrame
    report_md: Path
    report_html: Path

    def verdict(self) -> list[str]:
        """The report's first lines: each target met or missed (country, then below)."""
        return verdict_lines(self.scores)


def evaluate(
    store: Store,
    out_dir: str | Path,
    windows: Sequence[Window] = CHALLENGE_WINDOWS,
    n_draws: int = 1000,
    seed: int = 0,
    config: Config | None = None,
    horizons: Sequence[int] | None = None,
    workers: int = 2,
    scheduler: str | Any | None = None,
    levels: Sequence[str] = ("country", "admin1", "admin2", "grid"),
    unit_n_draws: int = 200,
    unit_horizons: Sequence[int] = tuple(range(1, 13)),
    rolling: Sequence[Window] = ROLLING_WINDOWS,
    models: Sequence[str] = MODELS,
    progress: Progress | None = None,
) -> Evaluation:
    """Backtest the model and the benchmarks and write the report.

    Country level: ``sb`` on the challenge ``windows`` and total fatalities on the ``rolling``
    windows (empty: skipped). Writes ``report.md``, ``report.html`` and ``scores.csv.gz``
    (every unit-month's scores) into ``out_dir``. ``horizons`` restricts the windows (for quick
    checks); the other parameters are those of :func:`backtest`. ``levels`` other than
    ``country`` add rolling-origin backtests of total fatalities (:func:`backtest_units` of
    :func:`~sahelwatch.forecast.subnational_eval.backtest_level`: Mali, Burkina Faso and Niger,
    origins 2016-12..2022-12) with ``unit_n_draws`` draws and ``unit_horizons``. ``progress``
    is told of each backtest as it starts.

    Examples
    --------
    >>> quick = evaluate(store, "eval", windows=CHALLENGE_WINDOWS[-2:-1], horizons=[3],
    ...                  n_draws=20, levels=["country"], rolling=[])
    >>> quick.report_md
    PosixPath('eval/report.md')
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _: None)
    chosen_by_target = (("sb", windows), ("total", rolling)) if "country" in levels else ()
    country = [(t, w) for t, w in chosen_by_target if w]
    below = [lv for lv in levels if lv != "country"]
    plan = [*(f"country {t}, {len(w)} windows" for t, w in country), *below]
    parts = []
    for done, (target, chosen) in enumerate(country, 1):
        say(f"{step(done, len(plan))} backtest of {plan[done - 1]}")
        parts.append(backtest(
            store, chosen, target, models, n_draws, seed, config, horizons,
            workers=workers, scheduler=scheduler,
        ).assign(level="country"))  # fmt: skip
    lgbm = config if isinstance(config, ModelConfig) else None
    for done, level in enumerate(below, len(country) + 1):
        say(f"{step(done, len(plan))} backtest of {level}")
        parts.append(backtest_level(
            store, level, unit_n_draws, seed, horizons=unit_horizons, config=lgbm,
            workers=workers, scheduler=scheduler,
        ))  # fmt: skip
    if not parts:
        raise QueryError("evaluate needs at least one level: country, admin1, admin2 or grid.")
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
# Added with the rolling total backtest and headlines; tables made before gain them on write.
_EVALUATIONS_MIGRATION = (
    "ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS target VARCHAR",
    "ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS cov50 DOUBLE",
    "ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS cov90 DOUBLE",
    "ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS model_version VARCHAR",
)


def default_target(level: str) -> str:
    """The target a level's evaluation scores unless told: ``sb`` (the challenge) at country
    level, ``total`` below."""
    return "sb" if level == "country" else "total"


def store_evaluation(store: Store, scores: pd.DataFrame, n_draws: int, seed: int) -> int:
    """Keep an evaluation in the store: mean scores per level, target and model in table
    ``evaluations`` (briefs, headlines) and every scored unit-month in ``evaluation_units``
    (track records, :mod:`sahelwatch.forecast.record`). Returns the ``evaluations`` rows
    written."""
    scores = scores if "level" in scores else scores.assign(level="country")
    if "target" not in scores:
        scores = scores.assign(target=scores["level"].map(default_target))
    by = ["level", "target"]
    summary = summary_table(scores, by=(*by, "model"))
    windows = scores.groupby(by)["window"].agg(lambda w: ", ".join(sorted(set(w))))
    summary = summary.join(windows.rename("windows"), on=by)
    summary["model_version"] = [
        version_at(str(r.level), str(r.model)) for r in summary[["level", "model"]].itertuples()
    ]
    con = store.con
    con.execute(EVALUATIONS_SCHEMA)
    for statement in _EVALUATIONS_MIGRATION:
        con.execute(statement)
    con.register("sw_evaluation", summary)
    try:
        con.execute(
            "INSERT INTO evaluations (created_at, level, model, windows, n_draws, seed, crps, "
            "ign, mis90, unit_months, target, cov50, cov90, model_version) SELECT now(), level, "
            "model, windows, ?, ?, crps, ign, mis90, n, target, cov50, cov90, model_version "
            "FROM sw_evaluation",
            [n_draws, seed],
        )
    finally:
        con.unregister("sw_evaluation")
    store_unit_scores(store, scores)
    return len(summary)


def load_evaluation(
    store: Store, level: str = "country", target: str | None = None
) -> pd.DataFrame:
    """The newest stored evaluation of a level and target (default :func:`default_target`):
    one row per model, best CRPS first; empty when none."""
    if not store.has_table("evaluations"):
        return pd.DataFrame(columns=["model", "windows", "n_draws", "seed", "crps", "ign"])
    columns = {
        r[0]
        for r in store.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'evaluations'"
        ).fetchall()
    }
    target = target or default_target(level)
    kind = "coalesce(target, $default)" if "target" in columns else "$default"
    return store.con.execute(
        f"SELECT * FROM evaluations WHERE level = $level AND {kind} = $target AND created_at = "
        f"(SELECT max(created_at) FROM evaluations WHERE level = $level AND {kind} = $target) "
        "ORDER BY crps",
        {"level": level, "target": target, "default": default_target(level)},
    ).df()


UNIT_SCORES_SCHEMA = """
CREATE TABLE IF NOT EXISTS evaluation_units (
    created_at TIMESTAMP NOT NULL, level VARCHAR NOT NULL, target VARCHAR NOT NULL,
    model VARCHAR NOT NULL, window_name VARCHAR NOT NULL, unit_id VARCHAR NOT NULL,
    month DATE NOT NULL, horizon INTEGER NOT NULL, obs DOUBLE, q05 DOUBLE, q50 DOUBLE,
    q95 DOUBLE, crps DOUBLE, ign DOUBLE, cov50 DOUBLE, cov90 DOUBLE, pit DOUBLE)
"""
UNIT_COLUMNS = ["level", "target", "model", "window", "unit_id", "month", "horizon", "obs",
                 "q05", "q50", "q95", "crps", "ign", "cov50", "cov90", "pit"]  # fmt: skip


def store_unit_scores(store: Store, scores: pd.DataFrame) -> int:
    """Write every scored unit-month of an evaluation to ``evaluation_units``, replacing the
    rows kept before for the same levels and targets. Returns the rows written."""
    frame = scores[UNIT_COLUMNS].copy()
    frame["unit_id"] = frame["unit_id"].astype(str)
    frame["month"] = pd.to_datetime(frame["month"].astype(str))
    con = store.con
    con.execute(UNIT_SCORES_SCHEMA)
    con.register("sw_unit_scores", frame)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "DELETE FROM evaluation_units WHERE level || '/' || target IN "
            "(SELECT DISTINCT level || '/' || target FROM sw_unit_scores)"
        )
        con.execute(
            "INSERT INTO evaluation_units SELECT now(), level, target, model, \"window\", "
            "unit_id, month, horizon, obs, q05, q50, q95, crps, ign, cov50, cov90, pit "
            "FROM sw_unit_scores"
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("sw_unit_scores")
    return len(frame)


__all__ = [
    "EVALUATIONS_SCHEMA",
    "UNIT_COLUMNS",
    "UNIT_SCORES_SCHEMA",
    "Evaluation",
    "default_target",
    "evaluate",
    "load_evaluation",
    "store_evaluation",
    "store_unit_scores",
]
