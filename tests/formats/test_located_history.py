"""Located history: UCDP GED 24.1 as UCDP's country pages export it (7 countries), Niger in the
bulk layout, Nigeria GED 20.1; bundled, read as published, covering every month of their years.

The reference for the country-page exports is ``tests/data/ucdp_ged241_west_africa8_events_
standard.csv.gz``: the same events in the standard bulk layout, read here with pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sahelwatch import Store, formats, ingest
from sahelwatch.bundled import bundled_files
from sahelwatch.formats.reader import load_raw, read_header
from sahelwatch.store import bundled_file, row_number_sql

REFERENCE = Path(__file__).parents[1] / "data" / "ucdp_ged241_west_africa8_events_standard.csv.gz"
EXPORTS = {
    "mali": 432,
    "burkina_faso": 439,
    "senegal": 433,
    "cote_divoire": 437,
    "togo": 461,
    "benin": 434,
    "guinea_bissau": 404,
}
NIGER = "ucdp_ged241_niger_repaired_standard.csv.gz"
NIGERIA = "ucdp_ged201_nigeria_events_standard.csv.gz"
FIELDS = ["source_id", "date_start", "date_end", "best", "low", "high"]


def _export(country: str) -> Path:
    return bundled_file(f"ucdp_ged241_country_export_{country}.csv.gz")


def _read(store: Store, path: Path) -> pd.DataFrame:
    """Every row of ``path`` as SahelWatch's recognised format reads it (valid or not)."""
    fmt = formats.detect(read_header(path))
    assert fmt is not None
    load_raw(store.con, path, "raw_under_test")
    rows = store.con.execute(
        fmt.canonical_sql("raw_under_test", row_number_sql(store.con, "raw_under_test"))
    ).df()
    store.con.execute("DROP TABLE raw_under_test")
    return rows


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE, dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "country_gw": frame["country_id"].astype(int),
            "source_id": frame["id"],
            "date_start": pd.to_datetime(frame["date_start"]).dt.date,
            "date_end": pd.to_datetime(frame["date_end"]).dt.date,
            **{col: frame[col].astype(int) for col in ("best", "low", "high")},
        }
    )
    return out


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[FIELDS].copy()
    out["date_start"] = pd.to_datetime(out["date_start"]).dt.date
    out["date_end"] = pd.to_datetime(out["date_end"]).dt.date
    for col in ("best", "low", "high"):
        out[col] = out[col].astype(int)
    return out.sort_values("source_id").reset_index(drop=True)


@pytest.mark.parametrize("country", sorted(EXPORTS))
def test_country_export_reads_as_its_bulk_rows(store, reference, country):
    path = _export(country)
    assert formats.detect(read_header(path)).name == "ucdp_ged_export"  # type: ignore[union-attr]
    read = _read(store, path)
    assert set(read["country_gw"]) == {EXPORTS[country]}
    expected = reference[reference["country_gw"] == EXPORTS[country]]
    assert len(read) == len(expected) > 0
    pd.testing.assert_frame_equal(_keyed(read), _keyed(expected))


def test_export_rows_keep_every_field(store):
    """The trailing comma costs nothing: 47 columns, the last one (low_est) filled."""
    read = _read(store, _export("benin"))
    assert read["low"].notna().all() and read["priogrid_gid"].notna().all()
    assert read["latitude"].between(6, 13).all()


def test_one_event_hashes_the_same_in_both_layouts(store):
    """The bulk copy of the exports, ingested after them, changes nothing."""
    for country in EXPORTS:
        ingest(store, _export(country))
    ingest(store, bundled_file(NIGER))
    report = ingest(store, REFERENCE)
    assert report.release == "24.1"
    assert report.added == 0 and report.revised == 0
    assert (report.unchanged, report.rejected) == (5072, 0)


def test_niger_rows_without_precision_stay_unknown(store):
    """Niger's rows without where_prec (263 of the rebuilt rows and 2 from the cleaned
    spreadsheet) keep it unknown, and are placed at country level only."""
    from sahelwatch.geo import assign_places

    frame = pd.read_csv(bundled_file(NIGER), dtype=str, keep_default_na=False)
    unknown = set("ucdp:" + frame.loc[frame["where_prec"] == "", "id"])
    assert len(unknown) == 265
    ingest(store, bundled_file(NIGER))
    stored = store.con.execute("SELECT * FROM event_versions").df()
    assert set(stored.loc[stored["where_prec"].isna(), "uid"]) == unknown
    placed = assign_places(stored).set_index("uid")
    assert set(placed.loc[list(unknown), "place_level"]) == {"country"}
    assert (placed.loc[~placed.index.isin(unknown), "place_level"] != "country").any()


def test_bundled_history_is_listed():
    names = {f.name for f in bundled_files()}
    assert {_export(c).name for c in EXPORTS} | {NIGER, NIGERIA} <= names
    assert REFERENCE.name not in names  # it repeats the exports and Niger


def test_yearly_release_covers_every_month_of_its_years(bundled_store):
    rows = dict(
        bundled_store.con.execute(
            "SELECT r.release || ':' || c.country_gw, count(*) FROM coverage c "
            "JOIN releases r USING (release_id) WHERE r.source = 'ucdp_ged' "
            "GROUP BY ALL"
        ).fetchall()
    )
    # 1989-01..2023-12 for each GED 24.1 country; 1989-01..2019-12 for Nigeria in GED 20.1.
    assert rows == {**{f"24.1:{gw}": 420 for gw in [*EXPORTS.values(), 436]}, "20.1:475": 372}
