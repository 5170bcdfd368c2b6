"""What every connector shares: the pull it hands over, the context it works in, and the
checkpoint it keeps.

A connector's :meth:`Connector.poll` fetches what is new since its checkpoint and yields
:class:`Pull` objects, each a file on disk in a format :func:`sahelwatch.ingest.ingest` reads.
It never writes events itself: the watch service checks each pull
(:mod:`sahelwatch.connectors.checks`), loads or holds it, and only then saves the pull's
``commit`` as the new checkpoint. While paging, a connector saves its progress with
:meth:`Context.save` after every page, so a killed process resumes where it stopped.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sahelwatch.connectors.http import HttpClient
from sahelwatch.connectors.settings import SourceSettings
from sahelwatch.connectors.state import save_state
from sahelwatch.errors import ConfigError
from sahelwatch.ingest import file_sha256
from sahelwatch.settings import secret
from sahelwatch.store import Store

__all__ = ["Connector", "Context", "Pull", "file_sha256"]

log = logging.getLogger("sahelwatch.connectors")


@dataclass
class Pull:
    """A file fetched by a connector, ready to be checked and loaded.

    Attributes
    ----------
    source : the connector's name (``[[sources]] name``).
    path : the file on disk.
    release : the release to load it as (None: detected from the file).
    ingest_source : the store source (``ucdp_candidate``, ``acled``, ...; None: detected).
    complete : True when the file is a whole release (size and zero-month checks apply; it
        withdraws the records it lacks); False for an incremental pull that holds only what
        changed.
    countries : Gleditsch-Ward codes the release covers (None: detected).
    period : first and last month (``YYYY-MM``) the release covers (None: detected).
    record_coverage : record the release's coverage when loading.
    columns : the fields as received (for the schema check).
    commit : checkpoint changes to save once the pull is loaded.
    on_hold : checkpoint changes to save when the pull is held back instead.
    note : a few words for the log.
    """

    source: str
    path: Path
    release: str | None = None
    ingest_source: str | None = None
    complete: bool = True
    countries: list[int] | None = None
    period: tuple[str, str] | None = None
    record_coverage: bool = True
    columns: list[str] = field(default_factory=list)
    commit: dict[str, Any] = field(default_factory=dict)
    on_hold: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def ingest_arguments(self) -> dict[str, Any]:
        """Keyword arguments for :func:`sahelwatch.ingest.ingest` (JSON-serialisable)."""
        return {
            "source": self.ingest_source,
            "release": self.release,
            "countries": self.countries,
            "period": list(self.period) if self.period else None,
            "record_coverage": self.record_coverage,
            "complete": self.complete,
        }


@dataclass
class Context:
    """What a connector may use while polling.

    Attributes
    ----------
    store : the open store (read it; write only through :meth:`save`).
    http : the shared HTTP client.
    work_dir : the connector's own folder for downloads and pages.
    state : the checkpoint as loaded; connectors update it and call :meth:`save`.
    env : where secrets are read (None: the process environment).
    now : the clock.
    lock : held while writing the store (sources are polled in threads of their own).
    writer : opens the store for writing for one write (the watch service: the store file,
        only for as long as the write takes, while ``store`` is a snapshot); None: write to
        ``store`` while holding ``lock``.
    """

    store: Store
    http: HttpClient
    work_dir: Path
    source: str
    state: dict[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] | None = None
    now: Callable[[], datetime] = field(default_factory=lambda: lambda: datetime.now(UTC))
    lock: Any = field(default_factory=threading.RLock)
    writer: Callable[[], AbstractContextManager[Store]] | None = None

    def save(self) -> None:
        """Store the checkpoint as it is now (paging progress)."""
        if self.writer is not None:
            with self.writer() as store:
                save_state(store, self.source, self.state)
            return
        with self.lock:
            save_state(self.store, self.source, self.state)

    def secret(self, variable: str | None, setting: str) -> str:
        """The value of a secret's environment variable; :class:`ConfigError` if unset."""
        value = secret(variable, self.env)
        if value is None:
            raise ConfigError(
                f"source {self.source}: set the environment variable {variable} ({setting})."
            )
        return value

    def stored_releases(self, sources: tuple[str, ...]) -> set[str]:
        """Releases of these store sources that the store already holds."""
        rows = self.store.con.execute(
            "SELECT release FROM releases WHERE list_contains(?, source)", [list(sources)]
        ).fetchall()
        return {r[0] for r in rows}


class Connector(ABC):
    """A source of new releases. Subclasses set :attr:`KIND` and implement :meth:`poll`."""

    KIND: ClassVar[str] = ""

    def __init__(self, settings: SourceSettings, ctx: Context) -> None:
        self.settings = settings
        self.ctx = ctx

    @abstractmethod
    def poll(self) -> Iterator[Pull]:
        """Fetch what is new and yield it, oldest first.

        Raises
        ------
        ConnectorError : the source could not be pulled (nothing of this attempt is loaded;
            paging progress is kept).
        """
