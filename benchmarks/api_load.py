"""Load test of the web API with wrk: requests/s, p50 and p99 latency and errors per endpoint.

The server runs in its own process on loopback (uvicorn, one worker, as ``sahelwatch serve``
runs it) over a store built from the bundled real data. Each endpoint is first requested once
(the cold time: computing the answer), then hammered by wrk with 50 connections for a bounded
duration, asking for gzip as browsers and HTTP clients do. ``/api/health`` (no store access,
no cache) runs alongside as the baseline: the ratio column is each endpoint's throughput
relative to it.

Target: no errors and p99 below 100 ms for the main endpoints at 50 connections.

    .venv/bin/python benchmarks/api_load.py                   # needs wrk (Debian: apt install wrk)
    .venv/bin/python benchmarks/api_load.py --duration 5 --db store.duckdb --check
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("baseline: health", "/api/health"),
    ("events, page of 500 (Sahel)", "/api/events?country=MLI,BFA,NER,MRT,SEN,CIV&limit=500"),
    ("events, 500 as GeoJSON", "/api/events?country=MLI,BFA,NER&limit=500&format=geojson"),
    ("indicator series, Mali", "/api/indicators/series?level=country&country=MLI"),
    ("indicator series, Mali admin-1", "/api/indicators/series?level=admin1&country=MLI"),
    ("boundaries admin-1", "/api/boundaries/admin1"),
)
MAIN = ("events, page of 500 (Sahel)", "indicator series, Mali")
TARGET_P99_MS = 100.0


@dataclass
class Result:
    name: str
    cold_ms: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"cannot read the latency '{text}'")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """Requests/s, p50 and p99 (ms), errors and requests from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(g) for g in sockets.groups())
    return rps, p50, p99, errors, requests


def build_store(folder: Path) -> Path:
    from sahelwatch.bundled import ingest_bundled
    from sahelwatch.store import Store

    path = folder / "bench.duckdb"
    with Store(path) as store:
        ingest_bundled(store)
    return path


def start_server(db: Path, port: int, cache: bool) -> subprocess.Popen[bytes]:
    code = (
        "from sahelwatch.web import serve; "
        f"serve({str(db)!r}, port={port}, log_level='warning', access_log=False, "
        f"cache_bytes={256 * 2**20 if cache else 0})"
    )
    env = {**os.environ, "SAHELWATCH_API_KEYS": ""}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not answer within 60 s")


def cold(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
    return (time.perf_counter() - start) * 1000


def run_wrk(url: str, connections: int, duration: int, threads: int, gzip: bool) -> str:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s"]  # fmt: skip
    if gzip:
        cmd += ["-H", "Accept-Encoding: gzip"]
    cmd.append(url)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store to serve (default: build the bundled one)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    parser.add_argument(
        "--identity", action="store_true", help="do not ask for gzip (uncompressed bodies)"
    )
    parser.add_argument("--no-cache", action="store_true", help="serve without the response cache")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sahelwatch-load-") as folder:
        db = args.db or build_store(Path(folder))
        port = _free_port()
        server = start_server(db, port, cache=not args.no_cache)
        try:
            results = []
            for name, path in ENDPOINTS:
                url = f"http://127.0.0.1:{port}{path}"
                cold_ms = cold(url)
                out = run_wrk(
                    url, args.connections, args.duration, args.threads, gzip=not args.identity
                )
                rps, p50, p99, errors, requests = parse_wrk(out)
                results.append(Result(name, cold_ms, rps, p50, p99, errors, requests))
        finally:
            server.terminate()
            server.wait(timeout=10)
    base = results[0].rps
    print(
        f"wrk: {args.connections} connections, {args.duration} s per endpoint, "
        f"{os.cpu_count()} CPUs; one uvicorn worker on loopback; "
        f"{'identity' if args.identity else 'gzip'} bodies; response cache "
        f"{'off' if args.no_cache else 'on'}\n"
    )
    header = f"{'endpoint':34} {'cold ms':>8} {'req/s':>9} {'ratio':>6} {'p50 ms':>7} "
    header += f"{'p99 ms':>7} {'errors':>7} {'requests':>9}"
    print(header)
    for r in results:
        print(
            f"{r.name:34} {r.cold_ms:8.1f} {r.rps:9.0f} {r.rps / base:6.2f} {r.p50_ms:7.1f} "
            f"{r.p99_ms:7.1f} {r.errors:7d} {r.requests:9d}"
        )
    missed = [r for r in results if r.name in MAIN and (r.errors or r.p99_ms >= TARGET_P99_MS)]
    verdict = "met" if not missed else "MISSED by " + ", ".join(r.name for r in missed)
    print(f"\ntarget (main endpoints: no errors, p99 < {TARGET_P99_MS:.0f} ms): {verdict}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
