"""The ACLED API connector: OAuth, paging, incremental pulls by ``timestamp``.

Authentication: the email and password are read from the environment variables the settings
name (``ACLED_EMAIL``, ``ACLED_PASSWORD``) and exchanged at ``token_url`` for an access token
(``grant_type=password``); the token is renewed with its ``refresh_token`` shortly before
``expires_in`` runs out, or when the API answers 401 in the middle of a pull (the page is then
fetched again). Tokens are kept in memory only.

Pulls: the first pull asks for every event of the configured countries (ISO numeric codes,
ACLED's ``iso``) dated ``start_date`` or later; each later pull asks for the events whose
``timestamp`` (ACLED's time of last change) is at least the newest one loaded, so revisions
and deletions' replacements come back too. Events already loaded at that exact timestamp are
left out, so a pull with nothing new loads nothing. Pages (``limit`` events each, ``page``
from 1) are kept on disk and recorded in the checkpoint as they arrive; a restart resumes at the
next page. The end of the data is a short page followed by an empty one: an empty page with data
after it is a missing page and is fetched again, and a full page that only repeats events of
earlier pages is fetched again too. A pull asks for at most ``max_pages`` pages.

The events are written as a CSV in ACLED's current export layout and loaded with the release
named after the newest ``timestamp`` (``2026-03-02T14:05:09``), so that two pulls on one day are
two releases. Coverage is recorded for the configured countries from ``start_date`` to the
newest event month of the pull.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sahelwatch.connectors.base import Connector, Context, Pull
from sahelwatch.connectors.settings import AcledSource
from sahelwatch.errors import AuthError, ResponseError
from sahelwatch.gazetteer import gw_codes, iso_nums
from sahelwatch.output import write_atomic, write_csv_rows

__all__ = ["ACLED_COLUMNS", "Acled", "AcledAuth", "rows_to_acled_csv"]

log = logging.getLogger("sahelwatch.connectors")

#: ACLED's current export layout (2023 onward), in its order.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

# Renew a token this many seconds before ACLED says it expires.
_EARLY_RENEWAL = 60.0
_MISSING_PAGE_TRIES = 3


class AcledAuth:
    """OAuth tokens for ACLED's API (password grant, then refresh grants)."""

    def __init__(self, ctx: Context, settings: AcledSource, clock: Any = time.monotonic) -> None:
        self.ctx = ctx
        self.settings = settings
        self.clock = clock
        self.access: str | None = None
        self.refresh: str | None = None
        self.expires_at = 0.0

    def headers(self) -> dict[str, str]:
        """The Authorization header, with a token renewed if it is (nearly) expired."""
        if self.access is None or self.clock() >= self.expires_at - _EARLY_RENEWAL:
            self._obtain()
        return {"Authorization": f"Bearer {self.access}"}

    def invalidate(self) -> None:
        """Forget the access token (the API refused it); the refresh token is kept."""
        self.access = None

    def _obtain(self) -> None:
        settings = self.settings
        if self.refresh:
            try:
                self._grant(
                    {
                        "grant_type": "refresh_token",
                        "refresh_token": self.refresh,
                        "client_id": settings.client_id,
                    }
                )
                return
            except (AuthError, ResponseError):
                log.info("%s: refresh token refused; signing in again", settings.name)
                self.refresh = None
        self._grant(
            {
                "username": self.ctx.secret(settings.email_env, "email_env"),
                "password": self.ctx.secret(settings.password_env, "password_env"),
                "grant_type": "password",
                "client_id": settings.client_id,
                "scope": "authenticated",
            }
        )

    def _grant(self, form: dict[str, str]) -> None:
        try:
            reply = self.ctx.http.post_form(
                self.settings.token_url, form, what=f"ACLED token ({form['grant_type']})"
            )
        except ResponseError as exc:  # 400 invalid_grant and the like
            raise AuthError(f"{self.settings.name}: ACLED refused the sign-in ({exc}).") from exc
        if not isinstance(reply, dict) or not reply.get("access_token"):
            raise AuthError(f"{self.settings.name}: ACLED's token reply has no access_token.")
        self.access = str(reply["access_token"])
        self.refresh = reply.get("refresh_token") or self.refresh
        self.expires_at = self.clock() + float(reply.get("expires_in", 3600))


def rows_to_acled_csv(rows: list[dict[str, Any]], path: Path) -> list[str]:
    """Write API rows in ACLED's export layout (known columns first), sorted by event id."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    header = [c for c in ACLED_COLUMNS if c in seen] + [c for c in seen if c not in ACLED_COLUMNS]
    ordered = sorted(rows, key=lambda r: str(r.get("event_id_cnty")))
    write_csv_rows(
        path, header, (["" if r.get(c) is None else str(r.get(c)) for c in header] for r in ordered)
    )
    return header


def _timestamp(row: dict[str, Any]) -> int:
    try:
        return int(float(row.get("timestamp") or 0))
    except (TypeError, ValueError):
        return 0


def _check_page(document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError("the page has no data list")
    status = document.get("status", 200)
    if status not in (200, "200") or document.get("success") is False:
        raise ValueError(f"ACLED reports status {status}: {document.get('messages') or ''}")


class Acled(Connector):
    """ACLED's API (see the module docstring)."""

    KIND = "acled"
    settings: AcledSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        where = f"source {settings.name}"
        self.auth = AcledAuth(ctx, settings)
        iso = iso_nums(settings.countries, where)
        gws = gw_codes(settings.countries, where)
        state = ctx.state
        newest = state.get("max_timestamp")
        folder = ctx.work_dir / "pages"
        paging = state.get("paging")
        if not paging:
            query: dict[str, Any] = {
                "_format": "json",
                "iso": "|".join(map(str, iso)),
                "limit": settings.limit,
            }
            if newest is None:
                query |= {"event_date": settings.start_date, "event_date_where": ">="}
            else:
                query |= {"timestamp": int(newest), "timestamp_where": ">="}
            shutil.rmtree(folder, ignore_errors=True)
            paging = {"query": query, "done": [], "finished": False}
            state["paging"] = paging
            ctx.save()
        else:
            log.info("%s: resuming a pull after %d page(s)", settings.name, len(paging["done"]))
        folder.mkdir(parents=True, exist_ok=True)
        paging["done"] = [p for p in paging["done"] if (folder / f"page_{p:06d}.json").exists()]
        if len(paging["done"]) != max(paging["done"], default=0):
            paging["done"], paging["finished"] = [], False  # a page file went missing
        self._page_all(paging, folder)
        rows = self._assemble(paging, folder)
        boundary = set(state.get("boundary_ids", []))
        fresh = [
            r
            for r in rows
            if not (
                newest is not None
                and _timestamp(r) <= int(newest)
                and str(r.get("event_id_cnty")) in boundary
            )
        ]
        if not fresh:
            state["paging"] = None
            ctx.save()
            log.info("%s: nothing new since timestamp %s", settings.name, newest)
            return
        top = max(_timestamp(r) for r in fresh)
        if newest is not None and top <= int(newest):
            top = int(newest)
        at_top = {str(r.get("event_id_cnty")) for r in fresh if _timestamp(r) == top}
        if newest is not None and top == int(newest):
            at_top |= boundary
        release = datetime.fromtimestamp(top, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        path = ctx.work_dir / "pulled" / f"acled_{settings.name}_{release.replace(':', '')}.csv"
        header = rows_to_acled_csv(fresh, path)
        last_month = max(str(r.get("event_date", ""))[:7] for r in fresh)
        # Coverage: the configured countries from start_date to the newest month pulled; a pull
        # of revisions to events older than start_date records none.
        covered = last_month >= settings.start_date[:7]
        yield Pull(
            source=settings.name,
            path=path,
            release=release,
            ingest_source="acled",
            complete=newest is None,
            countries=gws,
            period=(settings.start_date[:7], last_month) if covered else None,
            record_coverage=covered,
            columns=header,
            commit={
                "max_timestamp": top,
                "boundary_ids": sorted(at_top),
                "paging": None,
                "columns": header,
            },
            on_hold={"paging": None},
            note=f"{len(fresh)} events changed up to {release}",
        )

    def _get(self, query: dict[str, Any], page: int, known: set[str]) -> list[dict[str, Any]]:
        """One page; a 401 renews the token once and asks again."""

        def check(document: Any) -> None:
            _check_page(document)
            data = document["data"]
            ids = {str(r.get("event_id_cnty")) for r in data if isinstance(r, dict)}
            if len(data) >= self.settings.limit and ids and ids <= known:
                raise ValueError(f"page {page} only repeats events of earlier pages")

        for attempt in (1, 2):
            try:
                document = self.ctx.http.get_json(
                    self.settings.base_url,
                    params={**query, "page": page},
                    headers=self.auth.headers(),
                    check=check,
                    what=f"ACLED page {page}",
                )
                return list(document["data"])
            except AuthError:
                if attempt == 2:
                    raise
                log.info("%s: token refused on page %d; renewing it", self.settings.name, page)
                self.auth.invalidate()
        raise AssertionError("unreachable")

    def _page_all(self, paging: dict[str, Any], folder: Path) -> None:
        limit = self.settings.limit
        known: set[str] = set()
        for page in paging["done"]:
            known.update(str(r.get("event_id_cnty")) for r in _read(folder, page))
        page = len(paging["done"]) + 1
        short_at: int | None = None
        if paging["done"] and len(_read(folder, paging["done"][-1])) < limit:
            short_at = paging["done"][-1]
        misses = fetched = 0
        while not paging["finished"]:
            fetched += 1
            if fetched > self.settings.max_pages:
                raise ResponseError(
                    f"{self.settings.name}: still more pages after {self.settings.max_pages} "
                    "(setting max_pages); the pull was stopped and nothing was loaded."
                )
            rows = self._get(paging["query"], page, known)
            if short_at is not None:
                if not rows:
                    paging["finished"] = True
                    self.ctx.save()
                    break
                # Data after a short page: that page lost rows; fetch it again.
                misses += 1
                if misses > _MISSING_PAGE_TRIES:
                    raise ResponseError(
                        f"{self.settings.name}: page {short_at} keeps coming back short while "
                        "later pages hold data."
                    )
                log.warning(
                    "%s: page %d was short; fetching it again", self.settings.name, short_at
                )
                paging["done"] = [p for p in paging["done"] if p < short_at]
                known = set()
                for done in paging["done"]:
                    known.update(str(r.get("event_id_cnty")) for r in _read(folder, done))
                page, short_at = short_at, None
                continue
            _write(folder, page, rows)
            known.update(str(r.get("event_id_cnty")) for r in rows)
            paging["done"] = [*paging["done"], page]
            self.ctx.state["paging"] = paging
            self.ctx.save()
            if len(rows) < limit:
                short_at = page
            page += 1

    def _assemble(self, paging: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
        best: dict[str, dict[str, Any]] = {}
        for page in paging["done"]:
            for row in _read(folder, page):
                key = str(row.get("event_id_cnty"))
                if key not in best or _timestamp(row) >= _timestamp(best[key]):
                    best[key] = row
        return list(best.values())


def _read(folder: Path, page: int) -> list[dict[str, Any]]:
    return json.loads((folder / f"page_{page:06d}.json").read_text(encoding="utf-8"))


def _write(folder: Path, page: int, rows: list[dict[str, Any]]) -> None:
    write_atomic(folder / f"page_{page:06d}.json", json.dumps(rows))
