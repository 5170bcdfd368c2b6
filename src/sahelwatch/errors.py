"""Exceptions raised by SahelWatch.

Every error a user can cause is a :class:`SahelWatchError` whose message is one sentence naming
what went wrong and where; the CLI prints it without a traceback.

::

    SahelWatchError
    ├── InputError        a file that cannot be read as any known format (nothing was written)
    ├── ReleaseError      a release that cannot be named, ordered or re-ingested consistently
    ├── QueryError        a filter or request that makes no sense (bad country, period, bbox, ...)
    └── StoreError        the store cannot be opened or is locked by another process

Connectors, configuration and delivery add their own subclasses in
``sahelwatch.connectors.errors`` (ConfigError, ConnectorError and its kinds, DeliveryError).
"""

from __future__ import annotations


class SahelWatchError(Exception):
    """Base class of every error SahelWatch reports to users."""


class InputError(SahelWatchError):
    """A file is in no known format, truncated, or wrongly encoded."""


class ReleaseError(SahelWatchError):
    """A release is unnamed, unknown, or conflicts with what the store holds."""


class QueryError(SahelWatchError):
    """A query argument is invalid."""


class StoreError(SahelWatchError):
    """The store cannot be opened or written."""
