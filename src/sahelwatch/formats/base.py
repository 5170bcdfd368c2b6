"""What every source format declares: its header, its canonical SQL and its validation rules.

A :class:`Format` turns a file's raw table (every column read as text, one row per record,
in file order; see :mod:`sahelwatch.formats.reader`) into canonical rows. Each check is a pair
of SQL expressions: a condition that marks a row unusable and the reason written to
quarantine. Each flag is a pair too: a condition that a source's own record breaks (a
consistency rule of its codebook) and the flag stored with the row, which loads as published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["event", "country_month", "consequence", "deletions"]

# Text helpers installed as DuckDB macros on every connection (see Store._install_session).
# DuckDB's casts accept surrounding whitespace and give NULL for an empty text.
MACROS = {
    "sw_text": "(x) AS NULLIF(trim(x), '')",
    "sw_num": "(x) AS TRY_CAST(x AS DOUBLE)",
    "sw_int": "(x) AS TRY_CAST(TRY_CAST(x AS DOUBLE) AS BIGINT)",
    "sw_bad_num": "(x) AS (TRY_CAST(x AS DOUBLE) IS NULL AND trim(x) <> '')",
    # A whole number as written (12, or 12.0 from R or Excel); NULL for anything else (12.7,
    # 1e3, text). An id is one without a sign.
    "sw_whole": (
        "(x) AS CASE WHEN regexp_full_match(trim(x), '-?[0-9]+(\\.0*)?') "
        "THEN TRY_CAST(split_part(trim(x), '.', 1) AS BIGINT) END"
    ),
    "sw_id": (
        "(x) AS CASE WHEN regexp_full_match(trim(x), '[0-9]+(\\.0*)?') "
        "THEN TRY_CAST(split_part(trim(x), '.', 1) AS BIGINT) END"
    ),
    "sw_date": (
        "(x) AS COALESCE(TRY_CAST(left(trim(x), 10) AS DATE), "
        "TRY_STRPTIME(trim(x), '%d %B %Y')::DATE, TRY_STRPTIME(trim(x), '%d-%B-%Y')::DATE)"
    ),
    # UCDP's country-page export writes dates as MM/DD/YYYY 00:00:00.
    "sw_mdy_date": "(x) AS TRY_STRPTIME(trim(x), ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y'])::DATE",
    "sw_quote": "(x) AS '''' || left(coalesce(x, ''), 40) || ''''",
}

# The canonical event columns, in store order, with their DuckDB types.
EVENT_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "source_id": "VARCHAR",
    "date_start": "DATE",
    "date_end": "DATE",
    "date_prec": "SMALLINT",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "where_prec": "SMALLINT",
    "country_gw": "INTEGER",
    "country_iso3": "VARCHAR",
    "country_name": "VARCHAR",
    "adm_1": "VARCHAR",
    "adm_2": "VARCHAR",
    "location": "VARCHAR",
    "side_a": "VARCHAR",
    "side_b": "VARCHAR",
    "violence_type": "VARCHAR",
    "event_type": "VARCHAR",
    "sub_event_type": "VARCHAR",
    "best": "INTEGER",
    "low": "INTEGER",
    "high": "INTEGER",
    "deaths_a": "INTEGER",
    "deaths_b": "INTEGER",
    "deaths_civilians": "INTEGER",
    "deaths_unknown": "INTEGER",
    "conflict_name": "VARCHAR",
    "dyad_name": "VARCHAR",
    "source_headline": "VARCHAR",
    "source_text": "VARCHAR",
    "n_sources": "INTEGER",
    "priogrid_gid": "INTEGER",
    # Data-quality flags ("; "-separated): rules the source's own record breaks; NULL if none.
    "flags": "VARCHAR",
}

# The canonical country-month columns.
CM_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "country_gw": "INTEGER",
    "month": "DATE",
    "best_sb": "INTEGER",
    "best_ns": "INTEGER",
    "best_os": "INTEGER",
    "best_total": "INTEGER",
    "high_total": "INTEGER",
    "deaths_civilians": "INTEGER",
    "events_sb": "INTEGER",
    "events_ns": "INTEGER",
    "events_os": "INTEGER",
    "events_total": "INTEGER",
}


@dataclass(frozen=True)
class Format:
    """A file format that SahelWatch reads.

    Attributes
    ----------
    name : short identifier shown to users (``ucdp_ged``, ``acled_current``, ...).
    title : human name used in messages.
    kind : ``"event"``, ``"country_month"``, ``"consequence"`` (food insecurity and
        displacement tables, each with its own ``table`` and ``columns``) or ``"deletions"``
        (a source's list of records it deleted: they are withdrawn, see :mod:`sahelwatch.ingest`).
    family : the uid namespace; releases of one family supersede each other.
    required : header columns that identify the format.
    select : canonical column name -> SQL expression over the raw table's text columns.
    checks : (condition, reason) SQL pairs; a true condition sends the row to quarantine
        (rows that cannot be used).
    flags : (condition, flag) SQL pairs for events; a true condition loads the row as the
        source published it, with the flag in its ``flags`` column.
    release_sql : optional SQL aggregate over the raw table naming the release the file holds.
    optional : further columns of the format that belong to a record's content.
    content_as : raw column -> (the name it is hashed under, SQL giving its value as another
        layout of the same source writes it), so one record hashes the same in both layouts.
    not_content : columns of the format left out of a record's content (derived values, and
        fields that only identify or time-stamp it: a change to them alone is no revision).
    table, columns : the versions table and its canonical columns, for a ``consequence``
        format (events and country-month totals have theirs).
    """

    name: str
    title: str
    kind: Kind
    family: str
    required: tuple[str, ...]
    select: dict[str, str]
    checks: tuple[tuple[str, str], ...] = field(default=())
    flags: tuple[tuple[str, str], ...] = ()
    release_sql: str | None = None
    optional: tuple[str, ...] = ()
    content_as: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_content: tuple[str, ...] = ()

    table: str | None = None
    columns: dict[str, str] | None = None

    @property
    def version_table(self) -> str:
        """The table that keeps this format's record versions."""
        if self.table:
            return self.table
        return "event_versions" if self.kind == "event" else "cm_versions"

    @property
    def canonical_columns(self) -> dict[str, str]:
        """This format's canonical columns, in store order."""
        if self.columns:
            return self.columns
        return EVENT_COLUMNS if self.kind == "event" else CM_COLUMNS

    def matches(self, header: list[str]) -> bool:
        """Whether a file with this header is in this format."""
        return set(self.required) <= set(header)

    def canonical_sql(self, table: str, row_number: str, *extra: str) -> str:
        """SQL that reads the raw ``table`` (as ``s``) and yields canonical rows with
        ``row_number`` (given as SQL), ``reason`` (empty when the row is valid) and any
        ``extra`` select expressions. An event's ISO3 code comes from its GW code."""
        flags = ", ".join(f"CASE WHEN {cond} THEN {flag} END" for cond, flag in self.flags)
        select = {**self.select, "flags": f"NULLIF(concat_ws('; ', {flags or 'NULL'}), '')"}
        typed = ",\n  ".join(
            f"CAST({select.get(col, 'NULL')} AS {typ}) AS {col}"
            for col, typ in self.canonical_columns.items()
        )
        checks = ", ".join(f"CASE WHEN {cond} THEN {reason} END" for cond, reason in self.checks)
        rows = (
            f"SELECT {row_number} AS row_number,\n  "
            f"{typed},\n  concat_ws('; ', {checks or 'NULL'}) AS reason"
            + "".join(f",\n  {e}" for e in extra)
            + f"\nFROM {table} s"
        )
        if self.kind != "event":
            return rows
        # A join, not a subquery per row: several times faster on a large file.
        return (
            f"SELECT c.* REPLACE (k.iso3 AS country_iso3) FROM ({rows}) c "
            "LEFT JOIN countries k ON k.gw = c.country_gw"
        )

    def content_sql(self, header: list[str]) -> str:
        """SQL of a record's content hash: its format's columns, normalised so that the same
        record written by another tool (numbers as ``12.30`` or ``12.3``, ``7.0`` or ``7``,
        dates with a midnight time, spaces around a value, extra or reordered columns) hashes
        the same."""
        known = [
            c for c in (*self.required, *self.optional) if c in header and c not in self.not_content
        ]
        # Trimming only the values that need it is much cheaper than trimming them all.
        values = sorted(
            self.content_as.get(
                c, (c, f"CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' THEN trim({c}) ELSE {c} END")
            )
            for c in known
        )
        text = ", ".join(f"coalesce({value}, '')" for _name, value in values)
        # One separator after every field, so each rule below sees whole field ends.
        joined = f"replace(concat_ws(chr(31), {text}, ''), ' 00:00:00.000' || chr(31), chr(31))"
        zeros = f"regexp_replace({joined}, '(\\.\\d*?)0+\\x1f', '\\1' || chr(31), 'g')"
        return f"md5(replace({zeros}, '.' || chr(31), chr(31)))"


def count_checks(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Rules for count columns of ``s``: a count must be empty or a number, and not negative."""
    checks: list[tuple[str, str]] = []
    for col in columns:
        checks += [
            (f"sw_bad_num({col})", f"'unparseable {col} ' || sw_quote({col})"),
            (f"sw_num({col}) < 0", f"'negative {col} = ' || {col}"),
        ]
    return tuple(checks)


def country_check(column: str) -> tuple[str, str]:
    """The rule that ``column`` of ``s`` is the ISO3 code of a country in the store."""
    return (
        f"sw_text({column}) IS NULL OR sw_text({column}) NOT IN (SELECT iso3 FROM countries)",
        f"'unknown country ' || sw_quote({column})",
    )


def common_checks(
    *,
    date_start: str,
    date_end: str | None,
    lat: str | None,
    lon: str | None,
    best: str,
    parse_date: str = "sw_date",
) -> tuple[tuple[str, str], ...]:
    """Validation rules shared by event formats, written over raw text columns of ``s``;
    ``parse_date`` names the macro that reads the format's dates."""
    start, end = f"{parse_date}({date_start})", f"{parse_date}({date_end})"
    checks = [
        (f"{start} IS NULL", f"'unparseable start date ' || sw_quote({date_start})"),
    ]
    if date_end:
        checks += [
            (
                f"sw_text({date_end}) IS NOT NULL AND {end} IS NULL",
                f"'unparseable end date ' || sw_quote({date_end})",
            ),
            (
                f"{end} < {start}",
                f"'end date ' || {end} || ' is before start date ' || {start}",
            ),
        ]
    if lat and lon:
        checks += [
            (
                f"sw_bad_num({lat}) OR sw_bad_num({lon})",
                f"'unparseable coordinates ' || sw_quote({lat}) || ', ' || sw_quote({lon})",
            ),
            (
                f"abs(sw_num({lat})) > 90 OR abs(sw_num({lon})) > 180",
                f"'coordinates out of range (' || {lat} || ', ' || {lon} || ')'",
            ),
            (f"sw_num({lat}) = 0 AND sw_num({lon}) = 0", "'coordinates are exactly 0,0'"),
            (
                f"(sw_num({lat}) IS NULL) <> (sw_num({lon}) IS NULL)",
                "'only one of latitude and longitude is given'",
            ),
        ]
    checks += [
        (f"sw_text({best}) IS NULL", f"'missing fatalities {best}'"),
        (
            f"sw_text({best}) IS NOT NULL AND sw_whole({best}) IS NULL",
            f"'fatalities {best} ' || sw_quote({best}) || ' is not a whole number'",
        ),
        (f"sw_whole({best}) < 0", f"'negative fatalities {best} = ' || {best}"),
    ]
    return tuple(checks)


def fatality_flags(best: str, low: str, high: str) -> tuple[tuple[str, str], ...]:
    """Flags for a low and high estimate around ``best``: not a count, or not around it."""
    flags = [
        (
            f"sw_text({col}) IS NOT NULL AND coalesce(sw_whole({col}) < 0, TRUE)",
            f"'{col} ' || sw_quote({col}) || ' is not a count'",
        )
        for col in (low, high)
    ]
    return (
        *flags,
        (f"sw_whole({best}) > sw_whole({high})", f"'best ' || {best} || ' above high ' || {high}"),
        (f"sw_whole({low}) > sw_whole({best})", f"'low ' || {low} || ' above best ' || {best}"),
    )
