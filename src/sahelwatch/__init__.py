"""SahelWatch: conflict monitoring and early warning for Mali and the Sahel.

The public API a notebook user needs::

    from sahelwatch import Store, ingest, events, EventFilter, status
"""

from __future__ import annotations

from sahelwatch.errors import InputError, QueryError, ReleaseError, SahelWatchError, StoreError
from sahelwatch.ingest import IngestReport, ingest
from sahelwatch.query import EventFilter, events, export_events
from sahelwatch.status import status
from sahelwatch.store import Store

__all__ = [
    "EventFilter",
    "IngestReport",
    "InputError",
    "QueryError",
    "ReleaseError",
    "SahelWatchError",
    "Store",
    "StoreError",
    "events",
    "export_events",
    "ingest",
    "status",
]
__version__ = "0.1.0"
