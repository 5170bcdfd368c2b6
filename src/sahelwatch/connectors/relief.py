"""Connectors for the consequences of violence: Cadre Harmonisé figures and IDPs from HDX HAPI,
year-end displacement stocks from UNHCR's population API, and IDPs from IOM DTM's API.

Each fetches with the shared HTTP client (timeouts, retries with backoff, ``Retry-After``; a
reply that is not JSON or has the wrong shape is fetched again), stops at ``max_pages``, and
hands over one CSV in the layout of a SahelWatch format, so that the same rules, quarantine and
versions apply (:mod:`sahelwatch.formats.cadre_harmonise`, :mod:`sahelwatch.formats.unhcr`,
:mod:`sahelwatch.formats.dtm`). Secrets come from the environment only.

:class:`HdxHapi` reads, per country, ``<base_url>/food-security-nutrition-poverty/food-security``
at admin level 2 and ``<base_url>/affected-people/idps`` at admin level 1 (``datasets``;
``limit``/``offset`` paging, a short page is the last) with HAPI's ``app_identifier``. Food
rows (one per unit, phase and period: ``ipc_phase`` 1-5, ``3+`` or ``all``; ``ipc_type``
current / first / second projection) are pivoted to one row per unit and period. The CH cycle
is the March or November analysis the period belongs to (a current period from January: March;
from September: November; a first projection from June: March of that year, otherwise the
November before; a second projection: the November before). This reading of ``ipc_type`` is
ours: HAPI names no analysis date. Releases are the newest cycle (or reporting date) and the
pull's date (``2024-03+hapi-20260301``): HAPI's figures may differ from the bundled
consolidation, so they are a release of their own.

:class:`UnhcrApi` reads ``<base_url>?coo=C&coa_all=true`` and ``?coa=C&coo_all=true`` for each
country (``page``/``maxPages`` paging; a page count that changes mid-pull is an error), so every
stock with origin or asylum in the countries is pulled once. A ``-`` or null figure is left
empty (no figure), never made 0. The release is the newest year and the pull's date
(``2025.20260301``).

:class:`IomDtm` reads ``<base_url>/displacement/admin1`` (or ``admin2``) per country
(``Admin0Pcode``, ``FromReportingDate``; one reply, no paging) with its key in a header;
``isSuccess: false`` is an error naming DTM's message. The release is the newest reporting
date and the pull's date (``2025-11-30+dtm-20260301``).
"""

from __future__ import annotations

import logging
from calendar import month_abbr
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from sahelwatch.connectors.base import Connector, Context, Pull
from sahelwatch.connectors.settings import HdxHapiSource, IomDtmSource, UnhcrApiSource
from sahelwatch.errors import AuthError, ResponseError
from sahelwatch.formats.cadre_harmonise import COUNTS as CH_COUNTS
from sahelwatch.formats.unhcr import STOCKS as UNHCR_STOCKS
from sahelwatch.output import write_csv_rows

__all__ = [
    "HdxHapi",
    "IomDtm",
    "UnhcrApi",
    "dtm_rows_to_dtm",
    "handover",
    "hapi_idps_to_dtm",
    "hapi_rows_to_ch",
    "unhcr_items_to_rows",
]

log = logging.getLogger("sahelwatch.connectors")

CH_HEADER = [
    "country_iso3",
    "adm1_name",
    "adm2_name",
    "adm1_pcode",
    "adm2_pcode",
    "exercise",
    "exercise_label",
    "exercise_year",
    "period_type",
    "reference_label",
    "reference_year",
    "period_from",
    "period_to",
    *CH_COUNTS,
    "phase_class",
    "phase_class_max_of_areas",
    "n_areas",
    "adm2_names_in_source",
    "usethisperiod",
]
UNHCR_HEADER = [
    "year",
    "origin_iso3",
    "origin_name",
    "asylum_iso3",
    "asylum_name",
    "flow",
    *UNHCR_STOCKS,
]
DTM_HEADER = [
    "country_iso3",
    "admin1_pcode",
    "admin1_name",
    "admin2_pcode",
    "admin2_name",
    "operation",
    "round",
    "reporting_date",
    "idps",
    "provider",
]
# UNHCR API field -> column of the bundled population file.
UNHCR_FIELDS = {
    "refugees": "refugees",
    "asylum_seekers": "asylum_seekers",
    "returned_refugees": "returned_refugees",
    "idps": "idps",
    "returned_idps": "returned_idps",
    "stateless": "stateless",
    "ooc": "others_of_concern",
    "oip": "other_in_need_of_intl_protection",
    "hst": "host_community",
}


def _pages(
    fetch: Callable[[int], dict[str, Any]],
    rows_of: Callable[[dict[str, Any]], list[Any]],
    last: Callable[[dict[str, Any], int], bool],
    max_pages: int,
    label: str,
) -> list[Any]:
    """Every row of a paged API: ``fetch(n)`` page ``n`` (from 0) until ``last`` says so."""
    rows: list[Any] = []
    for number in range(max_pages):
        document = fetch(number)
        rows += rows_of(document)
        if last(document, number):
            return rows
    raise ResponseError(
        f"{label}: still more pages after {max_pages} (setting max_pages); nothing was loaded."
    )


def _text(value: Any) -> str:
    return "" if value is None or value == "-" else str(value)


# --- HDX HAPI: Cadre Harmonisé / IPC ---------------------------------------------------------


def _cycle(kind: str, start: date) -> str:
    """The CH cycle (``YYYY-MM``) of a HAPI period: its ``ipc_type`` and first day."""
    if kind == "current":  # Jan-May: March; Jun-Aug: a June update (2020); Sep-Dec: November
        return f"{start.year}-{'03' if start.month < 6 else '06' if start.month < 9 else '11'}"
    if kind == "second projection":  # a November analysis looking to the next lean season
        return f"{start.year - 1}-11"
    if start.month == 6:
        return f"{start.year}-03"
    return f"{start.year - 1 if start.month < 9 else start.year}-11"


def hapi_rows_to_ch(rows: list[dict[str, Any]]) -> list[list[str]]:
    """HAPI food-security rows as rows of the bundled CH admin-2 file (:data:`CH_HEADER`)."""
    units: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        kind = str(row.get("ipc_type", "")).lower()
        period_type = "current" if kind == "current" else "projected"
        start = date.fromisoformat(str(row["reference_period_start"])[:10])
        end = date.fromisoformat(str(row["reference_period_end"])[:10])
        key = (str(row["location_code"]), str(row.get("admin2_code") or ""), kind, str(start))
        unit = units.setdefault(
            key,
            {
                "country_iso3": row["location_code"],
                "adm1_name": row.get("admin1_name"),
                "adm2_name": row.get("admin2_name"),
                "adm1_pcode": row.get("admin1_code"),
                "adm2_pcode": row.get("admin2_code"),
                "period_type": period_type,
                "start": start,
                "end": end,
                "kind": kind,
            },
        )
        phase = str(row.get("ipc_phase", "")).lower()
        column = {"all": "population", "3+": "phase35"}.get(phase, f"phase{phase}")
        unit[column] = row.get("population_in_phase")
    out = []
    for unit in units.values():
        start, end = unit["start"], unit["end"]
        exercise = _cycle(unit["kind"], start)
        label = f"{month_abbr[start.month]}-{month_abbr[end.month]}"
        # CH marks for use the current periods and the March projections
        projected_late = unit["period_type"] == "projected" and exercise.endswith("11")
        use = "N" if unit["kind"] == "second projection" or projected_late else "Y"
        values = {
            **unit,
            "exercise": exercise,
            "exercise_label": "Jan-May" if exercise.endswith("03") else "Sep-Dec",
            "exercise_year": exercise[:4],
            "reference_label": label,
            "reference_year": str(start.year),
            "period_from": str(start),
            "period_to": str(end),
            "n_areas": "1",
            "adm2_names_in_source": unit["adm2_name"],
            "usethisperiod": use,
        }
        out.append([_text(values.get(column)) for column in CH_HEADER])
    return sorted(out)


class HdxHapi(Connector):
    """HDX HAPI food security and IDPs (see the module docstring)."""

    KIND = "hdx_hapi"
    settings: HdxHapiSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        self.identifier = ctx.secret(settings.app_identifier_env, "app_identifier_env")
        if "food_security" in settings.datasets:
            rows = self._rows("food-security-nutrition-poverty/food-security", 2, _check_hapi)
            table = hapi_rows_to_ch(rows)
            newest = max((r[CH_HEADER.index("exercise")] for r in table), default=None)
            pull = self._pull(table, CH_HEADER, newest, "cadre_harmonise", "cadre_harmonise")
            if pull is not None:
                yield pull
        if "idps" in settings.datasets:
            table = hapi_idps_to_dtm(self._rows("affected-people/idps", 1, _check_hapi_idps))
            newest = max((r[DTM_HEADER.index("reporting_date")] for r in table), default=None)
            pull = self._pull(table, DTM_HEADER, newest, "iom_dtm", "dtm_idps")
            if pull is not None:
                yield pull

    def _rows(
        self, endpoint: str, level: int, check: Callable[[Any], None]
    ) -> list[dict[str, Any]]:
        settings, ctx = self.settings, self.ctx
        url = f"{settings.base_url.rstrip('/')}/{endpoint}"
        rows: list[dict[str, Any]] = []
        for country in settings.countries:
            label = f"HDX HAPI {endpoint} {country}"

            def fetch(number: int, country: str = country, label: str = label) -> dict[str, Any]:
                params = {
                    "location_code": country,
                    "admin_level": level,
                    "output_format": "json",
                    "limit": settings.limit,
                    "offset": number * settings.limit,
                    "app_identifier": self.identifier,
                }
                document: dict[str, Any] = ctx.http.get_json(
                    url, params=params, check=check, what=f"{label} page {number}"
                )
                return document

            rows += _pages(
                fetch,
                lambda d: list(d["data"]),
                lambda d, _n: len(d["data"]) < settings.limit,
                settings.max_pages,
                label,
            )
        return rows

    def _pull(
        self, table: list[list[str]], header: list[str], newest: str | None, family: str, name: str
    ) -> Pull | None:
        ctx = self.ctx
        if newest is None:
            log.info("%s: HDX HAPI has no %s rows for these countries", self.settings.name, name)
            return None
        release = f"{newest}+hapi-{ctx.now():%Y%m%d}"
        return handover(ctx, self.settings.name, table, header, release, family, name)


def handover(
    ctx: Context,
    source: str,
    table: list[list[str]],
    header: list[str],
    release: str,
    family: str,
    name: str,
) -> Pull | None:
    """A pull of ``table`` (rows under ``header``) as ``release`` of ``family``; None if that
    release is already stored (pulled and loaded earlier the same day)."""
    if release in ctx.stored_releases((family,)):
        return None
    path = ctx.work_dir / "pulled" / f"{name}_{ctx.now():%Y%m%d}.csv"
    write_csv_rows(path, header, table)
    return Pull(
        source=source,
        path=path,
        release=release,
        complete=True,
        record_coverage=False,
        columns=header,
        note=f"{len(table)} rows",
    )


def _check_hapi(document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError("the page has no 'data' list")
    for row in document["data"]:
        if not isinstance(row, dict) or not {"location_code", "ipc_phase", "ipc_type"} <= set(row):
            raise ValueError("a row lacks location_code, ipc_phase or ipc_type")


# --- UNHCR population API --------------------------------------------------------------------


def unhcr_items_to_rows(items: list[dict[str, Any]], countries: list[str]) -> list[list[str]]:
    """UNHCR API items as rows of the bundled population file (:data:`UNHCR_HEADER`), once
    per (year, origin, asylum)."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for item in items:
        origin, asylum = str(item.get("coo_iso") or ""), str(item.get("coa_iso") or "")
        if origin == asylum:
            flow = "internal"
        elif origin in countries and asylum in countries:
            flow = "within_sahel3"
        else:
            flow = "into_sahel3" if asylum in countries else "out_of_sahel3"
        row = {
            "year": item.get("year"),
            "origin_iso3": origin,
            "origin_name": item.get("coo_name"),
            "asylum_iso3": asylum,
            "asylum_name": item.get("coa_name"),
            "flow": flow,
            **{column: item.get(field) for field, column in UNHCR_FIELDS.items()},
        }
        seen[(str(row["year"]), origin, asylum)] = [_text(row.get(c)) for c in UNHCR_HEADER]
    return [seen[k] for k in sorted(seen)]


class UnhcrApi(Connector):
    """UNHCR's population API (see the module docstring)."""

    KIND = "unhcr_api"
    settings: UnhcrApiSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        countries = [c.upper() for c in settings.countries]
        items: list[dict[str, Any]] = []
        for country in countries:
            for side, other in (("coo", "coa_all"), ("coa", "coo_all")):
                items += self._all(country, side, other)
        table = unhcr_items_to_rows(items, countries)
        if not table:
            log.info("%s: UNHCR's API has no figures for these countries", settings.name)
            return
        release = f"{max(int(r[0]) for r in table)}.{ctx.now():%Y%m%d}"
        pull = handover(
            ctx, settings.name, table, UNHCR_HEADER, release, "unhcr_population", "unhcr_population"
        )
        if pull is not None:
            yield pull

    def _all(self, country: str, side: str, other: str) -> list[dict[str, Any]]:
        settings, ctx = self.settings, self.ctx
        label = f"UNHCR population {side}={country}"
        pages: dict[str, int] = {}

        def fetch(number: int) -> dict[str, Any]:
            params = {
                side: country,
                other: "true",
                "cf_type": "ISO",
                "limit": settings.limit,
                "page": number + 1,
                "yearFrom": settings.year_from,
                "yearTo": ctx.now().year,
            }
            document: dict[str, Any] = ctx.http.get_json(
                settings.base_url,
                params=params,
                check=_check_unhcr,
                what=f"{label} page {number + 1}",
            )
            if pages.setdefault("max", document["maxPages"]) != document["maxPages"]:
                raise ResponseError(
                    f"{label}: the number of pages changed while paging ({pages['max']} then "
                    f"{document['maxPages']}); nothing was loaded."
                )
            return document

        return _pages(
            fetch,
            lambda d: list(d["items"]),
            lambda d, n: n + 1 >= int(d["maxPages"]),
            settings.max_pages,
            label,
        )


def _check_unhcr(document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ValueError("the page has no 'items' list")
    if not isinstance(document.get("maxPages"), int):
        raise ValueError("the page has no maxPages number")
    for item in document["items"]:
        if not isinstance(item, dict) or not {"year", "coo_iso", "coa_iso"} <= set(item):
            raise ValueError("an item lacks year, coo_iso or coa_iso")


# --- IDPs per admin unit: HDX HAPI and IOM DTM ---------------------------------------------


# DTM column -> field of HAPI's affected-people/idps rows, and of DTM's own API.
HAPI_IDP_FIELDS = {
    "country_iso3": "location_code",
    "admin1_pcode": "admin1_code",
    "admin1_name": "admin1_name",
    "admin2_pcode": "admin2_code",
    "admin2_name": "admin2_name",
    "operation": "operation",
    "round": "reporting_round",
    "reporting_date": "reference_period_end",
    "idps": "population",
}
DTM_FIELDS = {
    "country_iso3": "admin0Pcode",
    "admin1_pcode": "admin1Pcode",
    "admin1_name": "admin1Name",
    "admin2_pcode": "admin2Pcode",
    "admin2_name": "admin2Name",
    "operation": "operation",
    "round": "roundNumber",
    "reporting_date": "reportingDate",
    "idps": "numPresentIdpInd",
}


def _to_dtm(rows: list[dict[str, Any]], fields: dict[str, str], provider: str) -> list[list[str]]:
    """API rows as rows of the DTM layout (:data:`DTM_HEADER`): each column from its field in
    ``fields`` (none: empty), the reporting date cut to the day."""
    out = []
    for row in rows:
        values = {column: row.get(field) for column, field in fields.items()}
        values["reporting_date"] = str(values["reporting_date"] or "")[:10]
        values["provider"] = provider
        out.append([_text(values.get(c)) for c in DTM_HEADER])
    return sorted(out)


def hapi_idps_to_dtm(rows: list[dict[str, Any]]) -> list[list[str]]:
    """HAPI ``affected-people/idps`` rows as rows of the DTM layout."""
    return _to_dtm(rows, HAPI_IDP_FIELDS, "HDX HAPI")


def _check_hapi_idps(document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError("the page has no 'data' list")
    for row in document["data"]:
        if not isinstance(row, dict) or not {"location_code", "population"} <= set(row):
            raise ValueError("a row lacks location_code or population")


def dtm_rows_to_dtm(rows: list[dict[str, Any]], level: int) -> list[list[str]]:
    """IOM DTM API rows (``admin0Pcode``, ``admin1Name``, ``numPresentIdpInd``, ...) as rows
    of the DTM layout; admin-2 columns only at ``level`` 2."""
    fields = {c: f for c, f in DTM_FIELDS.items() if level == 2 or not c.startswith("admin2")}
    return _to_dtm(rows, fields, "IOM DTM")


def _check_dtm(document: Any) -> None:
    if not isinstance(document, dict) or "isSuccess" not in document:
        raise ValueError("the reply has no isSuccess")
    if document["isSuccess"] and not isinstance(document.get("result"), list):
        raise ValueError("the reply has no 'result' list")


class IomDtm(Connector):
    """IOM DTM's API (see the module docstring)."""

    KIND = "iom_dtm"
    settings: IomDtmSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        headers = {settings.key_header: ctx.secret(settings.key_env, "key_env")}
        url = f"{settings.base_url.rstrip('/')}/displacement/admin{settings.admin_level}"
        rows: list[dict[str, Any]] = []
        for country in settings.countries:
            label = f"IOM DTM admin-{settings.admin_level} {country}"
            document = ctx.http.get_json(
                url,
                params={"Admin0Pcode": country, "FromReportingDate": settings.from_date},
                headers=headers,
                check=_check_dtm,
                what=label,
            )
            if not document["isSuccess"]:
                message = "; ".join(str(m) for m in document.get("errorMessages") or []) or "?"
                if "key" in message.lower() or "auth" in message.lower():
                    raise AuthError(f"{label}: DTM refused the request ({message}).")
                raise ResponseError(f"{label}: DTM answered with an error ({message}).")
            rows += document["result"]
        table = dtm_rows_to_dtm(rows, settings.admin_level)
        if not table:
            log.info("%s: DTM has no figures for these countries", settings.name)
            return
        newest = max(r[DTM_HEADER.index("reporting_date")] for r in table)
        release = f"{newest}+dtm-{ctx.now():%Y%m%d}"
        pull = handover(ctx, settings.name, table, DTM_HEADER, release, "iom_dtm", "dtm_idps")
        if pull is not None:
            yield pull
