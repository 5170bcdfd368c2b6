"""Ingest benchmark on a SYNTHETIC GED-sized file (385,918 events, about 230 MB of CSV).

Generates the synthetic file and a revised copy (a "newer release": 5% of events revised, 2%
new), then measures, each in a fresh child process so that peak memory belongs to one step:

* floor: DuckDB's own ``read_csv`` of the file into a table of a fresh on-disk database;
* pass 1: ``sahelwatch.ingest`` of the file into a fresh store;
* pass 2: ``sahelwatch.ingest`` of the revised copy into that store, as a newer release.

The three steps run ``--repeat`` times (default 3), interleaved, each pass 1 into a new store.
Prints the median seconds (Python start-up and imports excluded, in every step) with their
range, events/s, peak resident memory, the database's size on disk after the step (for a pass:
the whole store, raw files included) and the ratio of each pass to the floor measured in the same
run. Targets: ratio <= 3 for both passes, peak memory < 2 GB.

Run: ``.venv/bin/python benchmarks/ingest.py [--events N] [--repeat N] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("floor: duckdb read_csv", "pass 1 (new store)", "pass 2 (newer release)")


def child(step: str, csv: str, db: str, release: str) -> None:
    """Run one measured step and print its figures as JSON."""
    import duckdb

    from sahelwatch import Store, ingest  # imports are not timed, in any step

    started = time.perf_counter()
    if step == "generate":
        from synthetic_data import write_revised_copy, write_synthetic_ged

        write_synthetic_ged(csv, n_events=int(release))
        write_revised_copy(csv, db)
        rows = int(release)
    elif step == "floor":
        con = duckdb.connect(db)
        con.execute(
            "CREATE TABLE floor AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [csv],
        )
        rows = con.execute("SELECT count(*) FROM floor").fetchall()[0][0]
        con.close()
    else:
        with Store(db) as store:
            report = ingest(store, csv, release=release)
        rows = report.rows_read
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    size = Path(db).stat().st_size if step != "generate" else 0
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_bytes": peak, "db_bytes": size}))


def measure(step: str, csv: Path, db: Path, release: str = "") -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(csv), str(db), release],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=385_918)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step (median kept)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in STEPS}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        first = work / "SYNTHETIC_ged_release_90.1.csv"
        second = work / "SYNTHETIC_ged_release_91.1.csv"
        print(f"generating {args.events} synthetic events ...", flush=True)
        # Generation runs in a child too, so this process stays small: Linux children inherit
        # their parent's peak-memory mark.
        measure("generate", first, second, str(args.events))
        size_mb = first.stat().st_size / 1e6
        print(
            f"synthetic file: {size_mb:.0f} MB; revised copy: {second.stat().st_size / 1e6:.0f} MB"
        )
        # Steps interleave, so that a slow spell of the machine touches floor and passes alike.
        for run in range(args.repeat):
            print(f"run {run + 1} of {args.repeat} ...", flush=True)
            floor_db, store = work / f"floor{run}.duckdb", work / f"store{run}.duckdb"
            runs[STEPS[0]].append(measure("floor", first, floor_db))
            runs[STEPS[1]].append(measure("ingest", first, store, "90.1"))
            runs[STEPS[2]].append(measure("ingest", second, store, "91.1"))
            floor_db.unlink()
            store.unlink()
    seconds = {name: statistics.median(m["seconds"] for m in ms) for name, ms in runs.items()}
    floor = seconds[STEPS[0]]
    print(
        f"\nmedian of {args.repeat} runs\n"
        f"{'step':<26}{'seconds':>9}{'(min-max)':>14}{'events/s':>11}{'peak MB':>9}{'x floor':>9}"
        f"{'db MB':>8}"
    )
    for name, ms in runs.items():
        spread = f"{min(m['seconds'] for m in ms):.2f}-{max(m['seconds'] for m in ms):.2f}"
        print(
            f"{name:<26}{seconds[name]:>9.2f}{spread:>14}{ms[0]['rows'] / seconds[name]:>11,.0f}"
            f"{max(m['peak_bytes'] for m in ms) / 1e6:>9.0f}{seconds[name] / floor:>9.2f}"
            f"{ms[-1]['db_bytes'] / 1e6:>8.0f}"
        )
    worst = max(seconds[name] / floor for name in STEPS[1:])
    peak = max(m["peak_bytes"] for name in STEPS[1:] for m in runs[name]) / 1e9
    verdict = "met" if worst <= 3 and peak < 2 else "NOT met"
    print(f"\ntarget (<= 3x floor, < 2 GB): {verdict}: worst {worst:.2f}x, peak {peak:.2f} GB")


if __name__ == "__main__":
    main()
