"""The web API over a store built from the real bundled data (with a stored forecast run).

Answers are checked against the library functions they wrap (query.events, panels.build_panel,
indicators.indicators, the stored forecast draws, ...), not against themselves.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.register_assert_rewrite("web_support")  # before importing it

from fastapi.testclient import TestClient  # noqa: E402
from web_support import BENCHMARK_MODELS, HORIZONS, N_DRAWS, ORIGIN  # noqa: E402

from sahelwatch.config import check_rules  # noqa: E402
from sahelwatch.query import EventFilter, events  # noqa: E402
from sahelwatch.store import Store, bundled_file  # noqa: E402
from sahelwatch.web import create_app  # noqa: E402

pytest_plugins = ("web_support",)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

GED_SAMPLE = Path(__file__).parents[1] / "data" / "ged_v23_1_random_sample_1000.csv.gz"
KEY = "k3y-for-tests-0123456789abcdef"
SAHEL_ISO = "MLI,BFA,NER,MRT,DZA,SEN,GIN,CIV"


@pytest.fixture(scope="module")
def client(web_db: Path) -> Iterator[TestClient]:
    app = create_app(web_db, read_env=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(web_db: Path) -> Iterator[Store]:
    with Store(web_db, read_only=True) as opened:
        yield opened


def ok(client: TestClient, url: str, **kwargs: Any) -> Any:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.text[:300])
    return response.json()


def error(client: TestClient, url: str, status: int) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error"}
    assert "Traceback" not in body["error"]
    return str(body["error"])


# --- events ---------------------------------------------------------------------------------


def test_openapi_describes_every_route(client: TestClient) -> None:
    spec = ok(client, "/openapi.json")
    paths = set(spec["paths"])
    for path in ("/api/events", "/api/events/{uid}", "/api/panels", "/api/indicators",
                 "/api/indicators/series", "/api/boundaries/{level}", "/api/forecasts",
                 "/api/forecasts/runs", "/api/history", "/api/status", "/api/coverage",
                 "/api/alerts", "/api/alerts/stream", "/alerts.atom", "/api/briefs",
                 "/api/meta", "/api/ingest", "/api/months", "/api/reference"):  # fmt: skip
        assert path in paths, path
    assert "post" in spec["paths"]["/api/ingest"]
    assert spec["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


def test_events_page_matches_the_library(client: TestClient, store: Store) -> None:
    flt = EventFilter(countries=["MLI", "BFA"], start=pd.Timestamp("2026-01-01").date(),
                      end=pd.Timestamp("2026-02-01").date())  # fmt: skip
    expected = events(store, flt)
    body = ok(client, "/api/events?country=MLI&country=BFA&period=2026-01..2026-02&limit=5000")
    assert body["total"] == len(expected) > 100
    assert body["fatalities"] == int(expected["best"].sum())
    assert body["located"] == int(expected["latitude"].notna().sum())
    assert [e["uid"] for e in body["events"]] == expected["uid"].tolist()
    first = body["events"][0]
    row = expected.iloc[0]
    assert first["date_start"] == row["date_start"].strftime("%Y-%m-%d")
    assert first["best"] == row["best"] and first["side_a"] == row["side_a"]
    assert first["latitude"] == pytest.approx(row["latitude"])


def test_months_keep_gaps_and_totals_apart_from_zero(client: TestClient, store: Store) -> None:
    """A month no release covers is null (state none), never 0; a month with only
    country-month totals says so and carries the totals; a covered month counts its events."""
    body = ok(client, "/api/months?country=MLI&period=2024-01..2026-02")
    rows = {r["month"]: r for r in body["months"]}
    gap = rows["2025-06"]
    assert gap["state"] == "none"
    assert gap["events"] is None and gap["fatalities"] is None and gap["totals_best"] is None
    totals = rows["2024-01"]
    assert totals["state"] == "totals" and totals["events"] is None
    assert totals["totals_best"] == 181 and totals["totals_family"] == "ucdp_ged_cm"
    assert (
        "2024: 1,901 deaths, 447 events in UCDP GED 25.1 country-month totals; no located events "
        "or actor names" in body["notes"]
    )
    assert "2025-03..2025-11: no data (no release covers it)" in body["notes"]
    flt = EventFilter(countries=["MLI"], start=pd.Timestamp("2026-01-01").date(),
                      end=pd.Timestamp("2026-01-31").date())  # fmt: skip
    assert rows["2026-01"]["state"] == "located"
    assert rows["2026-01"]["events"] == len(events(store, flt)) > 0
    # the events API says which months of its period are unknown rather than empty
    listed = ok(client, "/api/events?country=MLI&period=2025-05..2025-07&limit=1")
    assert listed["total"] == 0 and listed["no_data_months"] == ["2025-05", "2025-06", "2025-07"]
    assert listed["fatalities"] is None and listed["located"] is None  # unknown, not 0
    part = ok(client, "/api/events?country=MLI&period=2025-02..2025-03&limit=1")
    assert part["no_data_months"] == ["2025-03"] and part["fatalities"] > 0  # of the covered
    csv_gap = client.get("/api/events?country=MLI&period=2025-06&format=csv")
    assert csv_gap.headers["x-no-data-months"] == "2025-06"
    # months whose releases name no actors have no count by actor family
    fam = ok(client, "/api/months?country=MLI&period=2025-01..2026-01&actor_family=jihadist")
    by_month = {r["month"]: r for r in fam["months"]}
    assert by_month["2025-01"]["state"] == "unlocated" and by_month["2025-01"]["events"] is None
    assert by_month["2026-01"]["events"] > 0
    # ... nor do country-month totals (they counted every actor); the notes word the rows
    fam = ok(client, "/api/months?country=MLI&period=2024-01..2024-02&actor_family=jihadist")
    assert [r["totals_best"] for r in fam["months"]] == [None, None]
    assert fam["notes"] == ["2024-01 – 2024-02: only UCDP totals, which do not count what was "
                            "asked for; no located events"]  # fmt: skip
    # Niger's 2024 is VIEWS totals only: the notes say so, not "no data" beside the figures
    ner = ok(client, "/api/months?country=NER&period=2024-01..2024-02")
    assert [r["totals_best"] for r in ner["months"]] == [160, 57]
    assert ner["notes"] == ["2024-01 – 2024-02: 217 deaths in VIEWS totals; no located events"]


@pytest.mark.slow
def test_cursor_and_offset_pages_cover_every_event_once(client: TestClient, store: Store) -> None:
    every = events(store, EventFilter(countries=SAHEL_ISO.split(",")))["uid"].tolist()
    assert len(every) == len(set(every)) > 5000  # more than one page of the largest size
    url = f"/api/events?country={SAHEL_ISO}&limit=5000"
    first = ok(client, url)
    assert first["total"] == len(every) and first["returned"] == 5000
    assert [e["uid"] for e in first["events"]] == every[:5000]
    by_cursor: list[str] = []
    cursor = None
    while True:
        page = ok(client, f"/api/events?country={SAHEL_ISO}&limit=97" + (
            f"&cursor={cursor}" if cursor else ""))  # fmt: skip
        by_cursor += [e["uid"] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert by_cursor == every
    by_offset = []
    for offset in range(0, len(every), 2000):
        by_offset += [e["uid"] for e in ok(client, f"{url[:-4]}2000&offset={offset}")["events"]]
    assert by_offset == every


@pytest.mark.parametrize(
    ("query", "flt"),
    [
        ("type=os", EventFilter(violence_types=["os"])),
        ("type=sb,ns", EventFilter(violence_types=["sb", "ns"])),
        ("actor=JNIM", EventFilter(actor="JNIM")),
        ("min_fatalities=10", EventFilter(min_fatalities=10)),
        ("bbox=-6,12,2,18", EventFilter(bbox=(-6, 12, 2, 18))),
        ("source=ucdp_candidate", EventFilter(sources=["ucdp_candidate"])),
        ("as_of=26.0.1", EventFilter(as_of="26.0.1")),
        (
            "period=2025-01..2025-02",
            EventFilter(
                start=pd.Timestamp("2025-01-01").date(), end=pd.Timestamp("2025-02-01").date()
            ),
        ),
    ],
)
def test_each_filter_agrees_with_the_library(
    client: TestClient, store: Store, query: str, flt: EventFilter
) -> None:
    flt.countries = SAHEL_ISO.split(",")
    expected = events(store, flt)
    body = ok(client, f"/api/events?country={SAHEL_ISO}&{query}&limit=5000&fields=map")
    assert body["total"] == len(expected)
    # one page holds at most 5000 (the located history makes some answers longer)
    assert [e["uid"] for e in body["events"]] == expected["uid"].tolist()[:5000]


def test_actor_family_filter(client: TestClient) -> None:
    every = ok(client, f"/api/events?country={SAHEL_ISO}&limit=5000&period=2026-01..2026-02")
    jihadist = ok(client, f"/api/events?country={SAHEL_ISO}&limit=5000&period=2026-01..2026-02"
                  "&actor_family=jihadist")  # fmt: skip
    assert 0 < jihadist["total"] < every["total"]
    for event in jihadist["events"]:
        assert "jihadist" in event["families_a"] + event["families_b"]
        assert event["actor_family"] == "jihadist"
    outside = [e for e in every["events"] if "jihadist" not in e["families_a"] + e["families_b"]]
    assert len(outside) == every["total"] - jihadist["total"]
    assert "JNIM" in {e["side_a"] for e in jihadist["events"]} | {
        e["side_b"] for e in jihadist["events"]
    } or any("Jama'at" in (e["side_a"] or "") + (e["side_b"] or "") for e in jihadist["events"])
    error(client, "/api/events?actor_family=bandits", 400)


def test_events_geojson_and_csv(client: TestClient) -> None:
    base = "/api/events?country=MLI&limit=5000"
    fc = ok(client, base + "&format=geojson")
    assert fc["type"] == "FeatureCollection" and fc["total"] == len(fc["features"])
    located = [f for f in fc["features"] if f["geometry"] is not None]
    assert len(located) == fc["located"] > 0
    assert len(fc["features"]) - len(located) > 0  # the 2025 extract has no coordinates
    for feature in located:
        lon, lat = feature["geometry"]["coordinates"]
        assert -12.5 < lon < 4.5 and 10 < lat < 25.5  # Mali
        assert feature["properties"]["longitude"] == lon
    response = client.get(base + "&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == fc["total"] == int(response.headers["x-total-count"])
    assert rows[0]["uid"] == fc["features"][0]["properties"]["uid"]


def test_event_detail_has_versions(client: TestClient) -> None:
    page = ok(client, "/api/events?country=MLI&period=2026-01&limit=1")
    uid = page["events"][0]["uid"]
    detail = ok(client, f"/api/events/{uid}")
    assert detail["event"]["uid"] == uid
    assert detail["versions"] and detail["versions"][-1]["release"] == detail["event"]["release"]
    error(client, "/api/events/ucdp:does-not-exist", 404)


def test_flagged_event_carries_its_flags(client: TestClient) -> None:
    """615725 (Ukraine, best 8002 above high 5511) is loaded as UCDP published it, flagged."""
    detail = ok(client, "/api/events/ucdp:615725")
    assert detail["event"]["best"] == 8002
    assert detail["event"]["flags"] == "best 8002 above high 5511"
    assert [v["flags"] for v in detail["versions"]] == ["best 8002 above high 5511"]
    page = ok(client, "/api/events?country=UKR&period=2025-12..2026-01&min_fatalities=8000")
    flags = {e["uid"]: e["flags"] for e in page["events"]}
    assert flags["ucdp:615725"] == "best 8002 above high 5511"
    assert flags["ucdp:610651"] is None  # a large event without flags


def test_event_detail_traces_each_version_to_its_file_row(client: TestClient) -> None:
    """Event 613486 was revised between the real Candidate releases 26.0.1 and 26.0.2: each
    version names its file and row, and gives back that row as the file has it."""
    detail = ok(client, "/api/events/ucdp:613486")
    versions = {v["release"]: v for v in detail["versions"]}
    assert set(versions) >= {"26.0.1", "26.0.2"}
    for release in ("26.0.1", "26.0.2"):
        version = versions[release]
        assert version["file"] == f"ucdp_candidate_{release}_events_global.csv.gz"
        with gzip.open(bundled_file(version["file"]), "rt", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        # row 1 is the header; an empty field comes back as null
        assert {k: v or None for k, v in rows[version["row"] - 2].items()} == version["raw"]
        assert version["raw"]["id"] == "613486"
        assert len(version["file_sha256"]) == 64
    assert "/" not in versions["26.0.2"]["file"]  # a name, not the server's path


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/events?limit=5001", 422),
        ("/api/events?limit=0", 422),
        ("/api/events?offset=-1", 422),
        ("/api/events?period=2026-13", 400),
        ("/api/events?period=1950-01..2026-01", 400),
        ("/api/events?period=2025-01..", 400),  # was read as 2025-01 alone
        ("/api/events?period=..2025-01", 400),
        ("/api/events?cursor=not-a-cursor", 400),
        ("/api/events?country=Atlantis", 400),
        ("/api/events?type=xx", 400),
        ("/api/events?bbox=1,2,3", 400),
        ("/api/events?format=xml", 422),
        ("/api/events?as_of=99.9.9", 400),
        ("/api/panels?level=cell", 400),
        ("/api/panels?level=street", 422),
        ("/api/boundaries/street", 422),
        ("/api/indicators?month=2026-02-01", 422),
        ("/api/forecasts?target=deaths", 400),
        ("/api/forecasts?samples=true", 400),
        ("/api/forecasts?model=no-such-model", 404),
        ("/api/nowhere", 404),
    ],
)
def test_bad_requests_get_json_errors(client: TestClient, url: str, status: int) -> None:
    error(client, url, status)


def test_an_unknown_column_names_its_unit_level_name(client: TestClient) -> None:
    url = "/api/indicators?level=admin1&country=MLI&month=2026-02&columns="
    assert error(client, url + "best_total,pressure", 400) == (
        "unknown column pressure (here country_pressure).")
    assert error(client, url + "nope,nada", 400) == "unknown columns nope, nada."
    assert ok(client, url + "best_total,country_pressure")["count"] > 0


def test_an_open_period_is_refused_with_what_to_give(client: TestClient) -> None:
    assert error(client, "/api/events?period=2025-01..", 400) == (
        "period '2025-01..' lacks its last month; give YYYY-MM or YYYY-MM..YYYY-MM.")


def test_a_choice_among_values_is_named_not_its_pattern(client: TestClient) -> None:
    said = error(client, "/api/panels?level=grid", 422)
    assert said == "invalid request: level: must be one of country, admin1, admin2, cell"
    assert error(client, "/api/events?format=xml", 422).endswith(
        "format: must be one of json, geojson, csv")


def test_a_parameter_the_route_does_not_read_is_refused(client: TestClient) -> None:
    """A misspelt filter (start= for period=) would otherwise answer for the whole history."""
    said = error(client, "/api/events?start=2025-01&country=MLI&limit=1", 400)
    assert said.startswith("/api/events has no parameter 'start'; it reads ")
    assert "period" in said and "country" in said
    assert "'foo', 'x'" in error(client, "/api/health?x=1&foo=2", 400)
    assert error(client, "/api/boundaries/admin1?levl=2", 400).startswith(
        "/api/boundaries/admin1 has no parameter 'levl'")
    assert client.get("/api/events?country=MLI&period=2026-02&limit=1").status_code == 200


def test_long_query_strings_and_bodies_are_refused(client: TestClient) -> None:
    error(client, "/api/events?actor=" + "x" * 5000, 414)
    response = client.post(
        "/api/ingest", content=b"x" * 10, headers={"content-length": "999999999999"}
    )
    assert response.status_code == 413 and set(response.json()) == {"error"}


def test_responses_are_cached_with_etags(client: TestClient) -> None:
    first = client.get("/api/boundaries/admin1")
    assert first.status_code == 200 and first.headers["etag"]
    again = client.get("/api/boundaries/admin1", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    zipped = client.get("/api/boundaries/admin1", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert zipped.json() == first.json()


# --- units ----------------------------------------------------------------------------------


def test_boundaries_carry_the_unit_ids_of_panels(client: TestClient, store: Store) -> None:
    from sahelwatch.panels import build_panel

    for level in ("admin1", "admin2", "cell", "country"):
        fc = ok(client, f"/api/boundaries/{level}?country=MLI")
        ids = {f["properties"]["unit_id"] for f in fc["features"]}
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in fc["features"])
        panel = build_panel(store, level, countries=["MLI"], start="2026-02", end="2026-02")
        assert set(panel["unit_id"].tolist()) <= ids, level
    everything = ok(client, "/api/boundaries/country")
    assert len(everything["features"]) >= 20
    sahel = {f["properties"]["country_gw"] for f in everything["features"]}
    assert {432, 439, 436} <= sahel


def _close(a: Any, b: Any) -> bool:
    if a is None or (isinstance(a, float) and np.isnan(a)):
        return b is None
    if isinstance(a, (bool, np.bool_)):
        return bool(a) == b
    if isinstance(a, (int, float, np.integer, np.floating)):
        return b is not None and abs(float(a) - float(b)) < 1e-6
    return True  # text, dates and lists are checked elsewhere


def test_panel_matches_build_panel(client: TestClient, store: Store) -> None:
    from sahelwatch.panels import build_panel

    body = ok(client, "/api/panels?level=admin1&country=MLI&period=2025-11..2026-02")
    expected = build_panel(store, "admin1", countries=["MLI"], start="2025-11", end="2026-02")
    assert body["count"] == len(expected) == len(body["rows"])
    for row, (_, want) in zip(body["rows"], expected.iterrows(), strict=True):
        assert row["unit_id"] == want["unit_id"]
        assert row["month"] == want["month"].strftime("%Y-%m")
        for column in ("covered", "best_total", "events_total", "best_jihadist", "best_total_r3"):
            assert _close(want[column], row[column]), (column, want[column], row[column])
    gap = [r for r in body["rows"] if r["month"] == "2025-11"]
    assert gap and all(r["best_total"] is None and r["covered"] is False for r in gap)
    csv_text = client.get("/api/panels?level=admin1&country=MLI&month=2026-02&format=csv").text
    assert len(list(csv.DictReader(io.StringIO(csv_text)))) == 10
    fc = ok(client, "/api/panels?level=admin1&country=MLI&month=2026-02&format=geojson")
    assert len(fc["features"]) == 10 and fc["features"][0]["geometry"] is not None
    only = ok(client, "/api/panels?level=country&country=MLI&month=2026-02&columns=best_total")
    assert set(only["rows"][0]) == {"unit_id", "unit_name", "country_gw", "month", "best_total"}


@pytest.mark.slow
def test_indicators_match_the_library_and_join_boundaries(client: TestClient, store: Store) -> None:
    from sahelwatch.indicators import indicators

    body = ok(client, "/api/indicators?level=admin1&country=MLI&month=2026-02")
    expected = indicators(store, "MLI", "admin1", "2026-02")
    assert body["month"] == "2026-02" and body["count"] == len(expected)
    for row, (_, want) in zip(body["rows"], expected.iterrows(), strict=True):
        assert row["unit_id"] == want["unit_id"]
        for column in ("deadliness", "armed_groups", "attacks_on_state", "diffusion",
                       "border_share", "country_pressure"):  # fmt: skip
            assert _close(want[column], row[column]), (column, want[column], row[column])
        assert row["presence"] == (None if pd.isna(want["presence"]) else want["presence"])
    default = ok(client, "/api/indicators?level=admin1&country=MLI")
    assert default["month"] == "2026-02"  # the newest month covered with event locations
    fc = ok(client, "/api/indicators?level=admin2&country=MLI&month=2026-02&format=geojson")
    assert len(fc["features"]) == len(indicators(store, "MLI", "admin2", "2026-02"))
    assert all(f["geometry"] is not None for f in fc["features"])


def test_indicator_series_equals_the_monthly_indicators(client: TestClient) -> None:
    series = ok(client, "/api/indicators/series?level=admin1&country=MLI&period=2025-12..2026-02")
    month = ok(client, "/api/indicators?level=admin1&country=MLI&month=2026-02")
    last = {r["unit_id"]: r for r in series["rows"] if r["month"] == "2026-02"}
    for row in month["rows"]:
        mine = last[row["unit_id"]]
        for column in ("deadliness", "events_total", "armed_groups", "presence", "diffusion"):
            assert mine[column] == row[column], column
    national = ok(client, "/api/indicators/series?level=country&country=MLI")
    months = [r["month"] for r in national["rows"]]
    # by default from the first month of GED 25.1's country-month totals to the newest release
    totals = pd.read_csv(bundled_file("ged251_country_month_global.csv.gz"))
    mali = totals[totals["iso3"] == "MLI"]
    year, month = min(zip(mali["year"], mali["month"], strict=True))
    assert months[0] == f"{year}-{month:02d}" == "1989-01"
    assert months[-1] == "2026-02" and len(months) == len(set(months)) == 37 * 12 + 2
    for row in national["rows"]:
        gap = "2025-03" <= row["month"] <= "2025-11"
        assert (row["deadliness"] is None) == gap, row["month"]
    one = ok(client, "/api/indicators/series?level=admin1&country=MLI&unit=ML07")
    assert {r["unit_id"] for r in one["rows"]} == {"ML07"}


# --- forecasts ------------------------------------------------------------------------------


def test_forecast_runs_and_summaries(client: TestClient, store: Store) -> None:
    from sahelwatch.forecast import MODEL_VERSION

    runs = ok(client, "/api/forecasts/runs")["runs"]
    models = {r["model_version"] for r in runs}
    assert MODEL_VERSION in models
    assert {f"benchmark-{m}" for m in BENCHMARK_MODELS} <= models
    assert all(r["origin"] == ORIGIN and r["draws"] == N_DRAWS for r in runs)
    body = ok(client, "/api/forecasts?country=MLI&target=total&benchmarks=true&samples=true")
    assert body["model_version"] == MODEL_VERSION and body["origin"] == ORIGIN
    assert sorted(body["benchmarks"]) == sorted(f"benchmark-{m}" for m in BENCHMARK_MODELS)
    # the stored draws, read directly (load_forecast needs a writable store)
    draws = store.con.execute(
        "SELECT unit_id, strftime(month, '%Y-%m') AS month, value FROM forecasts "
        "WHERE model_version = ? AND unit_id = 432 AND target = 'total'",
        [MODEL_VERSION],
    ).df()
    mine = [r for r in body["rows"] if r["model_version"] == MODEL_VERSION]
    assert [r["month"] for r in mine] == ["2025-03", "2025-04", "2025-05"][: len(HORIZONS)]
    for row in mine:
        values = draws[draws["month"] == row["month"]]["value"].to_numpy()
        assert row["draws"] == N_DRAWS and len(row["samples"]) == N_DRAWS
        assert row["q50"] == pytest.approx(np.quantile(values, 0.5))
        assert row["q05"] == pytest.approx(np.quantile(values, 0.05))
        assert row["p_ge_25"] == pytest.approx((values >= 25).mean())
        assert row["q05"] <= row["q25"] <= row["q50"] <= row["q75"] <= row["q95"]
    every = ok(client, "/api/forecasts?target=total&month=2025-03")
    units = store.con.execute(
        "SELECT count(DISTINCT unit_id) FROM forecasts WHERE model_version = ?", [MODEL_VERSION]
    ).fetchone()
    assert units is not None and every["count"] == units[0] > 100
    fc = ok(client, "/api/forecasts?target=total&month=2025-03&format=geojson")
    assert any(f["geometry"] is not None for f in fc["features"])
    before = client.get("/api/forecasts?target=total&month=2024-06")  # not a month of the run
    assert before.status_code == 400 and "2024-06 is not among its months" in before.json()["error"]


@pytest.mark.slow
def test_subnational_forecasts_by_pcode_and_cell(web_db: Path, tmp_path: Path) -> None:
    from sahelwatch.forecast import forecast, store_forecast

    copy = tmp_path / "units.duckdb"
    shutil.copyfile(web_db, copy)
    frames = {}
    with Store(copy) as writable:
        for level in ("admin1", "grid"):
            frames[level] = forecast(writable, level, origin="2026-02", horizons=[1], n_draws=30,
                                     model="conflictology", workers=1)  # fmt: skip
            store_forecast(writable, frames[level], "2026-02", "benchmark-conflictology")
    pcodes = set(frames["admin1"]["unit_id"])
    assert len(pcodes) > 10 and all(isinstance(p, str) for p in pcodes)
    with TestClient(create_app(copy, read_env=False)) as other:
        body = ok(other, "/api/forecasts?level=admin1&target=total")
        assert body["level"] == "admin1" and {r["unit_id"] for r in body["rows"]} == pcodes
        shapes = ok(other, "/api/forecasts?level=admin1&target=total&format=geojson")
        assert sum(f["geometry"] is not None for f in shapes["features"]) > 10
        cells = ok(other, "/api/forecasts?level=cell&target=total&format=geojson")
        assert cells["features"] and all(f["geometry"] for f in cells["features"])
        # a country picks its units; the rows name them
        mali = ok(other, "/api/forecasts?level=admin1&target=total&country=MLI")["rows"]
        expected = set(frames["admin1"].loc[frames["admin1"]["unit_id"].str.startswith("ML"),
                                            "unit_id"])  # fmt: skip
        assert {r["unit_id"] for r in mali} == expected and len(expected) == 10
        assert {r["country_gw"] for r in mali} == {432}
        kayes = next(r for r in mali if r["unit_id"] == "ML01")
        assert kayes["unit_name"] == "Kayes"
        niger = ok(other, "/api/forecasts?level=grid&target=total&country=NER")["rows"]
        assert niger and {r["country_gw"] for r in niger} == {436}
        assert {r["unit_id"] for r in niger} < set(frames["grid"]["unit_id"])
        assert "at country level" in error(other, "/api/forecasts?level=grid&country=MLI"
                                           "&samples=true", 400)  # fmt: skip


def test_forecasts_absent(bundled_path: Path) -> None:
    app = create_app(bundled_path, read_env=False)
    with TestClient(app, raise_server_exceptions=False) as plain:
        assert ok(plain, "/api/forecasts/runs") == {"runs": []}
        assert "no country-level forecasts" in error(plain, "/api/forecasts", 404)
        assert ok(plain, "/api/meta")["forecasts"] is False


def test_history_keeps_gaps(client: TestClient, store: Store) -> None:
    from sahelwatch.forecast import load_country_panel

    body = ok(client, "/api/history?country=MLI&start=2024-01")
    rows = {r["month"]: r for r in body["rows"]}
    panel = load_country_panel(store, units=[432], start=pd.Timestamp("2024-01-01").date())
    frame = panel.frame()
    total = frame[frame["target"] == "total"].set_index("month")["value"]
    for month, value in total.items():
        assert _close(value, rows[month]["total"]), month
    assert rows["2025-06"]["total"] is None  # held back: a gap, not zero
    assert rows["2024-06"]["total"] is not None


# --- store: status, coverage, alerts --------------------------------------------------------


def test_status_and_coverage_show_gaps(client: TestClient) -> None:
    status = ok(client, "/api/status")
    candidate = next(s for s in status["sources"] if s["source"] == "ucdp_candidate")
    assert candidate["gaps"] == [["2025-03", "2025-11"]]
    assert status["events"] > 9000
    # The bundled files hold no unusable row; UCDP's own inconsistent rows load, flagged.
    assert status["quarantined"] == 0 and status["flagged"] == 149
    assert "/" not in status["store"]  # the file name only, not the server's path
    cov = ok(client, "/api/coverage?country=MLI&source=ucdp_candidate")
    assert cov["months"][0] == "2025-01" and cov["months"][-1] == "2026-02"
    (row,) = cov["coverage"]
    flags = dict(zip(cov["months"], row["months"], strict=True))
    assert flags["2025-02"] and flags["2025-12"] and not flags["2025-06"]
    assert row["gaps"] == [["2025-03", "2025-11"]]
    meta = ok(client, "/api/meta")
    ucdp = next(f for f in meta["families"] if f["family"] == "ucdp")
    assert ucdp["last_located_month"] == "2026-02" and meta["tiles"] is None
    assert {c["iso3"] for c in meta["countries"] if c["sahel"]} == set(SAHEL_ISO.split(","))


def test_reference_serves_the_gazetteer(client: TestClient) -> None:
    response = client.get("/api/reference")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    ref = response.json()
    by_iso = {c["iso3"]: c for c in ref["countries"]}
    assert len(ref["countries"]) == 196
    mali, ivory = by_iso["MLI"], by_iso["CIV"]
    assert (mali["gw"], mali["name"], mali["capital"]["name"]) == (432, "Mali", "Bamako")
    assert mali["capital"]["latitude"] == pytest.approx(12.65, abs=0.01)
    assert mali["seat_of_government"] is None
    assert (ivory["capital"]["name"], ivory["seat_of_government"]["name"]) == (
        "Yamoussoukro",
        "Abidjan",
    )
    assert by_iso["USA"]["capital"] is None  # only the region's capitals are bundled
    assert ref["violence_types"] == {"sb": "state-based", "ns": "non-state", "os": "one-sided"}
    assert ref["source_families"]["event"]["ucdp"] == ["ucdp_ged", "ucdp_candidate"]
    iso_of = {c["gw"]: c["iso3"] for c in ref["countries"]}
    groups = ref["groups"]
    assert ",".join(iso_of[gw] for gw in groups["sahel"]) == SAHEL_ISO
    assert [iso_of[gw] for gw in groups["central_sahel"]] == ["MLI", "BFA", "NER"]
    meta = ok(client, "/api/meta")  # the admin-2 group is what the bundled boundaries hold
    assert sorted(groups["admin2"]) == sorted(c["gw"] for c in meta["countries"] if c["admin2"])
    assert meta["sahel"] == groups["sahel"]


def test_alerts_empty_then_listed_streamed_and_fed(
    client: TestClient, web_db: Path, tmp_path: Path
) -> None:
    assert ok(client, "/api/alerts") == {"available": False, "total": 0, "alerts": []}
    copy = tmp_path / "alerts.duckdb"
    shutil.copyfile(web_db, copy)
    with Store(copy) as writable:
        raised = check_rules(writable, bundled_file("alert_rules.toml"))
    # on the real data: JNIM events within 100 km of Bamako in January 2026
    assert any(a.rule == "near-bamako" for a in raised)
    with TestClient(create_app(copy, read_env=False)) as other:
        body = ok(other, "/api/alerts")
        assert body["available"] and body["total"] == len(raised)
        assert [a["seq"] for a in body["alerts"]] == sorted((a.seq for a in raised), reverse=True)
        near = next(a for a in body["alerts"] if a["rule"] == "near-bamako")
        assert near["severity"] == "critical" and near["evidence"]["event_ids"]
        for uid in near["evidence"]["event_ids"]:  # every alert traces back to its events
            assert ok(other, f"/api/events/{uid}")["event"]["uid"] == uid
        assert ok(other, "/api/alerts?severity=critical")["alerts"] == [near]
        assert "unknown severity" in other.get("/api/alerts?severity=loud").json()["error"]
        feed = other.get("/alerts.atom")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        assert f"urn:sahelwatch:alert:{near['id']}" in feed.text
        # every entry links to this server, and the link resolves to the alert
        import xml.etree.ElementTree as ET

        atom = "{http://www.w3.org/2005/Atom}"
        entries = ET.fromstring(feed.content).findall(f"{atom}entry")
        hrefs = [e.find(f"{atom}link").get("href") for e in entries]  # type: ignore[union-attr]
        assert len(hrefs) == len(raised) and all(h.startswith("http://testserver/") for h in hrefs)
        linked = [ok(other, h.removeprefix("http://testserver")) for h in hrefs]
        assert {a["id"] for a in linked} == {a["id"] for a in body["alerts"]}
        assert "no alert" in other.get("/alerts/nonesuch").json()["error"]
        # the stream replays what is stored, then resumes after Last-Event-ID
        last = max(a.seq or 0 for a in raised)
        with other.stream("GET", "/api/alerts/stream?poll=0.2") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            frames = _sse_frames(stream, len(raised))
        assert [int(f["id"]) for f in frames] == sorted(a.seq for a in raised)
        with other.stream(
            "GET", "/api/alerts/stream?poll=0.2", headers={"Last-Event-ID": str(last - 1)}
        ) as stream:
            assert [int(f["id"]) for f in _sse_frames(stream, 1)] == [last]


def _sse_frames(stream: Any, count: int) -> list[dict[str, str]]:
    """The first ``count`` alert frames of a server-sent event stream."""
    frames: list[dict[str, str]] = []
    frame: dict[str, str] = {}
    for line in stream.iter_lines():
        if not line:
            if frame.get("event") == "alert":
                frames.append(frame)
                if len(frames) == count:
                    return frames
            frame = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(": ")
            frame[field] = value
    return frames


@pytest.mark.slow
def test_briefs_are_built_from_the_store(client: TestClient) -> None:
    html = client.get(f"/api/briefs?country=MLI&month={ORIGIN}")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Mali" in html.text and ORIGIN in html.text and "/api/events?" in html.text
    md = client.get(f"/api/briefs?region=sahel&month={ORIGIN}&format=md")
    assert md.status_code == 200 and md.text.startswith("#")
    assert error(client, "/api/briefs?country=MLI&region=sahel", 400).startswith("give either")
    assert "unknown country" in error(client, "/api/briefs?country=Atlantis", 400)
    assert "format" in error(client, "/api/briefs?country=MLI&format=docx", 422)


# --- writing --------------------------------------------------------------------------------


def _upload(client: TestClient, headers: dict[str, str]) -> Any:
    with GED_SAMPLE.open("rb") as fh:
        return client.post(
            "/api/ingest",
            files={"file": (GED_SAMPLE.name, fh, "application/gzip")},
            data={"no_coverage": "true"},
            headers=headers,
        )


def test_ingest_needs_a_key(
    web_db: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "writable.duckdb"
    shutil.copyfile(web_db, copy)
    with TestClient(create_app(copy, read_env=False)) as closed:
        assert _upload(closed, {"X-API-Key": KEY}).status_code == 403
    monkeypatch.setenv("SAHELWATCH_API_KEYS", f"another-key-000000000000, {KEY}")
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(copy)) as app_client:
        before = ok(app_client, "/api/events?limit=1")["total"]
        for headers in ({}, {"X-API-Key": "wrong-key-0000000000000"}, {"X-API-Key": KEY[:-1]},
                        {"Authorization": "Basic " + KEY}):  # fmt: skip
            response = _upload(app_client, headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"].startswith("ApiKey")
            assert set(response.json()) == {"error"}
        response = _upload(app_client, {"X-API-Key": KEY})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["source"] == "ucdp_ged" and report["added"] > 900
        again = _upload(app_client, {"Authorization": f"Bearer {KEY}"}).json()
        assert again["already_ingested"] is not None and again["added"] == 0
        after = ok(app_client, "/api/events?limit=1")["total"]
    # the response cache saw the new generation: every event of the sample that the store did
    # not hold is new (GED 24.1 and 20.1 already hold some of its West African events)
    sample = pd.read_csv(GED_SAMPLE, usecols=["id"])["id"].astype("int64")
    with Store(web_db, read_only=True) as known:
        held = set(events(known)["uid"])
    unseen = {f"ucdp:{i}" for i in sample} - held
    assert 900 < len(unseen) < report["added"]
    assert after == before + len(unseen)
    assert KEY not in caplog.text
    with Store(copy, read_only=True) as check:
        assert len(events(check)) == after


def test_short_keys_and_bad_origins_are_refused(web_db: Path) -> None:
    from sahelwatch.errors import QueryError

    with pytest.raises(QueryError, match="at least 16"):
        create_app(web_db, api_keys=["short"], read_env=False)
    with pytest.raises(QueryError, match="http"):
        create_app(web_db, cors_origins=["example.org"], read_env=False)


def test_upload_over_the_limit(web_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "small.duckdb"
    shutil.copyfile(web_db, copy)
    app = create_app(copy, api_keys=[KEY], read_env=False, max_upload_bytes=50_000)
    with TestClient(app) as small:
        response = _upload(small, {"X-API-Key": KEY})
        assert response.status_code == 413 and "50000" in response.json()["error"]
        assert ok(small, "/api/status")["events"] == ok(small, "/api/status")["events"]


# --- CORS, headers, failures ----------------------------------------------------------------


def test_cors_is_closed_by_default(client: TestClient, web_db: Path) -> None:
    response = client.get("/api/meta", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/events",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    app = create_app(web_db, cors_origins=["https://partner.example"], read_env=False)
    with TestClient(app) as open_client:
        allowed = open_client.get("/api/meta", headers={"Origin": "https://partner.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://partner.example"
        other = open_client.get("/api/meta", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<script type="module" src="static/js/main.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    # with nosniff, the browser runs a module only if it is served as JavaScript
    module = client.get("/static/js/main.js")
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]


def test_unexpected_errors_hide_their_trace(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sahelwatch.web import routes_store

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(routes_store, "_meta", boom)
    with TestClient(create_app(web_db, read_env=False), raise_server_exceptions=False) as c:
        response = c.get("/api/meta")
        assert response.status_code == 500
        assert response.json() == {"error": "internal error; it has been logged."}


def test_the_server_reads_on_while_another_process_writes(web_db: Path, tmp_path: Path) -> None:
    """Requests read a snapshot: a writer never waits for the server, the server never refuses
    a request while the writer works, and the first request after the write sees it."""
    copy = tmp_path / "shared.duckdb"
    shutil.copyfile(web_db, copy)
    app = create_app(copy, read_env=False, linger_s=60)
    with TestClient(app) as c:
        before = ok(c, "/api/status")
        assert before["events"] > 0
        with Store(copy, wait_s=0) as writer:  # the server has the store "open": no wait
            writer.con.execute(
                "DELETE FROM event_versions WHERE uid IN "
                "(SELECT uid FROM event_versions LIMIT 5)"
            )
            assert ok(c, "/api/status")["events"] == before["events"]  # the state before
        assert ok(c, "/api/status")["events"] < before["events"]  # the write, once done


def test_import_sahelwatch_does_not_import_the_web_stack() -> None:
    code = "import sys, sahelwatch; print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
