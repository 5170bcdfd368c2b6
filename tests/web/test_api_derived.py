"""The indicator routes answer from kept series (sahelwatch.indicators.derived) exactly what
they answer when everything is computed, and a forecast written to the store does not make
them compute again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from sahelwatch.indicators import derived
from sahelwatch.store import Store
from sahelwatch.web import create_app

URLS = (
    "/api/indicators?level=admin1&country=MLI&month=2026-02",
    "/api/indicators?level=admin1&country=MLI,BFA&month=2012-07",
    "/api/indicators?level=country&country=NER&month=2019-11",
    "/api/indicators?level=admin1&country=MLI",
    "/api/indicators?level=admin2&country=MLI&month=2024-05&format=geojson",
    "/api/indicators?level=admin1&country=MLI&month=2030-01",
    "/api/indicators/series?level=country&country=MLI",
    "/api/indicators/series?level=admin1&country=MLI&period=2020-01..2021-06&format=csv",
    "/api/indicators/series?level=admin1&country=MLI&period=2025-06..2026-05",
)


@pytest.fixture(scope="module")
def db(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("derived-api") / "store.duckdb"
    shutil.copyfile(bundled_path, path)
    return path


def answers(db: Path) -> dict[str, bytes]:
    with TestClient(create_app(db)) as client:
        out = {}
        for url in URLS:
            response = client.get(url)
            assert response.status_code == 200, (url, response.text)
            out[url] = response.content
        return out


@pytest.mark.slow
def test_kept_series_give_the_same_answers(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:  # nothing kept: every answer computed as before
        patched.setattr(derived, "loader", lambda store, family: lambda name, level: None)
        computed = answers(db)
    assert not list(db.parent.glob("*.derived"))
    first = answers(db)  # computes each country's series once and keeps it
    kept = list(db.parent.glob("store.duckdb.derived/*/*.parquet"))
    assert {p.name for p in kept} >= {"ucdp-admin1-432.parquet", "ucdp-country-432.parquet"}
    again = answers(db)  # a new server: read back from the kept files
    for url in URLS:
        assert first[url] == computed[url], url
        assert again[url] == computed[url], url


def test_a_forecast_does_not_make_the_indicators_compute_again(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sahelwatch.forecast import store_forecast

    url = "/api/indicators/series?level=admin1&country=MLI&period=2020-01..2020-03"
    calls: list[str] = []
    read = derived.full_series

    def counted(store: Store, country: str, level: str, family: str = "ucdp") -> pd.DataFrame:
        calls.append(f"{country} {level}")
        return read(store, country, level, family)

    monkeypatch.setattr(derived, "full_series", counted)
    with TestClient(create_app(db)) as client:
        before = client.get(url)
        samples = pd.DataFrame(
            {"level": "country", "unit_id": 432, "month": "2026-03", "target": "total",
             "draw": [0, 1], "value": [1.0, 2.0]}
        )  # fmt: skip
        with Store(db) as store:
            store_forecast(store, samples, "2026-02", "test-derived")
        after = client.get(url)
    assert before.status_code == after.status_code == 200
    assert before.headers["etag"] == after.headers["etag"]
    assert calls == ["MLI admin1"]  # read once: the forecast left the data as they were
