"""The settings of the connectors: ``[http]``, ``[checks]`` and each kind of ``[[sources]]``
entry (composed into the whole configuration by :mod:`sahelwatch.config`).

A source's secrets are never in the file: it names their environment variables
(``token_env = "UCDP_API_TOKEN"``), listed by :meth:`SourceSettings.secrets`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, model_validator

from sahelwatch.connectors.http import USER_AGENT, RetryPolicy
from sahelwatch.gazetteer import CENTRAL_SAHEL, SAHEL, iso3_codes
from sahelwatch.settings import ConfigPath, Day, Duration, HttpUrl, Section, by_kind

__all__ = [
    "SOURCE_TYPES",
    "AcledSource",
    "AnySource",
    "CheckSettings",
    "FileSource",
    "FolderSource",
    "HdxHapiSource",
    "HttpSettings",
    "IomDtmSource",
    "SourceSettings",
    "UcdpApiSource",
    "UcdpBulkSource",
    "UnhcrApiSource",
    "UrlSource",
]

class HttpSettings(Section):
    """``[http]``: timeouts and retries of every request (connectors and webhooks)."""

    timeout: Duration = Field(default=30.0, gt=0)
    attempts: int = Field(default=5, ge=1)
    backoff: Duration = 1.0
    max_backoff: Duration = 300.0
    jitter: float = Field(default=0.25, ge=0, lt=1)
    max_retry_after: Duration = 3600.0
    deadline: Duration = Field(default=1800.0, gt=0)
    max_response_bytes: int = Field(default=256 * 2**20, gt=0)
    max_download_bytes: int = Field(default=4 * 2**30, gt=0)
    user_agent: str = USER_AGENT

    def policy(self) -> RetryPolicy:
        """The :class:`~sahelwatch.connectors.http.RetryPolicy` these settings describe."""
        return RetryPolicy(
            attempts=self.attempts,
            backoff=self.backoff,
            max_backoff=self.max_backoff,
            jitter=self.jitter,
            timeout=self.timeout,
            max_retry_after=self.max_retry_after,
            deadline=self.deadline,
            max_response_bytes=self.max_response_bytes,
            max_download_bytes=self.max_download_bytes,
        )


class CheckSettings(Section):
    """``[checks]``: data-quality checks a pull must pass before it is loaded."""

    enabled: bool = True
    min_size_ratio: float = Field(default=0.5, ge=0, le=1)
    countries: list[str] = Field(default_factory=lambda: iso3_codes(SAHEL))
    min_events: int = Field(default=5, ge=1)
    continuity_months: int = Field(default=2, ge=0)
    max_rejected_share: float = Field(default=0.2, ge=0, le=1)
    schema_: bool = Field(default=True, alias="schema")


def _source_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
        raise ValueError(f"'{value}' may only hold letters, digits, '-', '_' and '.'")
    return value


#: The figures HDX HAPI serves that a source may pull.
HapiDataset = Literal["food_security", "idps"]
#: Most items an API page may be asked for.
PageSize = Annotated[int, Field(ge=1, le=10000)]
#: ISO3 codes, at least one.
Countries = Annotated[list[str], Field(min_length=1)]


class SourceSettings(Section):
    """What every ``[[sources]]`` entry has."""

    name: Annotated[str, AfterValidator(_source_name)]
    kind: str
    every: Duration = 21600.0
    enabled: bool = True
    check: bool = True
    deadline: Duration = Field(default=3600.0, gt=0)
    max_pages: int = Field(default=10000, ge=1)

    def secrets(self) -> list[tuple[str, str]]:
        """(setting, environment variable) pairs this source needs."""
        return []


class UcdpBulkSource(SourceSettings):
    """``kind = "ucdp_bulk"``: UCDP's downloadable releases, found in an index page."""

    kind: Literal["ucdp_bulk"] = "ucdp_bulk"
    index_url: HttpUrl
    track: Literal["candidate", "ged"] = "candidate"
    first_release: str | None = None
    max_releases: int = Field(default=3, ge=1)


class UcdpApiSource(SourceSettings):
    """``kind = "ucdp_api"``: UCDP's REST API (``gedevents/<version>``), paged."""

    kind: Literal["ucdp_api"] = "ucdp_api"
    base_url: HttpUrl = "https://ucdpapi.pcr.uu.se/api/gedevents"
    token_env: str | None = "UCDP_API_TOKEN"
    token_header: str = "x-ucdp-access-token"
    track: Literal["candidate", "ged"] = "candidate"
    versions: list[str] = Field(default_factory=list)
    first_version: str | None = None
    max_versions: int = 2
    pagesize: PageSize = 1000
    first_page: int = 0
    countries: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_versions(self) -> UcdpApiSource:
        if not self.versions and not self.first_version:
            raise ValueError('give versions = [...] or first_version = "26.0.1"')
        return self

    def secrets(self) -> list[tuple[str, str]]:
        return [("token_env", self.token_env)] if self.token_env else []


class AcledSource(SourceSettings):
    """``kind = "acled"``: ACLED's API with OAuth, pulled incrementally by ``timestamp``."""

    kind: Literal["acled"] = "acled"
    base_url: HttpUrl = "https://acleddata.com/api/acled/read"
    token_url: HttpUrl = "https://acleddata.com/oauth/token"
    client_id: str = "acled"
    email_env: str = "ACLED_EMAIL"
    password_env: str = "ACLED_PASSWORD"
    countries: Countries = Field(default_factory=lambda: iso3_codes(CENTRAL_SAHEL))
    start_date: Day = "2024-01-01"
    limit: int = Field(default=5000, ge=1)

    def secrets(self) -> list[tuple[str, str]]:
        return [("email_env", self.email_env), ("password_env", self.password_env)]


class FileSource(SourceSettings):
    """What the file sources share: how their files are ingested (as ``sahelwatch ingest``
    options)."""

    source: str | None = None
    release: str | None = None
    record_coverage: bool = True
    complete: bool = True


class UrlSource(FileSource):
    """``kind = "url"``: one URL serving a file in a format ``sahelwatch ingest`` reads."""

    kind: Literal["url"] = "url"
    url: HttpUrl
    filename: str | None = None


class FolderSource(FileSource):
    """``kind = "folder"``: a folder where new files in known formats are dropped."""

    kind: Literal["folder"] = "folder"
    path: ConfigPath
    pattern: str = "*"
    settle: Duration = 5.0


class HdxHapiSource(SourceSettings):
    """``kind = "hdx_hapi"``: Cadre Harmonisé / IPC figures per admin-2 unit from HDX HAPI."""

    kind: Literal["hdx_hapi"] = "hdx_hapi"
    base_url: HttpUrl = "https://hapi.humdata.org/api/v2"
    app_identifier_env: str = "HDX_HAPI_APP_IDENTIFIER"
    countries: Countries = Field(default_factory=lambda: iso3_codes(CENTRAL_SAHEL))
    limit: PageSize = 1000
    datasets: Annotated[list[HapiDataset], Field(min_length=1)] = Field(
        default_factory=lambda: list(get_args(HapiDataset))
    )

    def secrets(self) -> list[tuple[str, str]]:
        return [("app_identifier_env", self.app_identifier_env)]


class UnhcrApiSource(SourceSettings):
    """``kind = "unhcr_api"``: UNHCR's population statistics API (year-end stocks)."""

    kind: Literal["unhcr_api"] = "unhcr_api"
    base_url: HttpUrl = "https://api.unhcr.org/population/v1/population/"
    countries: Countries = Field(default_factory=lambda: iso3_codes(CENTRAL_SAHEL))
    year_from: int = 2000
    limit: PageSize = 1000


class IomDtmSource(SourceSettings):
    """``kind = "iom_dtm"``: IDPs per admin unit and round from IOM DTM's API (keyed)."""

    kind: Literal["iom_dtm"] = "iom_dtm"
    base_url: HttpUrl = "https://dtmapi.iom.int/v3"
    key_env: str = "DTM_API_KEY"
    key_header: str = "Ocp-Apim-Subscription-Key"
    countries: Countries = Field(default_factory=lambda: iso3_codes(CENTRAL_SAHEL))
    admin_level: int = Field(default=1, ge=1, le=2)
    from_date: Day = "2014-01-01"

    def secrets(self) -> list[tuple[str, str]]:
        return [("key_env", self.key_env)]


_SOURCES = (
    UcdpBulkSource
    | UcdpApiSource
    | AcledSource
    | UrlSource
    | FolderSource
    | HdxHapiSource
    | UnhcrApiSource
    | IomDtmSource
)
#: One ``[[sources]]`` entry: the class its ``kind`` names.
AnySource = Annotated[_SOURCES, Field(discriminator="kind")]
#: The source classes by ``kind``.
SOURCE_TYPES: dict[str, type[SourceSettings]] = by_kind(_SOURCES)
