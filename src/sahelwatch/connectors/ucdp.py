"""UCDP connectors: bulk downloads of releases, and the GED REST API.

:class:`UcdpBulk` reads an index (UCDP's download page, or a JSON list of releases), picks the
releases of its track newer than the newest one done, downloads each (resuming a partial
download, checking the size and SHA-256 when the index gives them) and hands it over as it is:
a CSV, zipped CSV or Excel file that :func:`sahelwatch.ingest.ingest` reads. An index that lists
no release at all (a maintenance page in place of the download page) raises
:class:`~sahelwatch.errors.SourceChanged`: a data-quality alert, not "nothing new".

:class:`UcdpApi` pulls ``<base_url>/<version>?pagesize=N&page=P`` with the access token in a
header. Each page is kept on disk and recorded in the checkpoint as soon as it arrives, so a
restart goes on from the next page. The pull is complete only when every page is there and the
distinct events number ``TotalCount``; an empty or short page, a page that repeats events of
another, or a ``TotalCount`` that changes mid-pull is fetched again (and the pull started over
when the release itself changed). ``TotalPages`` must be what ``TotalCount`` and the page size
make, and a pull asks for at most ``max_pages`` pages: a page list that keeps growing ends
with an error instead of being followed for ever. The rows are written as a GED CSV (the 49
columns in GED order, sorted by id) named ``GEDEvent_v<version>.csv`` and loaded as that release.

Tracks: ``candidate`` follows the monthly Candidate releases ``YY.0.M`` (26.0.1, 26.0.2, ...,
26.0.12, then 27.0.1); ``ged`` follows the yearly releases ``YY.1``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from sahelwatch.connectors.base import Connector, Pull
from sahelwatch.connectors.settings import UcdpApiSource, UcdpBulkSource
from sahelwatch.errors import NotPublished, ResponseError, SourceChanged
from sahelwatch.formats.ucdp import GED_COLUMNS, release_from_filename
from sahelwatch.gazetteer import gw_codes
from sahelwatch.ingest import release_key
from sahelwatch.output import write_atomic, write_csv_rows

__all__ = [
    "IndexEntry",
    "UcdpApi",
    "UcdpBulk",
    "next_release",
    "on_track",
    "parse_index",
    "rows_to_ged_csv",
]

log = logging.getLogger("sahelwatch.connectors")

UCDP_SOURCES = ("ucdp_candidate", "ucdp_ged")
_TRACKS = {
    "candidate": re.compile(r"^\d{2}\.0\.(?:[1-9]|1[0-2])$"),
    "ged": re.compile(r"^\d{2}\.[1-9]$"),
}
_DATA_SUFFIXES = (".csv", ".csv.gz", ".zip", ".xlsx")


def on_track(release: str, track: str) -> bool:
    """Whether a release belongs to a track.

    >>> on_track("26.0.2", "candidate"), on_track("25.1", "candidate"), on_track("25.1", "ged")
    (True, False, True)
    """
    return bool(_TRACKS[track].match(release))


def next_release(release: str, track: str) -> str:
    """The release after ``release`` on its track.

    >>> next_release("26.0.2", "candidate"), next_release("26.0.12", "candidate")
    ('26.0.3', '27.0.1')
    >>> next_release("25.1", "ged")
    '26.1'
    """
    parts = [int(p) for p in release.split(".")]
    if track == "candidate":
        year, month = parts[0], parts[2]
        return f"{year + 1}.0.1" if month >= 12 else f"{year}.0.{month + 1}"
    return f"{parts[0] + 1}.{parts[1]}"


# --- bulk downloads -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """A release offered by a download index."""

    release: str
    url: str
    size: int | None = None
    sha256: str | None = None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.links.append(value)


def parse_index(text: str, index_url: str) -> list[IndexEntry]:
    """Releases listed by an index: JSON (a list, or ``{"releases": [...]}`` of objects with
    ``version``/``release``, ``url`` and optional ``bytes``/``size`` and ``sha256``) or an
    HTML page whose links name UCDP files (``GEDEvent_v26_0_2.csv``, ``ged251-csv.zip``).

    Relative URLs are resolved against ``index_url``. For HTML, a CSV link is preferred over
    an Excel one, and zip files must say ``csv`` in their name (UCDP also offers R and Stata
    archives).
    """
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ResponseError(f"{index_url}: the JSON index does not parse ({exc}).") from exc
        items = document.get("releases", []) if isinstance(document, dict) else document
        entries = []
        for item in items:
            if not isinstance(item, dict) or "url" not in item:
                raise ResponseError(f"{index_url}: an index entry lacks its url: {item!r}.")
            url = urljoin(index_url, str(item["url"]))
            release = (
                item.get("version") or item.get("release") or release_from_filename(_basename(url))
            )
            if not release:
                continue
            size = item.get("bytes", item.get("size"))
            entries.append(
                IndexEntry(
                    str(release), url, int(size) if size is not None else None, item.get("sha256")
                )
            )
        return entries
    parser = _Links()
    parser.feed(text)
    best: dict[str, tuple[int, IndexEntry]] = {}
    for link in parser.links:
        url = urljoin(index_url, link)
        name = _basename(url).lower()
        if not name.endswith(_DATA_SUFFIXES) or (name.endswith(".zip") and "csv" not in name):
            continue
        release = release_from_filename(_basename(url))
        if not release:
            continue
        rank = 1 if name.endswith(".xlsx") else 0
        if release not in best or rank < best[release][0]:
            best[release] = (rank, IndexEntry(release, url))
    return [entry for _, entry in best.values()]


def _basename(url: str) -> str:
    return Path(urlsplit(url).path).name


def _newest(releases: set[str]) -> str | None:
    return max(releases, key=release_key, default=None)


class UcdpBulk(Connector):
    """Bulk downloads of UCDP releases (see the module docstring)."""

    KIND = "ucdp_bulk"
    settings: UcdpBulkSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        response, _ = ctx.http.request("GET", settings.index_url, what="UCDP download index")
        offered = parse_index(response.text, settings.index_url)
        if not offered:
            raise SourceChanged(
                f"{settings.name}: the download index {settings.index_url} lists no release "
                f"file at all (it starts: {_gist(response.text)}); it no longer looks like "
                "UCDP's download page (a maintenance page?), so nothing was taken from it."
            )
        listing = [e for e in offered if on_track(e.release, settings.track)]
        listing.sort(key=lambda e: release_key(e.release))
        done = set(ctx.state.get("done", [])) | {
            r for r in ctx.stored_releases(UCDP_SOURCES) if on_track(r, settings.track)
        }
        newest = _newest(done)
        if newest is not None:
            todo = [e for e in listing if release_key(e.release) > release_key(newest)]
        elif settings.first_release:
            first = release_key(settings.first_release)
            todo = [e for e in listing if release_key(e.release) >= first]
        else:
            todo = listing[-1:]
        downloads = ctx.work_dir / "downloads"
        for entry in todo[: settings.max_releases]:
            dest = downloads / _basename(entry.url)
            if release_from_filename(dest.name) != entry.release:
                dest = downloads / f"GEDEvent_v{entry.release.replace('.', '_')}{_suffix(dest)}"
            if dest.exists():  # a finished download from before a restart: check it again
                dest.unlink()
            log.info("%s: downloading release %s", settings.name, entry.release)
            ctx.http.download(entry.url, dest, size=entry.size, sha256=entry.sha256)
            done_now = set(ctx.state.get("done", [])) | {entry.release}
            yield Pull(
                source=settings.name,
                path=dest,
                release=entry.release,
                complete=True,
                commit={"done": sorted(done_now, key=release_key)},
                note=f"release {entry.release} from {entry.url}",
            )


def _gist(text: str) -> str:
    """The first words of a page, tags removed, for an error message."""
    words = re.sub(r"<[^>]*>", " ", text[:2000]).split()
    return repr(" ".join(words)[:100])


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix


# --- the REST API -------------------------------------------------------------------------

_MAX_RESTARTS = 2


def _cell(value: Any) -> str:
    """A JSON value as UCDP writes it in its CSV files."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def rows_to_ged_csv(rows: list[dict[str, Any]], path: Path) -> list[str]:
    """Write API rows as a GED CSV (GED columns first, in GED order, then any others),
    sorted by ``id``; return the header written. Written to a temporary name first."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    extra = [c for c in seen if c not in GED_COLUMNS]
    header = [c for c in GED_COLUMNS if c in seen or not extra] + extra
    if not rows:
        header = list(GED_COLUMNS)
    ordered = sorted(rows, key=lambda r: (_sort_id(r.get("id")), json.dumps(r, sort_keys=True)))
    write_csv_rows(path, header, ([_cell(r.get(c)) for c in header] for r in ordered))
    return header


def _sort_id(value: Any) -> tuple[int, str]:
    try:
        return (int(value), "")
    except (TypeError, ValueError):
        return (1 << 62, str(value))


def _check_page(document: Any) -> None:
    """The shape every API page has (a ValueError makes the client fetch it again)."""
    if not isinstance(document, dict):
        raise ValueError("the page is not a JSON object")
    for key in ("TotalCount", "TotalPages", "Result"):
        if key not in document:
            raise ValueError(f"the page lacks {key}")
    if not isinstance(document["Result"], list):
        raise ValueError("Result is not a list")
    if not isinstance(document["TotalCount"], int) or not isinstance(document["TotalPages"], int):
        raise ValueError("TotalCount or TotalPages is not a number")


class UcdpApi(Connector):
    """The UCDP GED REST API (see the module docstring)."""

    KIND = "ucdp_api"
    settings: UcdpApiSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        headers = {}
        if settings.token_env:
            headers[settings.token_header] = ctx.secret(settings.token_env, "token_env")
        self.headers = headers
        self.countries = (
            gw_codes(settings.countries, f"source {settings.name}")
            if settings.countries
            else None
        )
        stored = {r for r in ctx.stored_releases(UCDP_SOURCES) if on_track(r, settings.track)}
        done = set(ctx.state.get("done", []))
        self._tidy(done | stored)
        for version in self._plan(done, stored):
            try:
                path, header = self._pull(version)
            except NotPublished:
                if settings.versions:
                    log.info("%s: version %s is not (yet) served", settings.name, version)
                    continue
                log.info("%s: version %s is not published yet", settings.name, version)
                return
            done_now = set(ctx.state.get("done", [])) | {version}
            yield Pull(
                source=settings.name,
                path=path,
                release=version,
                complete=True,
                countries=self.countries,
                columns=header,
                commit={"done": sorted(done_now, key=release_key), "paging": None},
                on_hold={"paging": None},
                note=f"version {version} from the API",
            )

    def _plan(self, done: set[str], stored: set[str]) -> list[str]:
        settings = self.settings
        if settings.versions:
            todo = [v for v in settings.versions if v not in done and v not in stored]
            return sorted(todo, key=release_key)[: settings.max_versions]
        newest = _newest({v for v in done | stored if on_track(v, settings.track)})
        first = settings.first_version or ""
        if newest is None or (first and release_key(first) > release_key(newest)):
            start = first
        else:
            start = next_release(newest, settings.track)
        plan = [start]
        while len(plan) < settings.max_versions:
            plan.append(next_release(plan[-1], settings.track))
        return plan

    def _tidy(self, finished: set[str]) -> None:
        """Remove the pages of versions already loaded."""
        pages = self.ctx.work_dir / "pages"
        if pages.is_dir():
            for folder in pages.iterdir():
                if folder.name in finished:
                    shutil.rmtree(folder, ignore_errors=True)

    def _pull(self, version: str) -> tuple[Path, list[str]]:
        """Every page of one version (resuming), checked, as a GED CSV."""
        settings, ctx = self.settings, self.ctx
        url = f"{settings.base_url.rstrip('/')}/{version}"
        folder = ctx.work_dir / "pages" / version
        paging = ctx.state.get("paging") or {}
        if paging.get("version") != version or paging.get("pagesize") != settings.pagesize:
            shutil.rmtree(folder, ignore_errors=True)
            paging = {"version": version, "pagesize": settings.pagesize, "done": []}
        else:
            log.info(
                "%s: resuming version %s after %d page(s)",
                settings.name,
                version,
                len(paging["done"]),
            )
        folder.mkdir(parents=True, exist_ok=True)
        paging["done"] = [p for p in paging["done"] if (folder / f"page_{p:06d}.json").exists()]
        known = _ids_on_disk(folder, paging["done"])
        restarts = fetched = 0
        while True:
            total_pages = paging.get("total_pages")
            pending = [
                p
                for p in range(settings.first_page, settings.first_page + (total_pages or 1))
                if p not in paging["done"]
            ]
            if total_pages is not None and not pending:
                break
            page = pending[0]
            fetched += 1
            if fetched > settings.max_pages:
                raise ResponseError(
                    f"{settings.name}: version {version} still has pages after "
                    f"{settings.max_pages} (setting max_pages); the pull was stopped and nothing "
                    "was loaded."
                )
            document = self._page(url, version, page, paging, known)
            if (
                paging.get("total_count") is not None
                and document["TotalCount"] != paging["total_count"]
            ):
                restarts += 1
                if restarts > _MAX_RESTARTS:
                    raise ResponseError(
                        f"{settings.name}: version {version} keeps changing while it is paged "
                        f"(TotalCount {paging['total_count']} then {document['TotalCount']})."
                    )
                log.warning(
                    "%s: version %s changed mid-pull (TotalCount %s -> %s); starting over",
                    settings.name,
                    version,
                    paging["total_count"],
                    document["TotalCount"],
                )
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                known = set()
                paging = {"version": version, "pagesize": settings.pagesize, "done": []}
                ctx.state["paging"] = paging
                ctx.save()
                continue
            paging["total_count"] = document["TotalCount"]
            paging["total_pages"] = document["TotalPages"]
            _write_json(folder / f"page_{page:06d}.json", document["Result"])
            known.update(r["id"] for r in document["Result"])
            paging["done"] = sorted({*paging["done"], page})
            ctx.state["paging"] = paging
            ctx.save()
        rows = self._assemble(folder, paging, version)
        name = f"GEDEvent_v{version.replace('.', '_')}.csv"
        path = ctx.work_dir / "pulled" / name
        header = rows_to_ged_csv(rows, path)
        return path, header

    def _page(
        self, url: str, version: str, page: int, paging: dict[str, Any], known_ids: set[Any]
    ) -> dict[str, Any]:
        settings = self.settings

        def check(document: Any) -> None:
            _check_page(document)
            total, pages = document["TotalCount"], document["TotalPages"]
            if paging.get("total_count") not in (None, total):
                return  # the release changed: the caller starts over
            if pages != -(-total // settings.pagesize):
                raise ValueError(
                    f"page {page} says TotalPages {pages}, but TotalCount {total} at pagesize "
                    f"{settings.pagesize} makes {-(-total // settings.pagesize)} pages"
                )
            last = settings.first_page + max(pages, 1) - 1
            rows = document["Result"]
            expected = settings.pagesize if page < last else total - settings.pagesize * (pages - 1)
            if total == 0:
                expected = 0
            if len(rows) != expected:
                raise ValueError(
                    f"page {page} holds {len(rows)} events, expected {expected} "
                    f"(TotalCount {total}, pagesize {settings.pagesize})"
                )
            ids = [r.get("id") for r in rows if isinstance(r, dict)]
            if len(ids) != len(rows) or any(i is None for i in ids):
                raise ValueError(f"page {page} has events without an id")
            repeated = known_ids.intersection(ids)
            if repeated or len(set(ids)) != len(ids):
                raise ValueError(
                    f"page {page} repeats events of another page (e.g. id "
                    f"{min(repeated or ids, key=str)})"
                )

        params: dict[str, Any] = {"pagesize": settings.pagesize, "page": page}
        if self.countries:
            params["Country"] = ",".join(str(c) for c in self.countries)
        return self.ctx.http.get_json(
            url,
            params=params,
            headers=self.headers,
            check=check,
            what=f"UCDP API {version} page {page}",
        )

    def _assemble(self, folder: Path, paging: dict[str, Any], version: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for page in paging["done"]:
            rows += json.loads((folder / f"page_{page:06d}.json").read_text(encoding="utf-8"))
        ids = {str(r["id"]) for r in rows}
        if len(ids) != len(rows) or len(rows) != paging["total_count"]:
            # Pages from disk disagree (a page file from another run): fetch again next time.
            self.ctx.state["paging"] = None
            self.ctx.save()
            raise ResponseError(
                f"{self.settings.name}: version {version} assembled {len(ids)} distinct events "
                f"from {len(rows)} rows, expected {paging['total_count']}; it will be pulled again."
            )
        return rows


def _ids_on_disk(folder: Path, pages: list[int]) -> set[Any]:
    """Event ids of the pages already fetched (a resumed pull)."""
    ids: set[Any] = set()
    for page in pages:
        file = folder / f"page_{page:06d}.json"
        if file.exists():
            ids.update(r.get("id") for r in json.loads(file.read_text(encoding="utf-8")))
    return ids


def _write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value))
