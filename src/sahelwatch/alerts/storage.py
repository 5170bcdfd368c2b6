"""Alerts kept in the store: recorded once per key, listed, and their deliveries tracked.

Each write is one transaction (``Store.write_serially``) that checks what is already stored, so
an alert is kept once per key and a delivery row once per (alert, channel) also on a shared
DuckLake store, which has no key constraints: of two processes writing at once, the later to
commit runs again and sees the other's rows. A DuckDB file keeps the constraints as well.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sahelwatch.alerts.model import SEVERITY_RANK, Alert, iso_time
from sahelwatch.errors import ConfigError
from sahelwatch.store import Store

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

log = logging.getLogger("sahelwatch.alerts")


def ensure_alerts_schema(store: Store) -> None:
    """Create the ``alerts`` and ``alert_deliveries`` tables if missing."""
    if not store.read_only:
        store.create_tables(ALERTS_SCHEMA, "alerts")


def record(store: Store, alerts: Sequence[Alert], now: datetime | None = None) -> list[Alert]:
    """Store the alerts whose key is new, in one transaction; return those (with ``fired_at``
    and ``seq`` set). Alerts whose key is already stored are dropped: that is the dedup."""
    ensure_alerts_schema(store)
    if not alerts:
        return []
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    fresh = store.write_serially(lambda: _insert_new(store, alerts, at), "recording alerts")
    for alert in fresh:
        log.info("alert %s [%s] %s", alert.id, alert.severity, alert.title)
    return fresh


def _insert_new(store: Store, alerts: Sequence[Alert], now: datetime) -> list[Alert]:
    """Insert the alerts whose key is not stored yet, numbered after the last; return them."""
    con = store.con
    fresh: list[Alert] = []
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


def count_alerts(
    store: Store, *, rule: str | None = None, min_severity: str | None = None
) -> int | None:
    """How many alerts the store holds (of ``rule``, at least ``min_severity``, as
    :func:`list_alerts` filters them); None while it has no alerts table."""
    if not store.has_table("alerts"):
        return None
    where, params = _where(rule, min_severity, None)
    row = store.con.execute(f"SELECT count(*) FROM alerts WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def _where(
    rule: str | None, min_severity: str | None, after_seq: int | None
) -> tuple[str, dict[str, Any]]:
    """The SQL condition and parameters of :func:`list_alerts`' filters."""
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
    return " AND ".join(clauses), params


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
    where, params = _where(rule, min_severity, after_seq)
    order = "ASC" if oldest_first else "DESC"
    sql = f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE {where} ORDER BY seq {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_alert(r) for r in store.con.execute(sql, params).fetchall()]


def mark_delivery(
    store: Store, alert: Alert, channel: str, *, ok: bool, error: str = "", max_tries: int = 10
) -> bool:
    """Record one delivery attempt; return True when the channel should not try again
    (delivered, or ``max_tries`` reached). The (alert, channel) row is replaced (deleted and
    inserted again) in one transaction with its count of attempts."""
    con = store.con
    if ok:
        alert.delivered[channel] = iso_time(datetime.now(UTC)) or ""

    def write() -> bool:
        row = con.execute(
            "SELECT attempts FROM alert_deliveries WHERE alert_id = ? AND channel = ?",
            [alert.id, channel],
        ).fetchone()
        attempts = (int(row[0]) if row else 0) + 1
        gave_up = not ok and attempts >= max_tries
        con.execute(
            "DELETE FROM alert_deliveries WHERE alert_id = ? AND channel = ?", [alert.id, channel]
        )
        con.execute(
            "INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?)",
            [
                alert.id,
                channel,
                attempts,
                datetime.now(UTC).replace(tzinfo=None) if ok else None,
                None if ok else error[:1000],
                gave_up,
            ],
        )
        if ok:
            con.execute(
                "UPDATE alerts SET delivered = ? WHERE id = ?",
                [json.dumps(alert.delivered, sort_keys=True), alert.id],
            )
        return ok or gave_up

    return store.write_serially(write, f"recording a delivery of alert {alert.id} to {channel}")


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
