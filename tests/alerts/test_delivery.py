"""Delivery: the Atom feed, signed webhooks, email by SMTP and the SSE stream, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest
from replay.helpers import make_config, tiny_client
from replay.server import Fault, ReplayServer
from replay.sinks import SmtpSink, WebhookSink, free_port

from sahelwatch.alerts import Alert, list_alerts, pending, record
from sahelwatch.config import FeedSettings
from sahelwatch.delivery import (
    ATOM_NS,
    atom_feed,
    deliver,
    sign,
    sse_stream,
    verify_signature,
    webhook_body,
    write_feed,
)
from sahelwatch.store import Store

SECRET = "webhook-shared-secret"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _alerts() -> list[Alert]:
    return [
        Alert(
            "near-bamako",
            "near-bamako:abc",
            "critical",
            "3 events within 50 km of Bamako",
            "Events:\n- ucdp:613670",
            {"event_ids": ["ucdp:613670", "ucdp:609969"]},
        ),
        Alert(
            "cercle-deaths",
            "cercle-deaths:ML0401:2026-02",
            "warning",
            "Gao: 40 deaths",
            "Body & <markup> are escaped",
            {"value": 40, "unit_id": "ML0401"},
        ),
        Alert(
            "stale",
            "stale:acled:load:x",
            "info",
            "acled is stale",
            "No load for 50 days.",
            {"age_days": 50},
        ),
    ]


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "alerts.duckdb") as opened:
        record(opened, _alerts(), now=T0)
        yield opened


# --- Atom -----------------------------------------------------------------------------------


def test_atom_feed_is_valid_with_stable_ids(store, tmp_path):
    settings = FeedSettings(title="Mali watch", link="https://sahelwatch.example/")
    alerts = list_alerts(store)
    text = atom_feed(alerts, settings)
    parsed = feedparser.parse(text)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Mali watch" and parsed.feed.id == "urn:sahelwatch:alerts"
    assert [e.id for e in parsed.entries] == [f"urn:sahelwatch:alert:{a.id}" for a in alerts]
    assert parsed.entries[1].title == "[warning] Gao: 40 deaths"
    assert "<markup>" in parsed.entries[1].content[0].value
    root = ET.fromstring(text.encode())
    assert root.tag == f"{{{ATOM_NS}}}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{{{ATOM_NS}}}{required}") is not None
    entries = root.findall(f"{{{ATOM_NS}}}entry")
    assert len(entries) == 3
    for entry in entries:
        for required in ("id", "title", "updated", "content"):
            assert entry.find(f"{{{ATOM_NS}}}{required}") is not None
        assert entry.find(f"{{{ATOM_NS}}}updated").text == "2026-03-02T09:30:00Z"
    # A later alert adds an entry and leaves the others' ids alone.
    record(store, [Alert("r", "r:new", "info", "new", "b")], now=T0 + timedelta(hours=1))
    again = feedparser.parse(atom_feed(list_alerts(store), settings))
    assert [e.id for e in again.entries[1:]] == [e.id for e in parsed.entries]
    assert again.feed.updated == "2026-03-02T10:30:00Z"
    path = tmp_path / "feeds" / "alerts.atom"
    assert len(write_feed(store, path, settings)) == 4
    assert feedparser.parse(path.read_text()).bozo == 0
    assert not list(path.parent.glob("*.part"))


# --- webhooks -------------------------------------------------------------------------------


def _hook_config(tmp_path, server, store, **hook):
    return make_config(
        tmp_path,
        store.path,
        delivery={
            "feed": {"enabled": False},
            "webhooks": [
                {"name": "ops", "url": server.url + "/hook", "secret_env": "HOOK_SECRET", **hook}
            ],
        },
    )


def test_signature_helpers():
    body = b'{"id": "x"}'
    assert sign("k", body).startswith("sha256=") and len(sign("k", body)) == 71
    assert verify_signature("k", body, sign("k", body))
    assert not verify_signature("other", body, sign("k", body))
    assert not verify_signature("k", body + b" ", sign("k", body))
    assert not verify_signature("k", body, None)


def test_webhooks_are_signed_retried_and_sent_once(store, tmp_path):
    with ReplayServer() as server:
        sink = WebhookSink(SECRET).install(server)
        server.fault("POST", "/hook", Fault.status(500), Fault.drop())
        config = _hook_config(tmp_path, server, store)
        report = deliver(store, config, tiny_client(), env={"HOOK_SECRET": SECRET})
        expected = [a.id for a in list_alerts(store, oldest_first=True)]
        assert report.sent == {"webhook:ops": 3} and report.failed == {}
        assert sink.ids() == expected  # in order, each once
        body, valid, headers = sink.received[0]
        assert valid and headers["x-sahelwatch-alert-id"] == expected[0]
        assert headers["x-sahelwatch-event"] == "alert"
        assert body["evidence"] == {"event_ids": ["ucdp:613670", "ucdp:609969"]}
        assert len(server.requests("POST", "/hook")) == 5  # 2 failures retried
        bodies = {r.body for r in server.requests("POST", "/hook")[:3]}
        assert len(bodies) == 1  # a retry posts the very same bytes
        assert deliver(store, config, tiny_client(), env={"HOOK_SECRET": SECRET}).sent == {}
        assert len(sink.received) == 3
        flags = json.loads(
            store.con.execute("SELECT delivered FROM alerts WHERE seq = 1").fetchone()[0]
        )
        assert list(flags) == ["webhook:ops"]


def test_a_receiver_down_gets_everything_next_round_in_order(store, tmp_path):
    with ReplayServer() as server:
        sink = WebhookSink(SECRET).install(server)
        server.fault("POST", "/hook", *[Fault.status(503)] * 4)  # every try of round 1
        config = _hook_config(tmp_path, server, store)
        first = deliver(store, config, tiny_client(), env={"HOOK_SECRET": SECRET})
        assert first.failed == {"webhook:ops": 1} and sink.received == []
        assert len(pending(store, "webhook:ops")) == 3
        second = deliver(store, config, tiny_client(), env={"HOOK_SECRET": SECRET})
        assert second.sent == {"webhook:ops": 3}
        assert sink.ids() == [a.id for a in list_alerts(store, oldest_first=True)]


def test_webhook_filters_and_giving_up(store, tmp_path):
    with ReplayServer() as server:
        sink = WebhookSink("another-secret").install(server)  # rejects our signature: 403
        config = _hook_config(tmp_path, server, store, min_severity="warning", max_tries=2)
        env = {"HOOK_SECRET": SECRET}
        for _ in range(2):
            assert deliver(store, config, tiny_client(), env=env).failed == {"webhook:ops": 1}
        assert len(server.requests("POST", "/hook")) == 2  # a 403 is not retried in place
        sink.secret = SECRET
        assert deliver(store, config, tiny_client(), env=env).sent == {"webhook:ops": 1}
        rows = store.con.execute(
            "SELECT a.severity, d.attempts, d.delivered_at IS NOT NULL, d.gave_up, d.last_error "
            "FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id ORDER BY a.seq"
        ).fetchall()
        assert [r[:4] for r in rows] == [
            ("critical", 2, False, True),  # two tries, then given up
            ("warning", 1, True, False),
            ("info", 1, False, True),  # below min_severity: skipped
        ]
        assert pending(store, "webhook:ops") == []


def test_webhook_body_is_the_alert_as_json(store):
    alert = list_alerts(store, oldest_first=True)[0]
    document = json.loads(webhook_body(alert))
    assert set(document) == {
        "id",
        "seq",
        "rule",
        "key",
        "severity",
        "title",
        "body",
        "fired_at",
        "evidence",
    }
    assert document["fired_at"] == "2026-03-02T09:30:00Z"


# --- email ----------------------------------------------------------------------------------


def test_email_by_smtp(store, tmp_path):
    with SmtpSink() as smtp:
        config = make_config(
            tmp_path,
            store.path,
            delivery={
                "feed": {"enabled": False},
                "email": {
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "starttls": False,
                    "sender": "sahelwatch@example.org",
                    "to": ["desk@example.org"],
                    "min_severity": "warning",
                },
            },
        )
        report = deliver(store, config, tiny_client())
        assert report.sent == {"email": 2}
        subjects = [m["Subject"] for m in smtp.messages]
        assert subjects == [
            "[SahelWatch] [critical] 3 events within 50 km of Bamako",
            "[SahelWatch] [warning] Gao: 40 deaths",
        ]
        first = list_alerts(store, oldest_first=True)[0]
        assert smtp.messages[0]["Message-ID"] == f"<{first.id}@sahelwatch>"
        text = smtp.messages[0].get_payload(decode=True).decode()
        assert "ucdp:613670" in text and first.id in text
        assert deliver(store, config, tiny_client()).sent == {}
        assert len(smtp.messages) == 2


def test_email_server_down_is_retried_then_recorded(store, tmp_path):
    config = make_config(
        tmp_path,
        store.path,
        delivery={
            "feed": {"enabled": False},
            "email": {
                "host": "127.0.0.1",
                "port": free_port(),
                "starttls": False,
                "sender": "s@example.org",
                "to": ["d@example.org"],
                "timeout": 1,
            },
        },
    )
    sleeps: list[float] = []
    report = deliver(store, config, tiny_client(), sleep=sleeps.append)
    assert report.failed == {"email": 1} and "gave up" in report.errors[0]
    assert len(sleeps) == config.http.attempts - 1
    assert len(pending(store, "email")) == 3


# --- SSE ------------------------------------------------------------------------------------


def test_sse_stream_replays_then_follows_and_resumes(store):
    path = store.path
    store.close()

    async def follow() -> list[str]:
        stop = asyncio.Event()
        frames: list[str] = []
        stream = sse_stream(path, poll_interval=0.05, heartbeat=0.1, stop=stop)
        frames.append(await anext(stream))
        while sum(f.startswith("id:") for f in frames) < 3:
            frames.append(await anext(stream))
        with Store(path) as writer:  # the stream is paused here, not reading
            record(writer, [Alert("r", "r:late", "warning", "late alert", "b")])
        while "late alert" not in frames[-1]:
            frames.append(await asyncio.wait_for(anext(stream), 5))
        while not frames[-1].startswith(":"):
            frames.append(await asyncio.wait_for(anext(stream), 5))
        stop.set()
        await stream.aclose()
        return frames

    frames = asyncio.run(follow())
    assert frames[0] == "retry: 50\n\n"
    events = [f for f in frames if f.startswith("id:")]
    assert [f.split("\n")[0] for f in events] == ["id: 1", "id: 2", "id: 3", "id: 4"]
    data = json.loads(events[0].split("\n")[2].removeprefix("data: "))
    assert data["rule"] == "near-bamako" and data["severity"] == "critical"
    assert ": keep-alive\n\n" in frames

    async def resume() -> list[str]:
        stream = sse_stream(path, last_event_id="3", poll_interval=0.05)
        got = [await anext(stream), await asyncio.wait_for(anext(stream), 5)]
        await stream.aclose()
        return got

    retry, frame = asyncio.run(resume())
    assert retry.startswith("retry: ")
    assert frame.startswith("id: 4\nevent: alert\n") and "late alert" in frame
