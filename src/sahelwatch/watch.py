"""The watch service: poll the sources, load what is new, recompute, alert, deliver; repeat.

One *cycle*:

1. read which sources are due;
2. poll each enabled source that is due (``every``; a failing source is tried again sooner,
   with backoff, and a 429 is respected), and for each pull it hands over: check it
   (:mod:`sahelwatch.connectors.checks`), then load it with :func:`sahelwatch.ingest.ingest`
   and save the connector's checkpoint, or hold it back and raise a ``data-quality`` alert.
   Sources are polled at the same time, each in a thread of its own with its own connection
   (loads and checkpoints take turns), and each poll ends within its ``deadline`` (counted
   over every request, however slowly a server sends), so one stuck source never delays the
   others' loads. A source whose page no longer looks like itself (a download index turned
   maintenance page) raises a ``data-quality`` alert. Files are read within ``[limits]``;
3. when something was loaded: write the configured indicator tables and, when enabled, make
   a new forecast from a snapshot and store it (:mod:`sahelwatch.forecast`);
4. evaluate the alert rules (data rules when the data or the rules changed; ``stale`` rules
   every cycle) and store the alerts whose keys are new, plus ``source-error`` alerts for
   sources failing three polls in a row;
5. deliver alerts not yet delivered (feed, webhooks, email).

The store file is open for writing only for each write (:meth:`Watch.writing_store`): a load
with its checks and checkpoint, a paging checkpoint, a poll's record, the alerts and
deliveries; connectors read a snapshot while they poll. So another writer (``sahelwatch
ingest``, ``forecast --save``) waits seconds, not a cycle, and readers never wait.

:func:`run` repeats cycles until stopped (SIGTERM or Ctrl-C end it after the current step);
with ``once=True`` it does one. Every fault inside a cycle (a source down, a malformed pull, a
failing rule or webhook) is logged and recorded, and the service goes on.

Restarts: every load is one transaction and each checkpoint is saved after the load it records;
a pull loaded but not yet checkpointed when the process died is recognised on the next run
(same content: "already ingested"; overlapping rows: "unchanged"), paging resumes from the
saved page, and alerts and deliveries are keyed, so nothing is loaded or notified twice.
Only one watch process runs per state folder (a lock file).

Examples
--------
One cycle over the sources of a configuration file (``sahelwatch watch --once``)::

    from sahelwatch.config import load_config
    from sahelwatch.watch import run

    run(load_config("sahelwatch.toml"), once=True)
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from sahelwatch.alerts import (
    Alert,
    ensure_alerts_schema,
    evaluate,
    quality_alert,
    record,
    source_error_alert,
)
from sahelwatch.config import Config, SourceSettings
from sahelwatch.connectors import CONNECTORS
from sahelwatch.connectors.base import Context, Pull, file_sha256
from sahelwatch.connectors.checks import check_pull
from sahelwatch.connectors.http import HttpClient
from sahelwatch.connectors.state import (
    Hold,
    ensure_state_schema,
    find_hold,
    load_state,
    record_hold,
    record_run,
    resolve_hold,
    save_state,
)
from sahelwatch.delivery import DeliveryReport, deliver
from sahelwatch.errors import (
    ConfigError,
    InputError,
    RateLimited,
    ReleaseError,
    SahelWatchError,
    SourceChanged,
    StoreError,
)
from sahelwatch.formats import unpack
from sahelwatch.ingest import IngestReport, ingest
from sahelwatch.output import write_atomic
from sahelwatch.periods import parse_month
from sahelwatch.store import Store

__all__ = ["CycleReport", "Watch", "release_hold", "run"]

log = logging.getLogger("sahelwatch.watch")

#: Consecutive failed polls of a source that raise a ``source-error`` alert.
FAILURES_BEFORE_ALERT = 3
#: The connector_state row where the service keeps its own bookkeeping.
SERVICE_ROW = "_watch"


@dataclass
class CycleReport:
    """What one cycle did."""

    started_at: datetime
    finished_at: datetime | None = None
    polled: list[str] = field(default_factory=list)
    loaded: list[tuple[str, IngestReport]] = field(default_factory=list)
    held: list[Hold] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    recomputed: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for people."""
        lines = [
            f"cycle at {self.started_at:%Y-%m-%d %H:%M:%S} UTC: polled "
            f"{', '.join(self.polled) or 'nothing (no source due)'}"
        ]
        for source, rep in self.loaded:
            if rep.already_ingested:
                lines.append(f"  {source}: {rep.source} {rep.release} was already loaded")
            else:
                lines.append(
                    f"  {source}: loaded {rep.source} {rep.release}: {rep.added} added, "
                    f"{rep.revised} revised, {rep.unchanged} unchanged, {rep.rejected} rejected"
                )
        for hold in self.held:
            lines.append(
                f"  {hold.source}: HELD BACK (hold {hold.hold_id}): " + "; ".join(hold.reasons)
            )
        for source, message in self.failed.items():
            lines.append(f"  {source}: failed: {message}")
        if self.recomputed:
            lines.append(f"  recomputed: {', '.join(self.recomputed)}")
        for alert in self.alerts:
            lines.append(f"  ALERT [{alert.severity}] {alert.title}")
        if self.delivery is not None:
            sent = ", ".join(f"{k} {v}" for k, v in self.delivery.sent.items() if v)
            if sent:
                lines.append(f"  delivered: {sent}")
            for error in self.delivery.errors:
                lines.append(f"  delivery failed: {error}")
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Watch:
    """The service for one configuration. Use :func:`run`, or :meth:`cycle` directly.

    Parameters
    ----------
    config : the validated configuration.
    http : the HTTP client (default one built from ``[http]``).
    env : where secrets are read (default the process environment).
    now : the clock (UTC).
    sleep : how to wait between store-open attempts and email retries.
    """

    def __init__(
        self,
        config: Config,
        *,
        http: HttpClient | None = None,
        env: Mapping[str, str] | None = None,
        now: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.env = env
        self.http = http or HttpClient(config.http.policy(), user_agent=config.http.user_agent)
        self.now = now
        self.sleep = sleep
        self.state_dir = config.watch.state_dir
        self.stopping = threading.Event()
        self.writing = threading.RLock()  # store writes of the polling threads take turns
        self._open: Store | None = None  # the store while a write holds `writing`

    # --- the store ---------------------------------------------------------------------------

    def open_store(self, attempts: int = 6) -> Store:
        """Open the store for writing, waiting while another process has it open."""
        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                store = Store(self.config.store)
            except StoreError as exc:
                if "in use" not in str(exc) or attempt == attempts:
                    raise
                log.info("the store is in use; trying again in %.1f s", delay)
                self.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            ensure_state_schema(store)
            ensure_alerts_schema(store)
            return store
        raise AssertionError("unreachable")

    @contextmanager
    def writing_store(self) -> Iterator[Store]:
        """The store file opened for writing for one write, closed after it (writes of the
        polling threads take turns; a write inside another shares its store)."""
        with self.writing:
            if self._open is not None:
                yield self._open
                return
            with self.open_store() as store:
                self._open = store
                try:
                    yield store
                finally:
                    self._open = None

    # --- one cycle ---------------------------------------------------------------------------

    def cycle(self, *, force: bool = False) -> CycleReport:
        """One cycle (see the module docstring). ``force`` polls every source, due or not."""
        report = CycleReport(self.now())
        with unpack.using(self.config.limits):
            with self.writing_store() as store:  # made with its tables if new
                due = [
                    s for s in self.config.sources if s.enabled and (force or self._due(store, s))
                ]
            report.polled = [s.name for s in due]
            parts = [CycleReport(report.started_at) for _ in due]
            pollers = [
                threading.Thread(
                    target=self._poll_alone,
                    args=(settings, part),
                    name=f"sahelwatch-poll-{settings.name}",
                    daemon=True,
                )
                for settings, part in zip(due, parts, strict=True)
            ]
            for thread in pollers:
                thread.start()
            for thread in pollers:
                thread.join()
            for part in parts:  # in the configuration's order, whoever finished first
                report.loaded += part.loaded
                report.held += part.held
                report.failed.update(part.failed)
                report.alerts += part.alerts
            if report.loaded and any(not r.already_ingested for _, r in report.loaded):
                self._recompute(report)
            with self.writing_store() as store:
                self._source_errors(store, report)
                fingerprint = self._fingerprint(store)
                service, _ = load_state(store, SERVICE_ROW)
                changed = fingerprint != service.get("fingerprint")
                rules = [r for r in self.config.rules if changed or r.kind == "stale"]
                alerts = evaluate(store, rules, now=self.now())
                report.alerts += record(store, alerts, now=self.now())
                if changed:
                    service["fingerprint"] = fingerprint
                    save_state(store, SERVICE_ROW, service)
                try:
                    report.delivery = deliver(
                        store, self.config, self.http, env=self.env, sleep=self.sleep
                    )
                except SahelWatchError as exc:
                    report.errors.append(f"delivery: {exc}")
                    log.error("delivery: %s", exc)
        report.finished_at = self.now()
        return report

    def _due(self, store: Store, settings: SourceSettings) -> bool:
        state, polled_at = load_state(store, settings.name)
        service = state.get("_watch", {})
        now = self.now()
        not_before = service.get("not_before")
        if not_before and now < datetime.fromisoformat(not_before):
            return False
        last = _aware(polled_at)
        return last is None or (now - last).total_seconds() >= settings.every

    def _poll_alone(self, settings: SourceSettings, report: CycleReport) -> None:
        """Poll one source in this thread, reading a snapshot of the store, within the source's
        deadline."""
        try:
            with (
                Store(self.config.store, read_only=True) as snapshot,
                unpack.using(self.config.limits),
                self.http.deadline(settings.deadline),
            ):
                self._poll(snapshot, settings, report)
        except Exception:  # a bug must not take the other sources down
            log.exception("%s: unexpected failure outside the connector", settings.name)
            report.failed[settings.name] = "unexpected failure (logged)"

    def _poll(self, store: Store, settings: SourceSettings, report: CycleReport) -> None:
        started = self.now()
        state, _ = load_state(store, settings.name)
        work = self.state_dir / "sources" / settings.name
        work.mkdir(parents=True, exist_ok=True)
        ctx = Context(
            store, self.http, work, settings.name, state, self.env, self.now, self.writing,
            self.writing_store,
        )
        connector = CONNECTORS[settings.kind](settings, ctx)
        outcome, release, message = "nothing-new", None, ""
        service = state.pop("_watch", {})
        try:
            for pull in connector.poll():
                with self.writing_store() as writable:
                    result, release, note = self._process(writable, ctx, settings, pull, report)
                outcome = "loaded" if result == "loaded" or outcome == "loaded" else result
                message = note
                if self.stopping.is_set():
                    break
            service = {}
        except RateLimited as exc:
            outcome, message = "failed", str(exc)
            service = self._backoff(service, settings, seconds=exc.retry_after)
        except SourceChanged as exc:
            outcome, message = "failed", str(exc)
            service = self._backoff(service, settings)
            with self.writing_store() as writable:
                report.alerts += record(
                    writable, [_changed_alert(settings.name, message)], now=self.now()
                )
        except SahelWatchError as exc:
            outcome, message = "failed", str(exc)
            service = self._backoff(service, settings)
        except Exception as exc:  # a bug in a connector must not stop the service
            log.exception("%s: unexpected failure", settings.name)
            outcome, message = "failed", f"unexpected {type(exc).__name__}: {exc}"
            service = self._backoff(service, settings)
        if outcome == "failed":
            report.failed[settings.name] = message
            log.warning("%s: %s", settings.name, message)
        if service:
            ctx.state["_watch"] = service
        with self.writing_store() as writable:
            save_state(
                writable,
                settings.name,
                ctx.state,
                polled_at=_naive(started) if outcome != "failed" else None,
            )
            record_run(
                writable,
                settings.name,
                _naive(started),
                outcome,
                release=release,
                message=message,
                finished_at=_naive(self.now()),
            )

    def _backoff(
        self, service: dict[str, Any], settings: SourceSettings, seconds: float | None = None
    ) -> dict[str, Any]:
        """Schedule the next try of a failing source: ``tick * 2**(failures-1)``, at most
        ``every`` (or what a 429 asked for)."""
        failures = int(service.get("failures", 0)) + 1
        wait = (
            seconds
            if seconds is not None
            else min(float(settings.every), self.config.watch.tick * 2 ** (failures - 1))
        )
        return {
            "failures": failures,
            "not_before": (self.now() + timedelta(seconds=wait)).isoformat(),
        }

    def _process(
        self, store: Store, ctx: Context, settings: SourceSettings, pull: Pull, report: CycleReport
    ) -> tuple[str, str | None, str]:
        """Check one pull and load or hold it; return (outcome, release, message)."""
        digest, size = file_sha256(pull.path)
        known = find_hold(store, settings.name, digest)
        if known is not None and known.resolved_at is None:
            ctx.state.update(pull.on_hold)
            ctx.save()
            return "held", pull.release, f"still held (hold {known.hold_id})"
        reasons: list[str] = []
        rows: int | None = None
        header: list[str] | None = None
        if settings.check:
            reasons, prof = check_pull(store, pull, self.config.checks, ctx.state)
            if prof is not None:
                rows, header = prof.rows, prof.header
        if not reasons:
            try:
                loaded = ingest(store, pull.path, **_ingest_kwargs(pull.ingest_arguments()))
            except (InputError, ReleaseError) as exc:
                reasons = [f"refused by ingest: {exc}"]
            else:
                ctx.state.update(pull.commit)
                if rows is not None and pull.complete:
                    ctx.state["last_rows"] = rows
                if header is not None:
                    ctx.state["columns"] = header
                ctx.save()
                report.loaded.append((settings.name, loaded))
                log.info("%s: %s", settings.name, loaded.summary().splitlines()[0])
                self._tidy(pull)
                return "loaded", loaded.release, pull.note
        hold = self._hold(store, settings, pull, digest, size, reasons)
        ctx.state.update(pull.on_hold)
        ctx.save()
        report.held.append(hold)
        report.alerts += record(
            store,
            [
                quality_alert(
                    settings.name, pull.release, str(hold.path), digest, reasons, hold.hold_id
                )
            ],
            now=self.now(),
        )
        return "held", pull.release, "; ".join(reasons)

    def _hold(
        self,
        store: Store,
        settings: SourceSettings,
        pull: Pull,
        digest: str,
        size: int,
        reasons: list[str],
    ) -> Hold:
        target = self.state_dir / "held" / settings.name / f"{digest[:12]}_{pull.path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if settings.kind == "folder":  # never move a user's file away
            shutil.copy2(pull.path, target)
        else:
            shutil.move(pull.path, target)
        log.warning("%s: held back %s: %s", settings.name, target.name, "; ".join(reasons))
        return record_hold(
            store,
            settings.name,
            pull.release,
            target,
            digest,
            size,
            reasons,
            {"ingest": pull.ingest_arguments(), "commit": pull.commit},
        )

    def _tidy(self, pull: Pull) -> None:
        if not self.config.watch.keep_files and self.state_dir in pull.path.parents:
            pull.path.unlink(missing_ok=True)

    def _source_errors(self, store: Store, report: CycleReport) -> None:
        """A ``source-error`` alert for each source whose last polls all failed."""
        for settings in self.config.sources:
            rows = store.con.execute(
                "SELECT outcome, started_at, message FROM connector_runs WHERE source = ? "
                "ORDER BY run_id DESC LIMIT 50",
                [settings.name],
            ).fetchall()
            spell = []
            for row in rows:
                if row[0] != "failed":
                    break
                spell.append(row)
            if len(spell) >= FAILURES_BEFORE_ALERT:
                since = spell[-1][1].replace(tzinfo=UTC)
                alert = source_error_alert(settings.name, len(spell), since, spell[0][2] or "")
                report.alerts += record(store, [alert], now=self.now())

    def _fingerprint(self, store: Store) -> str:
        """Changes when data, forecasts or the rules change."""
        row = store.con.execute(
            "SELECT coalesce(max(file_id), 0), count(*) FROM ingest_log"
        ).fetchone()
        parts = [str(row), repr(self.config.rules)]
        if store.has_table("forecasts"):
            parts.append(
                str(store.con.execute("SELECT max(created_at), count(*) FROM forecasts").fetchone())
            )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def _recompute(self, report: CycleReport) -> None:
        """Indicator tables and forecasts that depend on the new data, computed from a snapshot
        (the forecast is then stored in one short write)."""
        settings = self.config.recompute
        with Store(self.config.store, read_only=True) as snapshot:
            if settings.series:  # the dashboard's series, so that its first reader does not wait
                from sahelwatch.indicators.derived import precompute

                kept = precompute(snapshot)
                report.recomputed.append(f"{kept} indicator series for the dashboard")
            for target in settings.indicators:
                try:
                    path = _write_indicators(
                        snapshot,
                        target.country,
                        target.level,
                        settings.out_dir or self.state_dir / "indicators",
                    )
                except SahelWatchError as exc:
                    report.errors.append(f"indicators {target.country}/{target.level}: {exc}")
                    log.error("indicators %s/%s: %s", target.country, target.level, exc)
                    continue
                if path is not None:
                    report.recomputed.append(f"indicators {path.name}")
            forecast = settings.forecast
            if not forecast.enabled:
                return
            from sahelwatch.forecast import forecast as make_forecast
            from sahelwatch.forecast import store_forecast
            from sahelwatch.forecast.data import stage_forecast

            try:
                frame = make_forecast(
                    snapshot,
                    horizons=forecast.horizons,
                    n_draws=forecast.n_draws,
                    seed=forecast.seed,
                    model=forecast.model,
                )
            except SahelWatchError as exc:
                report.errors.append(f"forecast: {exc}")
                log.error("forecast: %s", exc)
                return
        origin, version = frame.attrs["origin"], frame.attrs["model_version"]
        try:
            staged = stage_forecast(self.config.store, frame, origin, version)  # before writing
            with self.writing_store() as store:
                store_forecast(store, frame if staged is None else staged, origin, version)
        except SahelWatchError as exc:
            report.errors.append(f"forecast: {exc}")
            log.error("forecast: %s", exc)
            return
        report.recomputed.append(f"forecast {version} at origin {origin}")

    # --- the loop ----------------------------------------------------------------------------

    def next_wake(self) -> float:
        """Seconds until the next source is due (at most ``tick``, at least 1)."""
        tick = float(self.config.watch.tick)
        try:
            with Store(self.config.store, read_only=True) as store:
                waits = [tick]
                now = self.now()
                for settings in self.config.sources:
                    if not settings.enabled:
                        continue
                    state, polled_at = load_state(store, settings.name)
                    not_before = state.get("_watch", {}).get("not_before")
                    due = [(_aware(polled_at) or now) + timedelta(seconds=settings.every)]
                    if not_before:
                        due.append(datetime.fromisoformat(not_before))
                    waits.append((max(due) - now).total_seconds())
        except SahelWatchError:
            return tick
        return max(1.0, min(waits))

    def run(self, *, once: bool = False, force: bool = False) -> list[CycleReport]:
        """Cycles until :meth:`stop` (or one, with ``once``); returns the reports of the
        cycles (empty for a long run cut short before its first)."""
        reports: list[CycleReport] = []
        with _lock(self.state_dir):
            while not self.stopping.is_set():
                try:
                    report = self.cycle(force=force)
                except SahelWatchError as exc:  # e.g. the store stayed busy
                    log.error("cycle failed: %s", exc)
                except Exception:
                    log.exception("cycle failed unexpectedly; going on")
                else:
                    reports.append(report)
                    log.info("%s", report.summary())
                if once:
                    break
                self.stopping.wait(self.next_wake())
        return reports

    def stop(self, *_: object) -> None:
        """Ask the service to stop after the current step (a signal handler)."""
        log.info("stopping after the current step")
        self.stopping.set()


class _lock:
    """An exclusive lock file in the state folder: one watch per state folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "watch.lock"
        self.fh: Any = None

    def __enter__(self) -> _lock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            raise StoreError(
                f"another watch service is running with the state folder {self.path.parent}."
            ) from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def _changed_alert(source: str, problem: str) -> Alert:
    """The ``data-quality`` alert for a source whose page no longer looks like itself (one
    per source and problem)."""
    digest = hashlib.sha256(problem.encode("utf-8")).hexdigest()[:16]
    return Alert(
        rule="data-quality",
        key=f"data-quality:{source}:page:{digest}",
        severity="warning",
        title=f"{source}: the source's page no longer looks like itself",
        body=f"{problem}\n\nNothing was loaded; the source is polled again with backoff.",
        evidence={"source": source, "problem": problem},
    )


def _ingest_kwargs(arguments: dict[str, Any]) -> dict[str, Any]:
    """:meth:`Pull.ingest_arguments` (JSON-friendly) as :func:`ingest` keyword arguments."""
    out = dict(arguments)
    period = out.pop("period", None)
    out["period"] = (parse_month(period[0]), parse_month(period[1])) if period else None
    return out


def _write_indicators(store: Store, country: str, level: str, folder: Path) -> Path | None:
    from sahelwatch.alerts.rules import country_gws, newest_month
    from sahelwatch.indicators import indicators
    from sahelwatch.periods import format_month

    newest = newest_month(store, "ucdp", country_gws(store, country), level != "country")
    if newest is None:
        return None
    frame = indicators(store, country, level, format_month(newest))
    path = folder / f"indicators_{country}_{level}_{format_month(newest)}.csv"
    write_atomic(path, frame.to_csv(index=False))
    return path


def run(
    config: Config,
    *,
    once: bool = False,
    force: bool = False,
    http: HttpClient | None = None,
    env: Mapping[str, str] | None = None,
) -> list[CycleReport]:
    """Run the watch service (see :class:`Watch`). Secrets are checked first; SIGTERM and
    SIGINT stop it after the current step."""
    config.check_secrets(env)
    service = Watch(config, http=http, env=env)
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _handler(service))
    try:
        return service.run(once=once, force=force)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _handler(service: Watch) -> Callable[[int, FrameType | None], None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        service.stop()

    return handle


def release_hold(store: Store, hold_id: int, config: Config | None = None) -> IngestReport:
    """Load a held-back pull anyway (an operator's decision) and apply its checkpoint."""
    from sahelwatch.connectors.state import holds

    found = [h for h in holds(store) if h.hold_id == hold_id]
    if not found:
        raise ConfigError(f"there is no held pull {hold_id}; 'sahelwatch held' lists them.")
    hold = found[0]
    if hold.resolved_at is not None:
        raise ConfigError(f"held pull {hold_id} was already {hold.resolution}.")
    with unpack.using(config.limits if config is not None else unpack.current()):
        report = ingest(store, hold.path, **_ingest_kwargs(hold.ingest["ingest"]))
    state, _ = load_state(store, hold.source)
    state.update(hold.ingest.get("commit", {}))
    save_state(store, hold.source, state)
    resolve_hold(store, hold_id, "loaded")
    return report
