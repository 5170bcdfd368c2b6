"""What the store holds: ``/api/meta``, ``/api/status``, ``/api/coverage``;
and the one route that writes, ``POST /api/ingest``."""

from __future__ import annotations

import hmac
import logging
import re
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

import sahelwatch
from sahelwatch.actors import FAMILY_LABELS
from sahelwatch.errors import QueryError, SahelWatchError
from sahelwatch.gazetteer import SAHEL, VIOLENCE_LABELS
from sahelwatch.panels.listing import ACTOR_FAMILIES
from sahelwatch.periods import compress_months, format_month
from sahelwatch.web import render
from sahelwatch.web.db import RequestStore
from sahelwatch.web.deps import MAX_MONTHS, app_state, period_arg, read_store, split_list

router = APIRouter(tags=["store"])
log = logging.getLogger("sahelwatch.web")


class Unauthorized(SahelWatchError):
    """A write without a valid API key."""


class WritingDisabled(SahelWatchError):
    """A write while no API key is configured."""


class PayloadTooLarge(SahelWatchError):
    """A request body over the configured limit."""


def _runs_text(runs: list[tuple[date, date]]) -> list[list[str]]:
    return [[format_month(a), format_month(b)] for a, b in runs]


# --- meta -----------------------------------------------------------------------------------


def _meta(store: RequestStore, settings: Any) -> dict[str, Any]:
    from sahelwatch.consequences.summary import status_lines
    from sahelwatch.geo import bundled_countries
    from sahelwatch.status import family_months

    fam_rows = [
        {
            "family": f.family,
            "kind": f.kind,
            "sources": f.sources,
            "covered": _runs_text(compress_months(f.covered)),
            "located": _runs_text(compress_months(f.located)),
            "first_month": format_month(f.covered[0]) if f.covered else None,
            "last_month": format_month(f.covered[-1]) if f.covered else None,
            "last_located_month": format_month(f.located[-1]) if f.located else None,
        }
        for f in family_months(store)
        if f.kind != "consequence"  # cycles and years, not months: "consequences" below
    ]
    tiles = (
        {"url": settings.tiles_url, "attribution": settings.tiles_attribution}
        if settings.tiles_url
        else None
    )
    return {
        "version": sahelwatch.__version__,
        "countries": render.frame_records(bundled_countries()),
        "sahel": list(SAHEL),
        "violence_types": VIOLENCE_LABELS,
        "actor_families": {f: FAMILY_LABELS[f] for f in ACTOR_FAMILIES},
        "families": fam_rows,
        "consequences": [line.strip() for line in status_lines(store)],
        "tiles": tiles,
        "forecasts": store.has_table("forecasts"),
        "alerts": store.has_table("alerts"),
        "writable": bool(settings.api_keys),
        "limits": {"events_page": 5000, "months": MAX_MONTHS},
    }


@router.get("/api/meta", summary="What the dashboard needs to know first")
def meta(request: Request, store: Annotated[RequestStore, Depends(read_store)]) -> Response:
    """Countries with bundled boundaries (and whether they have admin-1/admin-2 units),
    violence types, actor families, the release families of events and country-month totals
    in the store with the months they cover (and cover with event locations), the
    consequence figures (Cadre Harmonisé cycles, displacement years) in words, the tile layer
    if one is configured, limits."""
    return render.json_response(_meta(store, app_state(request).settings))


# --- status and coverage --------------------------------------------------------------------


@router.get("/api/status", summary="Releases, coverage, gaps, freshness, quarantine")
def status(
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[list[str] | None, Query(description="Countries (default: Sahel)")] = None,
) -> Response:
    """What `sahelwatch status` prints, as JSON: releases; each source's covered months and
    gaps (a gap is *no data*, never zero), newest data and its age in days; per country and
    source the months covered and newest event; events withdrawn (missing from a newer release or
    deleted by their source); rows in quarantine."""
    from sahelwatch.query import resolve_country
    from sahelwatch.status import status as store_status

    names = split_list(country, "country")
    codes = sorted({gw for c in names for gw in resolve_country(store, c)}) if names else None
    snapshot = store_status(store, codes)
    releases = []
    for r in snapshot.releases:
        row = {k: render.clean_value(v) for k, v in r.items() if k != "months"}
        row["covers"] = _runs_text(compress_months(r["months"] or []))
        if r.get("ingested_at") is not None:
            row["ingested_at"] = pd.Timestamp(r["ingested_at"]).strftime("%Y-%m-%dT%H:%M:%S")
        releases.append(row)
    sources = [
        {
            "source": s.source,
            "covered": _runs_text(s.covered),
            "gaps": _runs_text(s.gaps),
            "newest": render.clean_value(s.newest),
            "stale_days": s.stale_days,
        }
        for s in snapshot.sources
    ]
    countries = [
        {**render.clean_value(asdict(c)), "covered": _runs_text(c.covered)}
        for c in snapshot.countries
    ]
    return render.json_response(
        {
            "store": FilePath(snapshot.path).name,
            "events": snapshot.events,
            "withdrawn": snapshot.withdrawn,
            "quarantined": snapshot.quarantined,
            "flagged": snapshot.flagged,
            "releases": releases,
            "sources": sources,
            "countries": countries,
        }
    )


@router.get("/api/coverage", summary="Months each source covers, gaps shown as gaps")
def coverage(
    store: Annotated[RequestStore, Depends(read_store)],
    country: Annotated[
        list[str] | None, Query(description="Countries (default: the Sahel countries)")
    ] = None,
    source: Annotated[list[str] | None, Query(description="Only these sources")] = None,
    period: Annotated[str | None, Query(max_length=20, description="YYYY-MM..YYYY-MM")] = None,
) -> Response:
    """For each country and source, every month of the period (default: from the first to the
    last month any selected source covers, at most 480 months) with `true` where a release
    covers it and `false` where none does (a gap: no data, not zero), plus the covered runs,
    the gaps and the newest event."""
    from sahelwatch.query import resolve_country
    from sahelwatch.status import coverage_grid

    names = split_list(country, "country")
    gws = sorted({gw for c in names for gw in resolve_country(store, c)}) if names else None
    start, end = period_arg(period)
    grid = coverage_grid(
        store, gws, split_list(source, "source", 20), start, end, max_months=MAX_MONTHS
    )
    out = [
        {
            "country_gw": row.country_gw,
            "country": row.country,
            "source": row.source,
            "covered": _runs_text(row.covered),
            "gaps": _runs_text(row.gaps),
            "first": format_month(row.first),
            "last": format_month(row.last),
            "newest_event": render.clean_value(row.newest_event),
            "months": row.flags,
        }
        for row in grid.rows
    ]
    return render.json_response({"months": [format_month(m) for m in grid.months], "coverage": out})


# --- ingest (writes; needs an API key) ------------------------------------------------------

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def check_api_key(request: Request) -> None:
    """Refuse the request unless it carries one of the configured API keys.

    The key comes in ``X-API-Key`` or ``Authorization: Bearer``; it is compared with every
    configured key in constant time and never logged.
    """
    keys = app_state(request).settings.api_keys
    if not keys:
        raise WritingDisabled(
            "writing is disabled: no API key is configured (set SAHELWATCH_API_KEYS)."
        )
    given = request.headers.get("x-api-key", "")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    supplied = given.encode("utf-8")
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(supplied, key.encode("utf-8"))
    if not given or not ok:
        raise Unauthorized("a valid API key is needed (header X-API-Key).")


def _form_text(form: Any, name: str, limit: int = 200) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    text = str(value).strip()
    if len(text) > limit:
        raise QueryError(f"form field '{name}' is longer than {limit} characters.")
    return text or None


@router.post(
    "/api/ingest",
    summary="Ingest an uploaded file (needs an API key)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "source": {"type": "string"},
                            "release": {"type": "string"},
                            "period": {"type": "string", "description": "YYYY-MM..YYYY-MM"},
                            "countries": {"type": "string", "description": "comma-separated"},
                            "no_coverage": {"type": "boolean"},
                        },
                    }
                }
            },
        },
        "security": [{"ApiKey": []}],
    },
)
async def ingest_upload(request: Request) -> Response:
    """Upload a CSV, zipped CSV or Excel file (multipart field `file`) and ingest it as
    `sahelwatch ingest` would, in one transaction; the optional fields `source`, `release`,
    `period`, `countries` and `no_coverage` override what is detected. Needs an API key in the
    `X-API-Key` header. Readers wait while the file is ingested."""
    check_api_key(request)
    state = app_state(request)
    limit = state.settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(f"the upload is larger than {limit} bytes.")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise QueryError("send the file to ingest in the multipart field 'file'.")
        source = _form_text(form, "source", 40)
        release = _form_text(form, "release", 60)
        period_text = _form_text(form, "period", 20)
        countries_text = _form_text(form, "countries", 1000)
        no_coverage = (_form_text(form, "no_coverage", 10) or "").lower() in ("1", "true", "yes")
        name = _SAFE_NAME.sub("_", FilePath(upload.filename).name)[-120:].lstrip(".") or "upload"
        with tempfile.TemporaryDirectory(prefix="sahelwatch-upload-") as folder:
            path = FilePath(folder) / name
            size = 0
            with path.open("wb") as out:
                while chunk := await upload.read(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLarge(f"the upload is larger than {limit} bytes.")
                    out.write(chunk)
            try:
                report = await run_in_threadpool(
                    _ingest_file,
                    state,
                    path,
                    source,
                    release,
                    period_text,
                    countries_text,
                    not no_coverage,
                )
            except SahelWatchError as exc:
                # The server's folders stay private.
                exc.args = (without_paths(str(exc), state.access.path, path),)
                raise
    log.info("ingested %s via the API: %s", name, report["summary"].splitlines()[0])
    state.memo.clear()
    return render.json_response(report, headers={"Cache-Control": "no-store"})


_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s/'\"]+/)+([^\s/'\"]+?)(?=[\s'\":,;]|\.?$|\.\s)")


def without_paths(message: str, *known: FilePath) -> str:
    """An error message with the ``known`` paths, then every other absolute path, cut to
    their file names.

    >>> without_paths("the store /srv/data/sw.duckdb is in use by another process.")
    'the store sw.duckdb is in use by another process.'
    """
    for path in known:
        message = message.replace(str(path), path.name)
    return _ABSOLUTE_PATH.sub(r"\1", message)


def _ingest_file(
    state: Any,
    path: FilePath,
    source: str | None,
    release: str | None,
    period_text: str | None,
    countries_text: str | None,
    record_coverage: bool,
) -> dict[str, Any]:
    from sahelwatch.ingest import ingest_files

    with state.access.writer() as store:
        [report] = ingest_files(
            store,
            [path],
            source=source,
            release=release,
            period=period_text,
            countries=countries_text,
            record_coverage=record_coverage,
        )
    return {
        "file": path.name,
        "format": report.format,
        "source": report.source,
        "release": report.release,
        "rows_read": report.rows_read,
        "added": report.added,
        "revised": report.revised,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "coverage": report.coverage,
        "countries": report.countries,
        "already_ingested": render.clean_value(report.already_ingested),
        "reasons": [[reason, n] for reason, n in report.reasons],
        "summary": report.summary(),
    }
