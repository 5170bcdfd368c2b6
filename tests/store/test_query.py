"""EventFilter semantics on the bundled store, checked against plain DuckDB on the CSV files
(the ``direct`` fixture), and bad filters raising QueryError with a clear sentence."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from sahelwatch import EventFilter, QueryError, Store, events, export_events, ingest
from sahelwatch.errors import NotFound
from sahelwatch.query import events_sql, resolve_country, resolve_release, source_record

DATA = Path(__file__).parents[1] / "data"
CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"


def _uids(direct, where: str) -> list[str]:
    rows = direct.execute(f"SELECT 'ucdp:' || id FROM cur WHERE {where}").fetchall()
    return sorted(r[0] for r in rows)


def _got(store: Store, flt: EventFilter) -> list[str]:
    return sorted(events(store, flt).uid)


# --------------------------------------------------------------------------------------------
# Countries.


@pytest.mark.parametrize(
    ("text", "gw"),
    [
        ("MLI", 432),
        ("mli", 432),
        ("432", 432),
        (" Mali ", 432),
        ("MALI", 432),
        ("Ivory Coast", 437),
        ("Côte d'Ivoire", 437),
        ("CIV", 437),
        ("Burkina Faso", 439),
        ("DR Congo (Zaire)", 490),
        ("NER", 436),
    ],
)
def test_resolve_country(bundled_store, text, gw):
    assert resolve_country(bundled_store, text) == [gw]


@pytest.mark.parametrize("text", ["SRB", "srb"])
def test_resolve_country_with_two_codes(bundled_store, text):
    """Serbia is 340 and, in UCDP data, 345 'Serbia (Yugoslavia)': SRB means both."""
    assert resolve_country(bundled_store, text) == [340, 345]


@pytest.mark.parametrize("text", ["Atlantis", "", "XXX", "4320", "Mal"])
def test_unknown_country(bundled_store, text):
    with pytest.raises(QueryError) as caught:
        events(bundled_store, EventFilter(countries=["MLI", text]))
    assert str(caught.value) == (
        f"unknown country '{text}'; give an ISO3 code (MLI), a Gleditsch-Ward number (432) "
        "or a name (Mali)."
    )


def test_countries_filter(bundled_store, direct):
    got = _got(bundled_store, EventFilter(countries=["MLI"]))
    assert got == _uids(direct, "country_id = 432")
    assert len(got) == 2120 + 238  # GED 24.1 (data README, file 20) and the Candidate events
    candidate = EventFilter(countries=["Mali", "BFA"], sources=["ucdp_candidate"])
    both = _got(bundled_store, candidate)
    assert both == _uids(direct, "country_id IN (432, 439) AND rel >= 0")
    # data README, file 5; Burkina's three rows with best above high count too (flagged)
    assert len(both) == 238 + 282


def test_serbia_by_iso3_finds_ucdp_events(store):
    """UCDP codes Serbia's events 345 'Serbia (Yugoslavia)'; 'SRB' must find them (7 valid
    ones in the GED 23.1 sample)."""
    ingest(store, DATA / "ged_v23_1_random_sample_1000.csv.gz", record_coverage=False)
    found = events(store, EventFilter(countries=["SRB"]))
    assert len(found) == 7 and set(found.country_gw) == {345}
    assert len(events(store, EventFilter(countries=["Serbia (Yugoslavia)"]))) == 7


def test_country_as_integer(bundled_store):
    """The docstring offers Gleditsch-Ward numbers; a Python int works like the text."""
    flt = EventFilter(countries=[432], sources=["ucdp_candidate"])  # type: ignore[list-item]
    assert len(events(bundled_store, flt)) == 238


# --------------------------------------------------------------------------------------------
# Months, types, actors, boxes, fatalities.


def test_period_is_inclusive_months(bundled_store, direct):
    feb = _got(bundled_store, EventFilter(start=date(2026, 2, 1), end=date(2026, 2, 1)))
    assert feb == _uids(direct, "date_start BETWEEN DATE '2026-02-01' AND DATE '2026-02-28'")
    frame = events(bundled_store, EventFilter(start=date(2026, 2, 1), end=date(2026, 2, 1)))
    assert frame.date_start.max().strftime("%Y-%m-%d") == "2026-02-28"
    assert frame.date_start.min().strftime("%Y-%m-%d") == "2026-02-01"
    since = _got(bundled_store, EventFilter(start=date(2025, 12, 1)))
    assert since == _uids(direct, "date_start >= DATE '2025-12-01'")
    until = _got(bundled_store, EventFilter(end=date(2025, 2, 1)))
    assert until == _uids(direct, "date_start < DATE '2025-03-01'")
    candidate = _got(bundled_store, EventFilter(end=date(2025, 2, 1), sources=["ucdp_candidate"]))
    assert len(candidate) == 2527 + 2119  # data README, file 4
    # Nothing in the withheld months, and no error either: they are simply not there.
    gap = events(bundled_store, EventFilter(start=date(2025, 3, 1), end=date(2025, 11, 1)))
    assert len(gap) == 0


def test_violence_types(bundled_store, direct):
    for types, codes in ((["sb"], "1"), (["ns"], "2"), (["os", "ns"], "2, 3")):
        flt = EventFilter(countries=["BFA"], violence_types=types)
        assert _got(bundled_store, flt) == _uids(direct, f"country_id = 439 AND tov IN ({codes})")


@pytest.mark.parametrize("bad", [["xx"], ["sb", "7"], ["state-based"]])
def test_unknown_violence_type(bundled_store, bad):
    with pytest.raises(QueryError, match=r"^unknown violence type .*; use sb, ns or os\.$"):
        events(bundled_store, EventFilter(violence_types=bad))


def test_actor_is_case_insensitive_substring(bundled_store, direct):
    where = "lower(side_a) LIKE '%wagner%' OR lower(side_b) LIKE '%wagner%'"
    expected = _uids(direct, where)
    for text in ("Wagner", "wagner", "WAGNER"):
        assert _got(bundled_store, EventFilter(actor=text)) == expected
    jnim = events(bundled_store, EventFilter(actor="JNIM"))
    assert sorted(jnim.uid) == _uids(direct, "side_a = 'JNIM' OR side_b = 'JNIM'")
    assert len(jnim[jnim.source == "ucdp_candidate"]) == 187 + 3  # 3 flagged in Burkina Faso


def test_actor_by_its_canonical_name(bundled_store, direct):
    """Briefs and indicators name actors as the actor dictionary does; that name finds the
    events whatever their sides read ('JNIM', 'Dozos (Mali)'); only the whole name does."""
    jnim = "JNIM (Jama'at Nusrat al-Islam wal-Muslimin)"
    assert _got(bundled_store, EventFilter(actor=jnim.upper())) == _uids(
        direct, "side_a = 'JNIM' OR side_b = 'JNIM'")
    dozos = _got(bundled_store, EventFilter(countries=["MLI"], actor="Dozo militias"))
    named = "side_a LIKE '%Dozos (Mali)%' OR side_b LIKE '%Dozos (Mali)%'"
    assert dozos and dozos == _uids(direct, f"country_id = 432 AND ({named})")
    assert _got(bundled_store, EventFilter(actor="Dozo militia")) == []  # no part of it


@pytest.mark.parametrize("text", ["%", "_", "J_IM", "%JNIM"])
def test_actor_is_literal_text(bundled_store, text):
    """No LIKE wildcards: '%' or '_' in the text match only themselves."""
    assert len(events(bundled_store, EventFilter(actor=text))) == 0


def test_bbox(bundled_store, direct):
    box = (-12.3, 10.1, 4.3, 25.0)
    got = events(bundled_store, EventFilter(bbox=box))
    where = "lon BETWEEN -12.3 AND 4.3 AND lat BETWEEN 10.1 AND 25.0"
    assert sorted(got.uid) == _uids(direct, where)
    # Events without coordinates (the reduced 2025 file) are never inside a box.
    assert got.latitude.notna().all()
    candidate = got[got.source == "ucdp_candidate"]
    assert candidate.date_start.min().strftime("%Y-%m-%d") >= "2025-12-22"  # 26.0.1's first


@pytest.mark.parametrize(
    "box",
    [
        (4.3, 10.1, -12.3, 25.0),
        (-12.3, 25.0, 4.3, 10.1),
        (0, 0, 0, 10),
        (-200, 0, 10, 10),
        (0, -95, 10, 10),
        (0, 0, 10, 91),
        (math.nan, 0, 10, 10),
    ],
)
def test_bad_bbox(bundled_store, box):
    with pytest.raises(QueryError) as caught:
        events(bundled_store, EventFilter(bbox=box))
    assert str(caught.value) == (
        "bounding box must be min_lon,min_lat,max_lon,max_lat with min < max, "
        "for example -12.3,10.1,4.3,25.0."
    )


def test_min_fatalities_is_inclusive(bundled_store, direct):
    for n in (0, 1, 50, 8002):
        assert _got(bundled_store, EventFilter(min_fatalities=n)) == _uids(direct, f"best >= {n}")
    # 615725 (Ukraine, best 8002, high 5511) is UCDP's own record: loaded, flagged, counted.
    top = _got(bundled_store, EventFilter(min_fatalities=8002))
    assert "ucdp:615905" in top and "ucdp:615725" in top


def test_filters_combine_with_and(bundled_store, direct):
    flt = EventFilter(
        countries=["MLI", "BFA", "NER"],
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        violence_types=["sb"],
        min_fatalities=5,
        bbox=(-6.0, 11.0, 2.0, 17.0),
    )
    where = (
        "country_id IN (432, 439, 436) AND date_start BETWEEN DATE '2026-01-01' AND "
        "DATE '2026-02-28' AND tov = 1 AND best >= 5 AND lon BETWEEN -6 AND 2 AND lat "
        "BETWEEN 11 AND 17"
    )
    got = _got(bundled_store, flt)
    assert got == _uids(direct, where)
    assert len(got) > 5


def test_empty_filter_is_every_current_event(bundled_store):
    frame = events(bundled_store)
    assert len(frame) == 4603 + 5072 + 6547 + 1727 + 1287
    assert frame.uid.is_unique
    assert list(frame.sort_values(["date_start", "uid"]).uid) == list(frame.uid)
    assert {"raw", "content_hash", "release_id"}.isdisjoint(frame.columns)
    assert "raw" in events(bundled_store, EventFilter(countries=["MLI"]), raw=True).columns


# --------------------------------------------------------------------------------------------
# Releases and sources.


def test_as_of(bundled_store, direct):
    then = events(bundled_store, EventFilter(as_of="26.0.1"))
    assert len(then) == 4603 + 5072 + 6547 + 1727  # GED 20.1 and 24.1 are older releases
    before = direct.execute(
        "SELECT count(*) FROM (SELECT id FROM allrel WHERE rel <= 1 GROUP BY id)"
    ).fetchone()
    assert before == (len(then),)
    oldest = events(bundled_store, EventFilter(as_of="ucdp_candidate:25.01.25.12"))
    assert len(oldest) == 4603 + 5072 + 6547
    assert set(oldest.release) == {"20.1", "24.1", "25.01.25.12"}


@pytest.mark.parametrize("text", ["99.9", "ucdp_ged:26.0.1", "acled:26.0.1", "25.1", ""])
def test_unknown_release(bundled_store, text):
    with pytest.raises(QueryError) as caught:
        events(bundled_store, EventFilter(as_of=text or " "))
    assert "the store holds no event release" in str(caught.value)
    assert "'sahelwatch status' lists them" in str(caught.value)


def test_country_month_release_is_not_an_event_release(bundled_store):
    assert resolve_release(bundled_store, "25.1", kind="country_month") > 0
    with pytest.raises(QueryError, match=r"no event release '25\.1'"):
        resolve_release(bundled_store, "25.1")


def test_ambiguous_release(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_1)
    ingest(store, write_csv("GEDEvent_v26_0_1.csv", header, rows[:30]))
    ingest(store, write_csv("ged_copy_v26_0_1.csv", header, rows[30:60]), source="ucdp_ged")
    with pytest.raises(QueryError) as caught:
        events(store, EventFilter(as_of="26.0.1"))
    message = str(caught.value)
    assert message.startswith("release '26.0.1' is ambiguous; name one of ")
    assert "ucdp_candidate:26.0.1" in message and "ucdp_ged:26.0.1" in message
    assert len(events(store, EventFilter(as_of="ucdp_ged:26.0.1"))) == 60


def test_sources_filter(bundled_store):
    assert len(events(bundled_store, EventFilter(sources=["ucdp_candidate"]))) == 9561
    assert len(events(bundled_store, EventFilter(sources=["ucdp_ged", "acled"]))) == 4603 + 5072
    assert len(events(bundled_store, EventFilter(sources=["acled"]))) == 0


def test_unknown_source(bundled_store):
    with pytest.raises(QueryError) as caught:
        events(bundled_store, EventFilter(sources=["ucdp_candidate", "ucdp_candiate"]))
    assert str(caught.value) == (
        "unknown source ucdp_candiate; use ucdp_ged, ucdp_candidate, acled."
    )


def test_bad_export_format(bundled_store, tmp_path):
    out = tmp_path / "x.xml"
    with pytest.raises(QueryError, match=r"unknown export format 'xml'; use one of csv, "):
        export_events(bundled_store, EventFilter(), "xml", out)  # type: ignore[arg-type]
    assert not out.exists()


def test_events_sql_uses_parameters(bundled_store):
    """Filter values travel as parameters, never spliced into the SQL text."""
    sql, params = events_sql(bundled_store, EventFilter(countries=["MLI"], actor="x'; DROP"))
    assert "DROP" not in sql and params["actor"] == "x'; drop"
    assert params["countries"] == [432]
    assert len(events(bundled_store, EventFilter(actor="x'; DROP"))) == 0


def test_source_record_is_the_row_as_the_file_had_it(bundled_store):
    file_id, row, uid = bundled_store.con.execute(
        "SELECT file_id, row_number, uid FROM event_versions WHERE uid = 'ucdp:609655'"
    ).fetchone()
    path, record = source_record(bundled_store, file_id, row)
    assert path == "ucdp_candidate_26.0.1_events_global.csv.gz"  # a name, not the server's path
    assert (record["id"], record["where_description"], record["side_b"]) == (
        uid.split(":")[1],
        "Niono town",
        "JNIM",
    )
    with pytest.raises(NotFound, match=f"no record at row 99999999 of file {file_id}"):
        source_record(bundled_store, file_id, 99_999_999)
    with pytest.raises(NotFound, match="no record at row 5 of file 999"):  # no such file
        source_record(bundled_store, 999, 5)
