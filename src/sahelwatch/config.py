"""Settings of the watch service: a TOML file, validated, with secrets taken only from the
environment.

Every setting is documented in ``docs/live.md``; ``examples/sahelwatch.toml`` is a complete,
commented example. A setting the file misspells is an error naming it (no silent default), and
a secret can never be written in the file: settings that need one name an environment variable
(``token_env = "UCDP_API_TOKEN"``), and :meth:`Config.check_secrets` says which are unset before
the service starts.

Examples
--------
>>> config = load_config("sahelwatch.toml")            # doctest: +SKIP
>>> config.check_secrets()                             # doctest: +SKIP
>>> [s.name for s in config.sources]                   # doctest: +SKIP
['ucdp-candidate', 'acled-sahel']
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

from sahelwatch.connectors.http import USER_AGENT, RetryPolicy
from sahelwatch.errors import ConfigError

__all__ = [
    "SEVERITIES",
    "AcledSource",
    "CheckSettings",
    "Config",
    "DeliverySettings",
    "EmailSettings",
    "FeedSettings",
    "FileSource",
    "FolderSource",
    "ForecastSettings",
    "HdxHapiSource",
    "HttpSettings",
    "IndicatorTarget",
    "IomDtmSource",
    "LimitSettings",
    "RecomputeSettings",
    "SourceSettings",
    "UcdpApiSource",
    "UcdpBulkSource",
    "UnhcrApiSource",
    "UrlSource",
    "WatchSettings",
    "WebhookSettings",
    "build",
    "load_config",
    "parse_config",
    "parse_duration",
]

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
SAHEL_ISO3: tuple[str, ...] = ("MLI", "BFA", "NER", "MRT", "DZA", "SEN", "GIN", "CIV")


class _DurationMarker:
    """Marks a float setting written as a number of seconds or ``"90s"``, ``"15m"``, ``"6h"``."""


#: Seconds, written in the file as a number or as ``"90s"``, ``"15m"``, ``"6h"``, ``"1d"``.
Duration = Annotated[float, _DurationMarker]


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


def parse_duration(value: object, where: str = "duration") -> float:
    """``"6h"`` -> 21600.0 seconds; numbers are seconds.

    >>> parse_duration("15m")
    900.0
    """
    if isinstance(value, bool):
        raise ConfigError(f'{where}: expected a duration such as "6h", got {value!r}.')
    if isinstance(value, int | float):
        if value < 0:
            raise ConfigError(f"{where}: a duration cannot be negative ({value}).")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(
            f"{where}: '{value}' is not a duration; write a number of seconds or 90s, 15m, 6h, 1d."
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


# --- sections -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpSettings:
    """``[http]``: timeouts and retries of every request (connectors and webhooks)."""

    timeout: Duration = 30.0
    attempts: int = 5
    backoff: Duration = 1.0
    max_backoff: Duration = 300.0
    jitter: float = 0.25
    max_retry_after: Duration = 3600.0
    deadline: Duration = 1800.0
    max_response_bytes: int = 256 * 2**20
    max_download_bytes: int = 4 * 2**30
    user_agent: str = USER_AGENT

    def validate(self, where: str) -> None:
        _require(self.attempts >= 1, where, "attempts must be at least 1")
        _require(0 <= self.jitter < 1, where, "jitter must be within [0, 1)")
        _require(self.timeout > 0, where, "timeout must be more than 0")
        _require(self.deadline > 0, where, "deadline must be more than 0")
        _require(self.max_response_bytes > 0, where, "max_response_bytes must be more than 0")
        _require(self.max_download_bytes > 0, where, "max_download_bytes must be more than 0")

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


@dataclass(frozen=True)
class LimitSettings:
    """``[limits]``: how much of an input file is read before it is refused (files from
    sources, uploads and ``sahelwatch ingest`` alike).

    An archive (zip, gzip, the zip inside an Excel workbook) is unpacked as a stream and
    refused once it passes ``max_unpacked_bytes`` or ``max_compression_ratio`` times its
    packed size (the ratio is checked past 1 MiB); a header line over ``max_header_bytes``
    or any other line over ``max_line_bytes`` is refused at its line number.
    """

    max_unpacked_bytes: int = 4 * 2**30
    max_compression_ratio: float = 100.0
    max_header_bytes: int = 64 * 2**10
    max_line_bytes: int = 2**20

    def validate(self, where: str) -> None:
        for name in ("max_unpacked_bytes", "max_header_bytes", "max_line_bytes"):
            _require(getattr(self, name) > 0, where, f"{name} must be more than 0")
        _require(self.max_compression_ratio >= 1, where, "max_compression_ratio must be >= 1")


@dataclass(frozen=True)
class CheckSettings:
    """``[checks]``: data-quality checks a pull must pass before it is loaded."""

    enabled: bool = True
    min_size_ratio: float = 0.5
    countries: list[str] = field(default_factory=lambda: list(SAHEL_ISO3))
    min_events: int = 5
    continuity_months: int = 2
    max_rejected_share: float = 0.2
    schema: bool = True

    def validate(self, where: str) -> None:
        _require(0 <= self.min_size_ratio <= 1, where, "min_size_ratio must be within [0, 1]")
        _require(0 <= self.max_rejected_share <= 1, where, "max_rejected_share must be in [0, 1]")
        _require(self.min_events >= 1, where, "min_events must be at least 1")
        _require(self.continuity_months >= 0, where, "continuity_months cannot be negative")


@dataclass(frozen=True)
class SourceSettings:
    """What every ``[[sources]]`` entry has."""

    KIND: ClassVar[str] = ""
    name: str
    kind: str
    every: Duration = 21600.0
    enabled: bool = True
    check: bool = True
    deadline: Duration = 3600.0
    max_pages: int = 10000

    def validate(self, where: str) -> None:
        _require(self.deadline > 0, where, "deadline must be more than 0")
        _require(self.max_pages >= 1, where, "max_pages must be at least 1")
        _require(
            bool(re.fullmatch(r"[A-Za-z0-9_.-]+", self.name)),
            where,
            f"name '{self.name}' may only hold letters, digits, '-', '_' and '.'",
        )

    def secrets(self) -> list[tuple[str, str]]:
        """(setting, environment variable) pairs this source needs."""
        return []


@dataclass(frozen=True)
class UcdpBulkSource(SourceSettings):
    """``kind = "ucdp_bulk"``: UCDP's downloadable releases, found in an index page."""

    KIND: ClassVar[str] = "ucdp_bulk"
    index_url: str = ""
    track: Literal["candidate", "ged"] = "candidate"
    first_release: str | None = None
    max_releases: int = 3

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(
            self.index_url.startswith(("http://", "https://")),
            where,
            "index_url must be an http(s) URL",
        )
        _require(self.max_releases >= 1, where, "max_releases must be at least 1")


@dataclass(frozen=True)
class UcdpApiSource(SourceSettings):
    """``kind = "ucdp_api"``: UCDP's REST API (``gedevents/<version>``), paged."""

    KIND: ClassVar[str] = "ucdp_api"
    base_url: str = "https://ucdpapi.pcr.uu.se/api/gedevents"
    token_env: str | None = "UCDP_API_TOKEN"
    token_header: str = "x-ucdp-access-token"
    track: Literal["candidate", "ged"] = "candidate"
    versions: list[str] = field(default_factory=list)
    first_version: str | None = None
    max_versions: int = 2
    pagesize: int = 1000
    first_page: int = 0
    countries: list[str] = field(default_factory=list)

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(
            self.base_url.startswith(("http://", "https://")),
            where,
            "base_url must be an http(s) URL",
        )
        _require(1 <= self.pagesize <= 10000, where, "pagesize must be within 1..10000")
        _require(
            bool(self.versions) or bool(self.first_version),
            where,
            'give versions = [...] or first_version = "26.0.1"',
        )

    def secrets(self) -> list[tuple[str, str]]:
        return [("token_env", self.token_env)] if self.token_env else []


@dataclass(frozen=True)
class AcledSource(SourceSettings):
    """``kind = "acled"``: ACLED's API with OAuth, pulled incrementally by ``timestamp``."""

    KIND: ClassVar[str] = "acled"
    base_url: str = "https://acleddata.com/api/acled/read"
    token_url: str = "https://acleddata.com/oauth/token"
    client_id: str = "acled"
    email_env: str = "ACLED_EMAIL"
    password_env: str = "ACLED_PASSWORD"
    countries: list[str] = field(default_factory=lambda: ["MLI", "BFA", "NER"])
    start_date: str = "2024-01-01"
    limit: int = 5000

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(
            bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.start_date)),
            where,
            "start_date must be YYYY-MM-DD",
        )
        _require(self.limit >= 1, where, "limit must be at least 1")
        _require(bool(self.countries), where, "countries cannot be empty")

    def secrets(self) -> list[tuple[str, str]]:
        return [("email_env", self.email_env), ("password_env", self.password_env)]


@dataclass(frozen=True)
class FileSource(SourceSettings):
    """What the file sources share: how their files are ingested (as ``sahelwatch ingest``
    options)."""

    source: str | None = None
    release: str | None = None
    record_coverage: bool = True
    complete: bool = True


@dataclass(frozen=True)
class UrlSource(FileSource):
    """``kind = "url"``: one URL serving a file in a format ``sahelwatch ingest`` reads."""

    KIND: ClassVar[str] = "url"
    url: str = ""
    filename: str | None = None

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(self.url.startswith(("http://", "https://")), where, "url must be http(s)")


@dataclass(frozen=True)
class FolderSource(FileSource):
    """``kind = "folder"``: a folder where new files in known formats are dropped."""

    KIND: ClassVar[str] = "folder"
    path: Path = Path()
    pattern: str = "*"
    settle: Duration = 5.0

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(str(self.path) not in ("", "."), where, "path must name the watched folder")


@dataclass(frozen=True)
class HdxHapiSource(SourceSettings):
    """``kind = "hdx_hapi"``: Cadre Harmonisé / IPC figures per admin-2 unit from HDX HAPI."""

    KIND: ClassVar[str] = "hdx_hapi"
    base_url: str = "https://hapi.humdata.org/api/v2"
    app_identifier_env: str = "HDX_HAPI_APP_IDENTIFIER"
    countries: list[str] = field(default_factory=lambda: ["MLI", "BFA", "NER"])
    limit: int = 1000
    datasets: list[Literal["food_security", "idps"]] = field(
        default_factory=lambda: ["food_security", "idps"]
    )

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(self.base_url.startswith(("http://", "https://")), where, "base_url: http(s)")
        _require(1 <= self.limit <= 10000, where, "limit must be within 1..10000")
        _require(bool(self.countries), where, "countries cannot be empty")
        _require(bool(self.datasets), where, "datasets cannot be empty")

    def secrets(self) -> list[tuple[str, str]]:
        return [("app_identifier_env", self.app_identifier_env)]


@dataclass(frozen=True)
class UnhcrApiSource(SourceSettings):
    """``kind = "unhcr_api"``: UNHCR's population statistics API (year-end stocks)."""

    KIND: ClassVar[str] = "unhcr_api"
    base_url: str = "https://api.unhcr.org/population/v1/population/"
    countries: list[str] = field(default_factory=lambda: ["MLI", "BFA", "NER"])
    year_from: int = 2000
    limit: int = 1000

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(self.base_url.startswith(("http://", "https://")), where, "base_url: http(s)")
        _require(1 <= self.limit <= 10000, where, "limit must be within 1..10000")
        _require(bool(self.countries), where, "countries cannot be empty")


@dataclass(frozen=True)
class IomDtmSource(SourceSettings):
    """``kind = "iom_dtm"``: IDPs per admin unit and round from IOM DTM's API (keyed)."""

    KIND: ClassVar[str] = "iom_dtm"
    base_url: str = "https://dtmapi.iom.int/v3"
    key_env: str = "DTM_API_KEY"
    key_header: str = "Ocp-Apim-Subscription-Key"
    countries: list[str] = field(default_factory=lambda: ["MLI", "BFA", "NER"])
    admin_level: int = 1
    from_date: str = "2014-01-01"

    def validate(self, where: str) -> None:
        super().validate(where)
        _require(self.base_url.startswith(("http://", "https://")), where, "base_url: http(s)")
        _require(self.admin_level in (1, 2), where, "admin_level must be 1 or 2")
        _require(bool(self.countries), where, "countries cannot be empty")
        _require(
            bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.from_date)),
            where,
            "from_date must be YYYY-MM-DD",
        )

    def secrets(self) -> list[tuple[str, str]]:
        return [("key_env", self.key_env)]


SOURCE_TYPES: dict[str, type[SourceSettings]] = {
    cls.KIND: cls
    for cls in (
        UcdpBulkSource,
        UcdpApiSource,
        AcledSource,
        UrlSource,
        FolderSource,
        HdxHapiSource,
        UnhcrApiSource,
        IomDtmSource,
    )
}


@dataclass(frozen=True)
class IndicatorTarget:
    """One entry of ``[recompute] indicators``: a country and unit level."""

    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"


@dataclass(frozen=True)
class ForecastSettings:
    """``[recompute.forecast]``: forecasts made again when new data arrive."""

    enabled: bool = False
    model: str = "conflictology"
    horizons: list[int] = field(default_factory=lambda: [1, 2, 3])
    n_draws: int = 500
    seed: int = 0

    def validate(self, where: str) -> None:
        _require(all(1 <= h <= 36 for h in self.horizons), where, "horizons must be in 1..36")
        _require(self.n_draws >= 10, where, "n_draws must be at least 10")


@dataclass(frozen=True)
class RecomputeSettings:
    """``[recompute]``: what is rebuilt after new data are loaded."""

    indicators: list[IndicatorTarget] = field(default_factory=list)
    out_dir: Path | None = None
    forecast: ForecastSettings = field(default_factory=ForecastSettings)


@dataclass(frozen=True)
class FeedSettings:
    """``[delivery.feed]``: the Atom feed file."""

    enabled: bool = True
    path: Path | None = None
    title: str = "SahelWatch alerts"
    link: str = "http://localhost:8000/"
    feed_id: str = "urn:sahelwatch:alerts"
    max_entries: int = 100


@dataclass(frozen=True)
class WebhookSettings:
    """``[[delivery.webhooks]]``: a URL that receives each alert as signed JSON."""

    name: str
    url: str
    secret_env: str | None = None
    min_severity: Severity = "info"
    rules: list[str] = field(default_factory=list)
    max_tries: int = 10

    def validate(self, where: str) -> None:
        _require(self.url.startswith(("http://", "https://")), where, "url must be http(s)")
        _require(self.max_tries >= 1, where, "max_tries must be at least 1")


@dataclass(frozen=True)
class EmailSettings:
    """``[delivery.email]``: alerts sent by SMTP."""

    host: str
    sender: str
    to: list[str]
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    min_severity: Severity = "warning"
    rules: list[str] = field(default_factory=list)
    subject_prefix: str = "[SahelWatch]"
    timeout: Duration = 30.0
    max_tries: int = 10

    def validate(self, where: str) -> None:
        _require(bool(self.to), where, "to must list at least one address")
        _require(not (self.ssl and self.starttls), where, "choose ssl or starttls, not both")
        _require(1 <= self.port <= 65535, where, "port must be within 1..65535")


@dataclass(frozen=True)
class DeliverySettings:
    """``[delivery]``: where alerts go."""

    feed: FeedSettings = field(default_factory=FeedSettings)
    webhooks: list[WebhookSettings] = field(default_factory=list)
    email: EmailSettings | None = None


@dataclass(frozen=True)
class WatchSettings:
    """``[watch]``: the service itself."""

    state_dir: Path = Path("sahelwatch-watch")
    tick: Duration = 60.0
    keep_files: bool = True


@dataclass(frozen=True)
class Config:
    """The whole configuration. Build it with :func:`load_config` or :func:`parse_config`.

    Attributes
    ----------
    store : the store file (None: ``$SAHELWATCH_DB`` or the per-user default).
    watch, http, checks, limits, recompute, delivery : the sections of the same names.
    sources : the ``[[sources]]`` entries, in file order.
    rules : the ``[[alerts.rules]]`` entries (classes of :mod:`sahelwatch.alerts`).
    """

    store: Path | None = None
    watch: WatchSettings = field(default_factory=WatchSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    sources: list[SourceSettings] = field(default_factory=list)
    recompute: RecomputeSettings = field(default_factory=RecomputeSettings)
    rules: list[Any] = field(default_factory=list)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)

    def required_secrets(self) -> list[tuple[str, str]]:
        """(setting, environment variable) pairs of every enabled source and channel."""
        needed: list[tuple[str, str]] = []
        for source in self.sources:
            if source.enabled:
                needed += [(f"sources.{source.name}.{k}", v) for k, v in source.secrets()]
        for hook in self.delivery.webhooks:
            if hook.secret_env:
                needed.append((f"delivery.webhooks.{hook.name}.secret_env", hook.secret_env))
        mail = self.delivery.email
        if mail is not None:
            for key in ("username_env", "password_env"):
                if getattr(mail, key):
                    needed.append((f"delivery.email.{key}", getattr(mail, key)))
        return needed

    def check_secrets(self, env: Mapping[str, str] | None = None) -> None:
        """Raise :class:`ConfigError` naming every secret missing from the environment."""
        env = os.environ if env is None else env
        missing = [
            f"{var} (for {where})" for where, var in self.required_secrets() if not env.get(var)
        ]
        if missing:
            raise ConfigError(
                "set these environment variables (secrets are never read from the file): "
                + ", ".join(missing)
                + "."
            )

    @property
    def feed_path(self) -> Path:
        """Where the Atom feed is written."""
        return self.delivery.feed.path or self.watch.state_dir / "feed.xml"


# --- building and validating --------------------------------------------------------------

T = TypeVar("T")
_SECRET_WORDS = ("password", "token", "secret", "api_key", "apikey", "key")


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ConfigError(f"{where}: {message}.")


def build(cls: type[T], data: Mapping[str, Any], where: str, base: Path | None = None) -> T:
    """Make the dataclass ``cls`` from a TOML table, checking every key and type.

    Unknown keys, wrong types and missing required settings raise :class:`ConfigError` naming
    ``where`` and the key; a key that looks like a secret gets a hint to use ``*_env``.
    Relative paths are taken from ``base`` (the config file's folder).
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}.")
    hints = typing.get_type_hints(cls, include_extras=True)
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(names))
    if unknown:
        key = unknown[0]
        hint = ""
        if any(word in key.lower() for word in _SECRET_WORDS) and not key.endswith("_env"):
            hint = (
                f" Secrets are read only from the environment: name the variable with '{key}_env'."
            )
        raise ConfigError(f"{where}: unknown setting '{key}' (known: {', '.join(names)}).{hint}")
    values: dict[str, Any] = {}
    for spec in fields(cls):  # type: ignore[arg-type]
        if spec.name in data:
            values[spec.name] = _coerce(
                data[spec.name], hints[spec.name], f"{where}.{spec.name}", base
            )
        elif spec.default is MISSING and spec.default_factory is MISSING:
            raise ConfigError(f"{where}: the setting '{spec.name}' is required.")
    made = cls(**values)
    check = getattr(made, "validate", None)
    if callable(check):
        check(where)
    return made


def _coerce(value: Any, tp: Any, where: str, base: Path | None) -> Any:
    origin = get_origin(tp)
    if origin is Annotated:
        if _DurationMarker in tp.__metadata__:
            return parse_duration(value, where)
        return _coerce(value, get_args(tp)[0], where, base)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, options[0], where, base)
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            shown = ", ".join(repr(c) for c in choices)
            raise ConfigError(f"{where}: '{value}' is not one of {shown}.")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}.")
        (item,) = get_args(tp)
        return [_coerce(v, item, f"{where}[{i}]", base) for i, v in enumerate(value)]
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}.")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}.")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}.")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected text, got {value!r}.")
        return value
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: expected a path, got {value!r}.")
        path = Path(os.path.expandvars(value)).expanduser()
        return path if path.is_absolute() or base is None else base / path
    if isinstance(tp, type) and is_dataclass(tp):
        return build(tp, value, where, base)
    raise ConfigError(f"{where}: unsupported setting type {tp!r}.")  # a bug, not a user error


def parse_config(
    document: Mapping[str, Any], base: Path | None = None, where: str = "config"
) -> Config:
    """Validate a parsed TOML document (see :func:`load_config`)."""
    from sahelwatch.alerts import RULE_TYPES

    data = dict(document)
    known = {
        "store",
        "watch",
        "http",
        "checks",
        "limits",
        "sources",
        "recompute",
        "alerts",
        "delivery",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown section '{unknown[0]}' (known: {', '.join(sorted(known))})."
        )
    sources: list[SourceSettings] = []
    for i, entry in enumerate(data.pop("sources", []) or []):
        spot = f"{where}: sources[{i}]"
        kind = entry.get("kind") if isinstance(entry, Mapping) else None
        if kind not in SOURCE_TYPES:
            raise ConfigError(
                f"{spot}: kind must be one of {', '.join(SOURCE_TYPES)}, not {kind!r}."
            )
        sources.append(build(SOURCE_TYPES[kind], entry, f"{spot} ({entry.get('name', '?')})", base))
    names = [s.name for s in sources]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{where}: two sources are named '{repeated[0]}'; names must differ.")
    rules: list[Any] = []
    alerts = data.pop("alerts", {}) or {}
    if set(alerts) - {"rules"}:
        raise ConfigError(f"{where}: [alerts] holds only rules ([[alerts.rules]]).")
    for i, entry in enumerate(alerts.get("rules", []) or []):
        spot = f"{where}: alerts.rules[{i}]"
        kind = entry.get("kind") if isinstance(entry, Mapping) else None
        if kind not in RULE_TYPES:
            raise ConfigError(f"{spot}: kind must be one of {', '.join(RULE_TYPES)}, not {kind!r}.")
        rules.append(build(RULE_TYPES[kind], entry, f"{spot} ({entry.get('name', '?')})", base))
    rule_names = [r.name for r in rules]
    repeated = sorted({n for n in rule_names if rule_names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{where}: two alert rules are named '{repeated[0]}'.")
    store = data.pop("store", None)
    rest = {
        key: data[key]
        for key in ("watch", "http", "checks", "limits", "recompute", "delivery")
        if key in data
    }
    sections: dict[str, Any] = {
        key: build(hint, rest[key], f"{where}: [{key}]", base)
        for key, hint in (
            ("watch", WatchSettings),
            ("http", HttpSettings),
            ("checks", CheckSettings),
            ("limits", LimitSettings),
            ("recompute", RecomputeSettings),
            ("delivery", DeliverySettings),
        )
        if key in rest
    }
    config = Config(
        store=_coerce(store, Path, f"{where}: store", base) if store is not None else None,
        sources=sources,
        rules=rules,
        **sections,
    )
    if "watch" not in rest or "state_dir" not in rest["watch"]:
        default = (base or Path.cwd()) / "sahelwatch-watch"
        config = _replace(config, watch=_replace(config.watch, state_dir=default))
    for hook in config.delivery.webhooks:
        _check_rule_names(hook.rules, rule_names, f"{where}: delivery.webhooks ({hook.name})")
    if config.delivery.email is not None:
        _check_rule_names(config.delivery.email.rules, rule_names, f"{where}: delivery.email")
    return config


def _check_rule_names(wanted: list[str], names: list[str], where: str) -> None:
    from sahelwatch.alerts import BUILTIN_RULES

    unknown = [n for n in wanted if n not in names and n not in BUILTIN_RULES]
    if unknown:
        raise ConfigError(f"{where}: no alert rule is named '{unknown[0]}'.")


def _replace(obj: T, **changes: Any) -> T:
    from dataclasses import replace

    return replace(obj, **changes)  # type: ignore[type-var]


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML configuration file.

    Relative paths in it are taken from the file's folder. Secrets are not checked here (call
    :meth:`Config.check_secrets`), so that a configuration can be inspected without them.
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}).") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from exc
    return parse_config(document, base=path.resolve().parent, where=str(path))
