"""Latency of the consequences views (``/api/consequences/...``) from a warm server.

An in-process app over a store built from the bundled real data: each endpoint is asked once
(cold: the CH units are matched, the violence windows built), then for many different months,
cycles and options that the response cache has not seen (the dashboard's month slider moving),
so each answer is computed from the warm frames, not replayed. Prints the median and the
slowest warm answer per endpoint, in wall-clock time and in CPU time of the process (on a
shared, busy machine the wall clock measures the queue for the CPU; the CPU time is what an
answer costs). The machine's load average is printed beside them.

Target: every warm answer under 300 ms (wall clock, on a machine not saturated by others).

    .venv/bin/python benchmarks/consequences.py [--db STORE] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

TARGET_MS = 300.0
MONTHS = [f"{y}-{m:02d}" for y in range(2014, 2024) for m in (1, 2, 3, 4, 5, 9, 10, 11, 12)]
CYCLES = [f"{y}-{m}" for y in range(2014, 2023) for m in ("03", "11")]


def _urls() -> dict[str, list[str]]:
    return {
        "food layer by month": [f"/api/consequences/food?month={m}" for m in MONTHS],
        "food layer, projected": [
            f"/api/consequences/food?month={y}-07&period=projected" for y in range(2014, 2024)
        ],
        "food layer GeoJSON": [f"/api/consequences/food?cycle={c}&format=geojson" for c in CYCLES],
        "food series per unit": [
            f"/api/consequences/food/series?unit=ML0{r}0{c}" for r in range(1, 8) for c in (1, 2)
        ],
        "displacement by country": [
            f"/api/consequences/displacement?country={c}&format={f}"
            for c in ("MLI", "BFA", "NER")
            for f in ("json", "csv")
        ],
        "displacement by region": [
            f"/api/consequences/displacement?country={c}&level=admin1&format={f}"
            for c in ("MLI", "BFA", "NER")
            for f in ("json", "csv")
        ],
        "violence beside food": [
            f"/api/consequences/violence?country={c}&both={b}"
            for c in ("MLI", "BFA", "NER")
            for b in ("true", "false")
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a store (default: built from the bundled data)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from bundled_store import given_or_bundled
    from fastapi.testclient import TestClient

    from sahelwatch.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        db = given_or_bundled(args.db, tmp)
        missed = False
        with TestClient(create_app(db, read_env=False)) as client:
            print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
            print(
                f"{'endpoint':28} {'cold ms':>8} {'warm n':>7} {'median':>8} {'max ms':>8} "
                f"{'cpu med':>8} {'cpu max':>8}"
            )
            for name, urls in _urls().items():
                cold = _get(client, urls[0])[0]
                warm = [_get(client, url) for url in urls[1:]]
                wall = [w for w, _ in warm]
                cpu = [c for _, c in warm]
                missed |= max(wall) >= TARGET_MS
                print(
                    f"{name:28} {cold:8.0f} {len(warm):7d} {statistics.median(wall):8.1f} "
                    f"{max(wall):8.1f} {statistics.median(cpu):8.1f} {max(cpu):8.1f}"
                )
            print(f"load average at end: {os.getloadavg()[0]:.1f}")
        print(
            f"target: every warm answer under {TARGET_MS:.0f} ms: {'missed' if missed else 'met'}"
        )
    return 1 if args.check and missed else 0


def _get(client: object, url: str) -> tuple[float, float]:
    """Wall-clock and process CPU milliseconds of one request."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - start) * 1000
    used = (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
    return elapsed, used


if __name__ == "__main__":
    sys.exit(main())
