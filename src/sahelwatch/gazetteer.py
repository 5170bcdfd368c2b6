"""Reference facts: countries, capitals, the named country groups, source families and the
labels of the types of violence.

Countries (Gleditsch-Ward code, ISO 3166 codes, name) come from the bundled
``data/countries.csv``, capitals from ``data/capitals.csv`` (Natural Earth); each is read once.

>>> iso3_to_gw()["MLI"], gw_to_iso3()[439], country_names()[436]
(432, 'BFA', 'Niger')
>>> iso3_codes(CENTRAL_SAHEL)
['MLI', 'BFA', 'NER']
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from sahelwatch.errors import ConfigError, QueryError

__all__ = [
    "ADMIN2_COUNTRIES",
    "CENTRAL_SAHEL",
    "CM_FAMILIES",
    "EVENT_FAMILIES",
    "EVENT_SOURCES",
    "SAHEL",
    "SOURCE_NAMES",
    "VIOLENCE_LABELS",
    "capitals",
    "countries",
    "country_names",
    "event_family",
    "gw_codes",
    "gw_to_iso3",
    "iso3_codes",
    "iso3_to_gw",
    "iso_nums",
    "reference",
]

#: The Sahel countries SahelWatch follows (Gleditsch-Ward codes, in the order shown): Mali,
#: Burkina Faso, Niger, Mauritania, Algeria, Senegal, Guinea, Côte d'Ivoire.
SAHEL: tuple[int, ...] = (432, 439, 436, 435, 615, 433, 438, 437)

#: Mali, Burkina Faso and Niger: the tri-border crisis, summarised first (the main job's
#: indicators, the default countries of the connectors that pull per country).
CENTRAL_SAHEL: tuple[int, ...] = (432, 439, 436)

#: Countries with bundled admin-2 boundaries (cercles, provinces, départements).
ADMIN2_COUNTRIES: tuple[int, ...] = (432, 439, 436)

#: Event families and their sources, in order of precedence (what the panels count).
EVENT_FAMILIES: dict[str, tuple[str, ...]] = {
    "ucdp": ("ucdp_ged", "ucdp_candidate"),
    "acled": ("acled",),
}

#: Every event source.
EVENT_SOURCES: tuple[str, ...] = tuple(s for sources in EVENT_FAMILIES.values() for s in sources)

#: Country-month aggregate families (each its own single source).
CM_FAMILIES: tuple[str, ...] = ("views_cm", "ucdp_ged_cm", "ucdp_candidate_cm")

#: Names of the event and country-month sources, for sentences.
SOURCE_NAMES: dict[str, str] = {
    "ucdp_ged": "UCDP GED",
    "ucdp_candidate": "UCDP Candidate",
    "ucdp_ged_cm": "UCDP GED",
    "ucdp_candidate_cm": "UCDP Candidate",
    "views_cm": "VIEWS",
    "acled": "ACLED",
}

#: The types of organised violence (UCDP's, ACLED's events mapped onto them) and their labels.
VIOLENCE_LABELS: dict[str, str] = {"sb": "state-based", "ns": "non-state", "os": "one-sided"}


def _read(name: str) -> str:
    return (resources.files("sahelwatch") / "data" / name).read_text(encoding="utf-8")


@cache
def countries() -> pd.DataFrame:
    """Every country of ``data/countries.csv``, typed as the store's ``countries`` table.

    Returns
    -------
    pandas.DataFrame
        ``gw`` (int32), ``iso3`` (None for a few historical states), ``iso_num`` (Int32),
        ``name``, ``aliases`` (``;``-separated, or None). Do not modify it: it is shared.
    """
    frame = pd.read_csv(io.StringIO(_read("countries.csv")), dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "gw": frame["gw"].astype("int32"),
            "iso3": frame["iso3"].replace("", None),
            "iso_num": pd.to_numeric(frame["iso_num"], errors="coerce").astype("Int32"),
            "name": frame["name"],
            "aliases": frame["aliases"].replace("", None),
        }
    )


@cache
def _capitals() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_read("capitals.csv")))


def capitals() -> pd.DataFrame:
    """Capitals of the Sahel and West African countries (``data/capitals.csv``).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``iso3``, ``country_gw``, ``role`` (``capital`` or ``seat of government``),
        ``latitude``, ``longitude``, ``source`` (a copy: the caller may change it).
    """
    return _capitals().copy()


@cache
def iso3_to_gw() -> dict[str, int]:
    """ISO 3166 alpha-3 code -> Gleditsch-Ward code."""
    table = countries().dropna(subset=["iso3"])
    return {str(iso): int(gw) for iso, gw in zip(table["iso3"], table["gw"], strict=True)}


@cache
def gw_to_iso3() -> dict[int, str]:
    """Gleditsch-Ward code -> ISO 3166 alpha-3 code (countries that have one)."""
    return {gw: iso for iso, gw in iso3_to_gw().items()}


@cache
def country_names() -> dict[int, str]:
    """Gleditsch-Ward code -> country name."""
    table = countries()
    return {int(gw): str(name) for gw, name in zip(table["gw"], table["name"], strict=True)}


def iso3_codes(gws: Iterable[int]) -> list[str]:
    """ISO 3166 alpha-3 codes of Gleditsch-Ward codes, in order (``[432, 439]`` -> ``["MLI",
    "BFA"]``)."""
    return [gw_to_iso3()[gw] for gw in gws]


def gw_codes(codes: Iterable[str], where: str) -> list[int]:
    """Gleditsch-Ward codes of ISO3 codes (any case) or Gleditsch-Ward numbers, in order.

    Raises
    ------
    ConfigError : a code is unknown (``where`` names the setting that gave it).
    """
    known = iso3_to_gw()
    gws = set(country_names())
    out: list[int] = []
    for code in codes:
        gw = known.get(code.upper(), int(code) if code.isdigit() else None)
        if gw is None or gw not in gws:
            raise ConfigError(f"{where}: unknown country '{code}'; give an ISO3 code such as MLI.")
        out.append(gw)
    return out


def iso_nums(codes: Iterable[str], where: str) -> list[int]:
    """ISO 3166 numeric codes (ACLED's ``iso``) of ISO3 codes (any case), in order.

    Raises
    ------
    ConfigError : a code is unknown or its country has no numeric code.
    """
    table = countries().dropna(subset=["iso3", "iso_num"])
    known = {str(iso): int(num) for iso, num in zip(table["iso3"], table["iso_num"], strict=True)}
    out: list[int] = []
    for code in codes:
        if code.upper() not in known:
            raise ConfigError(f"{where}: unknown country '{code}'; give an ISO3 code such as MLI.")
        out.append(known[code.upper()])
    return out


def event_family(source: str) -> str:
    """The event family of an event source (``ucdp_candidate`` -> ``ucdp``).

    Raises
    ------
    QueryError : not an event source.
    """
    for family, sources in EVENT_FAMILIES.items():
        if source in sources:
            return family
    raise QueryError(f"unknown event source '{source}'; use one of {', '.join(EVENT_SOURCES)}.")


def reference() -> dict[str, Any]:
    """Every reference fact as plain JSON-ready values (what ``GET /api/reference`` serves).

    Returns
    -------
    dict
        ``countries`` (``gw``, ``iso3``, ``name``, ``capital`` and ``seat_of_government``:
        ``name``, ``latitude``, ``longitude`` or None), ``violence_types`` (code -> label),
        ``source_families`` (``event``: family -> sources; ``country_month``: families),
        ``source_names`` (source -> name) and
        ``groups`` (``sahel``, ``central_sahel``, ``admin2``: Gleditsch-Ward codes).
    """
    columns = ["country_gw", "role", "name", "latitude", "longitude"]
    places: dict[tuple[int, str], dict[str, Any]] = {
        (int(gw), str(role)): {"name": name, "latitude": lat, "longitude": lon}
        for gw, role, name, lat, lon in _capitals()[columns].itertuples(index=False)
    }
    table = countries()
    return {
        "countries": [
            {
                "gw": int(gw),
                "iso3": iso3,
                "name": str(name),
                "capital": places.get((int(gw), "capital")),
                "seat_of_government": places.get((int(gw), "seat of government")),
            }
            for gw, iso3, name in zip(table["gw"], table["iso3"], table["name"], strict=True)
        ],
        "violence_types": dict(VIOLENCE_LABELS),
        "source_families": {
            "event": {family: list(sources) for family, sources in EVENT_FAMILIES.items()},
            "country_month": list(CM_FAMILIES),
        },
        "source_names": dict(SOURCE_NAMES),
        "groups": {
            "sahel": list(SAHEL),
            "central_sahel": list(CENTRAL_SAHEL),
            "admin2": list(ADMIN2_COUNTRIES),
        },
    }
