"""Connectors for files: any URL, and a watched folder.

Both hand over files as they are; the formats are those ``sahelwatch ingest`` reads (UCDP GED
and Candidate CSV/zip/Excel, ACLED exports, the country-month tables), recognised from the
header. UCDP releases are named from the file name, so keep UCDP's names.

:class:`UrlFile` fetches one URL with a conditional request (``If-None-Match`` /
``If-Modified-Since`` from the last reply) and hands the file over only when its content
changed. :class:`Folder` hands over every file matching ``pattern`` whose content it has not
seen, once the file has not been modified for ``settle`` seconds (so that a file still being
copied is left for the next poll); names starting with ``.`` and ending in ``.part``, ``.tmp``
or ``.crdownload`` are ignored.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sahelwatch.connectors.base import Connector, Pull, file_sha256
from sahelwatch.connectors.settings import FileSource, FolderSource, UrlSource
from sahelwatch.errors import ConnectorError

__all__ = ["Folder", "UrlFile"]

log = logging.getLogger("sahelwatch.connectors")

_PARTIAL = (".part", ".tmp", ".crdownload", ".partial")


class UrlFile(Connector):
    """One URL (see the module docstring)."""

    KIND = "url"
    settings: UrlSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        name = settings.filename or Path(urlsplit(settings.url).path).name or "download.csv"
        ask: dict[str, str] = {}
        if ctx.state.get("etag"):
            ask["If-None-Match"] = ctx.state["etag"]
        if ctx.state.get("last_modified"):
            ask["If-Modified-Since"] = ctx.state["last_modified"]
        reply: dict[str, str] = {}
        landing = ctx.work_dir / "downloads" / name
        got = ctx.http.download(settings.url, landing, headers=ask, reply_headers=reply)
        if got is None:
            log.info("%s: not modified", settings.name)
            return
        digest, _ = file_sha256(got)
        seen = {"etag": reply.get("etag"), "last_modified": reply.get("last-modified")}
        if digest == ctx.state.get("sha256"):
            got.unlink()
            ctx.state.update(seen)
            ctx.save()
            log.info("%s: same content as last time", settings.name)
            return
        path = ctx.work_dir / "pulled" / digest[:16] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(got, path)
        yield _pull(settings, path, {**seen, "sha256": digest}, seen, f"{name} from {settings.url}")


class Folder(Connector):
    """A watched folder (see the module docstring)."""

    KIND = "folder"
    settings: FolderSource

    def poll(self) -> Iterator[Pull]:
        settings, ctx = self.settings, self.ctx
        if not settings.path.is_dir():
            raise ConnectorError(f"{settings.name}: the folder {settings.path} does not exist.")
        now = time.time()
        for path in sorted(settings.path.glob(settings.pattern)):
            if not path.is_file() or path.name.startswith(".") or path.name.endswith(_PARTIAL):
                continue
            if now - path.stat().st_mtime < settings.settle:
                log.info("%s: %s is still changing; leaving it for later", settings.name, path.name)
                continue
            digest, _ = file_sha256(path)
            if digest in ctx.state.get("seen", []):
                continue
            logged = ctx.store.con.execute(
                "SELECT count(*) FROM ingest_log WHERE sha256 = ?", [digest]
            ).fetchone()
            if logged and logged[0]:
                ctx.state["seen"] = sorted({*ctx.state.get("seen", []), digest})
                ctx.save()
                continue
            seen = {"seen": sorted({*ctx.state.get("seen", []), digest})}
            yield _pull(settings, path, seen, seen, path.name)


def _pull(
    settings: FileSource, path: Path, commit: dict[str, Any], on_hold: dict[str, Any], note: str
) -> Pull:
    """A pull of one file, ingested as the source's settings say."""
    return Pull(
        source=settings.name,
        path=path,
        release=settings.release,
        ingest_source=settings.source,
        complete=settings.complete,
        record_coverage=settings.record_coverage,
        commit=commit,
        on_hold=on_hold,
        note=note,
    )
