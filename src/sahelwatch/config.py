"""Settings of the watch service: a TOML file, validated, with secrets taken only from the
environment.

Every setting is documented in ``docs/live.md``; ``examples/sahelwatch.toml`` is a complete,
commented example. A setting the file misspells is an error naming it (no silent default), and
a secret can never be written in the file: settings that need one name an environment variable
(``token_env = "UCDP_API_TOKEN"``), and :meth:`Config.check_secrets` says which are unset before
the service starts.

Each section is a :class:`~sahelwatch.settings.Section` model defined beside what it
configures (``[limits]`` in :mod:`sahelwatch.formats.unpack`; ``[http]``, ``[checks]`` and
``[[sources]]`` in :mod:`sahelwatch.connectors.settings`; ``[[alerts.rules]]`` are the rules
of :mod:`sahelwatch.alerts`; ``[delivery]`` in :mod:`sahelwatch.delivery`); this module
composes them with the service's own (``[watch]``, ``[recompute]``) and reads the file. An
invalid setting is one :class:`ConfigError` sentence naming the file, the table and the key::

    sahelwatch.toml: [[sources]] #2 (acled-sahel) 'deadline': must be more than 0.

Examples
--------
>>> _ = Path("sahelwatch.toml").write_text('[[sources]]\\nname = "inbox"\\nkind = "folder"\\n'
...                                         'path = "inbox"\\n')
>>> config = load_config("sahelwatch.toml")
>>> config.check_secrets()  # every secret the file names is set
>>> [(s.name, s.kind) for s in config.sources]
[('inbox', 'folder')]
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails

from sahelwatch.alerts import BUILTIN_RULES, RULE_TYPES, Alert, AnyRule, Rule, evaluate, record
from sahelwatch.connectors.settings import (
    SOURCE_TYPES,
    AcledSource,
    AnySource,
    CheckSettings,
    FileSource,
    FolderSource,
    HdxHapiSource,
    HttpSettings,
    IomDtmSource,
    SourceSettings,
    UcdpApiSource,
    UcdpBulkSource,
    UnhcrApiSource,
    UrlSource,
)
from sahelwatch.delivery import DeliverySettings, EmailSettings, FeedSettings, WebhookSettings
from sahelwatch.errors import ConfigError
from sahelwatch.formats.unpack import LimitSettings
from sahelwatch.settings import ConfigPath, Duration, Section, explain, secret
from sahelwatch.store import LAKE_PREFIX, Store

__all__ = [
    "RULE_TYPES",
    "SOURCE_TYPES",
    "AcledSource",
    "AlertSettings",
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
    "check_rules",
    "load_config",
    "parse_config",
]


class WatchSettings(Section):
    """``[watch]``: the service itself."""

    state_dir: ConfigPath = Field(default=Path("sahelwatch-watch"), validate_default=True)
    tick: Duration = 60.0
    keep_files: bool = True


class IndicatorTarget(Section):
    """One entry of ``[recompute] indicators``: a country and unit level."""

    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"


class ForecastSettings(Section):
    """``[recompute.forecast]``: forecasts made again when new data arrive."""

    enabled: bool = False
    model: str = "conflictology"
    horizons: list[Annotated[int, Field(ge=1, le=36)]] = Field(default_factory=lambda: [1, 2, 3])
    n_draws: int = Field(default=500, ge=10)
    seed: int = 0


class RecomputeSettings(Section):
    """``[recompute]``: what is rebuilt after new data are loaded."""

    indicators: list[IndicatorTarget] = Field(default_factory=list)
    out_dir: ConfigPath | None = None
    series: bool = False
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)


class AlertSettings(Section):
    """``[alerts]``: the rules (``[[alerts.rules]]``)."""

    rules: list[AnyRule] = Field(default_factory=list)


_CONFIG_PATH: TypeAdapter[Path] = TypeAdapter(ConfigPath)


def _store_location(value: object, info: ValidationInfo) -> Path | str:
    """A DuckLake location (``ducklake:...``) as written; anything else a :data:`ConfigPath`."""
    if isinstance(value, str) and value.startswith(LAKE_PREFIX):
        return value
    return _CONFIG_PATH.validate_python(value, context=info.context)


class Config(Section):
    """The whole configuration. Build it with :func:`load_config` or :func:`parse_config`.

    Attributes
    ----------
    store : the store file, or a shared DuckLake as ``ducklake:postgres:<libpq string>``
        (None: ``$SAHELWATCH_DB`` or the per-user default).
    watch, http, checks, limits, recompute, alerts, delivery : the sections of those names.
    sources : the ``[[sources]]`` entries, in file order.
    """

    ENTRY: ClassVar[str] = "section"

    store: Annotated[Path | str, BeforeValidator(_store_location)] | None = None
    watch: WatchSettings
    http: HttpSettings = Field(default_factory=HttpSettings)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    sources: list[AnySource] = Field(default_factory=list)
    recompute: RecomputeSettings = Field(default_factory=RecomputeSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)

    @model_validator(mode="before")
    @classmethod
    def _watch_here(cls, data: Any) -> Any:
        """``[watch]`` is made even when absent, so that its folder is the file's."""
        if isinstance(data, Mapping) and "watch" not in data:
            return {**data, "watch": {}}
        return data

    @model_validator(mode="after")
    def _names_agree(self) -> Self:
        for what, names in (
            ("sources", [s.name for s in self.sources]),
            ("alert rules", [r.name for r in self.rules]),
        ):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"two {what} are named '{repeated[0]}'; names must differ")
        known = {r.name for r in self.rules} | set(BUILTIN_RULES)
        channels = [(f"[[delivery.webhooks]] ({h.name})", h.rules) for h in self.delivery.webhooks]
        if self.delivery.email is not None:
            channels.append(("[delivery.email]", self.delivery.email.rules))
        for where, wanted in channels:
            unknown = [n for n in wanted if n not in known]
            if unknown:
                raise ValueError(f"{where}: no alert rule is named '{unknown[0]}'")
        return self

    @property
    def rules(self) -> list[Rule]:
        """The ``[[alerts.rules]]`` entries (classes of :mod:`sahelwatch.alerts`)."""
        return list(self.alerts.rules)

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
        """Raise :class:`ConfigError` naming every secret missing from the environment (or
        from ``env``)."""
        missing = [
            f"{var} (for {where})"
            for where, var in self.required_secrets()
            if secret(var, env) is None
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


def _located(error: ErrorDetails, document: Mapping[str, Any]) -> str:
    """The error's place in the file and its words: ``[[sources]] #2 (acled-sahel)
    'deadline': must be more than 0``."""
    node: Any = document
    tables: list[str] = []
    label = key = ""
    entry = False  # the step before went into an entry of an array of tables
    for part in error["loc"]:
        tag, entry = entry and isinstance(node, Mapping) and part == node.get("kind"), False
        if tag:
            continue  # the kind that chose the entry's class
        if key:  # inside a value: a list's items
            key += f"[{part}]" if isinstance(part, int) else f".{part}"
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            entry = True
            name = node.get("name") if isinstance(node, Mapping) else None
            label = f"[[{'.'.join(tables)}]] #{part + 1}" + (f" ({name})" if name else "")
        elif isinstance(node, Mapping) and isinstance(node.get(part), Mapping):
            tables.append(str(part))
            node = node[part]
            label = f"[{'.'.join(tables)}]"
        elif isinstance(node, Mapping) and _is_table_list(node.get(part)):
            tables.append(str(part))
            node = node[part]
            label = f"[[{'.'.join(tables)}]]"
        else:
            key = str(part)
    place = " ".join(p for p in (label, f"'{key}'" if key else "") if p)
    return f"{place}: {explain(error)}" if place else explain(error)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def parse_config(
    document: Mapping[str, Any], base: Path | None = None, where: str = "config"
) -> Config:
    """Validate a parsed TOML document (see :func:`load_config`); relative paths are taken
    from ``base``. The first invalid setting is a :class:`ConfigError` naming ``where``."""
    try:
        return Config.model_validate(document, context={"base": base})
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_located(exc.errors()[0], document)}.") from None


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


def check_rules(store: Store, path: str | Path, now: datetime | None = None) -> list[Alert]:
    """Evaluate the ``[[alerts.rules]]`` of a TOML file (a rules file or a watch
    configuration) on the store now, store the new alerts and return them."""
    return record(store, evaluate(store, load_config(path).rules, now=now, strict=True), now)
