"""Hostile input and slow sources never exhaust the machine (issue 16): every limit as a fault
against a loopback server or a crafted file, each ending with one sentence and nothing loaded.

The bombs are small (tens of MB unpacked, a few KB packed) and the deadlines a second or two,
so that every test is bounded in time and memory; the settings scale the same checks up.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import logging
import socket
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook
from replay.helpers import context, make_config, tiny_client
from replay.raw import RawServer, endless_body
from replay.server import ReplayServer, Reply
from replay.ucdp import TOKEN, UcdpApiReplay, api_rows, release_csv

from sahelwatch.alerts import list_alerts
from sahelwatch.config import LimitSettings
from sahelwatch.connectors import ConfigError, ResponseError
from sahelwatch.connectors.ucdp import UcdpApi, UcdpBulk
from sahelwatch.errors import DeadlineExceeded, InputError, SourceChanged
from sahelwatch.formats import unpack
from sahelwatch.formats.reader import load_raw
from sahelwatch.ingest import ingest
from sahelwatch.store import Store
from sahelwatch.watch import Watch

ROOT = Path(__file__).parents[2]
GED_HEADER = release_csv("26.0.1").split(b"\n", 1)[0] + b"\n"
ZEROS = 20 * 2**20  # unpacked size of the bombs: 20 MiB of zeros pack to about 20 KB


def _zeros(lines: bool) -> bytes:
    return b"0\n" * (ZEROS // 2) if lines else b"0" * ZEROS


def _zip_bomb(path: Path, member: str = "GEDEvent_v26_0_9.csv") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, GED_HEADER + _zeros(lines=True))
    return path


def _store_rows(store: Store) -> int:
    row = store.con.execute("SELECT count(*) FROM ingest_log").fetchone()
    return int(row[0]) if row else 0


# --- files -------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    bomb = _zip_bomb(tmp_path / "GEDEvent_v26_0_9.csv.zip")
    assert bomb.stat().st_size < ZEROS / 100  # a real bomb: over 100 times smaller
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match=r"unpacks to more than 100 times.*zip bomb"):
            ingest(store, bomb)
        assert _store_rows(store) == 0
    assert [p for p in scratch.rglob("*") if p.is_file()] == []  # nothing written


def test_a_zip_member_is_unpacked_as_a_stream_that_stops_at_the_limit(tmp_path):
    """A member within the ratio but over the byte limit stops at the limit, leaving nothing."""
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:  # ratio 1: only bytes count
        out.writestr("big.csv", GED_HEADER + b"1\n" * 2**20)
    limits = LimitSettings(max_unpacked_bytes=2**20)
    with (
        zipfile.ZipFile(archive) as opened,
        unpack.using(limits),
        pytest.raises(InputError, match="more than 1,048,576 bytes"),
    ):
        unpack.extract_member(opened, "big.csv", tmp_path, "big.zip")
    assert not (tmp_path / "big.csv").exists()


def test_a_gzip_bomb_stops_while_it_streams(tmp_path):
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(GED_HEADER + _zeros(lines=True), compresslevel=9))
    con = duckdb.connect()
    with pytest.raises(InputError, match="compressed file unpacks to more than 100 times"):
        load_raw(con, bomb, "raw")
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)


def test_an_excel_workbook_bomb_is_refused_from_its_declared_sizes(tmp_path):
    book = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", _zeros(lines=False))
    with pytest.raises(InputError, match=r"xl/worksheets/sheet1\.xml unpacks to more than"):
        load_raw(duckdb.connect(), book, "raw")


def test_a_huge_header_line_fails_fast_with_a_sentence(tmp_path):
    """A header line longer than the limit is refused after reading about the limit (the issue's
    1 GB header used 5.3 GB of memory and ended in 'an unexpected error')."""
    path = tmp_path / "huge_header.csv"
    with path.open("wb") as out:
        for _ in range(16):
            out.write(b"a" * 2**20)
        out.write(b"\n1\n")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match=r"huge_header.csv: the header \(line 1\) is longer"):
            ingest(store, path)
        assert _store_rows(store) == 0


def test_a_long_body_line_is_reported_at_its_line_number(tmp_path):
    rows = release_csv("26.0.1").split(b"\n")[:11]  # the header and ten records: lines 1-11
    path = tmp_path / "GEDEvent_v26_0_9.csv"
    path.write_bytes(b"\n".join([*rows, b"9" * (3 * 2**20), b""]))
    with (
        Store(tmp_path / "s.duckdb") as store,
        pytest.raises(InputError, match=r"line 12 is longer than 1,048,576 bytes"),
    ):
        ingest(store, path)
    with (
        unpack.using(LimitSettings(max_line_bytes=4 * 2**20)),
        pytest.raises(InputError) as caught,  # within the limit: DuckDB's own verdict
    ):
        load_raw(duckdb.connect(), path, "raw")
    assert "longer than" not in str(caught.value)


def _workbook(path: Path, formula: bool) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "best", "high", "side_a"])
    sheet.append([1, 3, 5, "Government of Mali"])
    sheet.append([2, "=B2*2" if formula else 6, 7, "JNIM"])
    book.save(path)
    return path


def test_formula_cells_without_saved_values_are_refused(tmp_path):
    """openpyxl writes formulas without computing them: their values would load as empty."""
    con = duckdb.connect()
    plain = _workbook(tmp_path / "plain.xlsx", formula=False)
    assert load_raw(con, plain, "plain") == 2
    assert con.execute("SELECT best FROM plain ORDER BY id").fetchall() == [("3",), ("6",)]
    book = _workbook(tmp_path / "formulas.xlsx", formula=True)
    with pytest.raises(
        InputError, match=r"1 formula cell\(s\) have no saved result.*'best', row 3"
    ):
        load_raw(con, book, "formulas")


# --- HTTP: trickling and endless replies from a raw server (the replay server cannot) ------------


def trickle_body(conn: socket.socket, path: str) -> None:
    """A 200 that promises a large body and sends one byte every 0.05 s."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(100000):
        conn.sendall(b"x")
        time.sleep(0.05)


def trickle_headers(conn: socket.socket, path: str) -> None:
    """A status line, then headers one byte every 0.05 s, never finished."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(100000):
        conn.sendall(b"X")
        time.sleep(0.05)


@pytest.mark.parametrize("speak", [trickle_body, trickle_headers], ids=["body", "headers"])
def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(speak):
    """The per-read timeout (5 s) never fires, as a byte comes every 0.05 s; the total
    deadline (1 s) does, whether the trickle is in the headers or the body."""
    with RawServer(speak) as server:
        client = tiny_client(timeout=5.0, deadline=1.0)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="no complete answer before the deadline"):
            client.request("GET", server.url + "/index.html", what="slow index")
        assert time.monotonic() - started < 4.0  # it would take 5000 s without the deadline


def test_an_enclosing_deadline_bounds_every_request_inside():
    with RawServer(trickle_body) as server:
        client = tiny_client(timeout=5.0, deadline=600.0)
        with client.deadline(1.0), pytest.raises(DeadlineExceeded):
            client.request("GET", server.url + "/x")


def test_an_endless_download_is_stopped_at_its_limit_and_removed(tmp_path):
    with RawServer(endless_body) as server:
        client = tiny_client(max_download_bytes=2**20)
        dest = tmp_path / "downloads" / "GEDEvent_v26_0_9.csv"
        with pytest.raises(ResponseError, match=r"larger than 1,048,576 bytes.*max_download_bytes"):
            client.download(server.url + "/GEDEvent_v26_0_9.csv", dest)
        assert list(dest.parent.iterdir()) == []


def test_an_endless_reply_is_not_read_into_memory():
    with RawServer(endless_body) as server:
        client = tiny_client(max_response_bytes=2**20)
        with pytest.raises(ResponseError, match="max_response_bytes"):
            client.get_json(server.url + "/api/gedevents/26.0.1")


# --- pages --------------------------------------------------------------------------------------


def _api_source(tmp_path: Path, server: ReplayServer, **settings: object):
    config = make_config(
        tmp_path,
        tmp_path / "unused.duckdb",
        sources=[
            {
                "name": "ucdp-api",
                "kind": "ucdp_api",
                "versions": ["26.0.1"],
                "base_url": server.url + "/api/gedevents",
                **settings,
            }
        ],
    )
    return config.sources[0]


def test_a_page_list_that_keeps_growing_is_not_followed(tmp_path):
    """TotalPages always two ahead of the page asked for (the issue's server, followed for
    1,880 pages) contradicts TotalCount: the pull ends, nothing is handed over."""
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        api = UcdpApiReplay({"26.0.1": api_rows("26.0.1")})

        def growing(req):
            page = json.loads(api.handle(req).body)
            page["TotalPages"] = int(req.query["page"]) + 3
            return Reply.json(page)

        server.route("GET", r"/api/gedevents/26\.0\.1", growing)
        settings = _api_source(tmp_path, server, pagesize=100)
        ctx = context(store, tiny_client(), tmp_path / "work", env={"UCDP_API_TOKEN": TOKEN})
        with pytest.raises(ResponseError, match="says TotalPages 3, but TotalCount"):
            list(UcdpApi(settings, ctx).poll())
        assert len(server.requests()) <= 4  # one page, its retries


def test_a_pull_asks_for_at_most_max_pages(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        UcdpApiReplay({"26.0.1": api_rows("26.0.1")}).install(server)
        settings = _api_source(tmp_path, server, pagesize=100, max_pages=3)
        ctx = context(store, tiny_client(), tmp_path / "work", env={"UCDP_API_TOKEN": TOKEN})
        with pytest.raises(ResponseError, match=r"still has pages after 3 \(setting max_pages\)"):
            list(UcdpApi(settings, ctx).poll())
        assert len(server.requests()) == 3


MAINTENANCE = b"<html><body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>"


def test_a_download_index_turned_maintenance_page_is_a_source_change(tmp_path):
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        server.route("GET", r"/downloads/index.html", lambda req: Reply(200, MAINTENANCE))
        config = make_config(
            tmp_path,
            tmp_path / "unused.duckdb",
            sources=[
                {
                    "name": "ucdp-bulk",
                    "kind": "ucdp_bulk",
                    "index_url": server.url + "/downloads/index.html",
                }
            ],
        )
        ctx = context(store, tiny_client(), tmp_path / "work")
        with pytest.raises(SourceChanged, match=r"'Down for maintenance Back soon\.'"):
            list(UcdpBulk(config.sources[0], ctx).poll())


# --- the watch: sources polled independently ----------------------------------------------------


def test_a_stuck_source_delays_no_other_and_a_changed_page_raises_an_alert(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = inbox / "acled_export.csv"
    export.write_bytes((ROOT / "tests" / "data" / "acled_current_fixture.csv").read_bytes())
    with RawServer(trickle_body) as slow, ReplayServer() as server:
        server.route("GET", r"/downloads/index.html", lambda req: Reply(200, MAINTENANCE))
        config = make_config(
            tmp_path,
            tmp_path / "store.duckdb",
            sources=[
                {"name": "stuck", "kind": "url", "url": slow.url + "/x.csv", "deadline": 2},
                {
                    "name": "ucdp-bulk",
                    "kind": "ucdp_bulk",
                    "index_url": server.url + "/downloads/index.html",
                },
                {"name": "inbox", "kind": "folder", "path": str(inbox), "settle": 0},
            ],
            http={"timeout": 5},
        )
        report = Watch(config, env={}).cycle()
    assert [s for s, _ in report.loaded] == ["inbox"]
    assert "deadline" in report.failed["stuck"] and "maintenance" in report.failed["ucdp-bulk"]
    assert [a.rule for a in report.alerts] == ["data-quality"]
    with Store(config.store) as store:
        runs = {
            source: (started, finished)
            for source, started, finished in store.con.execute(
                "SELECT source, started_at, finished_at FROM connector_runs"
            ).fetchall()
        }
        # The folder, after the stuck source in the configuration, did not wait for it.
        assert runs["inbox"][0] < runs["stuck"][1]
        assert [a.rule for a in list_alerts(store)] == ["data-quality"]
        again = Watch(config, env={}).cycle(force=True)  # the same page: no second alert
        assert again.alerts == []


def test_limit_settings_are_checked(tmp_path):
    config = make_config(tmp_path, tmp_path / "s.duckdb", limits={"max_line_bytes": 4096})
    assert config.limits.max_line_bytes == 4096
    ratio = r"\[limits\] 'max_compression_ratio': must be at least 1\.$"
    with pytest.raises(ConfigError, match=ratio):
        make_config(tmp_path, tmp_path / "s.duckdb", limits={"max_compression_ratio": 0.5})
    pages = r"\[\[sources\]\] #1 \(f\) 'max_pages': must be at least 1\.$"
    with pytest.raises(ConfigError, match=pages):
        make_config(
            tmp_path,
            tmp_path / "s.duckdb",
            sources=[{"name": "f", "kind": "folder", "path": "in", "max_pages": 0}],
        )


# --- the web app --------------------------------------------------------------------------------


def test_unknown_parameters_do_not_bypass_the_response_cache():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from sahelwatch.web.cache import ResponseCache, route_params

    calls: list[str] = []
    app = FastAPI()

    @app.get("/api/thing")
    def thing(level: str = "country") -> dict[str, str]:
        calls.append(level)
        return {"level": level}

    app.add_middleware(ResponseCache, generation=lambda: "g", params=route_params(app))
    with TestClient(app) as client:
        for query in ("level=admin1", "level=admin1&zz=1", "zz=2&level=admin1", "level=admin2"):
            assert client.get(f"/api/thing?{query}").status_code == 200
    assert calls == ["admin1", "admin2"]


def _slow_app(seconds: float) -> Callable[..., object]:
    async def app(scope, receive, send):
        await asyncio.sleep(seconds)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    return app


def test_expensive_requests_queue_then_are_refused_with_retry_after():
    from sahelwatch.web.throttle import Throttle

    throttle = Throttle(
        _slow_app(0.3),
        guards={"/api/briefs"}.__contains__,
        slots=1,
        queue=1,
        wait_s=10,
        retry_after=7,
    )

    async def one() -> tuple[int, dict[bytes, bytes]]:
        sent: list[dict] = []

        async def receive():
            await asyncio.sleep(10)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        first = {"type": "http.request", "body": b"", "more_body": False}
        pending = [first]

        async def receive_first():
            return pending.pop() if pending else await receive()

        scope = {"type": "http", "path": "/api/briefs", "method": "GET"}
        await throttle(scope, receive_first, send)
        return sent[0]["status"], dict(sent[0]["headers"])

    async def burst():
        return await asyncio.gather(*(one() for _ in range(4)))

    answers = asyncio.run(burst())
    assert sorted(status for status, _ in answers) == [200, 200, 503, 503]
    assert all(h[b"retry-after"] == b"7" for status, h in answers if status == 503)
    assert throttle.refused == 2


def test_a_client_that_leaves_stops_the_store_work():
    from sahelwatch.web.deps import CANCEL_KEY
    from sahelwatch.web.throttle import Throttle

    outcome: list[str] = []
    con = duckdb.connect()

    async def app(scope, receive, send):
        scope[CANCEL_KEY].register(con)
        query = "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3"
        try:
            await asyncio.to_thread(lambda: con.execute(query).fetchall())
        except duckdb.InterruptException:
            outcome.append("interrupted")
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    throttle = Throttle(
        app, guards="/api/forecasts".__eq__, slots=1, queue=0, wait_s=1, retry_after=1
    )
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(0.3)  # the client leaves
        return {"type": "http.disconnect"}

    async def send(message):
        pass

    scope = {"type": "http", "path": "/api/forecasts", "method": "GET"}
    asyncio.run(asyncio.wait_for(throttle(scope, receive, send), 60))
    assert outcome == ["interrupted"]


def test_keys_in_the_query_string_never_reach_the_access_log():
    from sahelwatch.web.app import RedactQuery

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/events?api_key=s3cret&country=MLI&X-API-Key=k", "1.1", 200),
        None,
    )
    assert RedactQuery().filter(record)
    line = record.getMessage()
    assert "s3cret" not in line and "=k" not in line and "country=MLI" in line


def test_an_uploaded_bomb_is_refused_with_a_sentence_and_no_server_path(tmp_path):
    from fastapi.testclient import TestClient

    from sahelwatch.web import create_app

    with Store(tmp_path / "s.duckdb"):
        pass
    key = "k" * 20
    app = create_app(tmp_path / "s.duckdb", api_keys=[key], read_env=False)
    bomb = _zip_bomb(tmp_path / "GEDEvent_v26_0_9.csv.zip")
    with TestClient(app, raise_server_exceptions=False) as client:
        reply = client.post(
            "/api/ingest",
            headers={"X-API-Key": key},
            files={"file": (bomb.name, io.BytesIO(bomb.read_bytes()), "application/zip")},
        )
    assert reply.status_code == 400
    message = reply.json()["error"]
    assert message.startswith("GEDEvent_v26_0_9.csv.zip: the member") and "zip bomb" in message
    assert str(tmp_path) not in message and "/tmp" not in message


def test_error_messages_lose_their_folders():
    from sahelwatch.web.routes_store import without_paths

    store = Path("/srv/sahelwatch/store.duckdb")
    message = f"the store {store} is in use by another process."
    assert without_paths(message, store) == "the store store.duckdb is in use by another process."
    text = "/tmp/sahelwatch-upload-x1/a.csv: no such file."
    assert without_paths(text) == "a.csv: no such file."
