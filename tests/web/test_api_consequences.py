"""``/api/consequences/...`` over the real bundled store: answers equal the library's, gaps are
null with a status, sources are traceable."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from sahelwatch import consequences as cq
from sahelwatch.store import Store
from sahelwatch.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client(bundled_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(bundled_path, read_env=False)) as test_client:
        yield test_client


def ok(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    return response.json()


def test_food_layer_gaps_are_null(client: TestClient) -> None:
    body = ok(client, "/api/consequences/food?month=2022-04")
    rows = pd.DataFrame(body["rows"])
    assert len(rows) == 165  # every bundled admin-2 unit of the three countries
    mali = rows[rows["country_iso3"] == "MLI"]
    assert set(mali["status"]) == {"no analysis covers this month"}
    assert mali["phase35"].isna().all()  # null in JSON, never 0
    niger = rows[rows["country_iso3"] == "NER"]
    assert (niger["cycle"] == "2022-03").all() and niger["phase35"].notna().all()


def test_food_layer_equals_library_and_traces_to_source(
    client: TestClient, bundled_store: Store
) -> None:
    rows = pd.DataFrame(ok(client, "/api/consequences/food?cycle=2023-03&country=BFA")["rows"])
    food = cq.food_indicators(cq.ch_units(bundled_store))
    want = food[(food["cycle"] == "2023-03") & (food["period_type"] == "current")]
    want = want[want["country_iso3"] == "BFA"]
    assert rows["phase35"].sum() == want["phase35"].sum()
    first = rows.dropna(subset=["file_id"]).iloc[0]
    record = ok(client, f"/api/consequences/record/{int(first.file_id)}/{int(first.row_number)}")
    assert record["record"]["exercise"] == "2023-03"
    assert float(record["record"]["phase35"]) == first["phase35"]
    assert record["file"] == "cadre_harmonise_sahel3_admin2_2014-2023.csv.gz"  # not a path
    missing = client.get("/api/consequences/record/999/5")  # no such file: 404, was a 500
    assert missing.status_code == 404 and "file 999" in missing.json()["error"]


def test_food_exports(client: TestClient) -> None:
    csv_text = client.get("/api/consequences/food?cycle=2021-11&format=csv").text
    frame = pd.read_csv(io.StringIO(csv_text))
    assert len(frame) == 165 and "status" in frame
    geo = ok(client, "/api/consequences/food?cycle=2021-11&format=geojson")
    assert len(geo["features"]) == 165
    assert all(f["geometry"] is not None for f in geo["features"])


def test_match_and_cycles(client: TestClient) -> None:
    shares = {r["country_iso3"]: r["share"] for r in ok(client, "/api/consequences/match")["rows"]}
    assert shares.keys() == {"MLI", "BFA", "NER"} and min(shares.values()) >= 0.95
    cycles = pd.DataFrame(ok(client, "/api/consequences/cycles")["rows"])
    mali_2022 = cycles[(cycles["country_iso3"] == "MLI") & (cycles["cycle"] == "2022-03")]
    assert list(mali_2022["period_type"]) == ["projected"]
    meta = ok(client, "/api/meta")  # consequence figures by cycle and year, not as months
    assert all(f["kind"] != "consequence" for f in meta["families"])
    assert any(line.startswith("Cadre Harmonisé MLI: cycles 2014-03..2023-03")
               for line in meta["consequences"])  # fmt: skip


def test_displacement_and_violence(client: TestClient) -> None:
    rows = ok(client, "/api/consequences/displacement?country=BFA")["rows"]
    year = {r["year"]: r for r in rows}
    assert year[2025]["idps_carried_forward"] and year[2025]["idps_change"] is None
    regions = ok(client, "/api/consequences/displacement?level=admin1&country=NER")["rows"]
    assert {r["admin1_name"] for r in regions} >= {"Tillabéri", "Diffa"}
    body = ok(client, "/api/consequences/violence?both=true")
    assert "not a cause" in body["note"]
    assert body["rows"] and all(r["both_worse"] for r in body["rows"])
    assert {a["country_iso3"] for a in body["association"]} == {"MLI", "BFA", "NER"}


def test_bad_requests_are_sentences(client: TestClient) -> None:
    response = client.get("/api/consequences/food")
    assert response.status_code == 400 and "month or a cycle" in response.text
    assert client.get("/api/consequences/food?month=2022-04&period=later").status_code == 422
    assert client.get("/api/consequences/food/series?unit=nowhere").status_code == 404
    no_dtm = client.get("/api/consequences/displacement?source=dtm&level=admin1")
    assert no_dtm.status_code == 404 and "no DTM figures" in no_dtm.text
    # An unknown country or cycle is refused, never answered with no rows or "not analysed".
    for url in ("/api/consequences/food?country=XXX&month=2023-03",
                "/api/consequences/displacement?country=XXX",
                "/api/consequences/violence?country=XXX"):  # fmt: skip
        refused = client.get(url)
        assert refused.status_code == 400 and "unknown country 'XXX'" in refused.text, url
    future = client.get("/api/consequences/food?country=MLI&cycle=2099-03")
    assert future.status_code == 404 and "no Cadre Harmonisé cycle 2099-03" in future.text
    named = ok(client, "/api/consequences/food?country=Mali&cycle=2023-03")  # names work too
    assert {r["country_iso3"] for r in named["rows"]} == {"MLI"}
    bogus = client.get("/api/coverage?source=bogus")
    assert bogus.status_code == 400 and "unknown source bogus; use ucdp_ged" in bogus.text
