"""Ingesting real UCDP, GED and VIEWS files: counts, versions, as-of views, coverage, formats
(CSV, gzip, zip, Excel) and release naming. All expected figures were checked against the files
themselves (pandas/DuckDB reads of the CSVs), not against SahelWatch's own output."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sahelwatch import EventFilter, ReleaseError, Store, events, ingest, status
from sahelwatch.formats import ucdp
from sahelwatch.store import bundled_file

CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"
CANDIDATE_2 = "ucdp_candidate_26.0.2_events_global.csv.gz"
DATA = Path(__file__).parents[1] / "data"
GED_SAMPLE = DATA / "ged_v23_1_random_sample_1000.csv.gz"

MALI, NIGER, BURKINA, MOZAMBIQUE, SERBIA_YUGOSLAVIA = 432, 436, 439, 541, 345
# Canonical columns compared between two stores (all but bookkeeping).
BOOKKEEPING = ["release_id", "file_id", "row_number"]


def _direct(sql: str) -> tuple:
    """One row of a query run by plain DuckDB, straight on the CSV files."""
    with duckdb.connect() as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _m(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def _current(store: Store, as_of: int | None = None) -> pd.DataFrame:
    sql = store.current_sql("event_versions", as_of)
    sql = f"SELECT * EXCLUDE (release_id, file_id) FROM ({sql}) ORDER BY uid"
    return store.con.execute(sql).df()


def _release_id(store: Store, release: str) -> int:
    row = store.con.execute(
        "SELECT release_id FROM releases WHERE release = ?", [release]
    ).fetchone()
    assert row is not None
    return int(row[0])


def _ids(name: str) -> pd.DataFrame:
    return pd.read_csv(bundled_file(name), dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------------------------
# Candidate 26.0.1 then 26.0.2: a real revision.


def test_candidate_releases_counts(store):
    first = ingest(store, bundled_file(CANDIDATE_1))
    assert (first.source, first.release, first.format) == ("ucdp_candidate", "26.0.1", "ucdp_ged")
    assert (first.rows_read, first.added, first.revised, first.unchanged, first.rejected) == (
        1727,
        1727,
        0,
        0,
        0,
    )
    second = ingest(store, bundled_file(CANDIDATE_2))
    assert (second.source, second.release) == ("ucdp_candidate", "26.0.2")
    assert (second.rows_read, second.added, second.revised, second.unchanged, second.rejected) == (
        1298,
        1287,
        1,
        10,
        0,
    )
    # The five and seven rows where low <= best <= high fails are UCDP's: loaded, flagged.
    bad_ids: set[str] = set()
    for name, report in ((CANDIDATE_1, first), (CANDIDATE_2, second)):
        frame = _ids(name)
        best, low, high = (pd.to_numeric(frame[c]) for c in ("best", "low", "high"))
        bad = (low > best) | (best > high)
        assert int(bad.sum()) == sum(n for flag, n in report.flags if "above" in flag)
        bad_ids |= set(frame.id[bad])
    assert len(bad_ids) == 12
    flagged = store.con.execute(
        "SELECT DISTINCT source_id FROM event_versions WHERE flags LIKE '%above%'"
    ).fetchall()
    assert {i for (i,) in flagged} == bad_ids
    assert second.flags == [("best … above high …", 6), ("low … above best …", 1)]
    assert "1298 rows read, 1287 added, 1 revised, 10 unchanged, 0 rejected." in second.summary()
    assert "flagged 6 (loaded as published): best … above high …" in second.summary()
    # 11 ids are in both releases, as the data README says.
    assert len(set(_ids(CANDIDATE_1).id) & set(_ids(CANDIDATE_2).id)) == 11
    assert store.con.execute("SELECT count(*) FROM event_versions").fetchone() == (3015,)
    assert store.con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


def test_revised_event_keeps_both_versions(bundled_store):
    versions = bundled_store.con.execute(
        "SELECT r.release, v.n_sources, v.best, v.country_gw, v.country_name "
        "FROM event_versions v JOIN releases r USING (release_id) WHERE uid = 'ucdp:613486' "
        "ORDER BY r.release_key"
    ).fetchall()
    assert versions == [
        ("26.0.1", 2, versions[0][2], MOZAMBIQUE, "Mozambique"),
        ("26.0.2", 3, versions[0][2], MOZAMBIQUE, "Mozambique"),
    ]
    # Seen in both releases (sightings), even though unchanged events keep one version.
    assert bundled_store.con.execute(
        "SELECT count(*) FROM sightings WHERE uid = 'ucdp:613486'"
    ).fetchone() == (2,)
    unchanged = bundled_store.con.execute(
        "SELECT (SELECT count(*) FROM event_versions WHERE uid = 'ucdp:612495'), "
        "(SELECT count(*) FROM sightings WHERE uid = 'ucdp:612495')"
    ).fetchone()
    assert unchanged == (1, 2)


def test_current_and_as_of_views_of_revised_event(bundled_store):
    now = events(bundled_store, EventFilter(countries=["Mozambique"]))
    now = now[now.uid == "ucdp:613486"]
    assert now[["n_sources", "release"]].values.tolist() == [[3, "26.0.2"]]
    then = events(bundled_store, EventFilter(countries=["MOZ"], as_of="26.0.1"))
    then = then[then.uid == "ucdp:613486"]
    assert then[["n_sources", "release"]].values.tolist() == [[2, "26.0.1"]]
    qualified = events(bundled_store, EventFilter(as_of="ucdp_candidate:26.0.1"))
    assert qualified.loc[qualified.uid == "ucdp:613486", "n_sources"].tolist() == [2]


def test_new_january_events_absent_as_of_26_0_1(bundled_store):
    old, new = _ids(CANDIDATE_1), _ids(CANDIDATE_2)
    january_new = new[(new.date_start < "2026-02") & ~new.id.isin(old.id)]
    uids = sorted("ucdp:" + january_new.id)
    assert uids == sorted(f"ucdp:{i}" for i in (622631, 620893, 620884, 620238, 622744, 620301))
    candidate = EventFilter(sources=["ucdp_candidate"])
    current = set(events(bundled_store, candidate).uid)
    as_of = events(bundled_store, EventFilter(as_of="26.0.1", sources=["ucdp_candidate"]))
    assert set(uids) <= current
    assert not set(uids) & set(as_of.uid)
    # As of 26.0.1: the 2025 reduced release plus 26.0.1, nothing of 26.0.2.
    assert len(as_of) == 6547 + 1727
    assert set(as_of.release) == {"25.01.25.12", "26.0.1"}
    assert len(current) == 6547 + 1727 + 1287


def test_reverse_order_gives_same_store(tmp_path):
    """26.0.2 then 26.0.1 gives the same current view (content and release of each version),
    the same history and the same as-of view as 26.0.1 then 26.0.2."""
    forward, backward = Store(tmp_path / "f.duckdb"), Store(tmp_path / "b.duckdb")
    try:
        for path in (CANDIDATE_1, CANDIDATE_2):
            ingest(forward, bundled_file(path))
        late_second = ingest(backward, bundled_file(CANDIDATE_2))
        late_first = ingest(backward, bundled_file(CANDIDATE_1))
        assert (late_second.added, late_second.rejected) == (1298, 0)
        assert (late_first.added, late_first.rejected) == (1727, 0)
        a, b = _current(forward), _current(backward)
        assert len(a) == len(b) == 3014
        pd.testing.assert_frame_equal(a, b)
        # The 10 events identical in both releases keep one version, first seen in 26.0.1.
        sql = "SELECT uid FROM event_versions GROUP BY uid HAVING count(*) > 1"
        for s in (forward, backward):
            assert s.con.execute(sql).fetchall() == [("ucdp:613486",)]
            assert s.con.execute("SELECT count(*) FROM event_versions").fetchone() == (3015,)
            assert s.con.execute("SELECT count(*) FROM sightings").fetchone() == (3025,)
        assert a.set_index("uid").loc["ucdp:612495", "release"] == "26.0.1"
        # The revised event is current in its 26.0.2 form either way; as of 26.0.1, the old one.
        for s in (forward, backward):
            rid = _release_id(s, "26.0.1")
            old = _current(s, rid).set_index("uid")
            assert len(old) == 1727
            assert old.loc["ucdp:613486", "n_sources"] == 2
            assert _current(s).set_index("uid").loc["ucdp:613486", "n_sources"] == 3
    finally:
        forward.close()
        backward.close()


def test_reingest_same_file_is_idempotent(store, table_counts, versions_checksum):
    first = ingest(store, bundled_file(CANDIDATE_1))
    before, digest = table_counts(store), versions_checksum(store)
    again = ingest(store, bundled_file(CANDIDATE_1))
    assert again.already_ingested is not None
    assert (again.source, again.release, again.added, again.revised) == (
        "ucdp_candidate",
        "26.0.1",
        0,
        0,
    )
    assert again.unchanged == first.rows_read == 1727
    assert "already ingested on" in again.summary()
    assert "nothing changed" in again.summary()
    assert table_counts(store) == before
    assert versions_checksum(store) == digest


def test_reingest_bundled_is_idempotent(bundled_copy, table_counts, versions_checksum):
    from sahelwatch.bundled import ingest_bundled

    with Store(bundled_copy) as s:
        before, digest = table_counts(s), versions_checksum(s)
        reports = ingest_bundled(s)
        assert all(r.already_ingested is not None for r in reports)
        assert table_counts(s) == before
        assert versions_checksum(s) == digest


# --------------------------------------------------------------------------------------------
# Coverage: what each release says it covers, and the withheld months as gaps.


def _covered_months(store: Store, source: str, gw: int) -> list[str]:
    rows = store.con.execute(
        "SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM coverage JOIN releases "
        "USING (release_id) WHERE source = ? AND country_gw = ? ORDER BY m",
        [source, gw],
    ).fetchall()
    return [r[0] for r in rows]


def test_candidate_coverage_for_mali_has_the_withheld_gap(bundled_store):
    assert _covered_months(bundled_store, "ucdp_candidate", MALI) == [
        "2025-01",
        "2025-02",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    per_release = bundled_store.con.execute(
        "SELECT r.release, list_sort(list(DISTINCT strftime(month, '%Y-%m'))) FROM coverage "
        "JOIN releases r USING (release_id) WHERE country_gw = 432 AND r.source = "
        "'ucdp_candidate' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert per_release == [
        ("25.01.25.12", ["2025-01", "2025-02", "2025-12"]),
        ("26.0.1", ["2026-01"]),
        ("26.0.2", ["2026-02"]),
    ]
    withheld = bundled_store.con.execute(
        "SELECT count(*) FROM coverage WHERE month BETWEEN DATE '2025-03-01' AND DATE '2025-11-01'"
    ).fetchone()
    assert withheld == (0,)


def test_status_reports_exactly_the_withheld_gap(bundled_store):
    report = status(bundled_store, today=date(2026, 3, 31))
    by_source = {s.source: s for s in report.sources}
    assert set(by_source) == {"ucdp_ged", "ucdp_candidate", "ucdp_ged_cm", "views_cm"}
    candidate = by_source["ucdp_candidate"]
    assert candidate.gaps == [(_m("2025-03"), _m("2025-11"))]
    assert candidate.covered == [(_m("2025-01"), _m("2025-02")), (_m("2025-12"), _m("2026-02"))]
    assert candidate.newest == date(2026, 3, 11)  # newest date_end of 26.0.2
    assert candidate.stale_days == 20
    assert by_source["ucdp_ged_cm"].gaps == [] and by_source["views_cm"].gaps == []
    mali = status(bundled_store, [MALI], today=date(2026, 3, 31))
    assert [s.gaps for s in mali.sources if s.source == "ucdp_candidate"] == [
        [(_m("2025-03"), _m("2025-11"))]
    ]
    text = report.to_text()
    assert (
        "ucdp_candidate: covers 2025-01..2025-02, 2025-12..2026-02; gaps 2025-03..2025-11" in text
    )
    assert "Mali / ucdp_candidate: covers 2025-01..2025-02, 2025-12..2026-02" in text
    assert "in quarantine" not in text
    assert f"{report.flagged} loaded rows carry data-quality flags" in text
    assert report.events == 6547 + 1727 + 1287 + 5072 + 4603
    # Niger has no GED 25.1 totals: no 'Niger / ucdp_ged_cm' line.
    assert "Niger / views_cm" in text and "Niger / ucdp_ged_cm" not in text


def test_ged_country_month_coverage(bundled_store):
    row = bundled_store.con.execute(
        "SELECT count(DISTINCT country_gw), count(DISTINCT month), min(month), max(month), "
        "count(*), count(*) FILTER (WHERE country_gw = 436) FROM coverage "
        "JOIN releases USING (release_id) WHERE source = 'ucdp_ged_cm'"
    ).fetchone()
    assert row == (122, 432, date(1989, 1, 1), date(2024, 12, 1), 52704, 0)
    path = bundled_file("ged251_country_month_global.csv.gz")
    direct = _direct(f"SELECT count(DISTINCT country_id) FROM read_csv('{path}')")
    assert direct == (122,)
    assert bundled_store.con.execute(
        "SELECT count(*) FROM cm_versions WHERE country_gw = 436 AND uid LIKE 'ucdp_ged_cm:%'"
    ).fetchone() == (0,)


def test_views_coverage(bundled_store):
    row = bundled_store.con.execute(
        "SELECT count(DISTINCT country_gw), count(DISTINCT month), min(month), max(month), "
        "count(*), count(*) FILTER (WHERE country_gw = 436) FROM coverage "
        "JOIN releases USING (release_id) WHERE source = 'views_cm'"
    ).fetchone()
    assert row == (191, 78, date(2017, 11, 1), date(2024, 4, 1), 14898, 78)


# --------------------------------------------------------------------------------------------
# Country-month tables.


def _cm(store: Store) -> str:
    return store.current_sql("cm_versions")


def test_ged_country_month_mali_2024_equals_csv(bundled_store):
    path = bundled_file("ged251_country_month_global.csv.gz")
    direct = _direct(
        f"SELECT sum(best_total), sum(events_total), sum(high_total), sum(deaths_civilians) "
        f"FROM read_csv('{path}') WHERE country_id = 432 AND year = 2024"
    )
    stored = bundled_store.con.execute(
        f"SELECT sum(best_total), sum(events_total), sum(high_total), sum(deaths_civilians) "
        f"FROM ({_cm(bundled_store)}) WHERE source = 'ucdp_ged_cm' AND country_gw = 432 "
        "AND year(month) = 2024"
    ).fetchone()
    assert stored == direct
    assert stored[0] == 1901 and stored[1] == 447
    # Every Mali month 1989-2024 is present (zero-filled by the table), none later.
    months = bundled_store.con.execute(
        f"SELECT count(*), sum(best_total) FROM ({_cm(bundled_store)}) "
        "WHERE source = 'ucdp_ged_cm' AND country_gw = 432"
    ).fetchone()
    total = _direct(
        f"SELECT count(*), sum(best_total) FROM read_csv('{path}') WHERE country_id = 432"
    )
    assert months == total
    assert months[0] == 432


def test_views_rows_spot_check(bundled_store):
    rows = bundled_store.con.execute(
        f"SELECT country_gw, strftime(month, '%Y-%m'), best_sb, best_ns, best_os, best_total, "
        f"high_total, events_total, release FROM ({_cm(bundled_store)}) "
        "WHERE source = 'views_cm' AND ((country_gw = 432 AND month IN "
        "(DATE '2020-01-01', DATE '2020-03-01')) OR (country_gw = 436 AND "
        "month = DATE '2023-07-01')) ORDER BY 1, 2"
    ).fetchall()
    # From the CSV: MLI 2020-1 108.0,0.0,37.0; MLI 2020-3 74.0,191.0,76.0; NER 2023-7 13.0,0.0,3.0.
    # VIEWS has no high estimate nor event counts: they stay empty, never zero.
    assert rows == [
        (432, "2020-01", 108, 0, 37, 145, None, None, "challenge-2023-24"),
        (432, "2020-03", 74, 191, 76, 341, None, None, "challenge-2023-24"),
        (436, "2023-07", 13, 0, 3, 16, None, None, "challenge-2023-24"),
    ]


def test_candidate_country_month_table_matches_stored_events(bundled_copy):
    """File 6 (Candidate country-month sums) against the events of files 2-4 in the store: equal
    everywhere, Burkina Faso 2026-02 included, whose three rows with best above high UCDP
    counts (SahelWatch loads them, flagged)."""
    path = DATA / "ged_candidate_country_month_sahel_2025-01_2026-02.csv.gz"
    with Store(bundled_copy) as s:
        with pytest.raises(ReleaseError, match="cannot tell which release"):
            ingest(s, path)
        report = ingest(s, path, release="sahel-2025-01_2026-02")
        assert (report.rows_read, report.added, report.rejected) == (40, 40, 0)
        assert report.coverage == "2025-01..2025-02, 2025-12..2026-02"
        assert report.countries == 8
        diffs = s.con.execute(
            f"""
            WITH ev AS (
                SELECT country_gw, date_trunc('month', date_start)::DATE AS month,
                       sum(best) AS best, count(*) AS n,
                       count(*) FILTER (WHERE violence_type = 'sb') AS n_sb
                FROM ({s.current_sql()}) WHERE source = 'ucdp_candidate' GROUP BY ALL)
            SELECT c.country_gw, strftime(c.month, '%Y-%m'), c.best_total - coalesce(ev.best, 0),
                   c.events_total - coalesce(ev.n, 0), c.events_sb - coalesce(ev.n_sb, 0)
            FROM ({s.current_sql("cm_versions")}) c LEFT JOIN ev USING (country_gw, month)
            WHERE c.source = 'ucdp_candidate_cm'
              AND (c.best_total <> coalesce(ev.best, 0) OR c.events_total <> coalesce(ev.n, 0))
            """
        ).fetchall()
        assert diffs == []
        flagged = s.con.execute(
            "SELECT list(row_number ORDER BY row_number) FROM event_versions v "
            "JOIN releases r USING (release_id) WHERE country_gw = 439 AND release = '26.0.2' "
            "AND flags IS NOT NULL"
        ).fetchone()
        assert flagged == ([77, 78, 79],)


def test_sahel_extract_of_same_release_is_unchanged(bundled_copy):
    with Store(bundled_copy) as s:
        report = ingest(s, DATA / "ged251_country_month_sahel.csv.gz")
        assert (report.release, report.unchanged, report.added) == ("25.1", 3024, 0)


# --------------------------------------------------------------------------------------------
# UCDP GED 23.1 random sample: floats everywhere, old countries.


def test_ged_sample_with_float_numbers(store):
    raw = pd.read_csv(GED_SAMPLE, dtype=str, keep_default_na=False)
    assert raw.shape == (1000, 49)
    assert raw.loc[0, "id"] == "300380.0"
    best, low, high = (pd.to_numeric(raw[c]) for c in ("best", "low", "high"))
    bad = (low > best) | (best > high)
    report = ingest(store, GED_SAMPLE, record_coverage=False)
    assert (report.source, report.release) == ("ucdp_ged", "23.1")
    assert (report.rows_read, report.added, report.rejected) == (1000, 1000, 0)
    assert int(bad.sum()) == sum(n for flag, n in report.flags if "above" in flag) == 13
    assert report.coverage == "" and "records no coverage" in report.summary()
    assert store.con.execute("SELECT count(*) FROM coverage").fetchone() == (0,)
    assert store.con.execute("SELECT preliminary, kind FROM releases").fetchall() == [
        (False, "event")
    ]
    first = store.con.execute(
        "SELECT uid, source_id, best, low, high, country_gw, date_start, latitude, longitude, "
        "priogrid_gid, violence_type FROM event_versions WHERE uid = 'ucdp:300380'"
    ).fetchone()
    assert first == (
        "ucdp:300380",
        "300380",
        2,
        2,
        2,
        652,
        date(2013, 1, 3),
        35.763369,
        36.558974,
        181154,
        "sb",
    )
    assert store.con.execute(
        "SELECT count(*) FROM event_versions WHERE uid LIKE '%.%' OR source_id LIKE '%.%'"
    ).fetchone() == (0,)
    serbia = int((pd.to_numeric(raw.country_id) == SERBIA_YUGOSLAVIA).sum())
    assert serbia == 7
    assert store.con.execute(
        "SELECT count(*), any_value(country_iso3) FROM event_versions WHERE country_gw = 345"
    ).fetchone() == (serbia, "SRB")
    assert store.con.execute(
        "SELECT count(*) FROM quarantine WHERE reason LIKE 'unknown country%'"
    ).fetchone() == (0,)


# --------------------------------------------------------------------------------------------
# Excel and zipped CSV.


def _xlsx_from_csv(target: Path, header: list[str], rows: list[list[str]], numeric: bool) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("GEDEvent")
    sheet.append(header)
    start = header.index("date_start")
    for row in rows:
        cells: list[object] = []
        for value in row:
            if numeric and value == "":
                cells.append(None)
            elif numeric and value.lstrip("-").isdigit():
                cells.append(int(value))
            elif numeric and value.replace(".", "", 1).lstrip("-").isdigit():
                cells.append(float(value))
            else:
                cells.append(value)
        # UCDP's Excel holds real date cells.
        cells[start] = datetime.strptime(row[start], "%Y-%m-%d %H:%M:%S.000")
        sheet.append(cells)
    book.save(target)
    return target


@pytest.fixture(scope="module")
def excel_copy(tmp_path_factory, release_rows) -> Path:
    """Release 26.0.2 as a workbook: every value as the CSV's text, date_start as date cells."""
    header, rows = release_rows(CANDIDATE_2)
    target = tmp_path_factory.mktemp("excel") / "candidate_february.xlsx"
    return _xlsx_from_csv(target, header, rows, numeric=False)


def test_excel_copy_gives_same_events(tmp_path, excel_copy):
    with Store(tmp_path / "csv.duckdb") as from_csv, Store(tmp_path / "xl.duckdb") as from_xl:
        a = ingest(from_csv, bundled_file(CANDIDATE_2))
        b = ingest(from_xl, excel_copy, release="26.0.2")
        assert (b.format, b.source, b.release) == ("ucdp_ged", "ucdp_candidate", "26.0.2")
        assert (b.rows_read, b.added, b.rejected) == (a.rows_read, a.added, a.rejected)
        assert (b.rows_read, b.added, b.rejected) == (1298, 1298, 0)
        pd.testing.assert_frame_equal(
            _current(from_csv).drop(columns=["file_id", "row_number"], errors="ignore"),
            _current(from_xl).drop(columns=["file_id", "row_number"], errors="ignore"),
        )
        assert from_xl.con.execute(
            "SELECT list(row_number ORDER BY row_number) FROM event_versions "
            "WHERE flags IS NOT NULL"
        ).fetchone() == ([77, 78, 79, 308, 309, 310, 1138],)
        # The same release again from the workbook changes nothing.
        again = ingest(from_csv, excel_copy, release="26.0.2")
        assert (again.added, again.revised, again.unchanged) == (0, 0, 1298)


def test_excel_without_release_in_name_needs_release(store, tmp_path, release_rows):
    header, rows = release_rows(CANDIDATE_2)
    xlsx = _xlsx_from_csv(tmp_path / "candidate_february.xlsx", header, rows[:20], numeric=False)
    with pytest.raises(ReleaseError, match=r"^candidate_february\.xlsx: cannot tell .*--release"):
        ingest(store, xlsx)
    assert store.con.execute("SELECT count(*) FROM releases").fetchone() == (0,)


# The first 300 records of 26.0.2, as CSV and as a workbook with numeric cells (UCDP's Excel).
SUBSET = 300


def test_excel_with_numeric_cells_matches_stored_release(store, tmp_path, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    xlsx = _xlsx_from_csv(tmp_path / "GEDEvent_v26_0_2.xlsx", header, rows[:SUBSET], True)
    ingest(store, write_csv("GEDEvent_v26_0_2.csv", header, rows[:SUBSET]))
    again = ingest(store, xlsx)
    assert (again.added, again.revised, again.unchanged) == (0, 0, SUBSET)


def test_excel_with_numeric_cells_gives_same_canonical_events(tmp_path, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    xlsx = _xlsx_from_csv(tmp_path / "GEDEvent_v26_0_2.xlsx", header, rows[:SUBSET], True)
    plain = write_csv("GEDEvent_v26_0_2.csv", header, rows[:SUBSET])
    with Store(tmp_path / "csv.duckdb") as from_csv, Store(tmp_path / "xl.duckdb") as from_xl:
        ingest(from_csv, plain)
        report = ingest(from_xl, xlsx)
        # Rows 77-79 (Burkina Faso, high < best) are among the first 300: loaded, flagged.
        assert (report.release, report.added, report.rejected) == ("26.0.2", SUBSET, 0)
        assert report.flagged == 3
        drop = ["file_id", "row_number", "content_hash"]
        pd.testing.assert_frame_equal(
            _current(from_csv).drop(columns=drop, errors="ignore"),
            _current(from_xl).drop(columns=drop, errors="ignore"),
        )


def test_zipped_csv_gives_same_events(tmp_path):
    plain = gzip.decompress(bundled_file(CANDIDATE_2).read_bytes())
    archive = tmp_path / "GEDEvent_v26_0_2.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v26_0_2.csv", plain)
    with Store(tmp_path / "gz.duckdb") as from_gz, Store(tmp_path / "zip.duckdb") as from_zip:
        a = ingest(from_gz, bundled_file(CANDIDATE_2))
        b = ingest(from_zip, archive)
        assert (b.source, b.release) == ("ucdp_candidate", "26.0.2")
        assert (b.rows_read, b.added, b.revised, b.unchanged, b.rejected) == (
            a.rows_read,
            a.added,
            a.revised,
            a.unchanged,
            a.rejected,
        )
        pd.testing.assert_frame_equal(
            _current(from_gz).drop(columns=["file_id", "row_number"], errors="ignore"),
            _current(from_zip).drop(columns=["file_id", "row_number"], errors="ignore"),
        )
        # Same content in another container: unchanged, not a conflict.
        again = ingest(from_gz, archive)
        assert (again.added, again.unchanged) == (0, 1298)


# --------------------------------------------------------------------------------------------
# Release names.


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GEDEvent_v26_0_1.csv", "26.0.1"),
        ("GEDEvent_v26_0_2.xlsx", "26.0.2"),
        ("ged251.csv", "25.1"),
        ("ged251-csv.zip", "25.1"),
        ("ucdp_candidate_26.0.1_events_global.csv.gz", "26.0.1"),
        ("GEDEvent_v25_01_25_12.csv", "25.01.25.12"),  # leading zeros kept
        ("events.csv", None),
    ],
)
def test_release_from_filename(name, expected):
    assert ucdp.release_from_filename(name) == expected


def _small_ucdp(write_csv, release_rows, name: str, n: int = 40) -> Path:
    header, rows = release_rows(CANDIDATE_1)
    return write_csv(name, header, rows[:n])


@pytest.mark.parametrize(
    ("name", "source", "release", "preliminary"),
    [
        ("GEDEvent_v26_0_1.csv", "ucdp_candidate", "26.0.1", True),
        ("ged251.csv", "ucdp_ged", "25.1", False),
    ],
)
def test_release_detected_from_file_name(
    store, write_csv, release_rows, name, source, release, preliminary
):
    report = ingest(store, _small_ucdp(write_csv, release_rows, name))
    assert (report.source, report.release, report.added) == (source, release, 40)
    assert store.con.execute(
        "SELECT source, release, family, kind, preliminary FROM releases"
    ).fetchall() == [(source, release, "ucdp", "event", preliminary)]


def test_source_and_release_overrides(store, write_csv, release_rows):
    path = _small_ucdp(write_csv, release_rows, "ged251.csv")
    report = ingest(store, path, source="ucdp_candidate", release="26.0.1")
    assert (report.source, report.release) == ("ucdp_candidate", "26.0.1")
    other = _small_ucdp(write_csv, release_rows, "GEDEvent_v26_0_1.csv", n=41)
    report = ingest(store, other, source="ucdp_ged")
    assert (report.source, report.release) == ("ucdp_ged", "26.0.1")
    assert store.con.execute(
        "SELECT source, release, preliminary FROM releases ORDER BY release_id"
    ).fetchall() == [("ucdp_candidate", "26.0.1", True), ("ucdp_ged", "26.0.1", False)]


def test_unnamed_release_needs_release_option(store, write_csv, release_rows, table_counts):
    path = _small_ucdp(write_csv, release_rows, "events.csv")
    with pytest.raises(ReleaseError, match=r"^events\.csv: cannot tell which release.*--release"):
        ingest(store, path)
    assert sum(table_counts(store).values()) == 0


def test_incompatible_source_is_refused(store, table_counts):
    with pytest.raises(ReleaseError) as caught:
        ingest(store, bundled_file(CANDIDATE_1), source="acled")
    message = str(caught.value)
    assert message.startswith(f"{CANDIDATE_1}: ")
    assert "cannot be source 'acled'" in message
    assert "ucdp_ged, ucdp_candidate" in message
    assert sum(table_counts(store).values()) == 0


def test_changed_record_in_same_release_is_refused(
    bundled_copy, release_rows, write_csv, table_counts, versions_checksum
):
    header, rows = release_rows(CANDIDATE_1)
    best, high, ident = header.index("best"), header.index("high"), header.index("id")
    target = next(r for r in rows if r[ident] == "609655")
    target[best] = str(int(target[best]) + 1)
    target[high] = str(max(int(target[high]), int(target[best])))
    path = write_csv("GEDEvent_v26_0_1.csv", header, rows)
    with Store(bundled_copy) as s:
        before, digest = table_counts(s), versions_checksum(s)
        with pytest.raises(ReleaseError) as caught:
            ingest(s, path)
        message = str(caught.value)
        assert message.startswith("GEDEvent_v26_0_1.csv: 1 records (e.g. ucdp:609655) differ")
        assert "same release 26.0.1" in message and "--release" in message
        assert table_counts(s) == before
        assert versions_checksum(s) == digest
        # Under a new release name it is a revision.
        report = ingest(s, path, release="26.0.1.1")
        assert (report.added, report.revised, report.unchanged) == (0, 1, 1726)


def test_unchanged_copy_of_same_release_is_accepted(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_1)
    ingest(store, bundled_file(CANDIDATE_1))
    copy = write_csv("GEDEvent_v26_0_1.csv", header, rows)
    report = ingest(store, copy)
    assert (report.added, report.revised, report.unchanged, report.rejected) == (0, 0, 1727, 0)
    assert store.con.execute("SELECT count(*) FROM event_versions").fetchone() == (1727,)


@pytest.mark.parametrize("name", [CANDIDATE_1, CANDIDATE_2])
def test_csv_written_back_is_byte_identical(release_rows, write_csv, name):
    """The crafted files of these tests are in UCDP's exact CSV format (checked here)."""
    header, rows = release_rows(name)
    path = write_csv("copy.csv", header, rows)
    assert path.read_bytes() == gzip.decompress(bundled_file(name).read_bytes())
    assert len(rows) == {CANDIDATE_1: 1727, CANDIDATE_2: 1298}[name]


def test_revision_of_a_non_canonical_column_is_kept(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_1)
    ingest(store, bundled_file(CANDIDATE_1))
    col = header.index
    target = next(r for r in rows if r[col("id")] == "609655")
    assert (target[col("code_status")], target[col("event_clarity")]) == ("Check deaths", "1")
    target[col("code_status")] = "Clear"
    target[col("event_clarity")] = "2"
    report = ingest(store, write_csv("GEDEvent_v26_0_3.csv", header, rows))
    assert (report.added, report.revised, report.unchanged) == (0, 1, 1726)
    assert store.con.execute(
        "SELECT count(*) FROM event_versions WHERE uid = 'ucdp:609655'"
    ).fetchone() == (2,)
    # The raw record of each version, as the library gives it back (names from the header).
    for as_of, code_status in (("26.0.1", "Check deaths"), (None, "Clear")):
        found = events(store, EventFilter(as_of=as_of), raw=True).set_index("uid")
        raw = json.loads(found.loc["ucdp:609655", "raw"])
        assert raw["code_status"] == code_status and raw["id"] == "609655"


def test_every_version_gives_back_its_file_row(store, release_rows):
    """Each stored version points at the file row it was read from, and that row comes back
    whole: the values of the file's own columns, for every event of both releases."""
    ingest(store, bundled_file(CANDIDATE_1))
    ingest(store, bundled_file(CANDIDATE_2))
    header, rows = release_rows(CANDIDATE_2)
    versions = store.con.execute(
        "SELECT v.file_id, v.row_number, v.source_id, l.path FROM event_versions v "
        "JOIN ingest_log l USING (file_id)"
    ).fetchall()
    assert len(versions) == 1727 + 1288
    found = store.raw_records([v[0] for v in versions], [v[1] for v in versions])
    for (_file, row, source_id, path), text in zip(versions, found, strict=True):
        record = json.loads(text)
        assert record["id"] == source_id, (path, row)
        if "26_0_2" in path:
            assert list(record.values()) == [v or None for v in rows[row - 2]], row
    assert list(record) == header


def test_excel_with_empty_last_cells_reads_without_warning(store, tmp_path, release_rows):
    import warnings

    header, rows = release_rows(CANDIDATE_2)
    assert rows[0][header.index("gwnob")] == ""
    xlsx = _xlsx_from_csv(tmp_path / "GEDEvent_v26_0_2.xlsx", header, rows[:20], numeric=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = ingest(store, xlsx)
    assert (report.rows_read, report.added) == (20, 20)


@pytest.mark.parametrize("variant", ["bom", "crlf", "upper_header"])
def test_spreadsheet_csv_variants_give_same_versions(tmp_path, release_rows, write_csv, variant):
    """A UTF-8 BOM, Windows line ends or an upper-case header (a CSV re-saved by a spreadsheet)
    change nothing: same records, same content hashes."""
    header, rows = release_rows(CANDIDATE_2)
    original = write_csv("GEDEvent_v26_0_2.csv", header, rows[:50])
    text = original.read_text(encoding="utf-8")
    if variant == "bom":
        text = "\ufeff" + text
    elif variant == "crlf":  # CRLF between records; line breaks inside fields stay LF
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows[:50]])
        text = buffer.getvalue()
        assert text.count("\r\n") == 51 and text.count("\n") > 51
    else:
        first, rest = text.split("\n", 1)
        text = first.upper() + "\n" + rest
    changed = tmp_path / "changed" / "GEDEvent_v26_0_2.csv"
    changed.parent.mkdir()
    changed.write_bytes(text.encode("utf-8"))
    sql = "SELECT uid, content_hash FROM event_versions ORDER BY uid"
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        ingest(a, original)
        report = ingest(b, changed)
        assert (report.rows_read, report.added, report.rejected) == (50, 50, 0)
        assert a.con.execute(sql).fetchall() == b.con.execute(sql).fetchall()
        # and into the same store: the same release, unchanged
        again = ingest(a, changed)
        assert (again.added, again.unchanged) == (0, 50)
