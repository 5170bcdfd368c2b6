"""Connectors: where new releases come from.

==================  ============================================================  ==============
kind                what it pulls                                                 module
==================  ============================================================  ==============
``ucdp_bulk``       UCDP GED / Candidate release files listed in a download index  :mod:`.ucdp`
``ucdp_api``        the UCDP GED REST API, version by version, paged               :mod:`.ucdp`
``acled``           the ACLED API (OAuth), incrementally by ``timestamp``           :mod:`.acled`
``url``             any URL serving a file ``sahelwatch ingest`` reads             :mod:`.files`
``folder``          new files dropped in a folder                                  :mod:`.files`
``hdx_hapi``        Cadre Harmonisé figures per admin-2 unit (HDX HAPI)            :mod:`.relief`
``unhcr_api``       UNHCR year-end displacement stocks (population API)            :mod:`.relief`
``iom_dtm``         IDPs per admin unit and round (IOM DTM's API, keyed)           :mod:`.relief`
==================  ============================================================  ==============

Shared parts: :mod:`.http` (the one HTTP client: timeouts, retries, backoff with jitter,
``Retry-After``), :mod:`.state` (checkpoints, runs and holds kept in the store),
:mod:`.checks` (data-quality checks before loading) and :mod:`.settings` (the ``[http]``,
``[checks]`` and ``[[sources]]`` settings); the exceptions are those of :mod:`sahelwatch.errors`.
"""

from __future__ import annotations

from sahelwatch.connectors.acled import Acled
from sahelwatch.connectors.base import Connector, Context, Pull
from sahelwatch.connectors.files import Folder, UrlFile
from sahelwatch.connectors.http import HttpClient, RetryPolicy
from sahelwatch.connectors.relief import HdxHapi, IomDtm, UnhcrApi
from sahelwatch.connectors.ucdp import UcdpApi, UcdpBulk
from sahelwatch.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    DeliveryError,
    NotPublished,
    RateLimited,
    ResponseError,
    TransportError,
)

#: The connector classes by ``kind`` (the ``[[sources]]`` kinds of
#: :data:`~sahelwatch.connectors.settings.SOURCE_TYPES`).
CONNECTORS: dict[str, type[Connector]] = {
    cls.KIND: cls
    for cls in (UcdpBulk, UcdpApi, Acled, UrlFile, Folder, HdxHapi, UnhcrApi, IomDtm)
}


__all__ = [
    "CONNECTORS",
    "Acled",
    "AuthError",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "Context",
    "DeliveryError",
    "Folder",
    "HdxHapi",
    "HttpClient",
    "IomDtm",
    "NotPublished",
    "Pull",
    "RateLimited",
    "ResponseError",
    "RetryPolicy",
    "TransportError",
    "UcdpApi",
    "UcdpBulk",
    "UnhcrApi",
    "UrlFile",
]
