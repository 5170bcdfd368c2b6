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
:mod:`.checks` (data-quality checks before loading) and :mod:`.errors` (every exception of the
live-update stages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sahelwatch.connectors.http import HttpClient, RetryPolicy
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

if TYPE_CHECKING:
    from sahelwatch.connectors.acled import Acled
    from sahelwatch.connectors.base import Connector, Context, Pull
    from sahelwatch.connectors.files import Folder, UrlFile
    from sahelwatch.connectors.relief import HdxHapi, IomDtm, UnhcrApi
    from sahelwatch.connectors.ucdp import UcdpApi, UcdpBulk

# The connectors import sahelwatch.config, which imports the exceptions above: they are loaded
# on first use so that either can be imported first.
_LAZY = {
    "Acled": "acled",
    "Connector": "base",
    "Context": "base",
    "Pull": "base",
    "Folder": "files",
    "UrlFile": "files",
    "UcdpApi": "ucdp",
    "UcdpBulk": "ucdp",
    "HdxHapi": "relief",
    "UnhcrApi": "relief",
    "IomDtm": "relief",
}


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name == "CONNECTORS":
        names = (
            "UcdpBulk",
            "UcdpApi",
            "Acled",
            "UrlFile",
            "Folder",
            "HdxHapi",
            "UnhcrApi",
            "IomDtm",
        )
        classes = [__getattr__(n) for n in names]
        table = {cls.KIND: cls for cls in classes}
        globals()["CONNECTORS"] = table
        return table
    if name in _LAZY:
        value = getattr(import_module(f"sahelwatch.connectors.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sahelwatch.connectors' has no attribute '{name}'")


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
