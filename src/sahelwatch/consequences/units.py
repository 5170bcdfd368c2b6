"""Putting consequence records on SahelWatch's units: Cadre Harmonisé units on the bundled
admin-2 boundaries, UNHCR's free-text locations on admin-1 units.

CH units carry the P-codes of the OCHA COD units of about 2021; the bundled boundaries use the
same scheme for Mali, geoBoundaries ids for Burkina Faso and the 2023 COD scheme for Niger. A CH
unit is matched by P-code where the codes agree, else by its name within its country (accents,
case, hyphens and a parenthesised part ignored; where two units share a name, the one in the
same admin-1 unit), else by a close spelling of the name in the same admin-1 unit. What matches
none stays unmatched and is reported, never guessed further.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache

import pandas as pd

from sahelwatch.geo import load_admin

# How close two spellings must be (difflib ratio) to count as the same unit name.
CLOSE_NAME = 0.85

MATCH_COLUMNS = [
    "country_iso3",
    "ch_pcode",
    "ch_name",
    "ch_adm1_name",
    "unit_id",
    "unit_name",
    "match",
]


def name_key(name: object) -> str:
    """A name reduced for comparison: no accents, case, punctuation or parenthesised part."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name.split("(")[0])
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@cache
def admin2_units() -> pd.DataFrame:
    """The bundled admin-2 units (no geometry) with their name keys (``key``, ``parent_key``)."""
    units = pd.DataFrame(load_admin(2).drop(columns="geometry"))
    units["key"] = units["admin2_name"].map(name_key)
    units["parent_key"] = units["admin1_name"].map(name_key)
    return units


def match_ch_units(units: pd.DataFrame) -> pd.DataFrame:
    """Match CH units (``country_iso3``, ``adm2_pcode``, ``adm2_name``, ``adm1_name``) to the
    bundled admin-2 units.

    Returns
    -------
    pandas.DataFrame
        :data:`MATCH_COLUMNS`, one row per distinct CH unit: ``unit_id`` and ``unit_name`` are
        the boundary's P-code and name (null when unmatched); ``match`` is ``pcode``, ``name``,
        ``close name``, ``only unit of its admin-1`` or ``none``.
    """
    admin2 = admin2_units()
    by_pcode = set(admin2["admin2_pcode"])
    rows = []
    distinct = units[["country_iso3", "adm2_pcode", "adm2_name", "adm1_name"]].drop_duplicates()
    for iso3, pcode, name, parent in distinct.itertuples(index=False):
        found, how = _match_one(admin2, by_pcode, iso3, pcode, name, parent)
        rows.append(
            (
                iso3,
                pcode,
                name,
                parent,
                None if found is None else found["admin2_pcode"],
                None if found is None else found["admin2_name"],
                how,
            )
        )
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def _match_one(
    admin2: pd.DataFrame,
    by_pcode: set[str],
    iso3: str,
    pcode: object,
    name: object,
    parent: object,
) -> tuple[pd.Series | None, str]:
    key, parent_key = name_key(name), name_key(parent)
    if isinstance(pcode, str) and pcode in by_pcode:
        hit = admin2[admin2["admin2_pcode"] == pcode].iloc[0]
        # A code kept across a boundary reform may name another unit: the names must agree.
        if hit["iso3"] == iso3 and _close(hit["key"], key):
            return hit, "pcode"
    country = admin2[admin2["iso3"] == iso3]
    same = country[country["key"] == key]
    if len(same) > 1:
        same = same[same["parent_key"] == parent_key]
    if len(same) == 1:
        return same.iloc[0], "name"
    region = country[country["parent_key"] == parent_key]
    if not key and len(region) == 1:  # analysed as a whole admin-1 unit that has one admin-2
        return region.iloc[0], "only unit of its admin-1"
    close = difflib.get_close_matches(key, region["key"].tolist(), n=1, cutoff=CLOSE_NAME)
    if key and close:
        return region[region["key"] == close[0]].iloc[0], "close name"
    return None, "none"


def _close(a: str, b: str) -> bool:
    return bool(a) and difflib.SequenceMatcher(None, a, b).ratio() >= CLOSE_NAME


# --- UNHCR locations ------------------------------------------------------------------------

# Level words and tags UNHCR appends to a location name ("Gao : Region", "Mopti [Admin 1]",
# "Tillabery region", "Niamey : Capital district"; "R+¬gion" is "Région" mis-decoded).
_LOCATION_TAIL = re.compile(r"\s*(:.*|\[.*|\b(capital )?(region|district|r\W+gion)\s*)$", re.I)


@cache
def _admin1_keys() -> pd.DataFrame:
    units = pd.DataFrame(load_admin(1).drop(columns="geometry"))
    units["key"] = units["admin1_name"].map(name_key)
    return units


def location_admin1(iso3: str, location: str) -> tuple[str | None, str | None, str]:
    """The admin-1 unit (P-code, name) a free-text UNHCR location of country ``iso3`` names,
    and how it was found: ``admin1 name``, ``admin1 close name``, ``admin2 name`` (a cercle,
    province or département, counted in its admin-1 unit) or ``none``."""
    key = name_key(_LOCATION_TAIL.sub("", location or ""))
    admin1 = _admin1_keys()
    admin1 = admin1[admin1["iso3"] == iso3]
    same = admin1[admin1["key"] == key]
    if key and len(same) == 1:
        return same.iloc[0]["admin1_pcode"], same.iloc[0]["admin1_name"], "admin1 name"
    close = difflib.get_close_matches(key, admin1["key"].tolist(), n=1, cutoff=CLOSE_NAME)
    if key and close:
        hit = admin1[admin1["key"] == close[0]].iloc[0]
        return hit["admin1_pcode"], hit["admin1_name"], "admin1 close name"
    admin2 = admin2_units()
    lower = admin2[(admin2["iso3"] == iso3) & (admin2["key"] == key)]
    if key and len(lower) == 1:
        return lower.iloc[0]["admin1_pcode"], lower.iloc[0]["admin1_name"], "admin2 name"
    return None, None, "none"
