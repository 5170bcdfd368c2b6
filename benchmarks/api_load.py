"""Load test of the web API: hostile load with unique query strings, then wrk throughput.

The server runs in its own process on loopback (uvicorn, one worker, as ``sahelwatch serve``
runs it) over a store with forecasts (``--db``; by default one is built with ``sahelwatch run
--no-serve``: the bundled data, a model and a benchmark forecast, a few minutes).

1. **Hostile load** (issue 16): 50 connections for ``--duration`` seconds per family ask for
   events, indicators, forecasts with their benchmarks and briefs (HTML and PDF), every request
   with a query string never sent before: a junk parameter (``&b=<random>``, which must not
   bypass the response cache) and a varying real one (an offset, a month, a target) that makes
   the server compute. Printed per family: requests, answers, refusals, server errors, p50/p99
   latency; and the server's peak memory (resident set, sampled every 0.1 s).
   Targets: 0 server errors; every refused request a 429 or 503 with ``Retry-After``; server
   memory under 2 GB.
2. **Throughput** (needs wrk): each cacheable endpoint hammered at 50 connections, with
   ``/api/health`` as the baseline. Target: no errors and p99 below 100 ms for the main
   endpoints.

    nice -n 10 .venv/bin/python benchmarks/api_load.py --db store.duckdb --duration 20
    .venv/bin/python benchmarks/api_load.py --db store.duckdb --check     # exit 1 on a miss
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
MAX_SERVER_BYTES = 2 * 2**30
MONTHS = [f"{y}-{m:02d}" for y in range(2018, 2026) for m in range(1, 13)]
COUNTRIES = ("MLI", "BFA", "NER", "MRT", "TCD", "NGA", "SEN", "CIV")


def _junk() -> str:
    return f"b={random.getrandbits(64):x}"


def _events() -> str:
    return f"/api/events?country=MLI,BFA,NER&limit=200&offset={random.randrange(0, 20000)}"


def _indicators() -> str:
    level = random.choice(("country", "admin1", "admin2"))
    return f"/api/indicators?country={random.choice(COUNTRIES[:3])}&level={level}&month=" + (
        random.choice(MONTHS)
    )


def _forecasts() -> str:
    months = "&".join(f"month=2026-{m:02d}" for m in random.sample(range(3, 13), 3))
    target = random.choice(("sb", "ns", "os", "total"))
    return f"/api/forecasts?benchmarks=true&target={target}&{months}"


def _briefs() -> str:
    fmt = random.choice(("html", "pdf"))
    month = random.choice(MONTHS[-24:])
    return f"/api/briefs?country={random.choice(COUNTRIES[:3])}&month={month}&format={fmt}"


HOSTILE: tuple[tuple[str, Any], ...] = (
    ("events (offsets)", _events),
    ("indicators (months, levels)", _indicators),
    ("forecasts with benchmarks", _forecasts),
    ("briefs (HTML and PDF)", _briefs),
)


@dataclass
class Hostile:
    name: str
    statuses: dict[int, int] = field(default_factory=dict)
    refused: int = 0
    refused_without_retry_after: int = 0
    failures: int = 0  # no answer at all (connection errors, client timeouts)
    latencies: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.failures

    @property
    def server_errors(self) -> int:
        """5xx answers other than refusals with Retry-After, and requests with no answer."""
        errors = sum(n for s, n in self.statuses.items() if s >= 500 and s != 503)
        return errors + self.refused_without_retry_after + self.failures

    def ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def _hammer(base: str, make: Any, result: Hostile, connections: int, seconds: float) -> None:
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while time.monotonic() < stop:
                url = make()
                url += ("&" if "?" in url else "?") + _junk()
                started = time.perf_counter()
                try:
                    reply = await client.get(url, headers={"Accept-Encoding": "gzip"})
                except httpx.HTTPError:
                    result.failures += 1
                    continue
                result.latencies.append(time.perf_counter() - started)
                result.statuses[reply.status_code] = result.statuses.get(reply.status_code, 0) + 1
                if reply.status_code in (429, 503):
                    result.refused += 1
                    if not reply.headers.get("Retry-After"):
                        result.refused_without_retry_after += 1

        await asyncio.gather(*(worker() for _ in range(connections)))


def _rss_sampler(pid: int, peak: list[int], done: Any) -> None:
    import psutil

    process = psutil.Process(pid)
    while not done.is_set():
        try:
            rss = process.memory_info().rss + sum(
                c.memory_info().rss for c in process.children(recursive=True)
            )
        except psutil.Error:
            return
        peak[0] = max(peak[0], rss)
        done.wait(0.1)


def hostile_load(
    port: int, pid: int, connections: int, seconds: float
) -> tuple[list[Hostile], int]:
    """Each family under hostile load in turn; the results and the server's peak RSS."""
    import threading

    peak = [0]
    done = threading.Event()
    sampler = threading.Thread(target=_rss_sampler, args=(pid, peak, done), daemon=True)
    sampler.start()
    results = []
    try:
        for name, make in HOSTILE:
            result = Hostile(name)
            asyncio.run(_hammer(f"http://127.0.0.1:{port}", make, result, connections, seconds))
            results.append(result)
    finally:
        done.set()
        sampler.join()
    return results, peak[0]


def print_hostile(results: list[Hostile], peak: int, connections: int, seconds: float) -> bool:
    print(
        f"hostile load: {connections} connections, {seconds:.0f} s per family, every query "
        f"string unique; {os.cpu_count()} CPUs, one uvicorn worker on loopback\n"
    )
    print(
        f"{'family':30} {'requests':>8} {'200':>6} {'refused':>7} {'other 4xx':>9} "
        f"{'server err':>10} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in results:
        other = sum(n for s, n in r.statuses.items() if 400 <= s < 500 and s != 429)
        print(
            f"{r.name:30} {r.requests:8d} {r.statuses.get(200, 0):6d} {r.refused:7d} "
            f"{other:9d} {r.server_errors:10d} {r.ms(0.5):8.0f} {r.ms(0.99):8.0f}"
        )
    for r in results:
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(r.statuses.items()))
        print(f"  {r.name}: answers {answers or 'none'}; no answer {r.failures}")
    errors = sum(r.server_errors for r in results)
    bare = sum(r.refused_without_retry_after for r in results)
    print(f"\nserver peak memory (RSS): {peak / 2**20:,.0f} MiB")
    met = errors == 0 and bare == 0 and peak < MAX_SERVER_BYTES
    print(
        f"target (0 server errors, every refusal with Retry-After, memory < 2 GB): "
        f"{'met' if met else 'MISSED'} ({errors} server errors, {bare} refusals without "
        f"Retry-After, {peak / 2**30:.2f} GB)\n"
    )
    return met


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
    """The bundled data with a model and a benchmark forecast (``sahelwatch run``)."""
    path = folder / "bench.duckdb"
    command = [str(Path(sys.executable).with_name("sahelwatch")), "run", "--no-serve", "--db"]
    command.append(str(path))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
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


def throughput(port: int, args: argparse.Namespace) -> bool:
    """The wrk phase: each cacheable endpoint at full speed."""
    results = []
    for name, path in ENDPOINTS:
        url = f"http://127.0.0.1:{port}{path}"
        cold_ms = cold(url)
        out = run_wrk(url, args.connections, args.duration, args.threads, gzip=not args.identity)
        rps, p50, p99, errors, requests = parse_wrk(out)
        results.append(Result(name, cold_ms, rps, p50, p99, errors, requests))
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
    return not missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store with forecasts (default: build one)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per family/endpoint")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--identity", action="store_true", help="do not ask for gzip (uncompressed bodies)"
    )
    parser.add_argument("--no-cache", action="store_true", help="serve without the response cache")
    parser.add_argument("--no-wrk", action="store_true", help="only the hostile load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sahelwatch-load-") as folder:
        db = args.db or build_store(Path(folder))
        port = _free_port()
        server = start_server(db, port, cache=not args.no_cache)
        try:
            results, peak = hostile_load(port, server.pid, args.connections, args.duration)
            met = print_hostile(results, peak, args.connections, args.duration)
            if args.no_wrk:
                pass
            elif shutil.which("wrk") is None:
                print("wrk is not installed (Debian/Ubuntu: apt-get install wrk): no throughput")
            else:
                met = throughput(port, args) and met
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
