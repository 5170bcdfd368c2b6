"""Delivering alerts: an Atom feed, signed webhooks, email, and a server-sent event stream.

Channels
--------
feed
    An Atom 1.0 document (RFC 4287) of the newest alerts, rewritten atomically by the watch
    service after each cycle that stored alerts (``[delivery.feed] path``). Entry ids are
    ``urn:sahelwatch:alert:<id>``, derived from the alert's key, so they never change.
webhook
    A POST of the alert as JSON (:meth:`sahelwatch.alerts.Alert.to_dict`) with the headers
    ``X-SahelWatch-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>``,
    ``X-SahelWatch-Alert-Id`` and ``X-SahelWatch-Event: alert``. Failed posts are retried with
    backoff (the ``[http]`` policy) and again at the next cycles, up to ``max_tries``. Delivery
    is at least once: a receiver that must act once should keep the alert ids it has seen.
email
    One plain-text message per alert by SMTP (STARTTLS or SSL, login from the environment);
    its ``Message-ID`` is derived from the alert id, so a resent message is recognisable.
SSE
    :func:`sse_stream` is an async generator of ``text/event-stream`` frames (``id`` is the
    alert's ``seq``) that a web app serves; it reads the store read-only for a moment at each
    poll, so it never keeps the watch service from writing.

A channel's delivery state is kept per alert in ``alert_deliveries`` and summarised in the
alert's ``delivered`` flags, so a restarted service sends only what was not sent.

Mounting in FastAPI::

    from fastapi.responses import Response, StreamingResponse
    from sahelwatch.delivery import read_feed, sse_stream

    @app.get("/alerts/stream")
    async def alert_stream(request: Request):
        return StreamingResponse(
            sse_stream(store_path, last_event_id=request.headers.get("last-event-id")),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/alerts.atom")
    def alert_feed():
        return Response(read_feed(store_path, feed_file), media_type="application/atom+xml")
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import ssl as ssl_module
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from typing import Protocol, Self
from xml.etree import ElementTree as ET

from pydantic import Field, model_validator

from sahelwatch.alerts import SEVERITY_RANK, Alert, Severity, list_alerts, mark_delivery, pending
from sahelwatch.connectors.http import HttpClient, RetryPolicy
from sahelwatch.connectors.settings import HttpSettings
from sahelwatch.errors import ConfigError, ConnectorError, DeliveryError, StoreError
from sahelwatch.output import write_atomic
from sahelwatch.settings import ConfigPath, Duration, HttpUrl, Section, secret
from sahelwatch.store import Store

__all__ = [
    "ATOM_NS",
    "SIGNATURE_HEADER",
    "DeliveryConfig",
    "DeliveryReport",
    "DeliverySettings",
    "EmailSettings",
    "FeedSettings",
    "WebhookSettings",
    "atom_feed",
    "deliver",
    "read_feed",
    "send_email",
    "send_webhook",
    "sign",
    "sse_event",
    "sse_stream",
    "verify_signature",
    "write_feed",
]

log = logging.getLogger("sahelwatch.delivery")

ATOM_NS = "http://www.w3.org/2005/Atom"
SIGNATURE_HEADER = "X-SahelWatch-Signature"


# --- settings -------------------------------------------------------------------------------


class FeedSettings(Section):
    """``[delivery.feed]``: the Atom feed file."""

    enabled: bool = True
    path: ConfigPath | None = None
    title: str = "SahelWatch alerts"
    link: str = "http://localhost:8000/"
    feed_id: str = "urn:sahelwatch:alerts"
    max_entries: int = 100


class WebhookSettings(Section):
    """``[[delivery.webhooks]]``: a URL that receives each alert as signed JSON."""

    name: str
    url: HttpUrl
    secret_env: str | None = None
    min_severity: Severity = "info"
    rules: list[str] = Field(default_factory=list)
    max_tries: int = Field(default=10, ge=1)


class EmailSettings(Section):
    """``[delivery.email]``: alerts sent by SMTP."""

    host: str
    sender: str
    to: list[str] = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    min_severity: Severity = "warning"
    rules: list[str] = Field(default_factory=list)
    subject_prefix: str = "[SahelWatch]"
    timeout: Duration = 30.0
    max_tries: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _one_encryption(self) -> Self:
        if self.ssl and self.starttls:
            raise ValueError("choose ssl or starttls, not both")
        return self


class DeliverySettings(Section):
    """``[delivery]``: where alerts go."""

    feed: FeedSettings = Field(default_factory=FeedSettings)
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    email: EmailSettings | None = None


class DeliveryConfig(Protocol):
    """What :func:`deliver` reads of the configuration (a :class:`sahelwatch.config.Config`)."""

    @property
    def delivery(self) -> DeliverySettings: ...

    @property
    def http(self) -> HttpSettings: ...

    @property
    def feed_path(self) -> Path: ...


# --- Atom -----------------------------------------------------------------------------------


def _atom_time(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(
    alerts: Sequence[Alert],
    settings: FeedSettings | None = None,
    *,
    updated: datetime | None = None,
) -> str:
    """An Atom 1.0 document of ``alerts`` (newest first, as given).

    The feed's ``updated`` is the newest alert's time (or ``updated``); each entry has a stable
    ``id`` (``urn:sahelwatch:alert:<id>``), ``title``, ``updated``, ``published``, a
    ``category`` per severity and rule, a ``link`` and the body as ``content``.
    """
    settings = settings or FeedSettings()
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", settings.feed_id)
    sub(feed, "title", settings.title)
    newest = max((a.fired_at for a in alerts if a.fired_at), default=None)
    sub(feed, "updated", _atom_time(updated or newest))
    author = sub(feed, "author")
    sub(author, "name", "SahelWatch")
    link = settings.link.rstrip("/") + "/"
    sub(feed, "link", href=link)
    sub(feed, "generator", "SahelWatch")
    for alert in alerts:
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:sahelwatch:alert:{alert.id}")
        sub(entry, "title", f"[{alert.severity}] {alert.title}")
        sub(entry, "updated", _atom_time(alert.fired_at))
        sub(entry, "published", _atom_time(alert.fired_at))
        sub(entry, "link", href=f"{link}alerts/{alert.id}")
        sub(entry, "category", term=alert.severity, label="severity")
        sub(entry, "category", term=alert.rule, label="rule")
        sub(entry, "summary", alert.title)
        sub(
            entry,
            "content",
            alert.body + "\n\nEvidence: " + json.dumps(alert.evidence, sort_keys=True, default=str),
            type="text",
        )
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def write_feed(store: Store, path: Path, settings: FeedSettings | None = None) -> list[Alert]:
    """Write the feed of the newest ``max_entries`` alerts to ``path`` atomically; return them."""
    settings = settings or FeedSettings()
    alerts = list_alerts(store, limit=settings.max_entries)
    write_atomic(path, atom_feed(alerts, settings))
    return alerts


def read_feed(
    store_path: str | Path,
    feed_file: str | Path | None = None,
    settings: FeedSettings | None = None,
) -> str:
    """The Atom feed for a web app: the file the watch service writes when there is one, else
    built from the store (opened read-only for a moment)."""
    if feed_file is not None and Path(feed_file).is_file():
        return Path(feed_file).read_text(encoding="utf-8")
    settings = settings or FeedSettings()
    with Store(store_path, read_only=True) as store:
        return atom_feed(list_alerts(store, limit=settings.max_entries), settings)


# --- webhooks -------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """The ``X-SahelWatch-Signature`` value of a body: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether a received body carries a valid signature (constant-time comparison)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def webhook_body(alert: Alert) -> bytes:
    """The exact bytes posted for an alert (stable: a retry posts the same bytes)."""
    return json.dumps(alert.to_dict(), sort_keys=True, default=str).encode("utf-8")


def send_webhook(http: HttpClient, hook: WebhookSettings, alert: Alert, secret: str | None) -> None:
    """POST one alert; retried by ``http``'s policy. Raises :class:`DeliveryError`."""
    body = webhook_body(alert)
    headers = {
        "Content-Type": "application/json",
        "X-SahelWatch-Alert-Id": alert.id,
        "X-SahelWatch-Event": "alert",
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    try:
        http.request("POST", hook.url, content=body, headers=headers, what=f"webhook {hook.name}")
    except ConnectorError as exc:
        raise DeliveryError(f"webhook {hook.name}: {exc}") from exc


# --- email ----------------------------------------------------------------------------------


def email_message(settings: EmailSettings, alert: Alert) -> EmailMessage:
    """The message sent for an alert."""
    message = EmailMessage()
    message["Subject"] = f"{settings.subject_prefix} [{alert.severity}] {alert.title}".strip()
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(alert.fired_at or datetime.now(UTC))
    message["Message-ID"] = f"<{alert.id}@sahelwatch>"
    message["X-SahelWatch-Alert-Id"] = alert.id
    evidence = json.dumps(alert.evidence, indent=2, sort_keys=True, default=str)
    message.set_content(f"{alert.body}\n\nEvidence:\n{evidence}\n\nAlert id: {alert.id}\n")
    return message


def send_email(
    settings: EmailSettings,
    alert: Alert,
    *,
    username: str | None = None,
    password: str | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send one alert by SMTP, retrying as ``policy`` says. Raises :class:`DeliveryError`."""
    import random

    policy = policy or RetryPolicy()
    rng = random.Random()
    message = email_message(settings, alert)
    problem = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            if settings.ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=settings.timeout,
                    context=ssl_module.create_default_context(),
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            with client:
                if settings.starttls:
                    client.starttls(context=ssl_module.create_default_context())
                if username:
                    client.login(username, password or "")
                client.send_message(message)
            return
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"email: the SMTP server refused the login ({exc.smtp_code})."
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if attempt < policy.attempts:
            wait = policy.delay(attempt, rng)
            log.warning("email: try %d failed (%s); waiting %.2f s", attempt, problem, wait)
            sleep(wait)
    raise DeliveryError(f"email to {', '.join(settings.to)}: gave up ({problem}).")


# --- one delivery round ---------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one round of delivery did, per channel."""

    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _wanted(alert: Alert, min_severity: str, rules: list[str]) -> bool:
    return SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[min_severity] and (
        not rules or alert.rule in rules
    )


def deliver(
    store: Store,
    config: DeliveryConfig,
    http: HttpClient,
    *,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send every alert not yet delivered to each configured channel.

    A failure is recorded for the alert and channel and retried at the next round, until the
    channel's ``max_tries``; it never stops the other alerts or channels.
    """
    report = DeliveryReport()
    feed = config.delivery.feed
    if feed.enabled:
        fresh = pending(store, "feed")
        if fresh or not config.feed_path.exists():
            shown = {a.id for a in write_feed(store, config.feed_path, feed)}
            for alert in fresh:
                if alert.id in shown:
                    mark_delivery(store, alert, "feed", ok=True)
                else:  # older than the feed's window
                    mark_delivery(
                        store, alert, "feed", ok=False, error="outside the feed", max_tries=1
                    )
            report.sent["feed"] = len(shown & {a.id for a in fresh})
    for hook in config.delivery.webhooks:
        channel = f"webhook:{hook.name}"
        key = secret(hook.secret_env, env)
        if hook.secret_env and key is None:
            raise ConfigError(f"set the environment variable {hook.secret_env} (webhook secret).")
        for alert in pending(store, channel):
            if not _wanted(alert, hook.min_severity, hook.rules):
                mark_delivery(
                    store, alert, channel, ok=False, error="not for this channel", max_tries=1
                )
                continue
            try:
                send_webhook(http, hook, alert, key)
            except DeliveryError as exc:
                mark_delivery(
                    store, alert, channel, ok=False, error=str(exc), max_tries=hook.max_tries
                )
                report.failed[channel] = report.failed.get(channel, 0) + 1
                report.errors.append(str(exc))
                log.warning("%s", exc)
                break  # the receiver is down: the rest wait for the next round, in order
            mark_delivery(store, alert, channel, ok=True)
            report.sent[channel] = report.sent.get(channel, 0) + 1
    mail = config.delivery.email
    if mail is not None:
        username = secret(mail.username_env, env)
        password = secret(mail.password_env, env)
        for alert in pending(store, "email"):
            if not _wanted(alert, mail.min_severity, mail.rules):
                mark_delivery(
                    store, alert, "email", ok=False, error="not for this channel", max_tries=1
                )
                continue
            try:
                send_email(
                    mail,
                    alert,
                    username=username,
                    password=password,
                    policy=config.http.policy(),
                    sleep=sleep,
                )
            except DeliveryError as exc:
                mark_delivery(
                    store, alert, "email", ok=False, error=str(exc), max_tries=mail.max_tries
                )
                report.failed["email"] = report.failed.get("email", 0) + 1
                report.errors.append(str(exc))
                log.warning("%s", exc)
                break
            mark_delivery(store, alert, "email", ok=True)
            report.sent["email"] = report.sent.get("email", 0) + 1
    return report


# --- server-sent events ---------------------------------------------------------------------


def sse_event(alert: Alert) -> str:
    """One ``text/event-stream`` frame for an alert (``id`` is its ``seq``)."""
    data = json.dumps(alert.to_dict(), sort_keys=True, default=str)
    return f"id: {alert.seq}\nevent: alert\ndata: {data}\n\n"


StoreOpener = Callable[[], AbstractContextManager[Store]]


def _read_after(
    open_store: StoreOpener, after: int | None, replay: int, min_severity: str | None
) -> list[Alert] | None:
    """Alerts after ``after`` (oldest first), or the newest ``replay`` ones; None when the
    store is busy (the watch service is writing)."""
    try:
        with open_store() as store:
            if after is None:
                newest = list_alerts(store, limit=replay, min_severity=min_severity)
                return list(reversed(newest))
            return list_alerts(
                store, limit=500, after_seq=after, oldest_first=True, min_severity=min_severity
            )
    except StoreError as exc:
        log.debug("SSE: store busy (%s)", exc)
        return None


async def sse_stream(
    store: str | Path | StoreOpener,
    *,
    last_event_id: str | int | None = None,
    poll_interval: float = 5.0,
    heartbeat: float = 15.0,
    replay: int = 20,
    min_severity: str | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[str]:
    """Server-sent events of alerts as they are stored.

    Starts with the alerts after ``last_event_id`` (the ``Last-Event-ID`` a reconnecting
    browser sends), or with the newest ``replay`` alerts; then polls the store every
    ``poll_interval`` seconds and yields each new alert once. A comment line is sent every
    ``heartbeat`` seconds to keep proxies from closing the connection. Ends when ``stop`` is
    set (or the client goes away and the server cancels the generator).

    ``store`` is the store file (opened read-only for a moment at each poll) or a callable
    returning such a store as a context manager (a web app's own read-only access).

    Yields
    ------
    str
        Frames such as ``"id: 12\\nevent: alert\\ndata: {...}\\n\\n"``.
    """
    open_store: StoreOpener = (
        partial(Store, Path(store), read_only=True) if isinstance(store, str | Path) else store
    )
    after: int | None = None
    if last_event_id not in (None, ""):
        try:
            after = int(str(last_event_id))
        except ValueError:
            after = None
    yield f"retry: {int(poll_interval * 1000)}\n\n"
    quiet = 0.0
    while stop is None or not stop.is_set():
        found = await asyncio.to_thread(_read_after, open_store, after, replay, min_severity)
        if found is None and after is None:
            found = []
        for alert in found or []:
            yield sse_event(alert)
            after = alert.seq if alert.seq is not None else after
            quiet = 0.0
        if after is None:
            after = 0
        if quiet >= heartbeat:
            yield ": keep-alive\n\n"
            quiet = 0.0
        try:
            if stop is not None:
                await asyncio.wait_for(stop.wait(), timeout=poll_interval)
            else:
                await asyncio.sleep(poll_interval)
        except TimeoutError:
            pass
        quiet += poll_interval
