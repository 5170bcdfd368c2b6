"""The main job (``sahelwatch run``): the bundled data in, forecasts and alerts out.

Each step skips what is already done, so running the job again on the same store costs seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahelwatch.errors import MissingExtra
from sahelwatch.gazetteer import CENTRAL_SAHEL
from sahelwatch.progress import Progress, step
from sahelwatch.store import Store, bundled_file

if TYPE_CHECKING:
    from sahelwatch.alerts import Alert


#: Models stored by the main job: the model and the benchmark it must beat, side by side.
MODELS: tuple[str, ...] = ("blend", "conflictology")
HORIZONS = range(1, 37)
#: Levels whose backtest record the main job keeps.
LEVELS: tuple[str, ...] = ("country", "admin1", "admin2", "grid")
#: Draws per unit-month of the main job's backtest (``sahelwatch evaluate`` takes 1,000 at
#: country level: the same mean CRPS to within 1%, and the same headlines, in a third the time).
BACKTEST_DRAWS = 200


def build_store(store: Store, progress: Progress | None = None) -> str:
    """Ingest every bundled file (those already in are left alone); return the ingest summary,
    the store's status and the newest indicators as text."""
    from sahelwatch.bundled import ingest_bundled
    from sahelwatch.status import status

    lines = [report.summary() for report in ingest_bundled(store, progress=progress)]
    return "\n".join([*lines, "", status(store).to_text(), "", indicator_summary(store)])


def indicator_summary(store: Store, countries: tuple[int, ...] = CENTRAL_SAHEL) -> str:
    """The country indicators of the newest covered month (docs/methodology.md) as a table
    (default: Mali and its two partners in the tri-border crisis)."""
    import pandas as pd

    from sahelwatch.forecast.data import newest_covered_month
    from sahelwatch.indicators import indicators
    from sahelwatch.periods import format_month

    month = format_month(newest_covered_month(store))
    frame = pd.concat([indicators(store, c, "country", month) for c in countries])
    columns = {
        "unit_name": "country",
        "events_total": "events",
        "best_total": "fatalities",
        "danger_best": "one-sided deaths",
        "armed_groups": "armed groups",
        "capital_nearest_jihadist_km": "jihadist km from capital",
        "pressure": "state under pressure (0-100)",
    }
    table = frame[list(columns)].rename(columns=columns).round(1)
    return f"Indicators, {month}:\n" + table.to_string(index=False)


def _unrecorded_levels(store: Store) -> list[str]:
    """The levels whose kept backtest is missing or scored another version of the level's
    default model than the one forecasting now."""
    from sahelwatch.forecast.evaluation import load_evaluation
    from sahelwatch.forecast.record import default_model
    from sahelwatch.forecast.subnational import version_at

    missing = []
    for level in LEVELS:
        model = default_model(level)
        kept = load_evaluation(store, level)
        versions = set(kept.loc[kept["model"] == model].get("model_version", []))
        if versions != {version_at(level, model)}:
            missing.append(level)
    return missing


def backtest(
    db: str | Path | None,
    n_draws: int = BACKTEST_DRAWS,
    progress: Progress | None = None,
    **options: Any,
) -> str:
    """Backtest the models and the benchmarks (:func:`~sahelwatch.forecast.evaluate`) at the
    levels with no current record, keep their scores in the store (headlines, track records,
    briefs) and write the report to ``<store>.evaluation/``. Returns the report's verdict
    lines (each target met or missed). ``options`` go to ``evaluate`` (quick checks)."""
    from sahelwatch.forecast import evaluate, store_evaluation
    from sahelwatch.priority import batch_workers
    from sahelwatch.snapshot import result_wait

    with Store(db, read_only=True) as snapshot:
        levels = _unrecorded_levels(snapshot)
        if not levels:
            return "backtest: the record of the current models is kept already"
        out = snapshot.path.absolute().with_name(snapshot.path.name + ".evaluation")
        try:
            result = evaluate(snapshot, out, n_draws=n_draws, unit_n_draws=n_draws,
                              levels=levels, workers=batch_workers(2), progress=progress,
                              **options)  # fmt: skip
        except MissingExtra as exc:  # a core install: forecasts are shown without a record
            return f"backtest not made: {exc}"
    with Store(db, wait_s=result_wait()) as store:  # one short write
        store_evaluation(store, result.scores, n_draws, 0)
    return "\n".join([f"backtest ({', '.join(levels)}; report: {result.report_md}):",
                      *result.verdict()])


def _stored(store: Store, origin: str, model_version: str, level: str) -> bool:
    if not store.has_table("forecasts"):
        return False
    found = store.con.execute(
        "SELECT count(*) FROM forecasts WHERE strftime(origin, '%Y-%m') = ? "
        "AND model_version = ? AND level = ?",
        [origin, model_version, level],
    ).fetchone()
    return bool(found and found[0])


def forecast_and_alert(
    db: str | Path | None,
    n_draws: int = 1000,
    progress: Progress | None = None,
    horizons: range = HORIZONS,
) -> str:
    """Forecast every country 1-36 months ahead from the newest covered month with the model
    and the conflictology benchmark, and the admin-1, admin-2 units and PRIO-GRID cells of
    Mali, Burkina Faso and Niger with each level's served model
    (:data:`~sahelwatch.forecast.subnational.SERVED`, and the level's headline forecast where a
    kept backtest gives it the better record: :func:`~sahelwatch.forecast.record.served_models`;
    :data:`~sahelwatch.forecast.subnational.UNIT_DRAWS` draws), store them, then evaluate the
    default alert rules (``data/alert_rules.toml``) and store the alerts they raise. Returns a
    summary.

    The store at ``db`` is read from a snapshot and written in one short transaction per model
    and one for the alerts, so other processes use it meanwhile (``docs/concurrency.md``).
    """
    from sahelwatch.forecast import forecast, store_forecast
    from sahelwatch.forecast.data import newest_covered_month, stage_forecast
    from sahelwatch.forecast.models import model_version
    from sahelwatch.forecast.record import served_models
    from sahelwatch.forecast.subnational import SERVED, UNIT_DRAWS, unit_model_version
    from sahelwatch.forecast.subnational_eval import UNIT_COUNTRIES
    from sahelwatch.periods import format_month
    from sahelwatch.priority import batch_workers
    from sahelwatch.snapshot import result_wait

    say = progress or (lambda _: None)
    lines = []
    with Store(db, read_only=True) as snapshot:
        runs = [("country", model, n_draws, model_version(model)) for model in MODELS] + [
            (level, model, min(n_draws, UNIT_DRAWS), unit_model_version(model))
            for level in SERVED for model in served_models(snapshot, level)
        ]
        origin = format_month(newest_covered_month(snapshot))
        for done, (level, model, draws, version) in enumerate(runs, 1):
            if _stored(snapshot, origin, version, level):
                lines.append(f"forecast {version} ({level}) from {origin}: already stored")
                continue
            say(
                f"{step(done, len(runs))} forecasting {version} ({level}) from {origin}, "
                f"{horizons.start}-{horizons[-1]} months ahead"
            )
            try:
                frame = forecast(
                    snapshot, level, origin=origin, horizons=horizons, n_draws=draws,
                    model=model, progress=say,
                    countries=None if level == "country" else UNIT_COUNTRIES,
                    workers=batch_workers(2),
                )  # fmt: skip
            except MissingExtra as exc:  # a core install: the other forecasts still run
                lines.append(f"forecast {version} ({level}) from {origin}: not made, {exc}")
                continue
            staged = stage_forecast(db, frame, origin, version)  # before its turn to write
            with Store(db, wait_s=result_wait()) as store:
                store_forecast(store, frame if staged is None else staged, origin, version)
            lines.append(
                f"forecast {version} ({level}) from {origin}: {frame['unit_id'].nunique()} "
                f"units, {len(frame):,} samples stored"
            )
    raised = check_alert_rules(db, bundled_file("alert_rules.toml"))
    lines.append(f"alerts: {len(raised)} new from the default rules")
    lines += [f"  [{a.severity}] {a.title}" for a in raised]
    return "\n".join(lines)


def keep_indicators(db: str | Path | None) -> str:
    """Compute and keep the indicator series the dashboard opens on
    (:func:`sahelwatch.indicators.derived.precompute`), from a snapshot; returns a line."""
    from sahelwatch.indicators.derived import precompute

    with Store(db, read_only=True) as snapshot:
        return f"indicator series computed and kept for the dashboard: {precompute(snapshot)}"


def check_alert_rules(db: str | Path | None, rules: str | Path) -> list[Alert]:
    """Evaluate the ``[[alerts.rules]]`` of a TOML file on a snapshot of the store at ``db`` and
    store the new alerts in one short write; returns them."""
    from sahelwatch.alerts import evaluate, record
    from sahelwatch.config import load_config

    now = datetime.now(UTC)
    with Store(db, read_only=True) as snapshot:
        found = evaluate(snapshot, load_config(rules).rules, now=now, strict=True)
    with Store(db) as store:
        return record(store, found, now)
