"""Train and forecast all 36 horizons at country level (the whole world) and print the cost.

Usage::

    .venv/bin/python benchmarks/forecast.py [--db STORE] [--origin 2025-02] [--workers 2]
                                            [--draws 1000] [--out FILE.parquet]

Without ``--db`` a fresh store is built from the bundled data in a temporary folder. Prints wall
time, peak memory (this process and, summed, its worker processes) and the share of the
machine's CPU time used during the run (from ``psutil.cpu_times``: busy time of all cores over
wall time x cores), and the share used by this run's own processes (``os.times``).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from sahelwatch.bundled import ingest_bundled
from sahelwatch.forecast import forecast, summarize
from sahelwatch.store import Store


def _busy(times: Any) -> float:
    return (
        times.user
        + times.nice
        + times.system
        + getattr(times, "irq", 0.0)
        + getattr(times, "softirq", 0.0)
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--origin", default="2025-02")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.duckdb"
        if args.db is None:
            with Store(path) as store:
                ingest_bundled(store)
        cores = psutil.cpu_count() or 1
        cpu_before = psutil.cpu_times()
        own_before = os.times()
        wall = time.perf_counter()
        with Store(path, read_only=args.db is not None) as store:
            frame = forecast(
                store,
                level="country",
                origin=args.origin,
                horizons=range(1, 37),
                n_draws=args.draws,
                workers=args.workers,
            )
        elapsed = time.perf_counter() - wall
        cpu_after = psutil.cpu_times()
        own_after = os.times()
        table = summarize(frame)
        if args.out:
            frame.to_parquet(args.out, index=False)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    busy = _busy(cpu_after) - _busy(cpu_before)
    ours = sum(
        getattr(own_after, f) - getattr(own_before, f)
        for f in ("user", "system", "children_user", "children_system")
    )
    print(
        f"country level, origin {args.origin}: {frame['unit_id'].nunique()} countries x 36 "
        f"horizons x {frame['target'].nunique()} targets x {args.draws} draws = "
        f"{len(frame):,} samples ({len(table):,} unit-month-targets)"
    )
    print(f"wall time        {elapsed:8.1f} s  (36 horizons, {args.workers} worker processes)")
    print(f"peak memory      {own:8.0f} MiB in this process; largest worker {children:.0f} MiB")
    print(
        f"CPU used         {busy / (elapsed * cores):8.0%} of {cores} cores "
        f"({busy:.0f} core-seconds, machine-wide)"
    )
    print(
        f"CPU of this run  {ours / (elapsed * cores):8.0%} of {cores} cores "
        f"({ours:.0f} core-seconds in this process and its workers)"
    )


if __name__ == "__main__":
    main()
