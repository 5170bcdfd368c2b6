"""The HDX HAPI and UNHCR population connectors against local replays built from the bundled
real files, with faults injected: what is loaded equals what the source holds."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from replay.helpers import TIMEOUT_FAULT, Sleeps, context, make_config, tiny_client
from replay.relief import (
    APP_ID,
    CH_FILE,
    DTM_KEY,
    DTM_PATH,
    HAPI_PATH,
    UNHCR_FILE,
    UNHCR_PATH,
    DtmReplay,
    HapiIdpsReplay,
    HapiReplay,
    UnhcrReplay,
    bundled_rows,
    hapi_rows,
    region_idps,
    unhcr_items,
)
from replay.server import Fault, ReplayServer, Reply

from sahelwatch.connectors import AuthError, ConfigError, ResponseError
from sahelwatch.connectors.relief import HdxHapi, IomDtm, UnhcrApi
from sahelwatch.consequences import dtm_regions
from sahelwatch.ingest import ingest
from sahelwatch.store import Store

HAPI_ENV = {"HDX_HAPI_APP_IDENTIFIER": APP_ID}


def _settings(tmp_path: Path, **entry: Any) -> Any:
    config = make_config(tmp_path, tmp_path / "unused.duckdb", sources=[{"name": "src", **entry}])
    return config.sources[0]


def _sums(rows: Any) -> dict[tuple[str, str, str], int]:
    out: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in rows:
        if r["phase35"] not in ("", None):
            out[(r["country_iso3"], r["exercise"], r["period_type"])] += int(float(r["phase35"]))
    return dict(out)


def test_hapi_pull_through_faults_equals_the_bundled_analyses(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        HapiReplay(hapi_rows()).install(server)

        def offset(n: int) -> Any:
            return lambda req: req.query.get("offset") == str(n)

        server.fault("GET", HAPI_PATH, Fault.timeout(TIMEOUT_FAULT), when=offset(0))
        server.fault("GET", HAPI_PATH, Fault.status(503), Fault.retry_after(1), when=offset(2000))
        server.fault("GET", HAPI_PATH, Fault.truncate(), when=offset(4000))
        broken = Fault.replace(lambda req: Reply.json({"rows": []}))
        server.fault("GET", HAPI_PATH, broken, when=offset(6000))
        settings = _settings(
            tmp_path,
            kind="hdx_hapi",
            base_url=server.url + "/api/v2",
            datasets=["food_security"],
        )
        sleeps = Sleeps()
        ctx = context(store, tiny_client(sleeps), tmp_path / "work", env=HAPI_ENV)
        (pull,) = list(HdxHapi(settings, ctx).poll())
        assert 1.0 in sleeps  # Retry-After obeyed
        assert pull.release is not None and pull.release.startswith("2023-03+hapi-")
        report = ingest(store, pull.path, release=pull.release, record_coverage=False)
        assert report.rejected == 0
        stored = store.con.execute(
            "SELECT country_iso3, cycle, period_type, sum(phase35) FROM ch_unit_versions "
            "WHERE phase35 IS NOT NULL GROUP BY ALL"
        ).fetchall()
        bundled = [r for r in bundled_rows(CH_FILE) if r["adm2_pcode"]]
        assert {(c, e, p): int(v) for c, e, p, v in stored} == _sums(bundled)


def test_hapi_needs_its_app_identifier(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        settings = _settings(tmp_path, kind="hdx_hapi", base_url=server.url + "/api/v2")
        ctx = context(store, tiny_client(), tmp_path / "work", env={})
        with pytest.raises(ConfigError, match="HDX_HAPI_APP_IDENTIFIER"):
            list(HdxHapi(settings, ctx).poll())


def test_hapi_stops_at_max_pages(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        HapiReplay(hapi_rows(("BFA",))).install(server)
        settings = _settings(
            tmp_path,
            kind="hdx_hapi",
            base_url=server.url + "/api/v2",
            countries=["BFA"],
            limit=100,
            max_pages=3,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=HAPI_ENV)
        with pytest.raises(ResponseError, match="max_pages"):
            list(HdxHapi(settings, ctx).poll())


def test_unhcr_pull_through_faults_equals_the_bundled_stocks(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        UnhcrReplay(unhcr_items()).install(server)

        def page(n: int) -> Any:
            return lambda req: req.query.get("page") == str(n) and req.query.get("coo") == "BFA"

        server.fault("GET", UNHCR_PATH, Fault.timeout(TIMEOUT_FAULT), when=page(1))
        server.fault("GET", UNHCR_PATH, Fault.status(500), Fault.truncate(), when=page(2))
        broken = Fault.replace(lambda req: Reply.json({"page": 3, "items": []}))
        server.fault("GET", UNHCR_PATH, broken, when=page(3))
        settings = _settings(
            tmp_path,
            kind="unhcr_api",
            base_url=server.url + UNHCR_PATH,
            year_from=2010,
            limit=50,
        )
        ctx = context(store, tiny_client(), tmp_path / "work")
        (pull,) = list(UnhcrApi(settings, ctx).poll())
        assert pull.release is not None and pull.release.startswith("2025.")
        assert ingest(store, pull.path, release=pull.release, record_coverage=False).rejected == 0
        stored = {
            (str(y), o, a): (i, r, cf)
            for y, o, a, i, r, cf in store.con.execute(
                "SELECT year, origin_iso3, asylum_iso3, idps, refugees, idps_carried_forward "
                "FROM unhcr_population_versions"
            ).fetchall()
        }
        bundled = [r for r in bundled_rows(UNHCR_FILE) if int(r["year"]) >= 2010]
        assert len(stored) == len(bundled)
        for r in bundled:
            idps, refugees, _ = stored[(r["year"], r["origin_iso3"], r["asylum_iso3"])]
            assert idps == (int(r["idps"]) if r["idps"] else None)
            assert refugees == (int(r["refugees"]) if r["refugees"] else None)
        assert stored[("2025", "BFA", "BFA")] == (2_062_534, 0, True)


def test_unhcr_refuses_a_page_count_that_changes(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        replay = UnhcrReplay(unhcr_items()).install(server)

        def grown(req: Any) -> Reply:
            answer = replay.handle(req)
            import json

            body = json.loads(answer.body)
            return Reply.json({**body, "maxPages": body["maxPages"] + 5})

        server.fault(
            "GET", UNHCR_PATH, Fault.replace(grown), when=lambda req: req.query.get("page") == "2"
        )
        settings = _settings(
            tmp_path,
            kind="unhcr_api",
            base_url=server.url + UNHCR_PATH,
            countries=["MLI"],
            limit=50,
        )
        ctx = context(store, tiny_client(), tmp_path / "work")
        with pytest.raises(ResponseError, match="number of pages changed"):
            list(UnhcrApi(settings, ctx).poll())


def _stored_idps(store: Store) -> dict[tuple[str, str, int], int]:
    return {
        (c, p, y): int(v)
        for c, p, y, v in store.con.execute(
            "SELECT country_iso3, admin1_pcode, year(reporting_date), sum(idps) "
            "FROM dtm_idp_versions GROUP BY ALL"
        ).fetchall()
    }


def _expected_idps(countries: tuple[str, ...], since: int = 0) -> dict[tuple[str, str, int], int]:
    out: dict[tuple[str, str, int], int] = defaultdict(int)
    for r in region_idps():
        if r["iso3"] in countries and r["year"] >= since:
            out[(r["iso3"], r["pcode"], r["year"])] += r["people"]
    return dict(out)


def test_dtm_pull_through_faults_equals_the_replayed_rounds(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        DtmReplay(region_idps()).install(server)
        server.fault("GET", DTM_PATH, Fault.timeout(TIMEOUT_FAULT), Fault.status(502))
        server.fault(
            "GET",
            DTM_PATH,
            Fault.truncate(),
            Fault.retry_after(1),
            when=lambda req: req.query.get("Admin0Pcode") == "NER",
        )
        settings = _settings(
            tmp_path, kind="iom_dtm", base_url=server.url + "/v3", from_date="2015-01-01"
        )
        sleeps = Sleeps()
        ctx = context(store, tiny_client(sleeps), tmp_path / "work", env={"DTM_API_KEY": DTM_KEY})
        (pull,) = list(IomDtm(settings, ctx).poll())
        assert 1.0 in sleeps
        assert pull.release is not None and pull.release.startswith("2025-12-31+dtm-")
        assert all(r.headers["ocp-apim-subscription-key"] == DTM_KEY for r in server.requests())
        report = ingest(store, pull.path, release=pull.release, record_coverage=False)
        assert report.rejected == 0
        assert _stored_idps(store) == _expected_idps(("MLI", "BFA", "NER"), 2015)
        regions = dtm_regions(store)
        tillaberi = regions[regions["admin1_pcode"] == "NE006"].set_index("reporting_date")
        assert len(tillaberi) >= 5
        first, second = tillaberi["idps"].iloc[0], tillaberi["idps"].iloc[1]
        assert pd.isna(tillaberi["idps_change"].iloc[0])  # no earlier round: unknown, not 0
        assert tillaberi["idps_change"].iloc[1] == second - first


def test_dtm_key_and_errors(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        DtmReplay(region_idps()).install(server)
        settings = _settings(tmp_path, kind="iom_dtm", base_url=server.url + "/v3")
        with pytest.raises(ConfigError, match="DTM_API_KEY"):
            list(IomDtm(settings, context(store, tiny_client(), tmp_path / "w", env={})).poll())
        wrong = context(store, tiny_client(), tmp_path / "w", env={"DTM_API_KEY": "nope"})
        with pytest.raises(AuthError):
            list(IomDtm(settings, wrong).poll())
        refused = Fault.replace(
            lambda req: Reply.json({"isSuccess": False, "errorMessages": ["Country not found"]})
        )
        server.fault("GET", DTM_PATH, refused)
        ctx = context(store, tiny_client(), tmp_path / "w", env={"DTM_API_KEY": DTM_KEY})
        with pytest.raises(ResponseError, match="Country not found"):
            list(IomDtm(settings, ctx).poll())


def test_hapi_idps_round_trip(tmp_path: Path) -> None:
    with ReplayServer() as server, Store(tmp_path / "s.duckdb") as store:
        HapiIdpsReplay(region_idps()).install(server)
        settings = _settings(
            tmp_path,
            kind="hdx_hapi",
            base_url=server.url + "/api/v2",
            countries=["NER"],
            datasets=["idps"],
            limit=7,
        )
        ctx = context(store, tiny_client(), tmp_path / "work", env=HAPI_ENV)
        (pull,) = list(HdxHapi(settings, ctx).poll())
        assert pull.release is not None and "+hapi-" in pull.release
        ingest(store, pull.path, release=pull.release, record_coverage=False)
        assert _stored_idps(store) == _expected_idps(("NER",))
