"""The watch service end to end: replayed sources with faults, checks, alerts, delivery, and a
process killed with SIGKILL that resumes without loading or notifying anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from replay.acled import EMAIL, PASSWORD, AcledReplay, fixture_rows
from replay.helpers import TINY, make_config, ucdp_versions
from replay.server import Fault, ReplayServer, Reply
from replay.sinks import SmtpSink, WebhookSink
from replay.ucdp import TOKEN, UcdpApiReplay, api_rows

from sahelwatch.alerts import list_alerts
from sahelwatch.config import SOURCE_TYPES, load_config, parse_config
from sahelwatch.connectors.state import holds, last_runs
from sahelwatch.errors import ConfigError, StoreError
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file
from sahelwatch.watch import Watch, release_hold

ROOT = Path(__file__).parents[2]
SECRET = "hook-secret"
ENV = {
    "UCDP_API_TOKEN": TOKEN,
    "ACLED_EMAIL": EMAIL,
    "ACLED_PASSWORD": PASSWORD,
    "HOOK_SECRET": SECRET,
}
REDUCED = "ucdp_candidate_2025_reduced_global.csv.gz"



@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """Event versions of a store built from the bundled files (2025 reduced, 26.0.1, 26.0.2)."""
    with Store(tmp_path_factory.mktemp("ref") / "ref.duckdb") as store:
        ingest(store, bundled_file(REDUCED), release="25.01.25.12")
        ingest(store, bundled_file("ucdp_candidate_26.0.1_events_global.csv.gz"))
        ingest(store, bundled_file("ucdp_candidate_26.0.2_events_global.csv.gz"))
        return ucdp_versions(store)


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store holding the 2025 reduced Candidate file only (copy it before use)."""
    path = tmp_path_factory.mktemp("base") / "base.duckdb"
    with Store(path) as store:
        ingest(store, bundled_file(REDUCED), release="25.01.25.12")
    return path


@pytest.fixture
def store_path(base_store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store.duckdb"
    target.write_bytes(base_store.read_bytes())
    return target


RULES = [
    {
        "name": "near-bamako",
        "kind": "proximity",
        "place": "Bamako",
        "radius_km": 50,
        "window_days": 62,
        "severity": "critical",
    },
    {
        "name": "mali-country-deaths",
        "kind": "threshold",
        "level": "country",
        "threshold": 90,
        "severity": "warning",
    },
    {"name": "ucdp-api-stale", "kind": "stale", "source": "ucdp-api", "max_age": "45d"},
]


def _sources(server: ReplayServer) -> list[dict]:
    return [
        {
            "name": "ucdp-api",
            "kind": "ucdp_api",
            "base_url": server.url + "/api/gedevents",
            "first_version": "26.0.1",
            "max_versions": 3,
            "pagesize": 250,
        },
        {
            "name": "acled-sahel",
            "kind": "acled",
            "base_url": server.url + "/api/acled/read",
            "token_url": server.url + "/oauth/token",
            "limit": 10,
        },
    ]


def _delivery(server: ReplayServer, smtp: SmtpSink | None = None) -> dict:
    out: dict = {
        "webhooks": [{"name": "ops", "url": server.url + "/hook", "secret_env": "HOOK_SECRET"}]
    }
    if smtp is not None:
        out["email"] = {
            "host": "127.0.0.1",
            "port": smtp.port,
            "starttls": False,
            "sender": "watch@example.org",
            "to": ["desk@example.org"],
            "min_severity": "critical",
        }
    return out


@pytest.mark.slow
def test_watch_loads_alerts_and_delivers_once(tmp_path, store_path, reference):
    with ReplayServer() as server, SmtpSink() as smtp:
        UcdpApiReplay({"26.0.1": api_rows("26.0.1"), "26.0.2": api_rows("26.0.2")}).install(server)
        acled = AcledReplay(fixture_rows("acled_current_fixture.csv")).install(server)
        acled.expire_after = 3
        sink = WebhookSink(SECRET).install(server)
        server.fault("GET", r"/api/gedevents/26\.0\.2", Fault.status(503), Fault.truncate())
        server.fault("POST", r"/hook", Fault.status(502))
        config = make_config(
            tmp_path,
            store_path,
            sources=_sources(server),
            alerts={"rules": RULES},
            delivery=_delivery(server, smtp),
        )
        report = Watch(config, env=ENV).cycle()
        assert report.failed == {} and report.held == []
        assert [(s, r.release) for s, r in report.loaded][:2] == [
            ("ucdp-api", "26.0.1"),
            ("ucdp-api", "26.0.2"),
        ]
        assert [s for s, _ in report.loaded][2:] == ["acled-sahel"]
        fired = {a.rule for a in report.alerts}
        assert fired == {"near-bamako", "mali-country-deaths"}
        with Store(store_path, read_only=True) as store:
            assert ucdp_versions(store) == reference  # nothing lost, nothing twice
            stored = list_alerts(store, oldest_first=True)
        assert sink.ids() == [a.id for a in stored]
        assert [m["X-SahelWatch-Alert-Id"] for m in smtp.messages] == [
            a.id for a in stored if a.severity == "critical"
        ]
        feed = (config.watch.state_dir / "feed.xml").read_text()
        assert all(f"urn:sahelwatch:alert:{a.id}" in feed for a in stored)
        requests_before = len(server.requests("GET", r"/api/gedevents/26\.0\.[12]"))

        # The next cycles, and a restarted service, find nothing new and repeat nothing.
        for watch in (Watch(config, env=ENV), Watch(config, env=ENV)):
            again = watch.cycle(force=True)
            assert again.loaded == [] and again.alerts == [] and again.failed == {}
        assert len(server.requests("GET", r"/api/gedevents/26\.0\.[12]")) == requests_before
        assert len(sink.received) == len(stored) + 0 and len(smtp.messages) == 1

        # ACLED revises three events and adds four: one incremental load.
        acled.update(fixture_rows("acled_current_fixture_update.csv"))
        later = Watch(config, env=ENV).cycle(force=True)
        assert [(s, r.added, r.revised) for s, r in later.loaded] == [("acled-sahel", 4, 3)]
        with Store(store_path, read_only=True) as store:
            runs = last_runs(store)
            assert runs["ucdp-api"]["last_outcome"] == "nothing-new"
            assert runs["acled-sahel"]["last_outcome"] == "loaded"
            assert len(list_alerts(store)) == len(stored)


@pytest.mark.slow
def test_a_suspicious_release_is_held_and_alerted_once(tmp_path, store_path, reference):
    no_mali = [r for r in api_rows("26.0.2") if r["country_id"] != 432]
    with ReplayServer() as server:
        api = UcdpApiReplay({"26.0.1": api_rows("26.0.1"), "26.0.2": no_mali}).install(server)
        sink = WebhookSink(SECRET).install(server)
        config = make_config(
            tmp_path, store_path, sources=_sources(server)[:1], delivery=_delivery(server)
        )
        watch = Watch(config, env=ENV)
        first = watch.cycle()
        assert [r.release for _, r in first.loaded] == ["26.0.1"]
        (hold,) = first.held
        assert "months of zeros" in hold.reasons[0] and "Mali" in hold.reasons[0]
        assert hold.path.is_file() and hold.path.parent.parent.name == "held"
        (quality,) = [a for a in first.alerts if a.rule == "data-quality"]
        assert quality.evidence["hold_id"] == hold.hold_id
        with Store(store_path, read_only=True) as store:
            releases = {r[0] for r in store.con.execute("SELECT release FROM releases").fetchall()}
            assert "26.0.2" not in releases  # nothing of it loaded
        assert watch.cycle(force=True).alerts == []  # still held: no second alert
        assert sink.ids() == [quality.id]

        # UCDP republishes 26.0.2 with Mali: it passes and is loaded.
        api.versions["26.0.2"] = api_rows("26.0.2")
        fixed = watch.cycle(force=True)
        assert [r.release for _, r in fixed.loaded] == ["26.0.2"] and fixed.held == []
        with Store(store_path) as store:
            assert ucdp_versions(store) == reference
            with pytest.raises(ConfigError, match="no held pull 99"):
                release_hold(store, 99)


def test_an_operator_can_load_a_held_pull(tmp_path, store_path):
    sample = [r for r in api_rows("26.0.1") if r["id"] % 3 == 0]
    with ReplayServer() as server:
        UcdpApiReplay({"26.0.1": sample}).install(server)
        config = make_config(
            tmp_path, store_path, checks={"min_size_ratio": 0.9}, sources=_sources(server)[:1]
        )
        with Store(store_path) as store:  # a previous monthly release of 1,727 rows
            ingest(
                store, bundled_file("ucdp_candidate_26.0.1_events_global.csv.gz"), release="26.0.0"
            )
        (hold,) = Watch(config, env=ENV).cycle().held
        assert "smaller release" in hold.reasons[0]
        with Store(store_path) as store:
            report = release_hold(store, hold.hold_id)
            assert report.release == "26.0.1" and report.rows_read == len(sample)
            assert holds(store)[0].resolution == "loaded"
            with pytest.raises(ConfigError, match="already loaded"):
                release_hold(store, hold.hold_id)
        assert Watch(config, env=ENV).cycle(force=True).loaded == []


def test_a_failing_source_does_not_stop_the_others(tmp_path, store_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = inbox / "acled_export.csv"
    export.write_bytes((ROOT / "tests" / "data" / "acled_current_fixture.csv").read_bytes())
    old = time.time() - 60
    os.utime(export, (old, old))
    with ReplayServer() as server:
        server.route("GET", r"/broken.csv", lambda req: Reply(503, b"down"))
        config = make_config(
            tmp_path,
            store_path,
            sources=[
                {"name": "broken", "kind": "url", "url": server.url + "/broken.csv", "every": "1h"},
                {"name": "inbox", "kind": "folder", "path": str(inbox), "settle": 1},
            ],
            watch={"tick": 60},
        )
        watch = Watch(config, env=ENV)
        first = watch.cycle()
        assert "broken" in first.failed and [s for s, _ in first.loaded] == ["inbox"]
        # Not due again before its backoff (tick 60 s), then forced twice more: a spell of 3.
        assert watch.cycle().polled == []
        alerts = [a for _ in range(2) for a in watch.cycle(force=True).alerts]
        assert [a.rule for a in alerts] == ["source-error"]
        assert alerts[0].evidence["failures"] == 3
        assert watch.cycle(force=True).alerts == []  # the same spell: no second alert


def test_new_data_are_recomputed_and_feed_the_forecast_rule(tmp_path, store_path):
    """A release dropped in a folder: indicators written, a forecast made and stored, and a
    forecast rule fires on it once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "ucdp_candidate_26.0.1_events_global.csv.gz"
    (inbox / name).write_bytes(bundled_file(name).read_bytes())
    old = time.time() - 60
    os.utime(inbox / name, (old, old))
    config = make_config(
        tmp_path,
        store_path,
        sources=[{"name": "inbox", "kind": "folder", "path": str(inbox), "settle": 1}],
        recompute={
            "indicators": [{"country": "MLI", "level": "country"}],
            "series": True,
            "forecast": {
                "enabled": True,
                "model": "conflictology",
                "horizons": [1, 2],
                "n_draws": 50,
            },
        },
        alerts={
            "rules": [
                {
                    "name": "mali-1-death",
                    "kind": "forecast",
                    "country": "MLI",
                    "fatalities": 1,
                    "probability": 0.5,
                }
            ]
        },
    )
    report = Watch(config, env=ENV).cycle()
    assert [s for s, _ in report.loaded] == ["inbox"]
    assert report.recomputed == [
        "16 indicator series for the dashboard",
        "indicators indicators_MLI_country_2026-01.csv",
        "forecast benchmark-conflictology at origin 2026-01",
    ]
    table = config.watch.state_dir / "indicators" / "indicators_MLI_country_2026-01.csv"
    assert table.read_text().count("\n") == 2  # a header and Mali
    assert sorted(a.evidence["month"] for a in report.alerts) == ["2026-02", "2026-03"]
    with Store(store_path, read_only=True) as store:
        origins = store.con.execute("SELECT DISTINCT origin FROM forecasts").fetchall()
    assert [str(o[0]) for o in origins] == ["2026-01-01"]
    assert Watch(config, env=ENV).cycle(force=True).alerts == []


def test_one_watch_per_state_folder(tmp_path, store_path):
    config = make_config(tmp_path, store_path)
    first = Watch(config, env=ENV)
    from sahelwatch.watch import _lock

    with _lock(config.watch.state_dir), pytest.raises(StoreError, match="another watch"):
        first.run(once=True)


def _write_config(tmp_path: Path, store_path: Path, server: ReplayServer) -> Path:
    lines = [
        f'store = "{store_path}"',
        "[watch]",
        f'state_dir = "{tmp_path / "state"}"',
        "tick = 1",
        "[http]",
        *[f"{k} = {v}" for k, v in TINY.items()],
    ]
    for source in _sources(server)[:1]:
        lines.append("[[sources]]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in source.items()]
    for rule in RULES[:1]:
        lines.append("[[alerts.rules]]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in rule.items()]
    lines += [
        "[[delivery.webhooks]]",
        'name = "ops"',
        f'url = "{server.url}/hook"',
        'secret_env = "HOOK_SECRET"',
    ]
    path = tmp_path / "sahelwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    tomllib.loads(path.read_text())
    return path


def _spawn(config: Path) -> subprocess.Popen:
    env = {**os.environ, **ENV}
    command = ["watch", "--config", str(config), "--once"]
    return subprocess.Popen(
        [sys.executable, "-c", "from sahelwatch.cli import main; main()", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.slow
def test_a_killed_watch_resumes_without_repeating(tmp_path, store_path, reference):
    """SIGKILL in the middle of paging, then in the middle of a webhook post: the third run
    resumes the paging where it stopped and finishes; every page is fetched once, every event
    stored once, the alert stored once and posted until a post succeeded."""
    with ReplayServer() as server:
        UcdpApiReplay({"26.0.1": api_rows("26.0.1"), "26.0.2": api_rows("26.0.2")}).install(server)
        sink = WebhookSink(SECRET).install(server)
        page = r"/api/gedevents/26\.0\.1"
        server.fault("GET", page, Fault.timeout(60), when=lambda req: req.query["page"] == "4")
        server.fault("POST", r"/hook", Fault.timeout(60))
        config = _write_config(tmp_path, store_path, server)

        run = _spawn(config)
        _wait_for(lambda: any(r.query.get("page") == "4" for r in server.requests("GET", page)))
        run.send_signal(signal.SIGKILL)
        run.wait(10)

        run = _spawn(config)
        _wait_for(lambda: server.requests("POST", r"/hook"))
        run.send_signal(signal.SIGKILL)
        run.wait(10)

        run = _spawn(config)
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err.decode()[-2000:]

    pages = [r.query["page"] for r in server.requests("GET", page)]
    assert pages.count("0") == 1 and pages.count("3") == 1  # resumed, not restarted
    assert pages.count("4") == 2  # the page being fetched when the process died, then again
    with Store(store_path, read_only=True) as store:
        assert ucdp_versions(store) == reference
        logged = store.con.execute(
            "SELECT count(*), count(DISTINCT sha256) FROM ingest_log"
        ).fetchone()
        assert logged == (3, 3)  # the 2025 file, 26.0.1 and 26.0.2: each loaded once
        (alert,) = list_alerts(store)
        assert alert.rule == "near-bamako" and sorted(alert.delivered) == ["feed", "webhook:ops"]
    # The post cut by the kill reached the receiver; the resumed service posted it again, with
    # the same alert id (at-least-once delivery; receivers keep ids to act once).
    assert [body["id"] for body, _, _ in sink.received] == [alert.id, alert.id]


# --- configuration --------------------------------------------------------------------------


def test_the_example_configuration_is_valid_and_documented():
    config = load_config(ROOT / "examples" / "sahelwatch.toml")
    assert {s.kind for s in config.sources} == set(SOURCE_TYPES)
    assert {r.kind for r in config.rules} == {
        "threshold",
        "proximity",
        "new_actor",
        "forecast",
        "zscore",
        "stale",
    }
    docs = (ROOT / "docs" / "live.md").read_text(encoding="utf-8")
    from sahelwatch import config as cfg
    from sahelwatch.alerts import RULE_TYPES

    classes = [
        *SOURCE_TYPES.values(),
        *RULE_TYPES.values(),
        cfg.WatchSettings,
        cfg.HttpSettings,
        cfg.CheckSettings,
        cfg.LimitSettings,
        cfg.RecomputeSettings,
        cfg.ForecastSettings,
        cfg.IndicatorTarget,
        cfg.FeedSettings,
        cfg.WebhookSettings,
        cfg.EmailSettings,
    ]
    keys = {f.alias or name for c in classes for name, f in c.model_fields.items()}
    missing = sorted(key for key in keys if f"`{key}`" not in docs)
    assert missing == []


def test_configuration_errors_name_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown setting 'password'.*password_env"):
        parse_config({"sources": [{"name": "a", "kind": "acled", "password": "hunter2"}]})
    with pytest.raises(ConfigError, match="unknown section 'sorces'"):
        parse_config({"sorces": []})
    with pytest.raises(ConfigError, match="'6 hours' is not a duration"):
        parse_config({"sources": [{"name": "a", "kind": "acled", "every": "6 hours"}]})
    with pytest.raises(ConfigError, match="two sources are named 'a'"):
        parse_config({"sources": [{"name": "a", "kind": "acled"}] * 2})
    with pytest.raises(ConfigError, match="expected a whole number"):
        parse_config({"http": {"attempts": "five"}})
    with pytest.raises(ConfigError, match="no alert rule is named 'nope'"):
        parse_config(
            {"delivery": {"webhooks": [{"name": "w", "url": "https://x.test", "rules": ["nope"]}]}}
        )
    with pytest.raises(ConfigError, match="not valid TOML"):
        (tmp_path / "bad.toml").write_text("[watch\n")
        load_config(tmp_path / "bad.toml")
    config = parse_config({"sources": [{"name": "a", "kind": "acled", "every": "90m"}]})
    assert config.sources[0].every == 5400
    with pytest.raises(ConfigError, match=r"ACLED_EMAIL.*ACLED_PASSWORD"):
        config.check_secrets({})
    config.check_secrets({"ACLED_EMAIL": "e", "ACLED_PASSWORD": "p"})
