"""Build src/sahelwatch/data/countries.csv: Gleditsch-Ward codes, ISO codes and names.

Inputs: the VIEWS country key (gwcode, iso3, name) in the bundled VIEWS country-month file, the
country names UCDP uses in the bundled Candidate releases, ISO 3166 numeric codes from `pycountry`,
and the few historical Gleditsch-Ward states that UCDP data still carry (listed below).
Run: python scripts/make_countries.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pycountry

DATA = Path(__file__).resolve().parents[1] / "src" / "sahelwatch" / "data"

# Gleditsch & Ward (1999) historical states found in UCDP GED, with the ISO3 of today's state on
# their territory where one exists.
HISTORICAL = [
    (345, "SRB", "Serbia (Yugoslavia)"),
    (265, "DEU", "German Democratic Republic"),
    (315, "CZE", "Czechoslovakia"),
    (680, "YEM", "South Yemen"),
    (817, "VNM", "Republic of Vietnam"),
]


def main() -> None:
    con = duckdb.connect()
    views = con.sql(
        f"SELECT DISTINCT gwcode, iso3, name FROM '{DATA / 'views_cm_ged_2017-11_2024-04.csv.gz'}'"
    ).fetchall()
    ucdp = dict(
        con.sql(
            "SELECT DISTINCT CAST(country_id AS INT), country FROM read_csv(["
            + ",".join(
                f"'{DATA / f}'"
                for f in (
                    "ucdp_candidate_26.0.1_events_global.csv.gz",
                    "ucdp_candidate_26.0.2_events_global.csv.gz",
                    "ucdp_candidate_2025_reduced_global.csv.gz",
                )
            )
            + "], union_by_name=true)"
        ).fetchall()
    )
    rows = []
    for gw, iso3, name in [*views, *HISTORICAL]:
        if gw == 347 and not iso3:
            iso3 = "XKX"  # Kosovo: user-assigned code used by the EU and the World Bank
        entry = pycountry.countries.get(alpha_3=iso3)
        aliases = {name, ucdp.get(gw, name)}
        if entry is not None:
            aliases |= {entry.name, getattr(entry, "common_name", entry.name)}
        if gw in {g for g, _, _ in HISTORICAL}:
            aliases = {name}
        rows.append(
            {
                "gw": gw,
                "iso3": iso3,
                "iso_num": int(entry.numeric) if entry is not None and gw not in
                {g for g, _, _ in HISTORICAL} else "",
                "name": name,
                "aliases": ";".join(sorted(aliases)),
            }
        )
    rows.sort(key=lambda r: r["gw"])
    with (DATA / "countries.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries")


if __name__ == "__main__":
    main()
