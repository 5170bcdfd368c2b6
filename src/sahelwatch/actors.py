"""Actors: map the actor names UCDP and ACLED use to canonical actors and actor families.

The mapping is a curated, versioned TOML file, ``data/actors.toml`` (format in
``docs/places_and_actors.md``). Exact names are matched case-insensitively after collapsing
white space; if none matches, the entries' regular expressions are tried in file order.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from sahelwatch.errors import InputError, QueryError

FAMILIES = (
    "jihadist",
    "state",
    "foreign",
    "progov_militia",
    "separatist",
    "communal_militia",
    "civilians",
    "other",
)
#: Order in which an event's actor families decide its single actor family (a map colour): the
#: armed group involved rather than the state it fights or the civilians it targets.
FAMILY_PRIORITY: tuple[str, ...] = (
    "jihadist",
    "separatist",
    "communal_militia",
    "progov_militia",
    "other",
    "foreign",
    "state",
    "civilians",
)
#: The family of an event neither of whose sides the dictionary knows.
UNKNOWN_FAMILY = "unknown"
#: Words for each family (and for :data:`UNKNOWN_FAMILY`), for views.
FAMILY_LABELS: dict[str, str] = {
    "jihadist": "Jihadist groups",
    "state": "State forces",
    "foreign": "Foreign forces",
    "progov_militia": "Pro-government militias",
    "separatist": "Separatist groups",
    "communal_militia": "Communal militias",
    "civilians": "Civilians",
    "other": "Other actors",
    UNKNOWN_FAMILY: "Not in the actor dictionary",
}
_ENTRY_KEYS = {"canonical", "family", "country", "names", "patterns"}
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Actor:
    """One dictionary entry: a canonical actor and the spellings that denote it."""

    canonical: str
    family: str
    country: str | None
    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


class ActorDictionary:
    """A validated actor dictionary; build it with :func:`load_dictionary`."""

    def __init__(self, version: str, updated: date, actors: tuple[Actor, ...]) -> None:
        self.version = version
        self.updated = updated
        self.actors = actors
        self._exact = {_key(name): actor for actor in actors for name in actor.names}
        self._seen: dict[str, Actor | None] = {}

    def match(self, name: str) -> Actor | None:
        """The entry that ``name`` denotes, or None if the dictionary does not know it."""
        if name not in self._seen:
            exact = self._exact.get(_key(name))
            self._seen[name] = exact or next(
                (a for a in self.actors if any(p.search(name.strip()) for p in a.patterns)), None
            )
        return self._seen[name]

    def family(self, name: str) -> str | None:
        """Family of the actor ``name`` (one of :data:`FAMILIES`), or None if unknown."""
        actor = self.match(name)
        return actor.family if actor else None

    def canonical(self, name: str) -> str | None:
        """Canonical name of the actor ``name``, or None if unknown."""
        actor = self.match(name)
        return actor.canonical if actor else None

    def classify(self, names: pd.Series) -> pd.DataFrame:
        """Canonical name and family of every name in ``names`` (null where unknown or null).

        Returns
        -------
        pandas.DataFrame
            Columns ``canonical`` and ``family`` (str), with the index of ``names``.
        """
        text = names.where(names.isna(), names.astype(str))
        known = {n: a for n in text.dropna().unique() if (a := self.match(n)) is not None}
        return pd.DataFrame(
            {
                column: pd.Series(
                    text.map({n: getattr(a, column) for n, a in known.items()}).to_numpy(),
                    index=names.index,
                    dtype="str",
                )
                for column in ("canonical", "family")
            }
        )

    def sides(self, sides: pd.Series) -> pd.DataFrame:
        """Per distinct side name (a side can name several actors, comma-separated: the whole
        name and each part are looked up): its set of families (``families``) and its tuple
        of canonical actors (``actors``; an unknown name kept as written)."""
        names = pd.Series(sides.dropna().astype(str).unique(), dtype=object)
        if names.empty:
            return pd.DataFrame(
                {"families": pd.Series(dtype=object), "actors": pd.Series(dtype=object)}
            )
        parts = names.str.split(", ")
        long = pd.DataFrame(
            {"name": names.repeat(parts.map(len).tolist()), "part": parts.explode()}
        )
        whole = self.classify(names)
        piece = self.classify(long["part"].reset_index(drop=True))
        long = long.reset_index(drop=True).assign(
            canonical=piece["canonical"].to_numpy(dtype=object),
            family=piece["family"].to_numpy(dtype=object),
        )
        long["canonical"] = long["canonical"].where(long["canonical"].notna(), long["part"])
        fams = long.dropna(subset=["family"]).groupby("name")["family"].agg(frozenset)
        whole_fam = pd.Series(whole["family"].to_numpy(dtype=object), index=names.to_numpy())
        families = {
            name: frozenset(fams.get(name, frozenset()))
            | (frozenset([whole_fam[name]]) if pd.notna(whole_fam[name]) else frozenset())
            for name in names
        }
        multi = long.groupby("name")["canonical"].agg(tuple)
        single = pd.Series(whole["canonical"].to_numpy(dtype=object), index=names.to_numpy())
        actors = {
            name: (
                multi[name]
                if len(multi[name]) > 1
                else ((single[name],) if pd.notna(single[name]) else (name,))
            )
            for name in names
        }
        return pd.DataFrame({"families": pd.Series(families), "actors": pd.Series(actors)})

    def unknown_actors(self, events: pd.DataFrame) -> pd.DataFrame:
        """Names in ``side_a``/``side_b`` that the dictionary does not know.

        Returns
        -------
        pandas.DataFrame
            Columns ``name`` and ``events`` (how many events name the actor on either side),
            most frequent first, ties by name.
        """
        missing = [c for c in ("side_a", "side_b") if c not in events.columns]
        if missing:
            raise QueryError(f"events lack the actor column(s) {missing}.")
        sides = pd.concat(
            pd.DataFrame({"row": range(len(events)), "name": events[c].to_numpy(dtype=object)})
            for c in ("side_a", "side_b")
        ).dropna()
        sides["name"] = sides["name"].astype(str).str.strip()
        sides = sides[sides["name"] != ""].drop_duplicates()
        unknown = [n for n in sides["name"].unique() if self.match(n) is None]
        sizes = sides[sides["name"].isin(unknown)].groupby("name").size()
        counts = sizes.rename("events").reset_index()
        return counts.sort_values(["events", "name"], ascending=[False, True], ignore_index=True)

    def sql_condition(self, column: str, families: tuple[str, ...]) -> str:
        """SQL (DuckDB) that is true where the text ``column`` names an actor of ``families``.

        Exact names are compared as :meth:`match` compares them; patterns become RE2 regular
        expressions, so those of these families must not use look-arounds or back-references.
        """
        chosen = [a for a in self.actors if a.family in families]
        names = sorted({_key(n) for a in chosen for n in a.names})
        patterns = [p.pattern for a in chosen for p in a.patterns]
        key = f"lower(regexp_replace(trim({column}), '\\s+', ' ', 'g'))"
        listed = ", ".join(_sql_text(n) for n in names) or "NULL"
        regex = _sql_text("(?i)" + "|".join(f"(?:{p})" for p in patterns))
        matched = f"regexp_matches(trim({column}), {regex})" if patterns else "FALSE"
        return f"({key} IN ({listed}) OR {matched})"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_dictionary(path: str | Path | None = None) -> ActorDictionary:
    """Read and validate an actor dictionary (the bundled ``data/actors.toml`` by default).

    Raises
    ------
    sahelwatch.errors.InputError
        If the file is missing, is not TOML, or has a malformed entry (the message names it).
    """
    return _bundled() if path is None else _load(Path(path))


@cache
def _bundled() -> ActorDictionary:
    return _load(Path(str(resources.files("sahelwatch") / "data" / "actors.toml")))


def _load(path: Path) -> ActorDictionary:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"actor dictionary {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"actor dictionary {path.name} is not valid TOML: {exc}.") from None
    _check_header(document, path.name)
    entries = document.get("actor")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"actor dictionary {path.name} has no [[actor]] entries.")
    actors = tuple(_actor(entry, i, path.name) for i, entry in enumerate(entries, start=1))
    _check_unique_names(actors, path.name)
    return ActorDictionary(document["version"], document["updated"], actors)


def _check_header(document: dict[str, Any], file: str) -> None:
    if not isinstance(document.get("version"), str) or not document["version"].strip():
        raise InputError(f"actor dictionary {file} needs a non-empty string 'version'.")
    if not isinstance(document.get("updated"), date):
        raise InputError(f"actor dictionary {file} needs an 'updated' date (YYYY-MM-DD).")
    families = document.get("families")
    if not isinstance(families, dict) or set(families) != set(FAMILIES):
        raise InputError(
            f"actor dictionary {file} must describe exactly the families {list(FAMILIES)} "
            "in its [families] table."
        )


def _actor(entry: object, number: int, file: str) -> Actor:
    """Validate one [[actor]] table; every error names the entry."""
    name = entry.get("canonical") if isinstance(entry, dict) else None
    where = f"actor dictionary {file}, entry {number} ({name or 'no canonical name'})"
    if not isinstance(entry, dict):
        raise InputError(f"{where} is not a table.")
    problem = _entry_problem(entry)
    if problem:
        raise InputError(f"{where}: {problem}.")
    patterns = []
    for text in entry.get("patterns", []):
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise InputError(f"{where}: pattern {text!r} is not a valid regex ({exc}).") from None
    return Actor(
        canonical=entry["canonical"],
        family=entry["family"],
        country=entry.get("country"),
        names=tuple(entry.get("names", [])),
        patterns=tuple(patterns),
    )


def _entry_problem(entry: dict[str, Any]) -> str | None:
    """What is wrong with an entry's keys and values (regexes aside), or None."""
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    texts = [t for k in ("names", "patterns") if isinstance(entry.get(k), list) for t in entry[k]]
    checks = [
        (unknown, f"unknown key(s) {unknown}"),
        (not _is_text(entry.get("canonical")), "'canonical' must be a non-empty string"),
        (entry.get("family") not in FAMILIES, f"'family' must be one of {list(FAMILIES)}"),
        (
            "country" in entry and not _ISO3.match(str(entry["country"])),
            "'country' must be an ISO3 code such as MLI",
        ),
        (
            any(not isinstance(entry.get(k, []), list) for k in ("names", "patterns")),
            "'names' and 'patterns' must be lists",
        ),
        (not texts, "it needs at least one name or pattern"),
        (not all(_is_text(t) for t in texts), "names and patterns must be non-empty strings"),
        (
            any(isinstance(t, str) and not t.isprintable() for t in texts),
            "a name or pattern holds a control character (write regexes in single quotes)",
        ),
    ]
    return next((message for failed, message in checks if failed), None)


def _check_unique_names(actors: tuple[Actor, ...], file: str) -> None:
    owner: dict[str, str] = {}
    for actor in actors:
        for name in actor.names:
            first = owner.setdefault(_key(name), actor.canonical)
            if first != actor.canonical:
                raise InputError(
                    f"actor dictionary {file}: the name {name!r} is listed under both "
                    f"{first!r} and {actor.canonical!r}."
                )


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
