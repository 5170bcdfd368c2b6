"""Write the dashboard's offline basemap into src/sahelwatch/data/basemap/ from the shared data.

Usage: .venv/bin/python scripts/basemap_data.py [SHARED_DATA_FOLDER]   (default ../shared/data)

Copies Natural Earth rivers, lakes and urban areas (file 26 of the shared data README) as they
are, and writes ``places.csv.gz``: Natural Earth populated places (file 18: capitals, admin-1
capitals, towns) and, for Mali, the GeoNames populated places that are administrative seats
(PPLC, PPLA, PPLA2, PPLA3) or have a population (file 17), without duplicates of a Natural Earth
place within 5 km. Nothing is invented: names and coordinates are the sources'.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import pandas as pd

TARGET = Path(__file__).resolve().parents[1] / "src" / "sahelwatch" / "data" / "basemap"
LAYERS = ("rivers", "lakes", "urban")
#: Natural Earth feature classes and the place kinds the dashboard draws.
NE_KIND = {
    "Admin-0 capital": "capital",
    "Admin-0 capital alt": "capital",
    "Admin-1 capital": "admin1",
    "Admin-1 region capital": "admin1",
    "Populated place": "town",
}
GEONAMES_KIND = {"PPLC": "capital", "PPLA": "admin1", "PPLA2": "admin2", "PPLA3": "admin2"}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def places(shared: Path) -> pd.DataFrame:
    """Natural Earth places of the region and GeoNames seats and populated places of Mali."""
    ne = pd.read_csv(shared / "ne_populated_places_sahel_westafrica.csv.gz")
    out = pd.DataFrame(
        {
            "name": ne["name"],
            "iso3": ne["adm0_a3"],
            "kind": ne["featurecla"].map(NE_KIND).fillna("town"),
            "population": ne["pop_max"].astype("Int64"),
            "latitude": ne["latitude"].round(5),
            "longitude": ne["longitude"].round(5),
            "source": "Natural Earth",
        }
    )
    gn = pd.read_csv(shared / "geonames_ML.tsv.gz", sep="\t", dtype=str, keep_default_na=False)
    gn = gn[gn["feature_class"] == "P"]
    population = pd.to_numeric(gn["population"], errors="coerce").fillna(0).astype(int)
    gn = gn.assign(population=population)
    gn = gn[gn["feature_code"].isin(list(GEONAMES_KIND)) | (gn["population"] > 0)]
    known = list(zip(out["latitude"], out["longitude"], strict=True))
    rows = []
    for r in gn.itertuples(index=False):
        lat, lon = float(r.latitude), float(r.longitude)
        if any(_km(lat, lon, a, b) < 5 for a, b in known):
            continue
        rows.append(
            {"name": r.name, "iso3": "MLI", "kind": GEONAMES_KIND.get(r.feature_code, "town"),
             "population": int(r.population) or pd.NA, "latitude": round(lat, 5),
             "longitude": round(lon, 5), "source": "GeoNames"}
        )  # fmt: skip
    both = pd.concat([out, pd.DataFrame(rows)], ignore_index=True)
    return both.sort_values(["iso3", "kind", "name"]).reset_index(drop=True)


def main(shared: Path) -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for layer in LAYERS:
        name = f"ne_{layer}_westafrica.geojson.gz"
        shutil.copyfile(shared / name, TARGET / name)
    table = places(shared)
    table.to_csv(TARGET / "places.csv.gz", index=False)
    print(f"wrote {len(LAYERS)} layers and {len(table)} places to {TARGET}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "data"
    )
