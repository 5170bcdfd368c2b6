"""Readers while a full forecast runs, and what compaction gives back after a killed ingest.

``readers`` (the default): over a store built from the bundled real data (then ``sahelwatch
store derive``, as the main job does: the indicator series the dashboard opens on are kept), the
dashboard server (``sahelwatch serve``) answers reads from ``--clients`` threads while
``sahelwatch forecast --save`` runs in another process (every country, 36 months, 1,000 draws:
minutes, then about 27 million samples kept beside the store). Every ``--every`` seconds
``sahelwatch status`` and ``sahelwatch alerts --check`` run as other processes and a
notebook-style ``Store(read_only=True)`` opens the store. Reads vary their parameters
(country, page size, month), so most miss the response cache.
Prints per-request latency (p50, p95, p99, max) overall and per endpoint, errors, how the other
commands fared, how long writers held the store file (probed every 0.2 s) and the load average
(sampled every second). ``--idle SECONDS`` first measures the same reads for that long without
a forecast (a baseline on a machine that others load).

Target: p99 below 500 ms and no error (HTTP status other than 200, or no answer) while the
forecast runs; every ``status``, ``alerts --check`` and read-only open succeeds.

``compaction``: builds a store from the bundled data, writes a SYNTHETIC GED-layout file, kills
``sahelwatch ingest`` of it with SIGKILL once it has written for ``--kill-after`` seconds, and
prints the store's size before, after the kill and after ``sahelwatch store compact``, and the
compaction's time.

    nice -n 10 .venv/bin/python benchmarks/concurrency.py [--horizons 36 --draws 1000]
    nice -n 10 .venv/bin/python benchmarks/concurrency.py compaction [--events 200000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TARGET_P99_MS = 500.0
CLI = [sys.executable, "-c", "from sahelwatch.cli import main; main()"]
# The Sahel countries the dashboard follows (gazetteer.SAHEL): their indicator series are kept
# after an ingest; any other country costs one computation (seconds) per state of the data.
COUNTRIES = ("MLI", "BFA", "NER", "MRT", "DZA", "SEN", "GIN", "CIV")
SAHEL3 = ("MLI", "BFA", "NER")  # admin-1 boundaries are bundled for these


def _reads(rng: random.Random) -> str:
    """One read of the kinds the dashboard makes, with varied parameters."""
    country = rng.choice(COUNTRIES)
    month = f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}"
    return rng.choice(
        (
            f"/api/events?country={country}&limit={rng.randint(20, 500)}",
            f"/api/indicators/series?level=country&country={country}",
            f"/api/indicators?country={rng.choice(SAHEL3)}&level=admin1&month={month}",
            f"/api/coverage?country={country}",
            "/api/status",
            f"/api/alerts?limit={rng.randint(5, 50)}",
            "/api/forecasts/runs",
            "/api/meta",
        )
    )


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_route: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, error: str | None, path: str) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.by_route.setdefault(path.split("?")[0], []).append(ms)
            if error:
                self.errors.append(error)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _client(base: str, tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as http:
        while not stop.is_set():
            path = _reads(rng)
            started = time.perf_counter()
            try:
                code = http.get(path).status_code
                error = None if code == 200 else f"HTTP {code} {path}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__} {path}"
            tally.add((time.perf_counter() - started) * 1000, error, path)


def _probe_writers(db: Path, stop: threading.Event, spans: list[float]) -> None:
    """Record how long writers hold the store file: a read-only open of the file itself (not a
    snapshot) fails while a writer has it; each run of failures is one hold."""
    import duckdb

    held_since: float | None = None
    while not stop.is_set():
        now = time.perf_counter()
        try:
            duckdb.connect(str(db), read_only=True).close()
        except duckdb.Error:
            held_since = held_since or now
        else:
            if held_since is not None:
                spans.append(now - held_since)
            held_since = None
        time.sleep(0.2)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _sample_load(stop: threading.Event, seen: list[float]) -> None:
    while not stop.wait(1.0):
        seen.append(os.getloadavg()[0])


def _latencies(tally: Tally, label: str) -> None:
    lat = tally.latencies
    print(f"\n{label}: {len(lat)} requests, {len(tally.errors)} errors")
    if lat:
        print(
            f"  latency ms: p50 {_pct(lat, 0.5):.0f}  p95 {_pct(lat, 0.95):.0f}  "
            f"p99 {_pct(lat, 0.99):.0f}  max {max(lat):.0f}  mean {statistics.fmean(lat):.0f}"
        )
    for route, values in sorted(tally.by_route.items()):
        print(f"  {route}: {len(values)} requests, p50 {_pct(values, 0.5):.0f} ms, "
              f"p99 {_pct(values, 0.99):.0f} ms, max {max(values):.0f} ms")  # fmt: skip
    kinds = Counter(error.split(" /")[0] for error in tally.errors)
    if kinds:
        print("  errors by kind: " + ", ".join(f"{k} x{n}" for k, n in kinds.most_common()))
    for error in sorted(set(tally.errors))[:10]:
        print(f"  error: {error}")


def _read_for(base: str, clients: int, seconds: float) -> Tally:
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=_client, args=(base, tally, stop, 100 + seed), daemon=True)
               for seed in range(clients)]  # fmt: skip
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return tally


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _run(args: list[str], env: dict[str, str]) -> tuple[int, float, str]:
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, check=False)
    return done.returncode, time.perf_counter() - started, done.stderr.strip()[-300:]


def readers(opts: argparse.Namespace) -> int:
    from sahelwatch.store import Store, bundled_file

    work = Path(opts.workdir or tempfile.mkdtemp(prefix="sw-concurrency-"))
    db = work / "store.duckdb"
    env = {**os.environ, "SAHELWATCH_STORE_WAIT": "10"}
    if opts.db:
        shutil.copyfile(opts.db, db)
        kept = Path(opts.db).with_name(Path(opts.db).name + ".derived")
        if kept.is_dir():  # the same data: the same kept series
            shutil.copytree(kept, db.with_name(db.name + ".derived"), dirs_exist_ok=True)
    else:
        subprocess.run([*CLI, "ingest", "--bundled", "--db", str(db)], env=env, check=True,
                       capture_output=True)  # fmt: skip
    code, took, _ = _run(["store", "derive", "--db", str(db)], env)
    print(f"store derive (the dashboard's indicator series kept): exit {code}, {took:.0f} s")
    port = _free_port()
    server = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        warm = httpx.get(f"{base}/api/status", timeout=60)
        print(f"store {db} ({db.stat().st_size / 1e6:.0f} MB); server up ({warm.status_code}); "
              f"load average {_load()}, {os.cpu_count()} cores")  # fmt: skip
        if opts.idle:
            print(f"reads for {opts.idle:g} s without a forecast (load average {_load()})")
            _latencies(_read_for(base, opts.clients, opts.idle), "reads without a forecast")

        forecast_args = ["forecast", "--db", str(db), "--out", str(work / "fc.parquet"), "--save",
                         "--horizons", str(opts.horizons), "--draws", str(opts.draws)]  # fmt: skip
        started = time.perf_counter()
        job = subprocess.Popen([*CLI, *forecast_args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
        wrote_at: list[float] = []

        def watch_job() -> None:
            assert job.stderr is not None
            for line in job.stderr:
                if line.startswith("wrote ") and "samples" in line:
                    wrote_at.append(time.perf_counter())

        threading.Thread(target=watch_job, daemon=True).start()
        tally, stop = Tally(), threading.Event()
        clients = [
            threading.Thread(target=_client, args=(base, tally, stop, seed), daemon=True)
            for seed in range(opts.clients)
        ]
        holds: list[float] = []
        loads: list[float] = []
        clients.append(threading.Thread(target=_probe_writers, args=(db, stop, holds), daemon=True))
        clients.append(threading.Thread(target=_sample_load, args=(stop, loads), daemon=True))
        for thread in clients:
            thread.start()
        names = ("status", "alerts --check", "Store(read_only=True)")
        others: dict[str, list[tuple[int, float, str]]] = {name: [] for name in names}
        rules = str(bundled_file("alert_rules.toml"))
        while job.poll() is None:
            others["status"].append(_run(["status", "--db", str(db)], env))
            others["alerts --check"].append(
                _run(["alerts", "--check", rules, "--db", str(db), "--limit", "1"], env)
            )
            opened = time.perf_counter()
            try:
                with Store(db, read_only=True) as notebook:
                    notebook.con.execute("SELECT count(*) FROM event_versions").fetchone()
                others["Store(read_only=True)"].append((0, time.perf_counter() - opened, ""))
            except Exception as exc:
                others["Store(read_only=True)"].append((1, time.perf_counter() - opened, str(exc)))
            time.sleep(opts.every)
        ended = time.perf_counter()
        stop.set()
        for thread in clients:
            thread.join(timeout=120)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    lat = tally.latencies
    print(f"load average at the end {_load()}")
    print(f"\nforecast --save ({opts.horizons} months, {opts.draws} draws): exit "
          f"{job.returncode} after {ended - started:.0f} s")  # fmt: skip
    if wrote_at:
        print(f"  from its 'wrote ... samples' line to its exit: {ended - wrote_at[0]:.1f} s")
    print(f"writers held the store file {len(holds)} times, longest {max(holds, default=0):.1f} s "
          "(forecast and alerts --check; probed every 0.2 s)")  # fmt: skip
    kept = sum(f.stat().st_size for f in db.with_name(db.name + ".forecasts").glob("*.parquet"))
    print(f"store file {db.stat().st_size / 1e6:.0f} MB, sample files {kept / 1e6:.0f} MB")
    if loads:
        print(f"1-minute load average during the forecast: min {min(loads):.1f}, "
              f"median {statistics.median(loads):.1f}, max {max(loads):.1f}")  # fmt: skip
    _latencies(tally, f"reads during the forecast ({opts.clients} clients)")
    all_ok = True
    for name, runs in others.items():
        failed = [r for r in runs if r[0] != 0]
        all_ok &= not failed
        longest = max((r[1] for r in runs), default=float("nan"))
        print(f"{name}: {len(runs) - len(failed)}/{len(runs)} succeeded, longest {longest:.1f} s")
        for _, _, message in failed[:3]:
            print(f"  failed: {message}")
    met = bool(lat) and _pct(lat, 0.99) < TARGET_P99_MS and not tally.errors and all_ok
    print(f"\ntarget (p99 < {TARGET_P99_MS:.0f} ms, 0 errors, every command succeeded): "
          f"{'met' if met else 'MISSED'}")  # fmt: skip
    return 0 if met or not opts.check else 1


def compaction(opts: argparse.Namespace) -> int:
    from synthetic_data import write_synthetic_ged

    work = Path(opts.workdir or tempfile.mkdtemp(prefix="sw-compaction-"))
    csv = write_synthetic_ged(work / "synthetic.csv", n_events=opts.events)
    db = work / "store.duckdb"
    subprocess.run([*CLI, "ingest", "--bundled", "--db", str(db)], check=True, capture_output=True)
    before = db.stat().st_size
    job = subprocess.Popen([*CLI, "ingest", "--db", str(db), "--no-coverage", "--source",
                            "ucdp_ged", "--release", "99.0", str(csv)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    while job.poll() is None and db.stat().st_size == before:
        time.sleep(0.01)
    time.sleep(opts.kill_after)
    job.kill()
    job.wait()
    killed = db.stat().st_size
    started = time.perf_counter()
    out = subprocess.run([*CLI, "store", "compact", "--db", str(db)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    took = time.perf_counter() - started
    after = db.stat().st_size
    print(f"synthetic file: {opts.events:,} events; ingest killed {opts.kill_after:g} s into "
          f"its writes (exit {job.returncode})")  # fmt: skip
    print(f"store: {before / 1e6:.1f} MB before, {killed / 1e6:.1f} MB after the kill "
          f"({killed / before:.1f}x), {after / 1e6:.1f} MB after compaction "
          f"({took:.1f} s incl. start-up)")  # fmt: skip
    print(out.stdout.strip())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="readers", choices=("readers", "compaction"))
    parser.add_argument("--db", help="Copy this store instead of building one (readers).")
    parser.add_argument("--workdir", help="Folder for the store and files (default: a new one).")
    parser.add_argument("--horizons", type=int, default=36)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="Concurrent reading clients.")
    parser.add_argument("--every", type=float, default=2.0, help="Seconds between CLI checks.")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--kill-after", type=float, default=2.0)
    parser.add_argument("--check", action="store_true", help="Exit 1 when the target is missed.")
    parser.add_argument(
        "--idle", type=float, default=0.0, help="First read this long (s) without a forecast."
    )
    opts = parser.parse_args()
    return readers(opts) if opts.mode == "readers" else compaction(opts)


if __name__ == "__main__":
    sys.exit(main())
