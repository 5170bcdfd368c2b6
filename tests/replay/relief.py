"""Replays of HDX HAPI's food-security endpoint and UNHCR's population API, answered from the
bundled real files (Cadre Harmonisé admin-2, UNHCR population).

:class:`HapiReplay` answers ``/api/v2/food-security-nutrition-poverty/food-security`` with
``{"data": [...]}`` pages (``limit``/``offset``), one row per unit, period and phase (``1``..
``5``, ``3+``, ``all``), ``ipc_type`` ``current``, ``first projection`` or (a November cycle's
June-August) ``second projection``; it needs ``app_identifier``. :class:`UnhcrReplay` answers
``/population/v1/population/`` with ``{"page", "maxPages", "items"}`` for ``coo=C&coa_all=true``
or ``coa=C&coo_all=true``, figures as numbers and ``"-"`` where the file has none.
"""

from __future__ import annotations

import csv
import gzip
import io
from functools import cache
from typing import Any

from replay.server import ReplayServer, Reply, Request
from sahelwatch.store import bundled_file

APP_ID = "c2FoZWx3YXRjaDp0ZXN0QGV4YW1wbGUub3Jn"
HAPI_PATH = "/api/v2/food-security-nutrition-poverty/food-security"
UNHCR_PATH = "/population/v1/population/"
CH_FILE = "cadre_harmonise_sahel3_admin2_2014-2023.csv.gz"
UNHCR_FILE = "unhcr_population_sahel3_1971-2025.csv.gz"
UNHCR_API_FIELDS = {
    "refugees": "refugees",
    "asylum_seekers": "asylum_seekers",
    "returned_refugees": "returned_refugees",
    "idps": "idps",
    "returned_idps": "returned_idps",
    "stateless": "stateless",
    "others_of_concern": "ooc",
    "other_in_need_of_intl_protection": "oip",
    "host_community": "hst",
}


@cache
def bundled_rows(name: str) -> tuple[dict[str, str], ...]:
    text = gzip.decompress(bundled_file(name).read_bytes()).decode("utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def hapi_rows(countries: tuple[str, ...] = ("MLI", "BFA", "NER")) -> list[dict[str, Any]]:
    """The bundled CH admin-2 rows as HAPI rows."""
    out = []
    for row in bundled_rows(CH_FILE):
        if row["country_iso3"] not in countries or not row["adm2_pcode"]:
            continue
        if row["period_type"] == "current":
            kind = "current"
        elif row["exercise"].endswith("11") and row["period_from"][5:7] == "06":
            kind = "second projection"
        else:
            kind = "first projection"
        for phase, column in [(str(p), f"phase{p}") for p in range(1, 6)] + [
            ("3+", "phase35"),
            ("all", "population"),
        ]:
            value = row[column]
            out.append(
                {
                    "location_code": row["country_iso3"],
                    "admin1_code": row["adm1_pcode"],
                    "admin1_name": row["adm1_name"],
                    "admin2_code": row["adm2_pcode"],
                    "admin2_name": row["adm2_name"],
                    "ipc_phase": phase,
                    "ipc_type": kind,
                    "population_in_phase": int(value) if value else None,
                    "reference_period_start": row["period_from"] + "T00:00:00",
                    "reference_period_end": row["period_to"] + "T23:59:59",
                }
            )
    return out


class HapiReplay:
    """HAPI's food-security endpoint over ``rows``."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def install(self, server: ReplayServer) -> HapiReplay:
        server.route("GET", HAPI_PATH, self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        return _hapi_reply(req, self.rows)


def _hapi_reply(req: Request, rows: list[dict[str, Any]]) -> Reply:
    """HAPI's answer: 400 without the right ``app_identifier``, else the page ``offset`` /
    ``limit`` of the ``rows`` of the ``location_code`` asked for."""
    if req.query.get("app_identifier") != APP_ID:
        return Reply.json({"detail": "app_identifier is missing or wrong"}, 400)
    mine = [r for r in rows if r["location_code"] == req.query.get("location_code")]
    offset, limit = int(req.query.get("offset", 0)), int(req.query.get("limit", 1000))
    return Reply.json({"data": mine[offset : offset + limit]})


def unhcr_items() -> list[dict[str, Any]]:
    """The bundled UNHCR population rows as the API's items."""
    out = []
    for row in bundled_rows(UNHCR_FILE):
        item: dict[str, Any] = {
            "year": int(row["year"]),
            "coo_iso": row["origin_iso3"],
            "coo_name": row["origin_name"],
            "coa_iso": row["asylum_iso3"],
            "coa_name": row["asylum_name"],
        }
        for column, field in UNHCR_API_FIELDS.items():
            item[field] = int(float(row[column])) if row[column] else "-"
        out.append(item)
    return out


class UnhcrReplay:
    """UNHCR's population API over ``items``."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def install(self, server: ReplayServer) -> UnhcrReplay:
        server.route("GET", UNHCR_PATH, self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        q = req.query
        year_from, year_to = int(q.get("yearFrom", 1951)), int(q.get("yearTo", 2100))
        if q.get("coa_all") == "true":
            mine = [i for i in self.items if i["coo_iso"] == q.get("coo")]
        elif q.get("coo_all") == "true":
            mine = [i for i in self.items if i["coa_iso"] == q.get("coa")]
        else:
            return Reply.json({"message": "give coo with coa_all or coa with coo_all"}, 400)
        mine = [i for i in mine if year_from <= i["year"] <= year_to]
        limit, page = int(q.get("limit", 100)), int(q.get("page", 1))
        pages = max(1, -(-len(mine) // limit))
        return Reply.json(
            {"page": page, "maxPages": pages, "items": mine[(page - 1) * limit : page * limit]}
        )


# --- IDPs per region (DTM and HAPI), built from UNHCR's IDPs by location -------------------

DTM_PATH = r"/v3/displacement/admin1"
HAPI_IDPS_PATH = "/api/v2/affected-people/idps"
DTM_KEY = "dtm-test-key"
LOCATIONS_FILE = "unhcr_demographics_locations_sahel3_2001-2025.csv.gz"


def region_idps() -> list[dict[str, Any]]:
    """UNHCR's bundled IDPs by location (origin = asylum, type IDP) summed per admin-1 unit the
    location names and year (one figure per unit and round, as DTM publishes): country,
    admin-1 P-code and name, year and people."""
    from sahelwatch.consequences import location_admin1

    sums: dict[tuple[str, str, str, int], int] = {}
    for row in bundled_rows(LOCATIONS_FILE):
        if row["pop_type"] != "IDP" or row["origin_iso3"] != row["asylum_iso3"]:
            continue
        pcode, name, _ = location_admin1(row["asylum_iso3"], row["location"])
        if pcode is None or name is None:
            continue
        key = (row["asylum_iso3"], pcode, name, int(row["year"]))
        sums[key] = sums.get(key, 0) + int(float(row["total"]))
    return [
        {"iso3": i, "pcode": p, "name": n, "year": y, "people": people}
        for (i, p, n, y), people in sorted(sums.items())
    ]


class DtmReplay:
    """IOM DTM's ``displacement/admin1`` over :func:`region_idps` (one round per year, dated
    the last day of the year); needs the key header."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def install(self, server: ReplayServer) -> DtmReplay:
        server.route("GET", DTM_PATH, self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        if req.headers.get("ocp-apim-subscription-key") != DTM_KEY:
            return Reply.json({"statusCode": 401, "message": "Access denied: invalid key."}, 401)
        since = req.query.get("FromReportingDate", "1900-01-01")
        result = [
            {
                "admin0Pcode": r["iso3"],
                "admin1Name": r["name"],
                "admin1Pcode": r["pcode"],
                "operation": "Mobility Tracking",
                "roundNumber": r["year"] - 2000,
                "reportingDate": f"{r['year']}-12-31T00:00:00",
                "numPresentIdpInd": r["people"],
            }
            for r in self.rows
            if r["iso3"] == req.query.get("Admin0Pcode") and f"{r['year']}-12-31" >= since
        ]
        return Reply.json({"isSuccess": True, "errorMessages": [], "result": result})


class HapiIdpsReplay:
    """HAPI's ``affected-people/idps`` over :func:`region_idps` (``limit``/``offset``)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def install(self, server: ReplayServer) -> HapiIdpsReplay:
        server.route("GET", HAPI_IDPS_PATH, self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        rows = [
            {
                "location_code": r["iso3"],
                "admin1_code": r["pcode"],
                "admin1_name": r["name"],
                "admin2_code": None,
                "admin2_name": None,
                "operation": "Mobility Tracking",
                "reporting_round": r["year"] - 2000,
                "population": r["people"],
                "reference_period_start": f"{r['year']}-12-01T00:00:00",
                "reference_period_end": f"{r['year']}-12-31T23:59:59",
            }
            for r in self.rows
        ]
        return _hapi_reply(req, rows)
