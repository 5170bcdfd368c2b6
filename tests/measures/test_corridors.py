"""Cross-border corridors and the places where events cluster, on the real bundled store:
the corridor evidence is checked against events selected independently (the query API, the
bundled boundaries, the actors' names), a year without located data is no data, and both
are served by the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from sahelwatch import geo
from sahelwatch.basemap import event_towns, load_places
from sahelwatch.indicators import border_pairs, corridors, haversine_km
from sahelwatch.query import EventFilter, events
from sahelwatch.store import Store
from sahelwatch.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

JIHADIST_NAMES = r"JNIM|Islamic State|\bIS\b|Ansarul Islam|Ansar Dine|AQIM|MUJAO|Mourabitoun"
DOUENTZA, SOUM = "ML0504", "Soum"


def _in_unit(store: Store, pcode: str, country: str, year: int) -> pd.DataFrame:
    """Events of organised violence with a jihadist group named, placed in the unit (point
    or the unit's centroid, where_prec 1-3), selected without the corridor code."""
    units = geo.load_admin(2)
    shape = units.loc[units["admin2_pcode"] == pcode].geometry.iloc[0]
    flt = EventFilter(countries=[country], start=date(year, 1, 1), end=date(year, 12, 1))
    ev = events(store, flt)
    ev = ev[ev["violence_type"].notna() & (pd.to_numeric(ev["where_prec"]) <= 3)]
    named = ev["side_a"].str.contains(JIHADIST_NAMES) | ev["side_b"].str.contains(JIHADIST_NAMES)
    ev = ev[named.fillna(False)]
    inside = shapely.contains_xy(shape, ev["longitude"], ev["latitude"])
    return ev[inside]


def test_border_pairs_are_neighbours_across_a_border() -> None:
    pairs = border_pairs()
    assert set(pairs["border"]) == {"MLI-BFA", "MLI-NER", "NER-BFA"}
    assert (pairs["gw_a"] < pairs["gw_b"]).all()
    units = geo.load_admin(2).set_index("admin2_pcode")
    row = pairs[(pairs["unit_a"] == DOUENTZA) & (pairs["name_b"] == SOUM)].iloc[0]
    a, b = units.geometry[row["unit_a"]], units.geometry[row["unit_b"]]
    assert a.distance(b) < 0.01 and units.loc[row["unit_b"], "iso3"] == "BFA"
    assert shapely.contains_xy(a, row["lon_a"], row["lat_a"])
    assert not pairs.duplicated(["unit_a", "unit_b"]).any()


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022])
def test_douentza_soum_corridor_matches_independent_events(bundled_store: Store, year: int) -> None:
    frame = corridors(bundled_store, year)
    row = frame[(frame["unit_a"] == DOUENTZA) & (frame["name_b"] == SOUM)].iloc[0]
    mali = _in_unit(bundled_store, DOUENTZA, "MLI", year)
    burkina = _in_unit(bundled_store, row["unit_b"], "BFA", year)
    assert len(mali) > 0 and len(burkina) > 0
    assert row["corridor"] is True or bool(row["corridor"])
    assert sorted(row["uids_a"]) == sorted(mali["uid"])
    assert sorted(row["uids_b"]) == sorted(burkina["uid"])
    assert (row["events_a"], row["events_b"]) == (len(mali), len(burkina))
    assert (row["best_a"], row["best_b"]) == (mali["best"].sum(), burkina["best"].sum())
    assert (row["months_a"], row["months_b"]) == (12, 12)
    named = " ".join(row["groups_a"] + row["groups_b"])
    assert "JNIM" in named or "Islamic State" in named
    # corridors come first, deadliest first
    flags = frame["corridor"].astype(bool).to_numpy()
    assert not (np.diff(flags.astype(int)) > 0).any()


def test_a_year_without_located_data_is_no_data(bundled_store: Store) -> None:
    frame = corridors(bundled_store, 2024)
    assert len(frame) == len(border_pairs())
    assert frame["corridor"].isna().all()
    assert frame[["events_a", "best_a", "events_b", "best_b"]].isna().all().all()
    assert (frame["months_a"] == 0).all() and frame["uids_a"].isna().all()


def test_event_towns_count_events_within_10_km(bundled_store: Store) -> None:
    towns = event_towns(bundled_store, km=10, min_events=10)
    assert len(towns) > 0 and (towns["events"] >= 10).all()
    gao = towns[(towns["name"] == "Gao") & (towns["iso3"] == "MLI")].iloc[0]
    ev = events(bundled_store, EventFilter())
    point = ev[(pd.to_numeric(ev["where_prec"]) <= 2) & ev["violence_type"].notna()]
    near = point[haversine_km(point["latitude"], point["longitude"], gao["latitude"],
                              gao["longitude"]) <= 10]  # fmt: skip
    assert gao["events"] == len(near) and gao["best"] == near["best"].sum()
    assert gao["first_year"] == near["date_start"].min().year
    assert len(towns) < len(load_places())


@pytest.fixture(scope="module")
def client(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import shutil

    db = tmp_path_factory.mktemp("corridors") / "store.duckdb"
    shutil.copyfile(bundled_path, db)
    with TestClient(create_app(db, read_env=False), raise_server_exceptions=False) as test:
        yield test


def test_corridors_route(client: TestClient, bundled_store: Store) -> None:
    body = client.get("/api/corridors", params={"year": 2020}).json()
    expected = corridors(bundled_store, 2020)
    found = expected[expected["corridor"].fillna(False).astype(bool)]
    assert body["months_located"] == {"BFA": 12, "MLI": 12, "NER": 12}
    assert body["no_data"] == [] and body["pairs"] == len(expected)
    assert [(c["unit_a"], c["unit_b"]) for c in body["corridors"]] == list(
        zip(found["unit_a"], found["unit_b"], strict=True)
    )
    first = body["corridors"][0]
    assert first["uids_a"] and first["events_a"] == len(first["uids_a"])
    gap = client.get("/api/corridors", params={"year": 2024}).json()
    assert gap["corridors"] is None and gap["months_located"]["MLI"] == 0
    assert sorted(gap["no_data"]) == ["MLI-BFA", "MLI-NER", "NER-BFA"]
    bad = client.get("/api/corridors", params={"year": "soon"})
    assert bad.status_code == 422 and "year" in bad.text


def test_clusters_route(client: TestClient, bundled_store: Store) -> None:
    body = client.get("/api/basemap/clusters", params={"km": 10, "min_events": 20}).json()
    expected = event_towns(bundled_store, km=10, min_events=20)
    names = [f["properties"]["name"] for f in body["features"]]
    assert names == list(expected["name"]) and "Gao" in names
    assert all(f["properties"]["events"] >= 20 for f in body["features"])
    assert client.get("/api/basemap/places").status_code == 200
