"""The ``sahelwatch`` command line: a thin layer over the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sahelwatch.errors import SahelWatchError
from sahelwatch.settings import overridden, settings

app = typer.Typer(
    help="SahelWatch: conflict monitoring and early warning for Mali and the Sahel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Store file (default: $SAHELWATCH_DB, else a per-user data directory).",
        show_default=False,
    ),
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.callback()
def _options(
    ctx: typer.Context,
    multi_month: Annotated[
        str | None,
        typer.Option(
            "--multi-month",
            help="UCDP events whose dates span several months: 'spread' (their deaths shared "
            "evenly over those months, the default) or 'start' (all in the first month), for "
            "every panel, indicator and forecast of the command; also $SAHELWATCH_MULTI_MONTH.",
            show_default=False,
        ),
    ] = None,
) -> None:
    if multi_month is not None:
        from sahelwatch.panels.spread import multi_month_rule

        ctx.with_resource(overridden(multi_month=multi_month_rule(multi_month)))


@app.command()
def ingest(
    files: Annotated[
        list[Path] | None, typer.Argument(help="CSV, zipped CSV or Excel files.")
    ] = None,
    bundled: Annotated[
        bool, typer.Option(help="Ingest the real data shipped with SahelWatch.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Override the detected source (ucdp_ged, ucdp_candidate, acled, ...)."),
    ] = None,
    release: Annotated[str | None, typer.Option(help="Override the detected release name.")] = None,
    period: Annotated[
        str | None,
        typer.Option(help="Months the release covers, YYYY-MM..YYYY-MM (default: detected)."),
    ] = None,
    countries: Annotated[
        str | None,
        typer.Option(help="Countries the release covers, comma-separated (default: detected)."),
    ] = None,
    no_coverage: Annotated[
        bool, typer.Option("--no-coverage", help="Record no coverage (for samples and extracts).")
    ] = False,
    encoding: Annotated[str, typer.Option(help="Text encoding of CSV files.")] = "utf-8",
    db: DbOption = None,
) -> None:
    """Load event files or country-month tables into the store, keeping every version."""
    from sahelwatch.bundled import ingest_bundled
    from sahelwatch.compact import compact_if_wasteful
    from sahelwatch.ingest import ingest_files
    from sahelwatch.store import Store

    if not files and not bundled:
        raise SahelWatchError("name files to ingest, or pass --bundled.")
    with Store(db) as store:
        if bundled:
            for report in ingest_bundled(store, progress=_err):
                typer.echo(report.summary())
        for report in ingest_files(
            store,
            files or [],
            source=source,
            release=release,
            period=period,
            countries=countries,
            record_coverage=not no_coverage,
            encoding=encoding,
            progress=_err,
        ):
            typer.echo(report.summary())
    compacted = compact_if_wasteful(db)  # space an interrupted ingest left behind
    if compacted.done:
        _err(compacted.summary())


@app.command()
def run(
    forecast: Annotated[
        bool, typer.Option(help="Forecast from the newest covered month and store it.")
    ] = True,
    backtest: Annotated[
        bool,
        typer.Option(help="First backtest the models and keep their record (headlines, track "
                     "records; about 2 minutes, skipped when kept for the current models)."),
    ] = True,
    serve: Annotated[bool, typer.Option(help="Then serve the dashboard until stopped.")] = True,
    host: Annotated[str, typer.Option(help="Address the dashboard listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the dashboard listens on.")] = 8000,
    draws: Annotated[int, typer.Option(help="Forecast samples per unit, month and target.")] = 1000,
    db: DbOption = None,
) -> None:
    """The main job: bundled data in, forecasts and alerts out, then the dashboard."""
    from sahelwatch import main_job
    from sahelwatch.extras import require
    from sahelwatch.priority import run_yielding
    from sahelwatch.store import Store, default_path

    if serve:
        require("web")
    with Store(db) as store:
        typer.echo(main_job.build_store(store, progress=_err))
    # Each step in a process of its own that gives way to readers; the dashboard does not.
    if forecast and backtest:  # first, so that the forecasts include each level's headline
        _err("backtesting the models and benchmarks at each level (for the track record)")
        typer.echo(run_yielding(main_job.backtest, db, progress=_err))
    if forecast:
        typer.echo(run_yielding(main_job.forecast_and_alert, db, n_draws=draws, progress=_err))
    if forecast or serve:  # the indicator series the dashboard opens on, kept
        _err(run_yielding(main_job.keep_indicators, db))
    if serve:
        from sahelwatch.web import serve as serve_web

        _err(f"dashboard: http://{host}:{port}/  (API docs: /docs; stop with Ctrl-C)")
        serve_web(db or default_path(), host=host, port=port, access_log=False)


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="An origin allowed to call the API (repeatable)."),
    ] = None,
    tiles_url: Annotated[
        str | None,
        typer.Option(help="Online map tiles, https://.../{z}/{x}/{y}.png (default: none)."),
    ] = None,
    tiles_attribution: Annotated[str, typer.Option(help="Attribution of those tiles.")] = "",
    db: DbOption = None,
) -> None:
    """Serve the dashboard and the API (JSON, GeoJSON, CSV, alerts stream and feed)."""
    from sahelwatch.extras import require
    from sahelwatch.store import default_path

    require("web")
    from sahelwatch.web import serve as serve_web

    path = db or default_path()
    _err(f"dashboard: http://{host}:{port}/  (API docs: /docs; stop with Ctrl-C)")
    serve_web(
        path,
        host=host,
        port=port,
        cors_origins=cors_origin or (),
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )


@app.command("brief")
def brief_cmd(
    country: Annotated[
        str | None, typer.Option(help="Country: ISO3, Gleditsch-Ward code or name.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="A region instead: sahel.")] = None,
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM (default: the newest covered month).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or md (markdown).")] = "html",
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: brief-<place>-<month>.<format>).")
    ] = None,
    forecast: Annotated[
        str,
        typer.Option(help="auto (stored, else computed), stored, or none."),
    ] = "auto",
    base_url: Annotated[
        str,
        typer.Option(
            help="Where the evidence links point: a running 'sahelwatch serve' (its API); "
            "'' for no links."
        ),
    ] = "http://127.0.0.1:8000/",
    db: DbOption = None,
) -> None:
    """Write a situation brief whose every number links to the events behind it."""
    from sahelwatch.brief import FORMATS, build, render
    from sahelwatch.extras import require
    from sahelwatch.store import Store

    require("brief")
    if (country is None) == (region is None):
        raise SahelWatchError("give either --country or --region.")
    fmt = "md" if fmt == "markdown" else fmt
    if fmt not in FORMATS:
        raise SahelWatchError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}.")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise SahelWatchError(f"--base-url must start with http:// or https://, not '{base_url}'.")
    if forecast not in ("auto", "stored", "none"):
        raise SahelWatchError(f"--forecast must be auto, stored or none, not '{forecast}'.")
    with Store(db, read_only=True) as store:
        built = build(store, country=country, region=region, month=month, forecast=forecast)  # type: ignore[arg-type]
    target = out or Path(f"brief-{(country or region or '').lower()}-{built.month}.{fmt}")
    render(built, fmt, target, base_url=base_url or None)  # type: ignore[arg-type]
    _err(f"wrote the {built.month} brief for {built.scope} to {target}")


@app.command()
def status(
    country: Annotated[str | None, typer.Option(help="Show coverage for one country only.")] = None,
    db: DbOption = None,
) -> None:
    """Show what the store holds: releases, coverage and gaps, freshness, quarantine."""
    from sahelwatch.query import resolve_country
    from sahelwatch.status import status as store_status
    from sahelwatch.store import Store

    with Store(db, read_only=True) as store:
        codes = resolve_country(store, country) if country else None
        typer.echo(store_status(store, codes).to_text())


@app.command()
def events(
    country: Annotated[
        list[str] | None, typer.Option(help="ISO3, number or name; repeatable.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="YYYY-MM or YYYY-MM..YYYY-MM.")] = None,
    violence: Annotated[
        list[str] | None, typer.Option("--type", help="sb, ns or os; repeatable.")
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(help="Text in either side's name, or an actor's name as briefs give it."),
    ] = None,
    bbox: Annotated[str | None, typer.Option(help="min_lon,min_lat,max_lon,max_lat.")] = None,
    min_fatalities: Annotated[int | None, typer.Option(help="Least best estimate.")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Release (26.0.1 or ucdp_candidate:26.0.1).")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option(help="Only these sources; repeatable.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet, geojson or jsonl.")] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: standard output).")
    ] = None,
    raw: Annotated[bool, typer.Option(help="Include each event's raw source record.")] = False,
    withdrawn: Annotated[
        bool,
        typer.Option(
            "--withdrawn",
            help="Only the withdrawn events (missing from a newer release or deleted by the "
            "source), in their last version.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Select events and export them as CSV, Parquet, GeoJSON or JSON lines."""
    from sahelwatch.periods import compress_months, format_runs, parse_month, parse_period
    from sahelwatch.query import EventFilter, count_withdrawn, export_events, parse_bbox
    from sahelwatch.store import Store

    start, end = parse_period(period) if period else (None, None)
    flt = EventFilter(
        countries=country or [],
        start=start,
        end=end,
        violence_types=violence or [],
        actor=actor,
        bbox=parse_bbox(bbox) if bbox else None,
        min_fatalities=min_fatalities,
        as_of=as_of,
        sources=source or [],
        withdrawn=withdrawn,
    )
    if fmt == "parquet" and out is None and sys.stdout.isatty():
        raise SahelWatchError("Parquet is binary: pass --out FILE or redirect standard output.")
    from sahelwatch.panels.listing import no_data_months

    with Store(db, read_only=True) as store:
        count = export_events(store, flt, fmt, out, raw=raw)  # type: ignore[arg-type]
        hidden = 0 if withdrawn else count_withdrawn(store, flt)
        gaps = no_data_months(store, flt)
    if out is not None:
        _err(f"wrote {count} events to {out}")
    if gaps:
        runs = format_runs(compress_months([parse_month(m) for m in gaps]))
        _err(f"no data for {runs}: no release covers these months, so their events are "
             "unknown, not 0.")
    if hidden:
        _err(
            f"{hidden} withdrawn events match too and are left out (missing from a newer "
            "release or deleted by their source): --withdrawn lists them, --as-of RELEASE "
            "shows the data as that release had them."
        )


@app.command()
def quarantine(
    limit: Annotated[int, typer.Option(help="Most rows to show.")] = 50,
    flagged: Annotated[
        bool,
        typer.Option(
            "--flagged",
            help="List loaded rows with data-quality flags (file, row, event, flags) instead.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """List rejected rows (file, row number and reason), or with --flagged the flagged ones.

    Flagged rows were loaded as the source published them but look wrong (best above high,
    deaths by side not summing up, ...)."""
    from sahelwatch.query import quarantine_rows
    from sahelwatch.store import Store

    with Store(db, read_only=True) as store:
        rows = quarantine_rows(store, flagged=flagged, limit=limit)
    for row in rows.itertuples(index=False):
        if flagged:
            typer.echo(f"{row.file} row {row.row}: {row.uid}: {row.flags}")
        else:
            typer.echo(f"{row.file} row {row.row}: {row.reason}")
    if rows.empty:
        typer.echo("No loaded row is flagged." if flagged else "The quarantine is empty.")


#: The indicators ``sahelwatch indicators`` shows on the terminal, and their headings.
SUMMARY_COLUMNS = {
    "unit_name": "unit",
    "events_total": "events",
    "deadliness": "deaths",
    "danger_best": "one-sided deaths",
    "armed_groups": "armed groups",
    "attacks_on_state": "attacks on state",
    "presence": "presence",
}


def _indicator_summary(frame: Any, month: str) -> str:
    """A short table of the main indicators, deadliest units first; "no data", never 0, where
    no release covers the month."""
    columns = {k: v for k, v in SUMMARY_COLUMNS.items() if k in frame.columns}
    table = frame.sort_values("deadliness", ascending=False, na_position="last")[list(columns)]
    from sahelwatch.words import cell

    table = table.map(cell).rename(columns=columns)
    return (
        f"{len(frame)} units, {month} ({len(frame.columns)} columns: --out FILE or --all for "
        "all of them)\n" + table.to_string(index=False)
    )


@app.command()
def indicators(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    country: Annotated[str, typer.Option(help="ISO3, number or name.")] = "MLI",
    level: Annotated[str, typer.Option(help="country, admin1, admin2 or cell.")] = "admin2",
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet or geojson.")] = "csv",
    out: Annotated[
        Path | None,
        typer.Option(help="Output file (default: a short summary table on the terminal)."),
    ] = None,
    all_columns: Annotated[
        bool, typer.Option("--all", help="Every column on standard output, in --format.")
    ] = False,
    family: Annotated[str, typer.Option(help="Event family: ucdp or acled.")] = "ucdp",
    as_of: Annotated[
        str | None, typer.Option(help="Release (26.0.1 or ucdp_candidate:26.0.1).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Crisis indicators of every unit of a country for one month (see docs/methodology.md).

    Without --out or --all, prints a summary of the main indicators per unit."""
    from sahelwatch.indicators import export_indicators
    from sahelwatch.indicators import indicators as compute
    from sahelwatch.store import Store

    if fmt == "parquet" and out is None and sys.stdout.isatty():
        raise SahelWatchError("Parquet is binary: pass --out FILE or redirect standard output.")
    with Store(db, read_only=True) as store:
        frame = compute(store, country, level, month, family=family, as_of=as_of)
    if out is None and not all_columns:
        typer.echo(_indicator_summary(frame, month))
        return
    count = export_indicators(frame, fmt, out, level=level)  # type: ignore[arg-type]
    if out is not None:
        _err(f"wrote {count} units to {out}")


@app.command()
def actors(
    country: Annotated[
        list[str] | None, typer.Option(help="ISO3, number or name; repeatable.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most names to list.")] = 50,
    db: DbOption = None,
) -> None:
    """List the actor names the actor dictionary does not know, most frequent first."""
    from sahelwatch.actors import load_dictionary
    from sahelwatch.query import EventFilter
    from sahelwatch.query import events as select_events
    from sahelwatch.store import Store

    with Store(db, read_only=True) as store:
        frame = select_events(store, EventFilter(countries=country or []))
    unknown = load_dictionary().unknown_actors(frame)
    for name, count in unknown.head(limit).itertuples(index=False):
        typer.echo(f"{count:7d}  {name}")
    if unknown.empty:
        typer.echo("The dictionary knows every actor name in these events.")
    elif len(unknown) > limit:
        _err(f"... and {len(unknown) - limit} more names; raise --limit to see them.")


@app.command("forecast")
def forecast_cmd(
    out: Annotated[Path, typer.Option(help="Parquet file for the samples (one row per draw).")],
    level: Annotated[
        str, typer.Option(help="country, admin1, admin2 (P-codes) or grid (PRIO-GRID gids).")
    ] = "country",
    countries: Annotated[
        list[int] | None,
        typer.Option(
            "--country",
            help="Gleditsch-Ward code whose units are forecast below country level "
            "(repeatable; default: the Sahel countries).",
        ),
    ] = None,
    origin: Annotated[
        str | None,
        typer.Option(help="Last month the forecast may use, YYYY-MM (default: newest covered)."),
    ] = None,
    horizons: Annotated[int, typer.Option(help="Forecast 1..N months ahead (N <= 36).")] = 36,
    draws: Annotated[int, typer.Option(help="Samples per unit, month and target.")] = 1000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same samples.")
    ] = 0,
    model: Annotated[
        str,
        typer.Option(
            help="blend (the model), ratio, lgbm (the earlier LightGBM model, with the forecast "
            "extra), located (below country level: learnt on the units), or a benchmark: zero, "
            "last_historical, bootstrap, conflictology, conflictology_nb (grid only)."
        ),
    ] = "blend",
    workers: Annotated[
        int, typer.Option(help="Local worker processes (at most the cores less one).")
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786) to run on.")
    ] = None,
    summary: Annotated[
        Path | None,
        typer.Option(help="Also write quantiles and P(>=1/25/100) (.csv or .parquet)."),
    ] = None,
    save: Annotated[
        bool, typer.Option(help="Also keep the samples with the store (its forecasts).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Forecast fatalities (sb, ns, os, total) per unit and month as 1,000 samples each."""
    from sahelwatch.priority import batch_workers, yield_to_readers

    yield_to_readers()  # from the start: readers (the dashboard, status) are answered first
    from sahelwatch.forecast import forecast, store_forecast, summarize
    from sahelwatch.forecast.data import stage_forecast
    from sahelwatch.snapshot import result_wait
    from sahelwatch.store import Store

    with Store(db, read_only=True) as snapshot:  # writers are not kept out while it computes
        frame = forecast(
            snapshot,
            level=level,
            origin=origin,
            horizons=range(1, horizons + 1),
            n_draws=draws,
            seed=seed,
            model=model,
            workers=batch_workers(workers),
            scheduler=scheduler,
            countries=countries,
        )
    frame.to_parquet(out, index=False)
    _err(
        f"wrote {len(frame):,} samples ({frame.attrs['model_version']}, origin "
        f"{frame.attrs['origin']}, {frame['unit_id'].nunique()} units) to {out}"
    )
    if save:
        origin, version = frame.attrs["origin"], frame.attrs["model_version"]
        staged = stage_forecast(db, out, origin, version)  # before its turn to write
        with Store(db, wait_s=result_wait()) as store:  # one short write: the list of files
            store_forecast(store, out if staged is None else staged, origin, version)
    if summary is not None:
        table = summarize(frame)
        if summary.suffix == ".parquet":
            table.to_parquet(summary, index=False)
        else:
            table.to_csv(summary, index=False)
        _err(f"wrote {len(table):,} summary rows to {summary}")


@app.command("evaluate")
def evaluate_cmd(
    out: Annotated[Path, typer.Option(help="Folder for report.md, report.html, scores.csv.gz.")],
    draws: Annotated[int, typer.Option(help="Samples per unit-month.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    workers: Annotated[
        int, typer.Option(help="Local worker processes (at most the cores less one).")
    ] = 2,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786) to run on.")
    ] = None,
    level: Annotated[
        list[str] | None,
        typer.Option(
            "--level",
            help="Levels to backtest: country, admin1, admin2, grid (repeatable; default all).",
        ),
    ] = None,
    unit_draws: Annotated[
        int, typer.Option(help="Samples per unit-month below country level.")
    ] = 200,
    save: Annotated[
        bool, typer.Option(help="Also keep the mean scores in the store (briefs show them).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Backtest the model and the VIEWS benchmarks; print which targets are met first.

    At country level the challenge windows Y2018-Y2024 (state-based) and rolling origins
    2010-06..2023-12 (total); rolling origins at admin-1, admin-2 and grid level."""
    from sahelwatch.priority import batch_workers, yield_to_readers

    yield_to_readers()  # from the start: readers (the dashboard, status) are answered first
    from sahelwatch.extras import require
    from sahelwatch.forecast import evaluate, store_evaluation
    from sahelwatch.snapshot import result_wait
    from sahelwatch.store import Store

    require("forecast", *(["dask"] if scheduler else []))
    with Store(db, read_only=True) as snapshot:  # writers are not kept out while it computes
        result = evaluate(
            snapshot,
            out,
            n_draws=draws,
            seed=seed,
            workers=batch_workers(workers),
            scheduler=scheduler,
            levels=level or ("country", "admin1", "admin2", "grid"),
            unit_n_draws=unit_draws,
            progress=_err,
        )
    if save:
        with Store(db, wait_s=result_wait()) as store:  # one short write
            store_evaluation(store, result.scores, draws, seed)
    typer.echo("\n".join(result.verdict()))
    table = result.scores.pivot_table(
        index=["level", "target", "window"], columns="model", values="crps", aggfunc="mean",
        sort=False,
    )
    typer.echo("mean CRPS")
    typer.echo(table.round(2).to_string())
    _err(f"wrote {result.report_md} and {result.report_html}")


@app.command()
def watch(
    config: Annotated[Path, typer.Option("--config", help="The watch configuration (TOML).")],
    once: Annotated[bool, typer.Option(help="Run one cycle, then stop.")] = False,
    force: Annotated[
        bool, typer.Option(help="Poll every source now, whatever its schedule.")
    ] = False,
    verbose: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Keep the store current: poll sources, load new releases, alert, notify (until stopped)."""
    import logging

    from sahelwatch.config import load_config
    from sahelwatch.watch import run as run_watch

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.DEBUG if verbose else logging.WARNING)
    reports = run_watch(load_config(config), once=once, force=force)
    if once:
        for report in reports:
            typer.echo(report.summary())
        if not reports:
            raise SahelWatchError("the cycle failed; the log above says why.")


@app.command()
def alerts(
    limit: Annotated[int, typer.Option(help="Most alerts to show.")] = 20,
    rule: Annotated[str | None, typer.Option(help="Only this rule's alerts.")] = None,
    severity: Annotated[
        str | None,
        typer.Option(help="Only alerts at least this severe (info, warning, critical)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    check: Annotated[
        Path | None,
        typer.Option(
            help="First evaluate the alert rules (alerts.rules tables) of this TOML file now and "
            "store new alerts."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """List stored alerts, newest first, with their evidence."""
    import json

    from sahelwatch.alerts import list_alerts
    from sahelwatch.main_job import check_alert_rules
    from sahelwatch.store import Store

    if check is not None:
        _err(f"{len(check_alert_rules(db, check))} new alerts from the rules in {check}")
    with Store(db, read_only=True) as store:
        found = list_alerts(store, limit=limit, rule=rule, min_severity=severity)
    for alert in found:
        if as_json:
            typer.echo(json.dumps({**alert.to_dict(), "delivered": alert.delivered}))
            continue
        when = f"{alert.fired_at:%Y-%m-%d %H:%M}" if alert.fired_at else "-"
        sent = ", ".join(sorted(alert.delivered)) or "not yet delivered"
        typer.echo(f"{when}  [{alert.severity}] {alert.title}")
        typer.echo(f"    rule {alert.rule}, id {alert.id}; {sent}")
        ids = alert.evidence.get("event_ids")
        if ids:
            more = f" (+{len(ids) - 10} more)" if len(ids) > 10 else ""
            typer.echo(f"    events: {', '.join(ids[:10])}{more}")
    if not found:
        typer.echo("No alerts.")


@app.command()
def held(
    load: Annotated[
        int | None, typer.Option(help="Load this held pull anyway (an operator's decision).")
    ] = None,
    db: DbOption = None,
) -> None:
    """List pulls the data-quality checks held back, or load one of them."""
    from sahelwatch.connectors.state import holds
    from sahelwatch.store import Store
    from sahelwatch.watch import release_hold

    if load is not None:
        with Store(db) as store:
            typer.echo(release_hold(store, load).summary())
        return
    with Store(db, read_only=True) as store:
        found = holds(store)
    for hold in found:
        state = hold.resolution or "held"
        typer.echo(
            f"{hold.hold_id}  {hold.held_at:%Y-%m-%d %H:%M}  {hold.source} "
            f"{hold.release or ''} [{state}]  {hold.path}"
        )
        for reason in hold.reasons:
            typer.echo(f"    - {reason}")
    if not found:
        typer.echo("No pull is held back.")


@app.command()
def feed(
    out: Annotated[
        Path | None, typer.Option(help="Write the feed here (default: standard output).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most entries.")] = 100,
    link: Annotated[str, typer.Option(help="The site the entries link to.")] = (
        "http://localhost:8000/"
    ),
    db: DbOption = None,
) -> None:
    """Write the Atom feed of the stored alerts."""
    from sahelwatch.alerts import list_alerts
    from sahelwatch.delivery import FeedSettings, atom_feed
    from sahelwatch.output import write_atomic
    from sahelwatch.store import Store

    settings = FeedSettings(link=link, max_entries=limit)
    with Store(db, read_only=True) as store:
        text = atom_feed(list_alerts(store, limit=limit), settings)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
        _err(f"wrote the feed to {out}")


def _add_consequences() -> None:
    from sahelwatch.cli_consequences import app as consequences_app

    app.add_typer(consequences_app, name="consequences")


_add_consequences()


store_app = typer.Typer(help="Look after the store file.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("compact")
def store_compact(
    if_wasteful: Annotated[
        bool,
        typer.Option(help="Only when the file is at least twice the size of its data."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Rewrite the store into a fresh file without the space interrupted work left behind."""
    from sahelwatch.compact import compact

    typer.echo(compact(db, only_if_wasteful=if_wasteful).summary())


@store_app.command("derive")
def store_derive(db: DbOption = None) -> None:
    """Compute and keep the indicator series the dashboard opens on, at low priority.

    The Sahel countries at country and admin-1 level, Mali, Burkina Faso and Niger at admin-2,
    for the store's current data; readers then answer in milliseconds. Others are kept by the
    first reader that needs them."""
    import time

    from sahelwatch.indicators.derived import precompute, precompute_set
    from sahelwatch.priority import yield_to_readers
    from sahelwatch.store import Store

    yield_to_readers()
    started = time.perf_counter()
    with Store(db, read_only=True) as store:
        done = precompute(store)
    typer.echo(
        f"{done} indicator series computed and kept ({len(precompute_set())} asked for; the "
        f"others were kept already or have no data) in {time.perf_counter() - started:.0f} s."
    )


def main() -> None:
    """Entry point: run the app, turning every error into a one-line message."""
    import duckdb
    from typer.exceptions import Abort, Exit, TyperException

    try:
        if "--help" not in sys.argv[1:]:  # help is shown whatever the environment
            settings()  # an invalid SAHELWATCH_* variable is a sentence before anything runs
        app(standalone_mode=False)
    except Exit as exc:
        sys.exit(exc.exit_code)
    except Abort:
        _err("interrupted; the store is as it was before the interrupted command.")
        sys.exit(130)
    except SahelWatchError as exc:
        _err(f"error: {exc}")
        sys.exit(1)
    except TyperException as exc:  # usage errors: unknown option, bad value, missing argument
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if message.strip():  # empty when the help was shown for a bare command
            _err(f"error: {message} (see --help)")
        sys.exit(2)
    except duckdb.Error as exc:
        _err(f"error: the store reported a problem: {str(exc).splitlines()[0]}")
        sys.exit(1)
    except KeyboardInterrupt:
        _err("interrupted; the store is as it was before the interrupted command.")
        sys.exit(130)
    except Exception as exc:
        if settings().debug:
            raise
        _err(
            f"error: an unexpected {type(exc).__name__} occurred ({exc}); this is a bug in "
            "SahelWatch: please report it (set SAHELWATCH_DEBUG=1 to see the traceback)."
        )
        sys.exit(2)
