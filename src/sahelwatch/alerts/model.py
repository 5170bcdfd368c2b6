"""An alert (what it is about, its severity, text and evidence) and the built-in alerts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

#: How urgent an alert is.
Severity = Literal["info", "warning", "critical"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


BUILTIN_RULES: tuple[str, ...] = ("data-quality", "source-error")


# Most event ids an alert's evidence lists (the count is always given in full).
MAX_EVIDENCE_EVENTS = 100


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
            "fired_at": iso_time(self.fired_at),
            "evidence": self.evidence,
        }


def iso_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
        key=f"source-error:{source}:{iso_time(since)}",
        severity="warning",
        title=f"{source}: {failures} polls in a row failed",
        body=f"The source has failed since {iso_time(since)}. Last error: {message}",
        evidence={
            "source": source,
            "failures": failures,
            "since": iso_time(since),
            "message": message,
        },
    )
