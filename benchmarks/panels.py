"""Benchmark: a continental PRIO-GRID cell panel from a GED-sized SYNTHETIC event set.

Writes 385,918 synthetic GED events (:func:`synthetic.write_synthetic_ged`, the size
of UCDP GED 25.1, 1989-2024), ingests them into a temporary store, then, each in a fresh
process so that peak memory is its own:

* builds the cell panel (``build_panel(store, "cell")``: every cell with events or inside a
  bundled country, 432 months, all columns) and reports time and peak resident memory;
* runs the baseline: the same current events read from the store into pandas and summed by
  cell x month with a plain ``groupby`` (what a panel is without coverage, zeros, actor
  families, rolling sums and lags).

Prints the figures and the ratio panel / baseline. Targets: seconds, under 4 GB, whole run
under 5 minutes on 2 cores.

Usage::

    python benchmarks/panels.py [--events 385918] [--seed 0] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GB = 1024**3


def _peak_bytes() -> int:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _prepare(workdir: str, n_events: int, seed: int) -> dict[str, Any]:
    from synthetic_data import write_synthetic_ged

    from sahelwatch.ingest import ingest
    from sahelwatch.store import Store

    started = time.perf_counter()
    csv = write_synthetic_ged(Path(workdir) / "GEDEvent_v25_1.csv", n_events, seed)
    written = time.perf_counter()
    with Store(Path(workdir) / "bench.duckdb") as store:
        report = ingest(store, csv)
    return {
        "write_s": written - started,
        "ingest_s": time.perf_counter() - written,
        "added": report.added,
        "csv_mb": csv.stat().st_size / 1e6,
    }


def _panel(workdir: str) -> dict[str, Any]:
    from sahelwatch.panels import build_panel
    from sahelwatch.store import Store

    with Store(Path(workdir) / "bench.duckdb", read_only=True) as store:
        started = time.perf_counter()
        panel = build_panel(store, "cell")
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak": _peak_bytes(),
        "rows": len(panel),
        "cells": panel["unit_id"].nunique(),
        "months": panel["month"].nunique(),
        "columns": panel.shape[1],
        "frame_bytes": int(panel.memory_usage(deep=False).sum()),
        "events": float(panel["events_total"].sum()),
        "best": float(panel["best_total"].astype("float64").sum()),
    }


def _baseline(workdir: str) -> dict[str, Any]:
    from sahelwatch.store import Store

    with Store(Path(workdir) / "bench.duckdb", read_only=True) as store:
        started = time.perf_counter()
        events = store.con.execute(
            "SELECT priogrid_gid AS gid, date_trunc('month', date_start) AS month, best "
            f"FROM ({store.current_sql()}) WHERE where_prec <= 2"
        ).df()
        loaded = time.perf_counter()
        sums = events.groupby(["gid", "month"])["best"].agg(["sum", "size"])
        done = time.perf_counter()
    return {
        "seconds": done - started,
        "groupby_s": done - loaded,
        "peak": _peak_bytes(),
        "rows": len(sums),
        "events": int(sums["size"].sum()),
        "best": float(sums["sum"].sum()),
    }


def _in_child(func: Any, *args: Any) -> dict[str, Any]:
    """Run ``func(*args)`` in a fresh process and return its result."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=385_918, help="synthetic events")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sahelwatch-bench-") as tmp:
        workdir = str(args.workdir or tmp)
        Path(workdir).mkdir(parents=True, exist_ok=True)
        total = time.perf_counter()
        prep = _in_child(_prepare, workdir, args.events, args.seed)
        panel = _in_child(_panel, workdir)
        base = _in_child(_baseline, workdir)
        total = time.perf_counter() - total

    ok = panel["peak"] < 4 * GB and total < 300
    lines = [
        f"SYNTHETIC GED: {prep['added']:,} events ({prep['csv_mb']:.0f} MB CSV), "
        f"written in {prep['write_s']:.1f} s, ingested in {prep['ingest_s']:.1f} s",
        f"cell panel: {panel['rows']:,} rows = {panel['cells']:,} cells x {panel['months']} "
        f"months x {panel['columns']} columns ({panel['frame_bytes'] / GB:.2f} GB frame)",
        f"  build_panel(store, 'cell'): {panel['seconds']:.2f} s, "
        f"peak RSS {panel['peak'] / GB:.2f} GB",
        f"baseline (read events + pandas groupby cell x month): {base['seconds']:.2f} s "
        f"(groupby alone {base['groupby_s']:.2f} s), {base['rows']:,} non-empty cell-months, "
        f"peak RSS {base['peak'] / GB:.2f} GB",
        f"ratio panel / baseline: {panel['seconds'] / base['seconds']:.1f}x "
        f"(vs groupby alone {panel['seconds'] / base['groupby_s']:.0f}x); "
        f"memory {panel['peak'] / base['peak']:.1f}x",
        f"check: events {panel['events']:,.0f} in the panel, {base['events']:,} in the baseline; "
        f"fatalities {panel['best']:,.0f} and {base['best']:,.0f}",
        f"whole run {total:.0f} s; targets (panel < 4 GB, run < 5 min): "
        + ("met" if ok else "NOT met"),
    ]
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
