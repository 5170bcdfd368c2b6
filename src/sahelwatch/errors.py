"""Exceptions raised by SahelWatch.

Every error a user can cause is a :class:`SahelWatchError` whose message is one sentence naming
what went wrong and where; the CLI prints it without a traceback.

::

    SahelWatchError
    ├── InputError        a file that cannot be read as any known format (nothing was written)
    ├── ReleaseError      a release that cannot be named, ordered or re-ingested consistently
    ├── QueryError        a filter or request that makes no sense (bad country, period, bbox, ...)
    ├── NotFound          what was asked for does not exist in the store (an event, alert, unit)
    ├── StoreError        the store cannot be opened or is locked by another process
    ├── ConfigError       the configuration is invalid, or a secret is not in the environment
    ├── MissingExtra      an optional feature whose extra is not installed (sahelwatch.extras)
    ├── ConnectorError    a source could not be pulled (nothing was loaded)
    │   ├── TransportError    the network failed after every retry (timeouts, resets, 5xx)
    │   │   └── DeadlineExceeded  no complete answer within the deadline (a request's or a
    │   │                     source poll's total time, however slowly the bytes come)
    │   ├── RateLimited       the server asked us to wait longer than we are allowed to
    │   ├── AuthError         credentials or the access token were refused
    │   ├── NotPublished      the remote resource does not exist (yet): a release not published
    │   └── ResponseError     a reply that cannot be used: malformed, truncated, wrong size or
    │       │                 hash, too large, missing or repeated pages, too many pages
    │       └── SourceChanged the source's page no longer looks like itself (an index with no
    │                         release left: a maintenance page); raises a data-quality alert
    └── DeliveryError     a notification could not be delivered after every retry
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "DeadlineExceeded",
    "DeliveryError",
    "InputError",
    "MissingExtra",
    "NotFound",
    "NotPublished",
    "QueryError",
    "RateLimited",
    "ReleaseError",
    "ResponseError",
    "SahelWatchError",
    "SourceChanged",
    "StoreError",
    "TransportError",
]


class SahelWatchError(Exception):
    """Base class of every error SahelWatch reports to users."""


class InputError(SahelWatchError):
    """A file is in no known format, truncated, or wrongly encoded."""


class ReleaseError(SahelWatchError):
    """A release is unnamed, unknown, or conflicts with what the store holds."""


class QueryError(SahelWatchError):
    """A query argument is invalid."""


class NotFound(SahelWatchError):
    """What a request names does not exist in the store (an event, alert, unit, record)."""


class StoreError(SahelWatchError):
    """The store cannot be opened or written."""



class ConfigError(SahelWatchError):
    """The configuration file is invalid, or a secret it names is not set in the environment."""


class MissingExtra(SahelWatchError):
    """An optional feature was asked for whose extra is not installed (forecasts, the dashboard,
    briefs): the message names the extra and the pip command that installs it."""


class ConnectorError(SahelWatchError):
    """A source could not be pulled; nothing from this attempt was loaded."""


class TransportError(ConnectorError):
    """The network failed after every retry: timeouts, refused or reset connections, 5xx."""


class DeadlineExceeded(TransportError):
    """No complete answer within the deadline: a request's total time, or what is left of a
    source poll's (counted across every read, so a server trickling bytes is cut off too)."""


class RateLimited(ConnectorError):
    """The server answered 429 and asked for a wait longer than ``max_retry_after``.

    Attributes
    ----------
    retry_after : seconds the server asked us to wait.
    """

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """Credentials or an access token were refused (401/403 after refreshing)."""


class NotPublished(ConnectorError):
    """The remote resource does not exist (404/410): for example a release not yet published."""


class ResponseError(ConnectorError):
    """A reply that cannot be used: malformed or truncated, wrong size or hash, pages missing
    or repeated."""


class SourceChanged(ResponseError):
    """The source's page no longer looks like itself (a download index with no release on it,
    such as a maintenance page): not "nothing new", but a data-quality alert."""


class DeliveryError(SahelWatchError):
    """A notification could not be delivered after every retry."""
