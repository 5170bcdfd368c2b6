"""Forecast all 36 horizons at country level (the whole world), admin-1 level (the Sahel, real
located data) and grid level (an Africa-sized SYNTHETIC cell panel), and print the cost of each.

Usage::

    .venv/bin/python benchmarks/forecast.py [--level country|admin1|admin2|grid|all]
        [--db STORE] [--origin 2025-02] [--model blend] [--unit-model located] [--workers 2]
        [--draws 1000] [--grid-draws 100] [--grid-events 200000] [--out FILE.parquet]

Country and admin-1 level: without ``--db`` a fresh store is built from the bundled data in a
temporary folder (admin-1: origin the newest covered month). ``--model`` is the country model
(``blend``, the default model; ``lgbm`` for the earlier LightGBM model); progress lines go to
standard error. Grid level: ``--grid-events`` SYNTHETIC GED events (1989-2024,
:func:`synthetic.write_synthetic_ged`; invented, not UCDP data) are ingested into a
temporary store and every cell of the African countries (Gleditsch-Ward 400-626) is forecast
from origin 2024-12 (the country model trained on the synthetic world, shared out over cells),
with ``--grid-draws`` draws. Admin-1, admin-2 and, with ``--grid-events 0``, grid level time
the main job's forecast: Mali, Burkina Faso and Niger from the real located data, each level's
served model (``SERVED``; ``--unit-model`` picks another), ``--grid-draws`` draws. Each level
runs in its own process (``--level all``, the default) so that peak memory is its own. Prints
wall time of the forecast, peak memory (this process and the largest worker process) and the
share of the machine's CPU time used during the run (from
``psutil.cpu_times``: busy time of all cores over wall time x cores), and the share used by
this run's own processes (``os.times``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from bundled_store import given_or_bundled

from sahelwatch.forecast import FORECAST_LEVELS, forecast, summarize
from sahelwatch.forecast.subnational import SERVED
from sahelwatch.forecast.subnational_eval import UNIT_COUNTRIES
from sahelwatch.store import Store


def _busy(times: Any) -> float:
    return (
        times.user
        + times.nice
        + times.system
        + getattr(times, "irq", 0.0)
        + getattr(times, "softirq", 0.0)
    )


def _grid_store(tmp: str, n_events: int) -> tuple[Path, list[int]]:
    """A store of SYNTHETIC GED events and the African countries it covers."""
    from synthetic_data import write_synthetic_ged

    from sahelwatch.ingest import ingest

    path = Path(tmp) / "synthetic.duckdb"
    csv = write_synthetic_ged(Path(tmp) / "GEDEvent_v25_1.csv", n_events, seed=0)
    with Store(path) as store:
        ingest(store, csv)
        rows = store.con.execute(
            "SELECT DISTINCT country_gw FROM coverage WHERE country_gw BETWEEN 400 AND 626"
        ).fetchall()
    return path, sorted(int(r[0]) for r in rows)


def run_level(args: argparse.Namespace) -> None:
    """Forecast one level and print its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        countries, model = None, args.model
        if args.level == "grid" and args.grid_events:
            path, countries = _grid_store(tmp, args.grid_events)
            origin, draws = "2024-12", args.grid_draws
        else:
            path, origin, draws = given_or_bundled(args.db, tmp), args.origin, args.draws
            if args.level != "country":  # the main job's: its units, model and draws
                origin, draws, countries = None, args.grid_draws, list(UNIT_COUNTRIES)
                model = args.unit_model or SERVED[args.level]
        cores = psutil.cpu_count() or 1
        cpu_before = psutil.cpu_times()
        own_before = os.times()
        wall = time.perf_counter()
        with Store(path, read_only=True) as store:
            frame = forecast(
                store,
                level=args.level,
                origin=origin,
                horizons=range(1, 37),
                n_draws=draws,
                model=model,
                workers=args.workers,
                countries=countries,
                progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
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
    what = "countries" if args.level == "country" else "units"
    if args.level == "grid":
        what = "cells (SYNTHETIC events)" if args.grid_events else "cells"
    print(
        f"{args.level} level, {frame.attrs['model_version']}, origin {frame.attrs['origin']}: "
        f"{frame['unit_id'].nunique()} {what} x 36 "
        f"horizons x {frame['target'].nunique()} targets x {draws} draws = "
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


def main() -> None:
    """Run the benchmark of each level asked for and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=(*FORECAST_LEVELS, "all"), default="all")
    parser.add_argument("--model", default="blend")
    parser.add_argument("--unit-model", default=None)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--origin", default="2025-02")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--grid-draws", type=int, default=100)
    parser.add_argument("--grid-events", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.level != "all":
        run_level(args)
        return
    argv = sys.argv[1:]
    given = [i for i, a in enumerate(argv) if a == "--level"]  # "--level all" as two words
    argv = [a for i, a in enumerate(argv)
            if not a.startswith("--level") and i - 1 not in given]  # fmt: skip
    for level in FORECAST_LEVELS:
        subprocess.run([sys.executable, __file__, *argv, "--level", level], check=True)


if __name__ == "__main__":
    main()
