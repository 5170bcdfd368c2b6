"""UCDP replays built from the real Candidate releases 26.0.1 and 26.0.2 bundled with SahelWatch.

:class:`UcdpApiReplay` answers like ``https://ucdpapi.pcr.uu.se/api/gedevents/<version>``:
JSON pages ``{TotalCount, TotalPages, PreviousPageUrl, NextPageUrl, Result}`` whose rows are
the release's CSV rows with UCDP's JSON types (numbers, booleans, null for empty numbers),
first page 0, an access token in the ``x-ucdp-access-token`` header, an optional ``Country``
filter (UCDP ``country_id`` numbers, comma-separated), 404 for a version not published.

:func:`download_site` serves releases as zipped CSV files with an HTML index like UCDP's
download page and a JSON index with sizes and SHA-256 digests.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import zipfile
from functools import cache
from typing import Any

from replay.server import ReplayServer, Reply, Request, static
from sahelwatch.formats.ucdp import GED_COLUMNS
from sahelwatch.store import bundled_file

RELEASE_FILES = {
    "26.0.1": "ucdp_candidate_26.0.1_events_global.csv.gz",
    "26.0.2": "ucdp_candidate_26.0.2_events_global.csv.gz",
}
INT_FIELDS = {
    "id",
    "year",
    "type_of_violence",
    "conflict_new_id",
    "dyad_new_id",
    "side_a_new_id",
    "side_b_new_id",
    "number_of_sources",
    "where_prec",
    "priogrid_gid",
    "country_id",
    "event_clarity",
    "date_prec",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
}
FLOAT_FIELDS = {"latitude", "longitude"}
TOKEN = "ucdp-test-token"


@cache
def release_csv(version: str) -> bytes:
    """The release's CSV bytes, exactly as UCDP published them."""
    return gzip.decompress(bundled_file(RELEASE_FILES[version]).read_bytes())


def release_rows(version: str) -> tuple[list[str], list[list[str]]]:
    """Header and records of a release (a real CSV parser: fields hold line breaks)."""
    rows = list(csv.reader(io.StringIO(release_csv(version).decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def api_row(header: list[str], record: list[str]) -> dict[str, Any]:
    """A CSV record as the API's JSON object."""
    out: dict[str, Any] = {}
    for name, value in zip(header, record, strict=True):
        if name in INT_FIELDS:
            out[name] = int(float(value)) if value.strip() else None
        elif name in FLOAT_FIELDS:
            out[name] = float(value) if value.strip() else None
        elif name == "active_year":
            out[name] = value.strip().lower() == "true"
        else:
            out[name] = value
    return out


def api_rows(version: str) -> list[dict[str, Any]]:
    """The release's rows as the API returns them (fresh dicts on each call)."""
    return [dict(r) for r in _api_rows(version)]


@cache
def _api_rows(version: str) -> tuple[dict[str, Any], ...]:
    header, records = release_rows(version)
    assert header == list(GED_COLUMNS)
    return tuple(api_row(header, r) for r in records)


class UcdpApiReplay:
    """UCDP's GED API over a dict ``version -> rows`` (tests may change it mid-pull)."""

    def __init__(
        self,
        versions: dict[str, list[dict[str, Any]]],
        token: str | None = TOKEN,
        prefix: str = "/api/gedevents",
    ) -> None:
        self.versions = versions
        self.token = token
        self.prefix = prefix
        self.base = ""

    def install(self, server: ReplayServer) -> UcdpApiReplay:
        self.base = server.url
        server.route("GET", rf"{self.prefix}/[^/]+", self.handle)
        return self

    def handle(self, req: Request) -> Reply:
        if self.token is not None and req.headers.get("x-ucdp-access-token") != self.token:
            return Reply.json({"message": "A valid access token is required."}, 401)
        version = req.path.rsplit("/", 1)[1]
        if version not in self.versions:
            return Reply.json({"message": f"No such version: {version}"}, 404)
        rows = self.versions[version]
        if req.query.get("Country"):
            wanted = {int(c) for c in req.query["Country"].split(",")}
            rows = [r for r in rows if r["country_id"] in wanted]
        size = int(req.query.get("pagesize", 100))
        page = int(req.query.get("page", 0))
        pages = math.ceil(len(rows) / size)
        url = f"{self.base}{self.prefix}/{version}?pagesize={size}&page="
        return Reply.json(
            {
                "TotalCount": len(rows),
                "TotalPages": pages,
                "PreviousPageUrl": f"{url}{page - 1}" if page > 0 else "",
                "NextPageUrl": f"{url}{page + 1}" if page + 1 < pages else "",
                "Result": rows[page * size : (page + 1) * size],
            }
        )


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def download_site(
    server: ReplayServer, releases: dict[str, bytes], prefix: str = "/downloads"
) -> dict[str, bytes]:
    """Serve ``releases`` (version -> CSV bytes) zipped, with ``index.html`` and
    ``index.json``; return the files dict (tests may change it: ``files.update(site_files(...))``
    publishes more releases)."""
    files = site_files(releases, prefix)
    server.route("GET", rf"{prefix}/.*", static(files))
    return files


def site_files(releases: dict[str, bytes], prefix: str = "/downloads") -> dict[str, bytes]:
    """The files of a download site offering ``releases``."""
    files: dict[str, bytes] = {}
    entries = []
    links = []
    for version, data in releases.items():
        stem = f"GEDEvent_v{version.replace('.', '_')}"
        archive = zipped(f"{stem}.csv", data)
        path = f"{prefix}/candidateged/{stem}.csv.zip"
        files[path] = archive
        entries.append(
            {
                "version": version,
                "url": f"candidateged/{stem}.csv.zip",
                "bytes": len(archive),
                "sha256": hashlib.sha256(archive).hexdigest(),
            }
        )
        links.append(
            f'<li><a href="candidateged/{stem}.csv.zip">Candidate {version} (CSV)</a>'
            f' <a href="candidateged/{stem}.xlsx">Excel</a></li>'
        )
    links.append('<li><a href="ged/ged251-dta.zip">GED 25.1 (Stata)</a></li>')
    files[f"{prefix}/index.html"] = (
        "<html><body><h1>UCDP downloads</h1><ul>" + "".join(links) + "</ul></body></html>"
    ).encode()
    files[f"{prefix}/index.json"] = json.dumps({"releases": entries}).encode()
    return files
