"""The real data shipped inside the package, and loading all of it into a store."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from sahelwatch.ingest import IngestReport, ingest
from sahelwatch.progress import Progress, step
from sahelwatch.store import Store, bundled_file


@dataclass(frozen=True)
class BundledFile:
    """One bundled file and how it is ingested."""

    name: str
    note: str
    release: str | None = None


def bundled_files() -> list[BundledFile]:
    """The files listed in ``data/bundled.toml``, in ingest order."""
    manifest = tomllib.loads(bundled_file("bundled.toml").read_text(encoding="utf-8"))
    return [BundledFile(**entry) for entry in manifest["file"]]


def ingest_bundled(store: Store, progress: Progress | None = None) -> list[IngestReport]:
    """Ingest every bundled file; files already ingested are left as they are. ``progress``
    gets a step bar before each file and the ingest's own lines."""
    files = bundled_files()
    reports = []
    for done, f in enumerate(files, 1):
        if progress:
            progress(f"{step(done, len(files))} {f.name}")
        reports.append(ingest(store, bundled_file(f.name), release=f.release, progress=progress))
    return reports
