"""Alerts: rules declared in the configuration, evaluated on the store, deduplicated and kept.

Rule kinds (``[[alerts.rules]] kind = ...``; every setting is in ``docs/live.md``):

==============  ===========================================================================
``threshold``   fatalities or events in a unit (country, admin-1, admin-2 or cell) over a
                window of months reach a threshold
``proximity``   violence within a radius of a place (``place = "Bamako"`` or coordinates)
``new_actor``   an actor family (``jihadist``, ...) appears in a unit where it was absent for
                N known months (panels and places from :mod:`sahelwatch.panels`)
``forecast``    a forecast probability of at least N fatalities crosses a level (reads the
                ``forecasts`` table of :mod:`sahelwatch.forecast`)
``zscore``      an indicator jumps by a z-score against its own recent months
``stale``       a source stops bringing new data (no load, poll or new event for a while)
==============  ===========================================================================

Two rules are built in: ``data-quality`` (a pull held back by the checks) and
``source-error`` (a source failing poll after poll).

Every alert has a *key* naming what it is about (rule, unit, month; or the set of events): an
alert whose key is already stored is not stored or sent again, so a restart, a re-evaluation
or a revised release never repeats an alert. The ``id`` is derived from the key (stable across
stores and runs); ``seq`` orders alerts as they were stored (the SSE stream resumes from it).
Each alert carries its evidence: event ids, values, thresholds, months.

Coverage rules apply: a month no release covers is *no data*, never zero, so a threshold is
not evaluated over a window with a gap, and an actor is "absent" only in months known to be
covered.

Examples
--------
>>> from sahelwatch.alerts import ProximityRule, evaluate, record, list_alerts  # doctest: +SKIP
>>> rule = ProximityRule(name="near-bamako", kind="proximity", place="Bamako", radius_km=50)
>>> fresh = record(store, evaluate(store, [rule]))                            # doctest: +SKIP
>>> [a.title for a in list_alerts(store)]                                     # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from sahelwatch.config import Duration, Severity
from sahelwatch.connectors.errors import ConfigError
from sahelwatch.periods import add_months, format_month
from sahelwatch.store import Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALERTS_SCHEMA",
    "BUILTIN_RULES",
    "RULE_TYPES",
    "SEVERITY_RANK",
    "Alert",
    "ForecastRule",
    "NewActorRule",
    "ProximityRule",
    "Rule",
    "StaleRule",
    "ThresholdRule",
    "ZScoreRule",
    "alert_id",
    "ensure_alerts_schema",
    "evaluate",
    "list_alerts",
    "mark_delivery",
    "pending",
    "quality_alert",
    "record",
    "source_error_alert",
]

log = logging.getLogger("sahelwatch.alerts")

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
BUILTIN_RULES: tuple[str, ...] = ("data-quality", "source-error")
# Most event ids an alert's evidence lists (the count is always given in full).
MAX_EVIDENCE_EVENTS = 100

ALERTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, rule VARCHAR NOT NULL, key VARCHAR NOT NULL,
    fired_at TIMESTAMP NOT NULL, severity VARCHAR NOT NULL, title VARCHAR NOT NULL,
    body VARCHAR NOT NULL, evidence VARCHAR NOT NULL, delivered VARCHAR NOT NULL,
    UNIQUE (key), UNIQUE (seq));
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id VARCHAR NOT NULL, channel VARCHAR NOT NULL, attempts INTEGER NOT NULL,
    delivered_at TIMESTAMP, last_error VARCHAR, gave_up BOOLEAN NOT NULL,
    PRIMARY KEY (alert_id, channel));
"""


def alert_id(key: str) -> str:
    """The stable id of the alert with this key (16 hex digits of its SHA-256)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Alert:
    """One alert.

    Attributes
    ----------
    rule : the rule's name (or a built-in: ``data-quality``, ``source-error``).
    key : what the alert is about; one alert per key, ever.
    severity : ``info``, ``warning`` or ``critical``.
    title, body : for people (the body is plain text).
    evidence : event ids, values, thresholds and months behind the alert (JSON-serialisable).
    fired_at : when it was stored (UTC); None before.
    seq : its place in the order alerts were stored; None before.
    delivered : channel -> ISO time it was delivered.
    """

    rule: str
    key: str
    severity: str
    title: str
    body: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fired_at: datetime | None = None
    seq: int | None = None
    delivered: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable id derived from the key."""
        return alert_id(self.key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the webhook payload and the SSE data)."""
        return {
            "id": self.id,
            "seq": self.seq,
            "rule": self.rule,
            "key": self.key,
            "severity": self.severity,
            "title": self.title,
            "body": self.body,
            "fired_at": _iso(self.fired_at),
            "evidence": self.evidence,
        }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- storage --------------------------------------------------------------------------------


def ensure_alerts_schema(store: Store) -> None:
    """Create the ``alerts`` and ``alert_deliveries`` tables if missing."""
    if not store.read_only:
        store.con.execute(ALERTS_SCHEMA)


def record(store: Store, alerts: Sequence[Alert], now: datetime | None = None) -> list[Alert]:
    """Store the alerts whose key is new, in one transaction; return those (with ``fired_at``
    and ``seq`` set). Alerts whose key is already stored are dropped: that is the dedup."""
    ensure_alerts_schema(store)
    if not alerts:
        return []
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    con = store.con
    fresh: list[Alert] = []
    con.execute("BEGIN TRANSACTION")
    try:
        keys = [a.key for a in alerts]
        stored = {
            r[0]
            for r in con.execute(
                "SELECT key FROM alerts WHERE list_contains(?, key)", [keys]
            ).fetchall()
        }
        row = con.execute("SELECT coalesce(max(seq), 0) FROM alerts").fetchone()
        seq = int(row[0]) if row else 0
        for alert in alerts:
            if alert.key in stored:
                continue
            stored.add(alert.key)
            seq += 1
            alert.fired_at, alert.seq = now, seq
            con.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                [
                    alert.id,
                    seq,
                    alert.rule,
                    alert.key,
                    now,
                    alert.severity,
                    alert.title,
                    alert.body,
                    json.dumps(alert.evidence, sort_keys=True, default=str),
                ],
            )
            fresh.append(alert)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    for alert in fresh:
        log.info("alert %s [%s] %s", alert.id, alert.severity, alert.title)
    return fresh


_ALERT_COLUMNS = "rule, key, severity, title, body, evidence, fired_at, seq, delivered"


def _alert(row: tuple[Any, ...]) -> Alert:
    fired = row[6].replace(tzinfo=UTC) if row[6] is not None else None
    return Alert(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        json.loads(row[5]),
        fired,
        int(row[7]),
        json.loads(row[8]),
    )


def list_alerts(
    store: Store,
    *,
    limit: int | None = 50,
    rule: str | None = None,
    min_severity: str | None = None,
    after_seq: int | None = None,
    oldest_first: bool = False,
) -> list[Alert]:
    """Stored alerts, newest first (or oldest first), optionally filtered.

    Parameters
    ----------
    limit : most alerts returned (None: all).
    rule : only this rule's alerts.
    min_severity : only alerts at least this severe.
    after_seq : only alerts stored after this ``seq`` (for streams that resume).
    oldest_first : order by ``seq`` ascending.
    """
    if not store.has_table("alerts"):
        return []
    if min_severity is not None and min_severity not in SEVERITY_RANK:
        raise ConfigError(f"unknown severity '{min_severity}'; use info, warning or critical.")
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if rule:
        clauses.append("rule = $rule")
        params["rule"] = rule
    if min_severity:
        wanted = [s for s, r in SEVERITY_RANK.items() if r >= SEVERITY_RANK[min_severity]]
        clauses.append("list_contains($sev, severity)")
        params["sev"] = wanted
    if after_seq is not None:
        clauses.append("seq > $after")
        params["after"] = int(after_seq)
    order = "ASC" if oldest_first else "DESC"
    sql = f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE {' AND '.join(clauses)} ORDER BY seq {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_alert(r) for r in store.con.execute(sql, params).fetchall()]


def mark_delivery(
    store: Store, alert: Alert, channel: str, *, ok: bool, error: str = "", max_tries: int = 10
) -> bool:
    """Record one delivery attempt; return True when the channel should not try again
    (delivered, or ``max_tries`` reached)."""
    con = store.con
    row = con.execute(
        "SELECT attempts FROM alert_deliveries WHERE alert_id = ? AND channel = ?",
        [alert.id, channel],
    ).fetchone()
    attempts = (int(row[0]) if row else 0) + 1
    gave_up = not ok and attempts >= max_tries
    con.execute(
        "INSERT INTO alert_deliveries VALUES ($a, $c, $n, $at, $err, $gave) "
        "ON CONFLICT (alert_id, channel) DO UPDATE SET attempts = $n, delivered_at = $at, "
        "last_error = $err, gave_up = $gave",
        {
            "a": alert.id,
            "c": channel,
            "n": attempts,
            "at": datetime.now(UTC).replace(tzinfo=None) if ok else None,
            "err": None if ok else error[:1000],
            "gave": gave_up,
        },
    )
    if ok:
        alert.delivered[channel] = _iso(datetime.now(UTC)) or ""
        con.execute(
            "UPDATE alerts SET delivered = ? WHERE id = ?",
            [json.dumps(alert.delivered, sort_keys=True), alert.id],
        )
    return ok or gave_up


def pending(store: Store, channel: str, limit: int = 500) -> list[Alert]:
    """Alerts not yet delivered to ``channel`` (and not given up on), oldest first."""
    if not store.has_table("alerts"):
        return []
    rows = store.con.execute(
        f"SELECT {', '.join('a.' + c.strip() for c in _ALERT_COLUMNS.split(','))} "
        "FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id AND d.channel = ? "
        "WHERE d.delivered_at IS NULL AND NOT coalesce(d.gave_up, FALSE) "
        "ORDER BY a.seq LIMIT ?",
        [channel, limit],
    ).fetchall()
    return [_alert(r) for r in rows]


# --- built-in alerts -------------------------------------------------------------------------


def quality_alert(
    source: str, release: str | None, path: str, sha256: str, reasons: list[str], hold_id: int
) -> Alert:
    """The ``data-quality`` alert for a held-back pull (one per source and file content)."""
    what = f"release {release}" if release else "a pull"
    return Alert(
        rule="data-quality",
        key=f"data-quality:{source}:{sha256}",
        severity="warning",
        title=f"{source}: {what} held back by the data-quality checks",
        body="\n".join(
            [f"The pull was kept on disk and not loaded: {path}", "", "Reasons:"]
            + [f"- {r}" for r in reasons]
            + ["", f"Load it anyway with: sahelwatch held --load {hold_id}"]
        ),
        evidence={
            "source": source,
            "release": release,
            "path": path,
            "sha256": sha256,
            "reasons": reasons,
            "hold_id": hold_id,
        },
    )


def source_error_alert(source: str, failures: int, since: datetime, message: str) -> Alert:
    """The ``source-error`` alert: a source failing poll after poll (one per failing spell)."""
    return Alert(
        rule="source-error",
        key=f"source-error:{source}:{_iso(since)}",
        severity="warning",
        title=f"{source}: {failures} polls in a row failed",
        body=f"The source has failed since {_iso(since)}. Last error: {message}",
        evidence={"source": source, "failures": failures, "since": _iso(since), "message": message},
    )


# --- rules -----------------------------------------------------------------------------------


@dataclass
class EvalContext:
    """What rules read while they are evaluated."""

    store: Store
    now: datetime
    rules_state: dict[str, Any] = field(default_factory=dict)

    def prior_evidence(self, rule: str) -> list[dict[str, Any]]:
        """Evidence of the stored alerts of a rule."""
        if not self.store.has_table("alerts"):
            return []
        rows = self.store.con.execute(
            "SELECT evidence FROM alerts WHERE rule = ?", [rule]
        ).fetchall()
        return [json.loads(r[0]) for r in rows]


@dataclass(frozen=True)
class Rule:
    """What every rule has: a unique ``name``, its ``kind``, a ``severity`` and ``enabled``."""

    KIND: ClassVar[str] = ""
    name: str
    kind: str
    severity: Severity = "warning"
    enabled: bool = True

    def validate(self, where: str) -> None:
        if self.name in BUILTIN_RULES:
            raise ConfigError(f"{where}: '{self.name}' is the name of a built-in rule.")

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        """Alerts this rule raises now (stored or not; :func:`record` drops known keys)."""
        raise NotImplementedError

    def _make(self, key: str, title: str, body: str, evidence: dict[str, Any]) -> Alert:
        return Alert(self.name, f"{self.name}:{key}", self.severity, title, body, evidence)


def _newest_month(store: Store, family: str, countries: list[int], located: bool) -> date | None:
    """The newest month a family covers in these countries (with locations when asked)."""
    from sahelwatch import panels

    try:
        cov = panels.coverage(store, family, countries=[str(c) for c in countries])
    except Exception as exc:  # QueryError: the family is not in the store yet
        log.debug("no coverage for %s: %s", family, exc)
        return None
    if located:
        cov = cov[cov["covered_located"]]
    if cov.empty:
        return None
    newest = cov["month"].max()
    return date(newest.year, newest.month, 1)


def _recent_panel(
    store: Store, family: str, level: str, country: str, back: int
) -> tuple[date, date, pd.DataFrame] | None:
    """The unit-month panel of a country from ``back`` months before the newest month the
    family covers there (with locations below country level) to that month; None when the
    family covers nothing there."""
    from sahelwatch import panels

    newest = _newest_month(store, family, _gw(store, country), level != "country")
    if newest is None:
        return None
    first = add_months(newest, -back)
    panel = panels.build_panel(
        store,
        level,  # type: ignore[arg-type]
        family=family,
        countries=[country],
        start=first,
        end=newest,
    )
    return newest, first, panel


def _gw(store: Store, country: str) -> list[int]:
    from sahelwatch.query import resolve_country

    return resolve_country(store, country)


def _month(value: Any) -> date:
    import pandas as pd

    stamp = pd.Timestamp(value)
    return date(stamp.year, stamp.month, 1)


def _events_evidence(events: pd.DataFrame) -> dict[str, Any]:
    """Event ids (deadliest first) and totals of a frame of events."""
    ordered = events.sort_values(["best", "uid"], ascending=[False, True], na_position="last")
    return {
        "events": len(ordered),
        "fatalities": int(ordered["best"].fillna(0).sum()),
        "event_ids": ordered["uid"].astype(str).head(MAX_EVIDENCE_EVENTS).tolist(),
    }


def _types(violence: list[str]) -> list[str]:
    return violence or ["sb", "ns", "os"]


@dataclass(frozen=True)
class ThresholdRule(Rule):
    """Fatalities or events in a unit over ``window_months`` months reach ``threshold``.

    The window ends in each of the ``lookback_months`` newest months the family covers (with
    locations, below country level); a window holding a month no release covers is skipped.
    One alert per unit and window end.
    """

    KIND: ClassVar[str] = "threshold"
    measure: Literal["fatalities", "events"] = "fatalities"
    threshold: float = 50.0
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"
    units: list[str] = field(default_factory=list)
    window_months: int = 1
    lookback_months: int = 1
    violence: list[Literal["sb", "ns", "os"]] = field(default_factory=list)
    family: str = "ucdp"

    def validate(self, where: str) -> None:
        super().validate(where)
        if self.window_months < 1 or self.lookback_months < 1:
            raise ConfigError(f"{where}: window_months and lookback_months must be at least 1.")
        if self.threshold <= 0:
            raise ConfigError(f"{where}: threshold must be more than 0.")

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        import numpy as np

        from sahelwatch import panels

        store = ctx.store
        back = self.lookback_months + self.window_months - 2
        found = _recent_panel(store, self.family, self.level, self.country, back)
        if found is None:
            return []
        newest, first, panel = found
        prefix = "best" if self.measure == "fatalities" else "events"
        columns = [f"{prefix}_{t}" for t in _types(list(self.violence))]
        panel = panel.assign(value=panel[columns].sum(axis=1, min_count=len(columns)))
        panel = panel.sort_values(["unit_id", "month"])
        panel["window"] = panel.groupby("unit_id")["value"].transform(
            lambda s: s.rolling(self.window_months, min_periods=self.window_months).sum()
        )
        ends = {np.datetime64(add_months(newest, -k), "s") for k in range(self.lookback_months)}
        hits = panel[panel["month"].isin(list(ends)) & (panel["window"] >= self.threshold)]
        if self.units:
            hits = hits[hits["unit_id"].astype(str).isin(self.units)]
        if hits.empty:
            return []
        events = panels.placed_events(
            store, self.level, family=self.family, countries=[self.country], start=first, end=newest
        )
        events = events[events["violence_type"].isin(_types(list(self.violence)))]
        alerts = []
        for hit in hits.itertuples():
            end = _month(hit.month)
            start = add_months(end, 1 - self.window_months)
            months = events["month"].map(_month)
            mine = events[
                (events["unit_id"].astype(str) == str(hit.unit_id))
                & (months >= start)
                & (months <= end)
            ]
            span = (
                format_month(end) if start == end else f"{format_month(start)}..{format_month(end)}"
            )
            value = float(hit.window)  # type: ignore[arg-type]
            what = "fatalities" if self.measure == "fatalities" else "events"
            title = f"{hit.unit_name}: {value:g} {what} in {span} (threshold {self.threshold:g})"
            evidence = {
                "unit_id": str(hit.unit_id),
                "unit_name": hit.unit_name,
                "level": self.level,
                "measure": self.measure,
                "value": value,
                "threshold": self.threshold,
                "window": span,
                "violence": _types(list(self.violence)),
                **_events_evidence(mine),
            }
            body = (
                f"{value:g} {what} of organised violence ({', '.join(evidence['violence'])}) in "
                f"{hit.unit_name} ({self.level} {hit.unit_id}) in {span}, at or above the "
                f"threshold of {self.threshold:g}.\nEvents: {', '.join(evidence['event_ids'][:20])}"
            )
            alerts.append(self._make(f"{hit.unit_id}:{format_month(end)}", title, body, evidence))
        return alerts


@dataclass(frozen=True)
class ProximityRule(Rule):
    """Violence within ``radius_km`` of a place.

    The place is a capital named in ``data/capitals.csv`` (``place = "Bamako"``) or given by
    ``latitude`` and ``longitude``. Events count when they are of organised violence, located
    with ``where_prec <= max_where_prec`` and dated within ``window_days`` days before the
    newest event of the family. Events already named by an earlier alert of the rule are left
    out, so each event is reported once; the new ones make one alert.
    """

    KIND: ClassVar[str] = "proximity"
    place: str = "Bamako"
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 50.0
    window_days: int = 45
    min_fatalities: int = 0
    max_where_prec: int = 3
    violence: list[Literal["sb", "ns", "os"]] = field(default_factory=list)
    family: str = "ucdp"

    def validate(self, where: str) -> None:
        super().validate(where)
        if (self.latitude is None) != (self.longitude is None):
            raise ConfigError(f"{where}: give both latitude and longitude, or neither.")
        if self.radius_km <= 0:
            raise ConfigError(f"{where}: radius_km must be more than 0.")

    def centre(self) -> tuple[float, float]:
        """(latitude, longitude) of the place."""
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        from sahelwatch.indicators import capitals

        table = capitals()
        found = table[table["name"].str.lower() == self.place.lower()]
        if found.empty:
            raise ConfigError(
                f"alert rule {self.name}: unknown place '{self.place}'; name a capital "
                f"({', '.join(table['name'])}) or give latitude and longitude."
            )
        return float(found["latitude"].iloc[0]), float(found["longitude"].iloc[0])

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        import numpy as np
        import pandas as pd

        from sahelwatch.indicators import haversine_km
        from sahelwatch.ingest import SOURCES_BY_FAMILY

        store = ctx.store
        lat, lon = self.centre()
        sources = list(SOURCES_BY_FAMILY.get(self.family, (self.family,)))
        current = store.current_sql()
        newest = store.con.execute(
            f"SELECT max(date_start) FROM ({current}) WHERE list_contains(?, source)", [sources]
        ).fetchone()
        if not newest or newest[0] is None:
            return []
        since = newest[0] - timedelta(days=self.window_days)
        pad = self.radius_km / 111.0 + 0.1
        pad_lon = pad / max(math.cos(math.radians(lat)), 0.05)
        frame = store.con.execute(
            f"SELECT uid, date_start, best, latitude, longitude, where_prec, side_a, side_b, "
            f"violence_type, location FROM ({current}) WHERE list_contains($sources, source) "
            "AND list_contains($types, violence_type) AND date_start >= $since "
            "AND where_prec <= $prec AND latitude BETWEEN $s AND $n "
            "AND longitude BETWEEN $w AND $e AND coalesce(best, 0) >= $min "
            "ORDER BY date_start, uid",
            {
                "sources": sources,
                "types": _types(list(self.violence)),
                "since": since,
                "prec": self.max_where_prec,
                "s": lat - pad,
                "n": lat + pad,
                "w": lon - pad_lon,
                "e": lon + pad_lon,
                "min": self.min_fatalities,
            },
        ).df()
        if frame.empty:
            return []
        frame["km"] = haversine_km(
            np.full(len(frame), lat),
            np.full(len(frame), lon),
            frame["latitude"].to_numpy(float),
            frame["longitude"].to_numpy(float),
        )
        near = frame[frame["km"] <= self.radius_km]
        reported = {uid for ev in ctx.prior_evidence(self.name) for uid in ev.get("event_ids", [])}
        near = near[~near["uid"].isin(reported)]
        if near.empty:
            return []
        uids = sorted(near["uid"].astype(str))
        first, last = near["date_start"].min(), near["date_start"].max()
        days = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"
        deaths = int(near["best"].fillna(0).sum())
        place = self.place if self.latitude is None else f"({lat:.3f}, {lon:.3f})"
        title = (
            f"{len(near)} event(s) within {self.radius_km:g} km of {place} ({days}), "
            f"{deaths} deaths"
        )
        lines = []
        for r in near.sort_values("km").to_dict("records"):
            killed = 0 if pd.isna(r["best"]) else int(r["best"])
            lines.append(
                f"- {r['uid']} {r['date_start']:%Y-%m-%d}: {r['km']:.0f} km away, "
                f"{killed} deaths, {r['side_a']} vs {r['side_b']}"
            )
        body = f"Organised violence within {self.radius_km:g} km of {place}:\n" + "\n".join(lines)
        evidence = {
            "place": place,
            "latitude": lat,
            "longitude": lon,
            "radius_km": self.radius_km,
            "event_ids": uids,
            "events": len(uids),
            "fatalities": deaths,
            "distances_km": dict(zip(near["uid"], near["km"].round(1).tolist(), strict=True)),
            "dates": days,
        }
        digest = hashlib.sha256(",".join(uids).encode()).hexdigest()[:12]
        return [self._make(digest, title, body, evidence)]


@dataclass(frozen=True)
class NewActorRule(Rule):
    """An actor family appears in a unit where it was absent for ``absent_months`` months.

    In the newest month the family covers with actors, a unit with at least ``min_events``
    events involving ``actor_family`` on either side fires when, in the ``absent_months``
    months before, the family had no event there in every month known (covered with actors),
    and at least ``min_known_months`` of those months are known (default: all of them; a
    month no release covers is no data, not absence).
    """

    KIND: ClassVar[str] = "new_actor"
    actor_family: str = "jihadist"
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"
    absent_months: int = 6
    min_known_months: int | None = None
    min_events: int = 1
    family: str = "ucdp"

    def validate(self, where: str) -> None:
        super().validate(where)
        from sahelwatch.actors import FAMILIES

        if self.actor_family not in FAMILIES:
            raise ConfigError(
                f"{where}: unknown actor_family '{self.actor_family}'; use one of "
                f"{', '.join(FAMILIES)}."
            )
        if self.absent_months < 1:
            raise ConfigError(f"{where}: absent_months must be at least 1.")

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        import numpy as np

        from sahelwatch import panels

        store = ctx.store
        found = _recent_panel(store, self.family, self.level, self.country, self.absent_months)
        if found is None:
            return []
        newest, _, panel = found
        column = f"events_{self.actor_family}"
        now_key = np.datetime64(newest, "s")
        need = self.absent_months if self.min_known_months is None else self.min_known_months
        alerts = []
        events = None
        for unit, rows in panel.groupby("unit_id", sort=True):
            current = rows[rows["month"] == now_key]
            before = rows[(rows["month"] < now_key) & rows["covered_actors"].astype(bool)]
            if current.empty or not bool(current["covered_actors"].iloc[0]):
                continue
            count = float(current[column].iloc[0])
            known = before[column].dropna()
            if count < self.min_events or len(known) < need or (known > 0).any():
                continue
            if events is None:
                events = panels.placed_events(
                    store,
                    self.level,
                    family=self.family,
                    countries=[self.country],
                    start=newest,
                    end=newest,
                )
                families = panels.event_families(events)
                events = events[families[self.actor_family].to_numpy()]
            mine = events[events["unit_id"].astype(str) == str(unit)]
            name = str(current["unit_name"].iloc[0])
            month = format_month(newest)
            known_months = [format_month(_month(m)) for m in before.loc[known.index, "month"]]
            title = (
                f"{name}: {self.actor_family} actors active in {month} "
                f"({int(count)} events) after {len(known)} months without"
            )
            evidence = {
                "unit_id": str(unit),
                "unit_name": name,
                "level": self.level,
                "actor_family": self.actor_family,
                "month": month,
                "events_now": int(count),
                "absent_months_known": known_months,
                **_events_evidence(mine),
            }
            body = (
                f"Events involving {self.actor_family} actors in {name} ({self.level} {unit}) "
                f"in {month}: {int(count)}. None in the known months before: "
                f"{', '.join(known_months)}.\nEvents: {', '.join(evidence['event_ids'][:20])}"
            )
            alerts.append(self._make(f"{unit}:{month}", title, body, evidence))
        return alerts


@dataclass(frozen=True)
class ForecastRule(Rule):
    """The forecast probability of at least ``fatalities`` deaths in a month crosses
    ``probability``.

    Reads the newest forecast (``forecasts`` table; of ``model_version`` if given) for the
    country and ``target``, and fires for each forecast month (within ``horizon`` months of
    the origin, if given) whose probability is at least ``probability`` while the previous
    forecast for that month (an earlier origin) was below it, or did not exist.
    """

    KIND: ClassVar[str] = "forecast"
    country: str = "MLI"
    target: Literal["sb", "ns", "os", "total"] = "total"
    fatalities: int = 25
    probability: float = 0.5
    horizon: int | None = None
    model_version: str | None = None

    def validate(self, where: str) -> None:
        super().validate(where)
        if not 0 < self.probability < 1:
            raise ConfigError(f"{where}: probability must be within (0, 1).")

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        store = ctx.store
        if not store.has_table("forecasts"):
            return []
        gws = _gw(store, self.country)
        rows = store.con.execute(
            """
            SELECT origin, model_version, unit_id, month,
                   avg(CASE WHEN value >= $f THEN 1.0 ELSE 0.0 END) AS p, count(*) AS draws
            FROM forecasts
            WHERE level = 'country' AND list_contains($units, unit_id) AND target = $t
              AND ($mv IS NULL OR model_version = $mv)
            GROUP BY ALL ORDER BY month, origin
            """,
            {"f": self.fatalities, "units": gws, "t": self.target, "mv": self.model_version},
        ).fetchall()
        if not rows:
            return []
        newest = max(r[0] for r in rows)
        model = self.model_version or max(r[1] for r in rows if r[0] == newest)
        alerts = []
        for origin, version, unit, month, p, draws in rows:
            if origin != newest or version != model:
                continue
            ahead = (month.year - origin.year) * 12 + month.month - origin.month
            if self.horizon is not None and ahead > self.horizon:
                continue
            earlier = [
                r[4]
                for r in rows
                if r[0] < origin and r[1] == version and r[2] == unit and r[3] == month
            ]
            before = earlier[-1] if earlier else None
            if p < self.probability or (before is not None and before >= self.probability):
                continue
            target_month = format_month(month)
            title = (
                f"{self.country}: P(>= {self.fatalities} {self.target} deaths in "
                f"{target_month}) = {p:.0%}, at or above {self.probability:.0%}"
            )
            was = "no earlier forecast" if before is None else f"{before:.0%} before"
            body = (
                f"Forecast made at origin {format_month(origin)} with {version} "
                f"({draws} draws): probability {p:.2f} ({was})."
            )
            evidence = {
                "country": self.country,
                "unit_id": int(unit),
                "target": self.target,
                "month": target_month,
                "origin": format_month(origin),
                "model_version": version,
                "probability": round(float(p), 4),
                "previous_probability": None if before is None else round(before, 4),
                "fatalities": self.fatalities,
                "level": self.probability,
                "draws": int(draws),
            }
            alerts.append(
                self._make(
                    f"{unit}:{self.target}:{target_month}:{format_month(origin)}",
                    title,
                    body,
                    evidence,
                )
            )
        return alerts


_INDICATOR_ALIASES = {
    "deadliness": "best_total",
    "danger_events": "events_os",
    "danger_best": "best_os",
    "civilian_deaths": "deaths_civilians",
}


@dataclass(frozen=True)
class ZScoreRule(Rule):
    """An indicator jumps: its newest value is ``z`` standard deviations from the mean of
    its ``baseline_months`` months before.

    ``indicator`` is a panel column (``best_total``, ``events_os``, ``events_jihadist``,
    ``best_total_r3``, ...) or an indicator of :mod:`sahelwatch.indicators` computed from the
    panel (``deadliness``, ``danger_events``, ``danger_best``, ``civilian_deaths``,
    ``fatalities_per_event``). Only known months count, and at least ``min_baseline`` are
    needed; the standard deviation is floored at ``min_sd`` so a flat series does not make
    every change infinite.
    """

    KIND: ClassVar[str] = "zscore"
    indicator: str = "best_total"
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "country"
    baseline_months: int = 12
    min_baseline: int = 3
    z: float = 2.0
    min_sd: float = 1.0
    direction: Literal["up", "down", "both"] = "up"
    family: str = "ucdp"

    def validate(self, where: str) -> None:
        super().validate(where)
        if self.min_baseline < 2 or self.baseline_months < self.min_baseline:
            raise ConfigError(f"{where}: need 2 <= min_baseline <= baseline_months.")
        if self.z <= 0 or self.min_sd <= 0:
            raise ConfigError(f"{where}: z and min_sd must be more than 0.")

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        import numpy as np

        from sahelwatch.indicators import deadliness

        store = ctx.store
        found = _recent_panel(store, self.family, self.level, self.country, self.baseline_months)
        if found is None:
            return []
        newest, _, panel = found
        column = _INDICATOR_ALIASES.get(self.indicator, self.indicator)
        if column == "fatalities_per_event":
            panel = panel.merge(
                deadliness(panel)[["unit_id", "month", column]], on=["unit_id", "month"]
            )
        if column not in panel.columns:
            raise ConfigError(
                f"alert rule {self.name}: unknown indicator '{self.indicator}'; use a panel "
                f"column or one of {', '.join([*_INDICATOR_ALIASES, 'fatalities_per_event'])}."
            )
        now_key = np.datetime64(newest, "s")
        alerts = []
        for unit, rows in panel.groupby("unit_id", sort=True):
            current = rows.loc[rows["month"] == now_key, column]
            if current.empty or np.isnan(float(current.iloc[0])):
                continue
            value = float(current.iloc[0])
            base = rows.loc[rows["month"] < now_key, column].dropna().astype(float)
            if len(base) < self.min_baseline:
                continue
            mean, sd = float(base.mean()), max(float(base.std(ddof=1)), self.min_sd)
            score = (value - mean) / sd
            fires = {"up": score >= self.z, "down": score <= -self.z, "both": abs(score) >= self.z}[
                self.direction
            ]
            if not fires:
                continue
            name = str(rows["unit_name"].iloc[0])
            month = format_month(newest)
            title = (
                f"{name}: {self.indicator} = {value:g} in {month}, z = {score:+.1f} "
                f"against {len(base)} months (mean {mean:.1f})"
            )
            body = (
                f"{self.indicator} in {name} ({self.level} {unit}) was {value:g} in {month}; "
                f"the {len(base)} known months before averaged {mean:.2f} (sd {sd:.2f}), "
                f"so z = {score:+.2f} (rule: {self.direction} {self.z:g})."
            )
            evidence = {
                "unit_id": str(unit),
                "unit_name": name,
                "level": self.level,
                "indicator": self.indicator,
                "month": month,
                "value": value,
                "baseline_mean": round(mean, 4),
                "baseline_sd": round(sd, 4),
                "baseline_months": len(base),
                "z": round(score, 3),
            }
            alerts.append(self._make(f"{unit}:{month}", title, body, evidence))
        return alerts


@dataclass(frozen=True)
class StaleRule(Rule):
    """A source goes stale: nothing new for longer than ``max_age``.

    ``source`` is a ``[[sources]]`` name (for ``measure = "load"``: its last load; ``"poll"``:
    its last successful poll) or a store source such as ``ucdp_candidate`` or ``acled``
    (``"load"``: the last release loaded; ``"data"``: the newest event date). One alert per
    stale spell: a new load ends the spell.
    """

    KIND: ClassVar[str] = "stale"
    source: str = "ucdp_candidate"
    measure: Literal["load", "poll", "data"] = "load"
    max_age: Duration = 45 * 86400.0

    def __post_init__(self) -> None:
        from sahelwatch.config import parse_duration

        # Python callers may write max_age="30d" as in the configuration file.
        object.__setattr__(self, "max_age", parse_duration(self.max_age, f"rule {self.name}"))

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        from sahelwatch.connectors.state import last_runs

        store = ctx.store
        last: datetime | None = None
        runs = last_runs(store).get(self.source)
        if runs is not None and self.measure in ("load", "poll"):
            last = runs["last_load" if self.measure == "load" else "last_success"]
        elif self.measure == "load":
            row = store.con.execute(
                "SELECT max(l.finished_at) FROM ingest_log l JOIN releases r USING (release_id) "
                "WHERE r.source = ?",
                [self.source],
            ).fetchone()
            last = row[0] if row else None
        elif self.measure == "data":
            row = store.con.execute(
                f"SELECT max(date_end) FROM ({store.current_sql()}) WHERE source = ?",
                [self.source],
            ).fetchone()
            if row and row[0] is not None:
                last = datetime.combine(row[0], datetime.min.time())
        if last is None:
            return []
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        age = (ctx.now - last).total_seconds()
        if age <= self.max_age:
            return []
        days = age / 86400
        what = {"load": "loaded nothing new", "poll": "not been reached", "data": "no event newer"}[
            self.measure
        ]
        title = f"{self.source} is stale: {what} for {days:.0f} days"
        body = (
            f"The {self.measure} time of {self.source} is {_iso(last)}, {days:.1f} days ago, "
            f"longer than the allowed {self.max_age / 86400:g} days."
        )
        evidence = {
            "source": self.source,
            "measure": self.measure,
            "last": _iso(last),
            "age_days": round(days, 2),
            "max_age_days": self.max_age / 86400,
        }
        return [self._make(f"{self.source}:{self.measure}:{_iso(last)}", title, body, evidence)]


RULE_TYPES: dict[str, type[Rule]] = {
    cls.KIND: cls
    for cls in (ThresholdRule, ProximityRule, NewActorRule, ForecastRule, ZScoreRule, StaleRule)
}


def evaluate(
    store: Store,
    rules: Sequence[Rule],
    *,
    now: datetime | None = None,
    strict: bool = False,
) -> list[Alert]:
    """Evaluate every enabled rule; return the alerts they raise (not yet stored: pass them
    to :func:`record`). A rule that fails is logged and skipped, unless ``strict``."""
    ctx = EvalContext(store, now or datetime.now(UTC))
    out: list[Alert] = []
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            out += rule.evaluate(ctx)
        except Exception as exc:
            if strict:
                raise
            log.error("alert rule %s failed: %s", rule.name, exc, exc_info=True)
    return out


def check_rules(store: Store, path: str | Path, now: datetime | None = None) -> list[Alert]:
    """Evaluate the ``[[alerts.rules]]`` of a TOML file (a rules file or a watch
    configuration) on the store now, store the new alerts and return them."""
    from sahelwatch.config import load_config

    return record(store, evaluate(store, load_config(path).rules, now=now, strict=True), now)
