"""Connectors against local replays of UCDP's and ACLED's APIs, with faults injected.

Everything runs on 127.0.0.1: mock transports or replay servers answering with pages built
from the real UCDP Candidate releases (26.0.1, 26.0.2) and the hand-written ACLED fixtures.
The central assertions: after timeouts, 5xx, 429, truncated bodies, dropped connections,
repeated and missing pages, a token expiring mid-pull, or a killed pull, what is loaded equals
what the source holds: nothing lost, nothing twice, nothing half.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from pathlib import Path

import httpx
import pytest
from replay.acled import EMAIL, PASSWORD, AcledReplay, fixture_rows
from replay.helpers import TIMEOUT_FAULT, Sleeps, context, make_config, tiny_client, ucdp_versions
from replay.record import CALLS, HERE, replay
from replay.server import Fault, ReplayServer, Reply
from replay.ucdp import TOKEN, UcdpApiReplay, api_rows, download_site, release_csv, site_files

from sahelwatch.connectors import (
    AuthError,
    ConfigError,
    NotPublished,
    RateLimited,
    ResponseError,
    TransportError,
)
from sahelwatch.connectors.acled import Acled
from sahelwatch.connectors.base import Pull
from sahelwatch.connectors.checks import check_pull
from sahelwatch.connectors.files import Folder, UrlFile
from sahelwatch.connectors.http import HttpClient, RetryPolicy, parse_retry_after
from sahelwatch.connectors.state import load_state
from sahelwatch.connectors.ucdp import (
    UcdpApi,
    UcdpBulk,
    next_release,
    on_track,
    parse_index,
    rows_to_ged_csv,
)
from sahelwatch.errors import SahelWatchError
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file

DATA = Path(__file__).parents[1] / "data"
UCDP_ENV = {"UCDP_API_TOKEN": TOKEN}
ACLED_ENV = {"ACLED_EMAIL": EMAIL, "ACLED_PASSWORD": PASSWORD}


def _source(tmp_path: Path, server: ReplayServer, **settings):
    """A source's settings as the configuration file would give them."""
    base = {"name": settings.pop("name", "src"), **settings}
    config = make_config(tmp_path, tmp_path / "unused.duckdb", sources=[base])
    return config.sources[0]



@pytest.fixture(scope="module")
def reference_26_0_2(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """The event versions the bundled release 26.0.2 file gives a fresh store."""
    path = tmp_path_factory.mktemp("reference") / "ref.duckdb"
    with Store(path) as store:
        ingest(store, bundled_file("ucdp_candidate_26.0.2_events_global.csv.gz"))
        return ucdp_versions(store)


# --- the HTTP client ------------------------------------------------------------------------


def test_backoff_grows_with_jitter_and_a_cap():
    policy = RetryPolicy(backoff=1.0, max_backoff=5.0, jitter=0.25)
    rng = random.Random(1)
    waits = [policy.delay(n, rng) for n in range(1, 7)]
    bases = [1, 2, 4, 5, 5, 5]
    assert all(0.75 * b <= w <= 1.25 * b for w, b in zip(waits, bases, strict=True))
    assert len({round(w, 6) for w in waits[3:]}) == 3  # jittered, not identical


def test_parse_retry_after():
    from datetime import UTC, datetime

    assert parse_retry_after("3") == 3.0
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def _mock(replies: list[httpx.Response | Exception]):
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return httpx.MockTransport(handler), calls


def test_retries_5xx_and_obeys_retry_after():
    transport, calls = _mock(
        [
            httpx.Response(503),
            httpx.ConnectTimeout("slow"),
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    sleeps = Sleeps()
    client = HttpClient(
        RetryPolicy(attempts=5, backoff=0.5, jitter=0), transport=transport, sleep=sleeps
    )
    assert client.get_json("https://example.test/x") == {"ok": True}
    assert len(calls) == 4
    assert sleeps == [0.5, 1.0, 7.0]  # backoff, backoff, then exactly what the server asked


def test_a_long_retry_after_is_not_waited_for():
    transport, _ = _mock([httpx.Response(429, headers={"Retry-After": "7200"})])
    sleeps = Sleeps()
    client = HttpClient(RetryPolicy(max_retry_after=600), transport=transport, sleep=sleeps)
    with pytest.raises(RateLimited) as caught:
        client.get_json("https://example.test/x")
    assert caught.value.retry_after == 7200 and sleeps == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotPublished), (400, ResponseError)],
)
def test_client_errors_are_not_retried(status, error):
    transport, calls = _mock([httpx.Response(status, text="no")])
    with pytest.raises(error):
        HttpClient(transport=transport, sleep=Sleeps()).get_json("https://example.test/x")
    assert len(calls) == 1


def test_gives_up_after_the_last_try():
    transport, calls = _mock([httpx.Response(502)] * 3)
    with pytest.raises(TransportError, match="3 tries"):
        HttpClient(RetryPolicy(attempts=3), transport=transport, sleep=Sleeps()).get_json(
            "https://example.test/x"
        )
    assert len(calls) == 3


def test_a_body_that_is_not_json_is_fetched_again():
    transport, calls = _mock(
        [httpx.Response(200, content=b'{"TotalCount": 3, "Res'), httpx.Response(200, json=[1])]
    )
    assert HttpClient(transport=transport, sleep=Sleeps()).get_json("https://e.test/x") == [1]
    assert len(calls) == 2


def test_real_socket_faults_are_retried():
    """A timeout, a truncated body and a dropped connection, each then a good reply."""
    with ReplayServer() as server:
        server.route("GET", r"/doc", lambda req: Reply.json({"events": list(range(500))}))
        server.fault("GET", r"/doc", Fault.timeout(TIMEOUT_FAULT), Fault.truncate(), Fault.drop())
        client = tiny_client()
        assert client.get_json(server.url + "/doc") == {"events": list(range(500))}
        assert len(server.requests("GET", "/doc")) == 4
        assert len(client.sleep) == 3  # type: ignore[arg-type]


def test_download_resumes_and_checks_hash(tmp_path):
    data = release_csv("26.0.1")
    with ReplayServer() as server:
        files = download_site(server, {"26.0.1": data})
        path = "/downloads/candidateged/GEDEvent_v26_0_1.csv.zip"
        archive = files[path]
        digest = hashlib.sha256(archive).hexdigest()
        server.fault("GET", path, Fault.truncate())
        client = tiny_client()
        dest = client.download(
            server.url + path, tmp_path / "a.zip", size=len(archive), sha256=digest
        )
        assert dest is not None and dest.read_bytes() == archive
        ranges = [r.headers.get("range") for r in server.requests("GET", path)]
        assert ranges == [None, f"bytes={len(archive) // 2}-"]  # the second asked for the rest
        with pytest.raises(ResponseError, match="SHA-256"):
            client.download(server.url + path, tmp_path / "b.zip", sha256="0" * 64)
        assert not (tmp_path / "b.zip").exists()


# --- UCDP -----------------------------------------------------------------------------------


def test_release_tracks():
    assert on_track("26.0.12", "candidate") and not on_track("25.01.25.12", "candidate")
    assert next_release("26.0.12", "candidate") == "27.0.1"
    assert [next_release(v, "ged") for v in ("24.1", "25.1")] == ["25.1", "26.1"]


def test_parse_index_html_prefers_csv_and_skips_other_archives():
    html = (
        '<a href="candidateged/GEDEvent_v26_0_2.xlsx">x</a>'
        '<a href="candidateged/GEDEvent_v26_0_2.csv">c</a>'
        '<a href="/downloads/ged/ged251-csv.zip">g</a>'
        '<a href="/downloads/ged/ged251-dta.zip">stata</a>'
        '<a href="/about.html">about</a>'
    )
    entries = {e.release: e.url for e in parse_index(html, "https://ucdp.test/downloads/")}
    assert entries == {
        "26.0.2": "https://ucdp.test/downloads/candidateged/GEDEvent_v26_0_2.csv",
        "25.1": "https://ucdp.test/downloads/ged/ged251-csv.zip",
    }
    with pytest.raises(ResponseError):
        parse_index("{not json", "https://ucdp.test/i.json")


def test_ucdp_api_survives_every_fault(tmp_path, reference_26_0_2):
    """Timeouts, 5xx, 429 + Retry-After, a truncated page, a repeated page and a missing page:
    the pull still equals the real release 26.0.2, event for event."""
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        rows = api_rows("26.0.2")
        api = UcdpApiReplay({"26.0.2": rows}).install(server)
        path = r"/api/gedevents/26\.0\.2"

        def page(n):
            return lambda req: req.query.get("page") == str(n)

        server.fault("GET", path, Fault.timeout(TIMEOUT_FAULT), when=page(1))
        server.fault("GET", path, Fault.status(503), Fault.status(500), when=page(2))
        server.fault("GET", path, Fault.retry_after(1), when=page(3))
        server.fault("GET", path, Fault.truncate(), when=page(4))
        repeat = Fault.replace(lambda req: api.handle(_with(req, page="4")))
        server.fault("GET", path, repeat, when=page(5))
        empty = Fault.replace(
            lambda req: Reply.json({**json.loads(api.handle(req).body), "Result": []})
        )
        server.fault("GET", path, empty, when=page(6))
        settings = _source(
            tmp_path,
            server,
            kind="ucdp_api",
            versions=["26.0.2"],
            base_url=server.url + "/api/gedevents",
            pagesize=100,
        )
        sleeps = Sleeps()
        ctx = context(store, tiny_client(sleeps), tmp_path / "work", env=UCDP_ENV)
        pulls = list(UcdpApi(settings, ctx).poll())
        assert [p.release for p in pulls] == ["26.0.2"]
        assert 1.0 in sleeps  # the Retry-After was obeyed
        pages = [int(r.query["page"]) for r in server.requests("GET", path)]
        assert sorted(set(pages)) == list(range(13))
        assert all(r.headers["x-ucdp-access-token"] == TOKEN for r in server.requests())
        assert all(r.query["pagesize"] == "100" for r in server.requests())
        ingest(store, pulls[0].path, release="26.0.2")
        assert ucdp_versions(store) == reference_26_0_2


def _with(req, **query):
    from dataclasses import replace

    return replace(req, query={**req.query, **query})


def test_ucdp_api_resumes_from_its_checkpoint(tmp_path, reference_26_0_2):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        UcdpApiReplay({"26.0.2": api_rows("26.0.2")}).install(server)
        path = r"/api/gedevents/26\.0\.2"
        server.fault(
            "GET", path, *[Fault.status(503)] * 4, when=lambda req: req.query["page"] == "5"
        )
        settings = _source(
            tmp_path,
            server,
            kind="ucdp_api",
            versions=["26.0.2"],
            base_url=server.url + "/api/gedevents",
            pagesize=100,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", source="src", env=UCDP_ENV)
        with pytest.raises(TransportError):
            list(UcdpApi(settings, ctx).poll())
        saved, _ = load_state(store, "src")
        assert saved["paging"]["done"] == [0, 1, 2, 3, 4]
        before = len(server.requests())
        ctx = context(store, tiny_client(), tmp_path / "work", source="src", env=UCDP_ENV)
        pulls = list(UcdpApi(settings, ctx).poll())
        asked = [int(r.query["page"]) for r in server.requests()[before:]]
        assert asked == list(range(5, 13))  # nothing fetched twice
        ingest(store, pulls[0].path, release="26.0.2")
        assert ucdp_versions(store) == reference_26_0_2


def test_ucdp_api_starts_over_when_the_release_changes_mid_pull(tmp_path):
    rows = api_rows("26.0.1")
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        api = UcdpApiReplay({"26.0.1": rows[:-1]}).install(server)

        def grow(req):
            api.versions["26.0.1"] = rows  # UCDP republished the version meanwhile
            return api.handle(req)

        server.fault(
            "GET",
            r"/api/gedevents/.*",
            Fault.replace(grow),
            when=lambda req: req.query["page"] == "3",
        )
        settings = _source(
            tmp_path,
            server,
            kind="ucdp_api",
            versions=["26.0.1"],
            base_url=server.url + "/api/gedevents",
            pagesize=500,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=UCDP_ENV)
        (pull,) = list(UcdpApi(settings, ctx).poll())
        report = ingest(store, pull.path, release="26.0.1")
        assert report.rows_read == len(rows) == 1727


def test_ucdp_api_finds_the_next_version_and_stops_at_an_unpublished_one(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        UcdpApiReplay(
            {"26.0.1": api_rows("26.0.1")[:50], "26.0.2": api_rows("26.0.2")[:50]}
        ).install(server)
        settings = _source(
            tmp_path,
            server,
            kind="ucdp_api",
            first_version="26.0.1",
            max_versions=5,
            base_url=server.url + "/api/gedevents",
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=UCDP_ENV)
        assert [p.release for p in UcdpApi(settings, ctx).poll()] == ["26.0.1", "26.0.2"]
        asked = [r.path.rsplit("/", 1)[1] for r in server.requests()]
        assert asked == ["26.0.1", "26.0.2", "26.0.3"]


def test_ucdp_api_token(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        UcdpApiReplay({"26.0.1": api_rows("26.0.1")}).install(server)
        settings = _source(
            tmp_path,
            server,
            kind="ucdp_api",
            versions=["26.0.1"],
            base_url=server.url + "/api/gedevents",
        )
        with pytest.raises(ConfigError, match="UCDP_API_TOKEN"):
            list(UcdpApi(settings, context(store, tiny_client(), tmp_path / "w")).poll())
        ctx = context(store, tiny_client(), tmp_path / "w", env={"UCDP_API_TOKEN": "wrong"})
        with pytest.raises(AuthError):
            list(UcdpApi(settings, ctx).poll())


def test_ged_csv_round_trip_keeps_every_value(tmp_path):
    """API rows written back as CSV load exactly like UCDP's own CSV (same content hashes)."""
    rows = api_rows("26.0.1")
    header = rows_to_ged_csv(rows, tmp_path / "GEDEvent_v26_0_1.csv")
    assert header[:3] == ["id", "relid", "year"] and len(header) == 49
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        ingest(a, tmp_path / "GEDEvent_v26_0_1.csv")
        ingest(b, bundled_file("ucdp_candidate_26.0.1_events_global.csv.gz"))
        assert ucdp_versions(a) == ucdp_versions(b)


def test_ucdp_bulk_picks_the_newest_release_then_the_next(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        files = download_site(server, {"26.0.1": release_csv("26.0.1")})
        settings = _source(
            tmp_path, server, kind="ucdp_bulk", index_url=server.url + "/downloads/index.json"
        )
        ctx = context(store, tiny_client(), tmp_path / "work", source="src")
        (pull,) = list(UcdpBulk(settings, ctx).poll())
        assert pull.release == "26.0.1" and pull.path.name == "GEDEvent_v26_0_1.csv.zip"
        ingest(store, pull.path, release=pull.release)
        ctx.state.update(pull.commit)
        assert list(UcdpBulk(settings, ctx).poll()) == []  # nothing newer
        # UCDP publishes 26.0.2; the HTML page lists it (the JSON index too)
        files.update(site_files({"26.0.1": release_csv("26.0.1"), "26.0.2": release_csv("26.0.2")}))
        html = _source(
            tmp_path, server, kind="ucdp_bulk", index_url=server.url + "/downloads/index.html"
        )
        (pull,) = list(UcdpBulk(html, ctx).poll())
        assert pull.release == "26.0.2"
        assert not any("dta" in r.path or r.path.endswith("xlsx") for r in server.requests())


def test_ucdp_bulk_rejects_a_corrupt_download(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        files = download_site(server, {"26.0.1": release_csv("26.0.1")})
        path = "/downloads/candidateged/GEDEvent_v26_0_1.csv.zip"
        files[path] = files[path][:-10] + b"0123456789"  # same size, wrong bytes
        settings = _source(
            tmp_path, server, kind="ucdp_bulk", index_url=server.url + "/downloads/index.json"
        )
        ctx = context(store, tiny_client(), tmp_path / "work")
        with pytest.raises(ResponseError, match="SHA-256"):
            list(UcdpBulk(settings, ctx).poll())
        assert not list((tmp_path / "work" / "downloads").glob("*.zip"))


# --- ACLED ----------------------------------------------------------------------------------


def _acled_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "acled.duckdb")


def _current(store: Store) -> dict[str, int]:
    rows = store.con.execute(
        f"SELECT source_id, best FROM ({store.current_sql()}) WHERE source = 'acled'"
    ).fetchall()
    return dict(rows)


def test_acled_pulls_pages_through_faults_and_an_expiring_token(tmp_path):
    rows = fixture_rows("acled_current_fixture.csv")
    with ReplayServer() as server, _acled_store(tmp_path) as store:
        acled = AcledReplay(rows).install(server)
        acled.expire_after = 2  # every token dies after two pages
        read = r"/api/acled/read"
        server.fault(
            "GET",
            read,
            Fault.status(502),
            Fault.truncate(),
            when=lambda req: req.query.get("page") == "2",
        )
        server.fault(
            "GET",
            read,
            Fault.replace(
                lambda req: Reply.json({"status": 200, "success": True, "count": 0, "data": []})
            ),
            when=lambda req: req.query.get("page") == "3",
        )
        settings = _source(
            tmp_path,
            server,
            kind="acled",
            base_url=server.url + read,
            token_url=server.url + "/oauth/token",
            limit=10,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=ACLED_ENV)
        (pull,) = list(Acled(settings, ctx).poll())
        assert pull.ingest_source == "acled" and pull.complete
        assert "refresh_token" in acled.grants  # the token was renewed mid-pull
        first = server.requests("GET", read)[0].query
        assert first["event_date"] == "2024-01-01" and first["event_date_where"] == ">="
        assert set(first["iso"].split("|")) == {"466", "854", "562"}
        report = ingest(
            store,
            pull.path,
            **{k: v for k, v in pull.ingest_arguments().items() if k not in ("period",)},
        )
        assert report.added == 41 and report.rejected == 0
        assert set(_current(store)) == {r["event_id_cnty"] for r in rows}


def test_acled_incremental_pulls_take_only_what_changed(tmp_path):
    with ReplayServer() as server, _acled_store(tmp_path) as store:
        acled = AcledReplay(fixture_rows("acled_current_fixture.csv")).install(server)
        settings = _source(
            tmp_path,
            server,
            kind="acled",
            base_url=server.url + "/api/acled/read",
            token_url=server.url + "/oauth/token",
            limit=7,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=ACLED_ENV)

        def pull_and_load() -> list[Pull]:
            pulls = list(Acled(settings, ctx).poll())
            for pull in pulls:
                args = pull.ingest_arguments()
                args.pop("period")
                ingest(store, pull.path, **args)
                ctx.state.update(pull.commit)
            return pulls

        assert len(pull_and_load()) == 1
        assert pull_and_load() == []  # nothing changed: nothing loaded, no empty release
        update = fixture_rows("acled_current_fixture_update.csv")
        acled.update(update)
        (pull,) = pull_and_load()
        assert not pull.complete
        newest = max(int(r["timestamp"]) for r in fixture_rows("acled_current_fixture.csv"))
        query = server.requests("GET", "/api/acled/read")[-1].query
        assert query["timestamp"] == str(newest) and query["timestamp_where"] == ">="
        changed = {r["event_id_cnty"] for r in update if int(r["timestamp"]) > newest}
        assert len(changed) == 7
        current = _current(store)
        assert current["MLI31008"] == 14 and current["BFO12005"] == 15 and "MLI31018" in current
        versions = store.con.execute(
            "SELECT count(*) FROM event_versions v JOIN releases r USING (release_id) "
            "WHERE r.source = 'acled'"
        ).fetchone()
        assert versions == (41 + 7,)  # 41 first versions, 3 revisions, 4 new records
        assert pull_and_load() == []


def test_acled_refuses_bad_credentials(tmp_path):
    with ReplayServer() as server, _acled_store(tmp_path) as store:
        AcledReplay([]).install(server)
        settings = _source(
            tmp_path,
            server,
            kind="acled",
            base_url=server.url + "/api/acled/read",
            token_url=server.url + "/oauth/token",
        )
        env = {"ACLED_EMAIL": EMAIL, "ACLED_PASSWORD": "wrong"}
        with pytest.raises(AuthError, match="refused"):
            list(Acled(settings, context(store, tiny_client(), tmp_path / "w", env=env)).poll())
        with pytest.raises(ConfigError, match="ACLED_EMAIL"):
            list(Acled(settings, context(store, tiny_client(), tmp_path / "w")).poll())


# --- files ----------------------------------------------------------------------------------


def test_folder_takes_settled_new_files_once(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settled = inbox / "acled_export.csv"
    settled.write_bytes((DATA / "acled_pre2023_fixture.csv").read_bytes())
    old = time.time() - 60
    os.utime(settled, (old, old))
    (inbox / "copying.csv").write_text("event_id_cnty\n")  # modified just now
    (inbox / "other.csv.part").write_text("x")
    with Store(tmp_path / "s.duckdb") as store:
        settings = make_config(
            tmp_path,
            tmp_path / "x.duckdb",
            sources=[
                {
                    "name": "inbox",
                    "kind": "folder",
                    "path": str(inbox),
                    "settle": "30s",
                    "pattern": "*.csv*",
                }
            ],
        ).sources[0]
        ctx = context(store, tiny_client(), tmp_path / "work", source="inbox")
        (pull,) = list(Folder(settings, ctx).poll())
        assert pull.path == settled
        ingest(store, pull.path)
        ctx.state.update(pull.commit)
        assert list(Folder(settings, ctx).poll()) == []


def test_url_uses_conditional_requests(tmp_path):
    body = (DATA / "acled_current_fixture.csv").read_bytes()

    def serve(req):
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, body, {"ETag": '"v1"'})

    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        server.route("GET", r"/export.csv", serve)
        settings = _source(tmp_path, server, kind="url", url=server.url + "/export.csv")
        ctx = context(store, tiny_client(), tmp_path / "work")
        (pull,) = list(UrlFile(settings, ctx).poll())
        assert pull.path.read_bytes() == body and pull.path.name == "export.csv"
        ctx.state.update(pull.commit)
        assert list(UrlFile(settings, ctx).poll()) == []
        assert server.requests()[-1].headers["if-none-match"] == '"v1"'


# --- checks ---------------------------------------------------------------------------------


def _pull(path: Path, release: str | None = None, **kw) -> Pull:
    return Pull(source="t", path=path, release=release, **kw)


@pytest.fixture(scope="module")
def store_26_0_1(tmp_path_factory: pytest.TempPathFactory):
    """A store with the bundled releases up to 26.0.1 (not 26.0.2); the checks only read it."""
    with Store(tmp_path_factory.mktemp("checks") / "c.duckdb") as store:
        ingest(
            store, bundled_file("ucdp_candidate_2025_reduced_global.csv.gz"), release="25.01.25.12"
        )
        ingest(store, bundled_file("ucdp_candidate_26.0.1_events_global.csv.gz"))
        yield store


def _write_release(tmp_path: Path, keep, name="GEDEvent_v26_0_2.csv", extra: str | None = None):
    rows = [r for r in api_rows("26.0.2") if keep(r)]
    if extra:
        rows = [{**r, extra: "x"} for r in rows]
    rows_to_ged_csv(rows, tmp_path / name)
    return tmp_path / name


def test_checks_pass_the_real_release(store_26_0_1, tmp_path):
    settings = make_config(tmp_path, tmp_path / "x").checks
    path = _write_release(tmp_path, lambda r: True)
    reasons, prof = check_pull(store_26_0_1, _pull(path, "26.0.2"), settings, {})
    assert reasons == [] and prof is not None and prof.rows == 1298


def test_checks_hold_a_release_with_a_month_of_zeros(store_26_0_1, tmp_path):
    """Mali had 56 events in 2026-01 and 53 in 2025-12; a February release without Mali is
    suspicious (the store has 2025-12 from the reduced file, 2026-01 from 26.0.1)."""
    settings = make_config(tmp_path, tmp_path / "x").checks
    path = _write_release(tmp_path, lambda r: r["country_id"] != 432)
    reasons, _ = check_pull(store_26_0_1, _pull(path, "26.0.2"), settings, {})
    assert len(reasons) == 1 and "Mali" in reasons[0] and "2026-02" in reasons[0]


def test_checks_hold_a_shrunken_release_and_a_schema_change(store_26_0_1, tmp_path):
    settings = make_config(tmp_path, tmp_path / "x").checks
    small = _write_release(tmp_path, lambda r: r["id"] % 4 == 0)
    reasons, _ = check_pull(store_26_0_1, _pull(small, "26.0.2"), settings, {})
    assert any("smaller release" in r and "26.0.1" in r for r in reasons)
    wide = _write_release(tmp_path, lambda r: True, "GEDEvent_v26_0_2b.csv", extra="new_field")
    reasons, _ = check_pull(store_26_0_1, _pull(wide, "26.0.2"), settings, {})
    assert any("schema change" in r and "new_field" in r for r in reasons)
    reasons, _ = check_pull(
        store_26_0_1, _pull(wide, "26.0.2"), settings, {"columns": list(api_rows("26.0.2")[0])}
    )
    assert any("gained new_field" in r for r in reasons)


def test_checks_hold_unreadable_and_mostly_rejected_files(store_26_0_1, tmp_path):
    settings = make_config(tmp_path, tmp_path / "x").checks
    cut = tmp_path / "GEDEvent_v26_0_2.csv.gz"
    cut.write_bytes(bundled_file("ucdp_candidate_26.0.2_events_global.csv.gz").read_bytes()[:5000])
    reasons, prof = check_pull(store_26_0_1, _pull(cut, "26.0.2"), settings, {})
    assert prof is None and reasons[0].startswith("unreadable")
    bad = tmp_path / "bad.csv"
    bad.write_bytes((DATA / "acled_bad_rows_fixture.csv").read_bytes())
    reasons, _ = check_pull(store_26_0_1, _pull(bad, complete=False), settings, {})
    assert any("rejected rows: 7 of 17" in r for r in reasons)


# --- recordings -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CALLS))
def test_replays_answer_like_the_recordings(name):
    recorded = json.loads((HERE / name).read_text(encoding="utf-8"))
    assert replay(name) == recorded


def test_errors_are_sahelwatch_errors():
    import sahelwatch.errors as errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), SahelWatchError)
