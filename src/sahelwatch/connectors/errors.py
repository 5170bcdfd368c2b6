"""Exceptions of the live-update stages: connectors, checks, configuration, alerts and delivery.

Every class subclasses :class:`sahelwatch.errors.SahelWatchError`, so the CLI prints each as one
line. The hierarchy::

    SahelWatchError
    ├── ConfigError           the watch configuration is invalid, or a secret is not in the
    │                         environment
    ├── ConnectorError        a source could not be pulled (nothing was loaded)
    │   ├── TransportError    the network failed after every retry (timeouts, resets, 5xx)
    │   │   └── DeadlineExceeded  no complete answer within the deadline (a request's or a
    │   │                     source poll's total time, however slowly the bytes come)
    │   ├── RateLimited       the server asked us to wait longer than we are allowed to
    │   ├── AuthError         credentials or the access token were refused
    │   ├── NotFound          the resource does not exist (yet): a release not published
    │   └── ResponseError     a reply that cannot be used: malformed, truncated, wrong size or
    │       │                 hash, too large, missing or repeated pages, too many pages
    │       └── SourceChanged the source's page no longer looks like itself (an index with no
    │                         release left: a maintenance page); raises a data-quality alert
    └── DeliveryError         a notification could not be delivered after every retry
"""

from __future__ import annotations

from sahelwatch.errors import SahelWatchError

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectorError",
    "DeadlineExceeded",
    "DeliveryError",
    "NotFound",
    "RateLimited",
    "ResponseError",
    "SourceChanged",
    "TransportError",
]


class ConfigError(SahelWatchError):
    """The configuration file is invalid, or a secret it names is not set in the environment."""


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


class NotFound(ConnectorError):
    """The resource does not exist (404): for example a release not yet published."""


class ResponseError(ConnectorError):
    """A reply that cannot be used: malformed or truncated, wrong size or hash, pages missing
    or repeated."""


class SourceChanged(ResponseError):
    """The source's page no longer looks like itself (a download index with no release on it,
    such as a maintenance page): not "nothing new", but a data-quality alert."""


class DeliveryError(SahelWatchError):
    """A notification could not be delivered after every retry."""
