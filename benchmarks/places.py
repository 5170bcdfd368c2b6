"""Benchmark: placing 400,000 events in cells, admin-2 and admin-1 units.

Events are the bundled UCDP Candidate events of Mali, Burkina Faso and Niger (real), sampled
with replacement to ``--events`` and moved by a random offset (sd 0.3 degrees) so that almost
every point is distinct. Times :func:`sahelwatch.geo.assign_places` (precision rules, the
event's own country only, nearest unit within 10 km, PRIO-GRID cells) against a baseline
measured in the same run: one plain GeoPandas spatial join of the same points to the admin-2
polygons. Prints both times and the ratio.

Usage::

    python benchmarks/places.py [--events 400000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd

from sahelwatch import geo
from sahelwatch.store import bundled_file

SAHEL3 = (432, 439, 436)


def events(n: int, seed: int) -> pd.DataFrame:
    """``n`` jittered copies of the bundled Candidate events of Mali, Burkina Faso and Niger."""
    frame = pd.read_csv(
        bundled_file("ucdp_candidate_26.0.2_events_global.csv.gz"),
        usecols=["country_id", "latitude", "longitude", "where_prec"],
    ).rename(columns={"country_id": "country_gw"})
    frame = frame[frame["country_gw"].isin(SAHEL3)]
    rng = np.random.default_rng(seed)
    out = frame.sample(n, replace=True, random_state=seed).reset_index(drop=True)
    out["latitude"] += rng.normal(0, 0.3, n)
    out["longitude"] += rng.normal(0, 0.3, n)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    frame = events(args.events, args.seed)
    admin2 = geo.load_admin(2)

    started = time.perf_counter()
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs=admin2.crs
    )
    joined = gpd.sjoin(points, admin2[["geometry"]], how="left", predicate="within")
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    placed = geo.assign_places(frame)
    ours = time.perf_counter() - started

    print(f"events: {len(frame):,} (bundled Candidate events of MLI/BFA/NER, jittered)")
    print(f"baseline (one GeoPandas sjoin to admin-2): {baseline:.2f} s, "
          f"{joined['index_right'].notna().mean():.1%} inside a unit")
    print(f"assign_places (cells, admin-2, admin-1, rules): {ours:.2f} s, "
          f"{placed['admin1_pcode'].notna().mean():.1%} with an admin-1 unit")
    print(f"ratio assign_places / baseline: {ours / baseline:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
