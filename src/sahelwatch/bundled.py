"""The real data shipped inside the package, and loading all of it into a store."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from sahelwatch.ingest import IngestReport, Progress, ingest
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
    """Ingest every bundled file; files already ingested are left as they are."""
    return [
        ingest(store, bundled_file(f.name), release=f.release, progress=progress)
        for f in bundled_files()
    ]
