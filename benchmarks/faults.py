"""Hostile sources against the watch service: each ends within its deadline with one line.

One watch cycle polls, at the same time, six sources served by local fault servers (issue 16)
and one healthy folder holding a real UCDP Candidate release:

==================  ==========================================================================
slow-stream         a 200 whose body comes one byte per second
endless-body        a download that never ends
endless-pages       UCDP API pages whose TotalPages is always two ahead of the page asked for
maintenance         a UCDP download index turned maintenance page (no links)
zip-bomb            a 2 MB zip that unpacks to 2 GB of CSV
huge-header         a CSV whose header line is 64 MB long
inbox               the real Candidate release 26.0.1 dropped in a folder
==================  ==========================================================================

Printed per source: the outcome, how long its poll took, its one-line message; then whether
anything but the healthy release reached the store, and the peak memory of the process.
Target: every faulty source ends within its deadline (30 s here) with one clear line, nothing
of it is loaded, and the healthy source is loaded without waiting for the others.

    nice -n 10 .venv/bin/python benchmarks/faults.py
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import socket
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# The raw fault server the tests use (tests/replay/raw.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from replay.raw import RawServer, endless_body

from sahelwatch.config import parse_config
from sahelwatch.store import Store, bundled_file
from sahelwatch.watch import Watch

DEADLINE_S = 30
CANDIDATE = "ucdp_candidate_26.0.1_events_global.csv.gz"


def _slow(conn: socket.socket, path: str) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
    while True:
        conn.sendall(b"x")
        time.sleep(1)


def _reply(conn: socket.socket, body: bytes, kind: str) -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
    conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)


def _pages(conn: socket.socket, path: str) -> None:
    page = int(path.rsplit("page=", 1)[1].split("&")[0]) if "page=" in path else 0
    rows = [{"id": page * 10 + i} for i in range(10)]
    document = {"TotalCount": (page + 3) * 10, "TotalPages": page + 3, "Result": rows}
    _reply(conn, json.dumps(document).encode(), "application/json")


def _maintenance(conn: socket.socket, path: str) -> None:
    body = b"<html><body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>"
    _reply(conn, body, "text/html")


def _files(folder: Path) -> tuple[Path, Path]:
    """The zip bomb and the huge-header CSV (served as files)."""
    bomb = folder / "GEDEvent_v26_0_8.csv.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("GEDEvent_v26_0_8.csv", "w", force_zip64=True) as member,
    ):
        member.write(b"id,year\n")
        block = b"0\n" * 2**19
        for _ in range(2048):
            member.write(block)
    huge = folder / "huge_header.csv"
    with huge.open("wb") as out:
        for _ in range(64):
            out.write(b"a" * 2**20)
        out.write(b"\n1\n")
    return bomb, huge


def _file_server(path: Path) -> RawServer:
    data = path.read_bytes()
    return RawServer(lambda conn, _: _reply(conn, data, "application/octet-stream"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=int, default=DEADLINE_S, help="seconds per source")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahelwatch-faults-") as tmp:
        folder = Path(tmp)
        bomb, huge = _files(folder)
        inbox = folder / "inbox"
        inbox.mkdir()
        shutil.copy(bundled_file(CANDIDATE), inbox / "GEDEvent_v26_0_1.csv.gz")
        servers = {
            "slow": RawServer(_slow),
            "endless": RawServer(endless_body),
            "pages": RawServer(_pages),
            "maintenance": RawServer(_maintenance),
            "bomb": _file_server(bomb),
            "huge": _file_server(huge),
        }
        every = {"deadline": args.deadline}
        sources = [
            {"name": "slow-stream", "kind": "url", "url": servers["slow"].url + "/a.csv"},
            {"name": "endless-body", "kind": "url", "url": servers["endless"].url + "/b.csv"},
            {
                "name": "endless-pages",
                "kind": "ucdp_api",
                "base_url": servers["pages"].url + "/api/gedevents",
                "versions": ["26.0.1"],
                "pagesize": 10,
                "token_env": None,
            },
            {
                "name": "maintenance",
                "kind": "ucdp_bulk",
                "index_url": servers["maintenance"].url + "/downloads/",
            },
            {"name": "zip-bomb", "kind": "url", "url": servers["bomb"].url + "/" + bomb.name},
            {"name": "huge-header", "kind": "url", "url": servers["huge"].url + "/" + huge.name},
            {"name": "inbox", "kind": "folder", "path": str(inbox), "settle": 0},
        ]
        config = parse_config(
            {
                "store": str(folder / "store.duckdb"),
                "watch": {"state_dir": str(folder / "state")},
                "http": {"timeout": 10, "attempts": 2, "backoff": 0.5, "max_download_bytes": 2**27},
                "sources": [{**s, **every} for s in sources],
            },
            base=folder,
        )
        started = time.perf_counter()
        report = Watch(config, env={}).cycle()
        took = time.perf_counter() - started
        with Store(config.store, read_only=True) as store:
            runs = store.con.execute(
                "SELECT source, outcome, epoch(finished_at - started_at), message "
                "FROM connector_runs ORDER BY run_id"
            ).fetchall()
            loaded = store.con.execute(
                "SELECT DISTINCT r.source, r.release FROM ingest_log JOIN releases r "
                "USING (release_id)"
            ).fetchall()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"one watch cycle, 7 sources polled at once, deadline {args.deadline} s each\n")
    print(f"{'source':14} {'outcome':12} {'seconds':>8}  message")
    for source, outcome, seconds, message in runs:
        line = (message or "").splitlines()[0] if message else ""
        print(f"{source:14} {outcome:12} {seconds:8.1f}  {line}")
    held = ", ".join(f"{h.source} ({'; '.join(h.reasons)[:60]})" for h in report.held)
    print(f"\nheld back (not loaded): {held or 'none'}")
    print(f"loaded: {', '.join(f'{s} {r}' for s, r in loaded) or 'nothing'}")
    print(f"alerts: {', '.join(a.title for a in report.alerts) or 'none'}")
    print(f"cycle: {took:.1f} s; process peak memory {peak:,.0f} MiB")
    faulty = [r for r in runs if r[0] != "inbox"]
    met = (
        all(
            seconds <= args.deadline + 5 and outcome != "loaded"
            for _, outcome, seconds, _ in faulty
        )
        and loaded == [("ucdp_candidate", "26.0.1")]
        and len(faulty) == 6
    )
    print(
        f"target (every fault ends within its deadline, only the healthy release loaded): "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
