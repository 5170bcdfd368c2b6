"""Settings: the ``SAHELWATCH_*`` environment variables, and what every section of the
configuration file is made of.

:func:`settings` returns the environment's :class:`Settings` (one typed, documented field per
variable, read once for each state of the environment). A variable that is set but invalid is
a :class:`~sahelwatch.errors.ConfigError` naming it. Secrets that the configuration file names
by their variable (``token_env = "UCDP_API_TOKEN"``) are read with :func:`secret`.

The sections of the configuration file (``[http]``, ``[[sources]]``, ``[[alerts.rules]]``,
...) are :class:`Section` models, each defined next to the code it configures and composed by
:mod:`sahelwatch.config`. :class:`Section` refuses unknown keys and coerces nothing silently;
:data:`Duration`, :data:`ConfigPath`, :data:`HttpUrl` and :data:`Day` are the value types the
file writes as text; :func:`explain` turns one validation error into words.

Examples
--------
>>> with overridden(multi_month="start"):
...     settings().multi_month
'start'
>>> parse_duration("15m")
900.0
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sahelwatch.errors import ConfigError

__all__ = [
    "ENV_PREFIX",
    "ConfigPath",
    "Day",
    "Duration",
    "HttpUrl",
    "Section",
    "Settings",
    "explain",
    "overridden",
    "parse_duration",
    "secret",
    "settings",
]

ENV_PREFIX = "SAHELWATCH_"


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


#: A comma-separated list in the environment (empty entries dropped).
CommaList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_comma_list)]


class Settings(BaseSettings):
    """Every environment variable SahelWatch reads: ``SAHELWATCH_`` and the field's name in
    capitals (``SAHELWATCH_STORE_WAIT``). An empty variable counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    db: Path | None = Field(
        default=None,
        description="The store file; unset: sahelwatch.duckdb in the per-user data directory.",
    )
    lake_data: str | None = Field(
        default=None,
        description="Folder (or URL) where a new DuckLake store (SAHELWATCH_DB=ducklake:...) "
        "keeps its data files; the lake remembers it.",
    )
    store_wait: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a process waits for a busy store before it gives up.",
    )
    batch_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much long batch jobs (forecast, evaluate, the main job's forecasts) "
        "lower their CPU priority (nice), so that readers are answered first; 0: not at all.",
    )
    free_cores: int = Field(
        default=1,
        ge=0,
        description="Cores batch jobs leave to others (their worker processes, the server's "
        "threads per query); at least one core is always used.",
    )
    multi_month: Literal["spread", "start"] = Field(
        default="spread",
        description="UCDP events spanning several months: deaths shared over those months "
        "(spread) or counted at the start month (start); the CLI's --multi-month.",
    )
    api_keys: CommaList = Field(
        default=(),
        description="Comma-separated keys that may write through the API (POST /api/ingest).",
    )
    cors_origins: CommaList = Field(
        default=(),
        description="Comma-separated origins allowed to call the API from browsers.",
    )
    tiles_url: str | None = Field(
        default=None,
        description="An online tile layer for the dashboard's map (https://.../{z}/{x}/{y}).",
    )
    tiles_attribution: str = Field(
        default="", description="The attribution shown with that tile layer."
    )
    debug: bool = Field(
        default=False,
        description="Show the traceback of an unexpected error instead of a sentence.",
    )

    @field_validator("db", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


_overrides: dict[str, Any] = {}


def settings() -> Settings:
    """The environment's settings (with those of an enclosing :func:`overridden`).

    Read again whenever a ``SAHELWATCH_*`` variable changes, else cached. An invalid value is
    a :class:`ConfigError` naming the variable.
    """
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)))
    return _read(env, tuple(sorted(_overrides.items())))


@lru_cache(maxsize=16)
def _read(env: tuple[tuple[str, str], ...], overrides: tuple[tuple[str, Any], ...]) -> Settings:
    """``env`` is the cache key only: pydantic-settings reads the same process environment."""
    try:
        return Settings(**dict(overrides))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = f"{ENV_PREFIX}{error['loc'][0]}".upper() if error["loc"] else ENV_PREFIX + "*"
        raise ConfigError(f"the environment variable {name}: {explain(error)}.") from None


@contextmanager
def overridden(**values: Any) -> Iterator[Settings]:
    """Inside the block, :func:`settings` has ``values`` in place of the environment's (the
    command line's options, tests). Nested blocks add to the outer ones."""
    before = dict(_overrides)
    _overrides.update(values)
    try:
        yield settings()
    finally:
        _overrides.clear()
        _overrides.update(before)


def secret(variable: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The value of the environment variable a configuration names for a secret; None when it
    is unset or empty. ``env`` stands for the process environment (tests)."""
    if not variable:
        return None
    return (os.environ if env is None else env).get(variable) or None


# --- what configuration sections are made of -------------------------------------------------

_SECRET_WORDS = ("password", "token", "secret", "api_key", "apikey", "key")


class Section(BaseModel):
    """A table of the configuration file: every key known, every value of its own type (a
    whole number is never read from text, nor true from 1), immutable once made."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    #: What an unknown key is called in the error.
    ENTRY: ClassVar[str] = "setting"

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            names = [f.alias or name for name, f in cls.model_fields.items()]
            unknown = sorted(set(data) - set(names))
            if unknown:
                key = unknown[0]
                hint = ""
                if any(w in key.lower() for w in _SECRET_WORDS) and not key.endswith("_env"):
                    hint = (
                        " Secrets are read only from the environment: name the variable with "
                        f"'{key}_env'"
                    )
                known = ", ".join(names)
                raise ValueError(f"unknown {cls.ENTRY} '{key}' (known: {known}).{hint}")
        return data


def by_kind(union: Any) -> dict[str, Any]:
    """The :class:`Section` classes of a ``union`` by the default of their ``kind`` field."""
    return {cls.model_fields["kind"].default: cls for cls in get_args(union)}


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


def parse_duration(value: object) -> float:
    """Seconds of a duration: a number of seconds or ``"90s"``, ``"15m"``, ``"6h"``, ``"1d"``,
    ``"2w"``; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(f'expected a duration such as "6h", got {value!r}')
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative ({value})")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(
            f"'{value}' is not a duration; write a number of seconds or 90s, 15m, 6h, 1d"
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _path(value: object, info: ValidationInfo) -> Path:
    if isinstance(value, str) and value:
        path = Path(os.path.expandvars(value)).expanduser()
    elif isinstance(value, Path):
        path = value
    else:
        raise ValueError(f"expected a path, got {value!r}")
    base = (info.context or {}).get("base")
    return path if path.is_absolute() or base is None else Path(base) / path


def _http(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"'{value}' is not a date written YYYY-MM-DD")
    return value


#: Seconds, written as a number or as ``"90s"``, ``"15m"``, ``"6h"``, ``"1d"``, ``"2w"``.
Duration = Annotated[float, BeforeValidator(parse_duration)]
#: A path; relative ones are taken from the configuration file's folder (the validation
#: context's ``base``); ``~`` and ``$VARIABLES`` are expanded.
ConfigPath = Annotated[Path, BeforeValidator(_path)]
#: An ``http://`` or ``https://`` URL.
HttpUrl = Annotated[str, AfterValidator(_http)]
#: A day written ``YYYY-MM-DD``.
Day = Annotated[str, AfterValidator(_day)]

_EXPECTED = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "model_type": "expected a table",
    "dict_type": "expected a table",
}


def explain(error: ErrorDetails) -> str:
    """Words for one pydantic error, without its location: ``expected a whole number, got
    'five'``, ``must be at least 1``, or the sentence a validator raised."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"]).rstrip(".")
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, got {value!r}"
    bounds = {
        "greater_than": ("more than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        bound = ctx[key]
        return f"must be {words} {int(bound) if float(bound).is_integer() else bound}"
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "cannot be empty"
    if kind == "literal_error":
        return f"{value!r} is not one of {ctx['expected']}"
    if kind == "union_tag_invalid":
        return f"kind must be one of {ctx['expected_tags']}, not {ctx['tag']!r}"
    if kind == "union_tag_not_found":
        return "kind is required"
    if kind == "missing":
        return "missing; this setting is required"
    return str(error["msg"]).rstrip(".")
