"""UCDP GED event formats: the yearly GED and monthly Candidate releases (49 columns), the same
events as UCDP's country pages export them (47 columns), and the reduced 8-column Candidate
extract.

UCDP codes ``type_of_violence`` 1 = state-based (sb), 2 = non-state (ns), 3 = one-sided (os);
``country_id`` is the Gleditsch-Ward code. Numbers may be written as ``12`` or ``12.0``
(files that passed through R or Excel); both are read. An id is taken as given: one that is not
a plain non-negative whole number (``1e3``, ``12.7``, ``-1``) sends its row to quarantine.
A row that breaks a consistency rule of UCDP's codebook (best above high, low above best, deaths
by side not summing to best, a date precision the dates contradict) is UCDP's own record: it is
loaded as published, with flags.
"""

from __future__ import annotations

import re
from datetime import date

from sahelwatch.formats.base import Format, common_checks, fatality_flags

GED_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)

_DEATHS = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
VIOLENCE = "CASE sw_int(type_of_violence) WHEN 1 THEN 'sb' WHEN 2 THEN 'ns' WHEN 3 THEN 'os' END"

_UCDP_COMMON_CHECKS = (
    (
        "sw_text(id) IS NULL",
        "'missing event id'",
    ),
    (
        "sw_text(id) IS NOT NULL AND sw_id(id) IS NULL",
        "'event id ' || sw_quote(id) || ' is not a plain non-negative whole number'",
    ),
    (
        "sw_int(type_of_violence) IS NULL OR sw_int(type_of_violence) NOT IN (1, 2, 3)",
        "'unknown violence type ' || sw_quote(type_of_violence)",
    ),
    (
        "sw_int(country_id) IS NULL OR sw_int(country_id) NOT IN (SELECT gw FROM countries)",
        "'unknown country ' || sw_quote(country) || ' (country_id ' || "
        "coalesce(country_id, '') || ')'",
    ),
)


def _located_select(parse_date: str, best: str, high: str, low: str) -> dict[str, str]:
    """Canonical columns of a located GED layout, given how it writes dates and fatalities."""
    return {
        "uid": "'ucdp:' || sw_id(id)",
        "source_id": "CAST(sw_id(id) AS VARCHAR)",
        "date_start": f"{parse_date}(date_start)",
        "date_end": f"coalesce({parse_date}(date_end), {parse_date}(date_start))",
        "date_prec": "sw_int(date_prec)",
        "latitude": "sw_num(latitude)",
        "longitude": "sw_num(longitude)",
        "where_prec": "sw_int(where_prec)",
        "country_gw": "sw_int(country_id)",
        "country_name": "sw_text(country)",
        "adm_1": "sw_text(adm_1)",
        "adm_2": "sw_text(adm_2)",
        "location": "sw_text(where_coordinates)",
        "side_a": "sw_text(side_a)",
        "side_b": "sw_text(side_b)",
        "violence_type": VIOLENCE,
        "best": f"sw_whole({best})",
        "low": f"sw_whole({low})",
        "high": f"sw_whole({high})",
        **{col: f"sw_whole({col})" for col in _DEATHS},
        "conflict_name": "sw_text(conflict_name)",
        "dyad_name": "sw_text(dyad_name)",
        "source_headline": "sw_text(source_headline)",
        "source_text": "sw_text(source_article)",
        "n_sources": "sw_int(number_of_sources)",
        "priogrid_gid": "sw_int(priogrid_gid)",
    }


def _located_flags(parse_date: str, best: str, high: str, low: str) -> tuple[tuple[str, str], ...]:
    """Codebook rules that UCDP's own rows sometimes break: the row loads, flagged."""
    deaths = " + ".join(f"sw_whole({col})" for col in _DEATHS)
    start, end = f"{parse_date}(date_start)", f"{parse_date}(date_end)"
    return (
        *fatality_flags(best, low, high),
        (
            f"{deaths} <> sw_whole({best})",
            f"'deaths by side sum to ' || ({deaths}) || ', not best ' || {best}",
        ),
        (
            "sw_text(date_prec) IS NOT NULL AND coalesce(sw_whole(date_prec) NOT BETWEEN 1 AND 5, "
            "TRUE)",
            "'unknown date_prec ' || sw_quote(date_prec)",
        ),
        (
            f"sw_whole(date_prec) = 1 AND {end} <> {start}",
            f"'date_prec 1 (exact day) but the dates span ' || {start} || '..' || {end}",
        ),
    )


def _located_checks(parse_date: str, best: str) -> tuple[tuple[str, str], ...]:
    return _UCDP_COMMON_CHECKS + common_checks(
        date_start="date_start",
        date_end="date_end",
        lat="latitude",
        lon="longitude",
        best=best,
        parse_date=parse_date,
    )


GED = Format(
    name="ucdp_ged",
    title="UCDP GED / Candidate events (49 columns)",
    kind="event",
    family="ucdp",
    required=tuple(GED_COLUMNS),
    select=_located_select("sw_date", "best", "high", "low"),
    checks=_located_checks("sw_date", "best"),
    flags=_located_flags("sw_date", "best", "high", "low"),
    # The Gleditsch-Ward codes of the sides follow from the sides; UCDP's country-page export
    # leaves them out, so they are not content (one event hashes the same in both layouts).
    not_content=("gwnoa", "gwnob"),
)

# UCDP's country pages export GED with other fatality names, US dates, True/False and no
# gwnoa/gwnob (and a trailing comma on every row, which the reader takes care of).
_EXPORT_NAMES = {"best": "best_est", "high": "high_est", "low": "low_est"}
EXPORT_COLUMNS = tuple(_EXPORT_NAMES.get(c, c) for c in GED_COLUMNS if c not in GED.not_content)


def _iso_day(column: str) -> str:
    return f"coalesce(strftime(sw_mdy_date({column}), '%Y-%m-%d'), {column})"


EXPORT = Format(
    name="ucdp_ged_export",
    title="UCDP GED events as UCDP's country pages export them (47 columns)",
    kind="event",
    family="ucdp",
    required=EXPORT_COLUMNS,
    select=_located_select("sw_mdy_date", *_EXPORT_NAMES.values()),
    checks=_located_checks("sw_mdy_date", _EXPORT_NAMES["best"]),
    flags=_located_flags("sw_mdy_date", *_EXPORT_NAMES.values()),
    content_as={
        **{export: (bulk, export) for bulk, export in _EXPORT_NAMES.items()},
        "date_start": ("date_start", _iso_day("date_start")),
        "date_end": ("date_end", _iso_day("date_end")),
        "active_year": (
            "active_year",
            "CASE lower(trim(active_year)) WHEN 'true' THEN '1' WHEN 'false' THEN '0' "
            "ELSE active_year END",
        ),
    },
)

REDUCED = Format(
    name="ucdp_reduced",
    title="UCDP Candidate events, reduced 8-column extract",
    kind="event",
    family="ucdp",
    required=(
        "id",
        "conflict_new_id",
        "conflict_name",
        "country",
        "country_id",
        "best",
        "type_of_violence",
        "date",
    ),
    select={
        "uid": "'ucdp:' || sw_id(id)",
        "source_id": "CAST(sw_id(id) AS VARCHAR)",
        "date_start": "sw_date(date)",
        "date_end": "sw_date(date)",
        "country_gw": "sw_int(country_id)",
        "country_name": "sw_text(country)",
        "violence_type": VIOLENCE,
        "best": "sw_whole(best)",
        "conflict_name": "sw_text(conflict_name)",
    },
    checks=_UCDP_COMMON_CHECKS
    + common_checks(date_start="date", date_end=None, lat=None, lon=None, best="best"),
)

_VERSION = re.compile(r"(?<!\d)v?(\d{2})[._](\d{1,2})(?:[._](\d{1,2}))?(?:[._](\d{1,2}))?(?!\d)")
_COMPACT = re.compile(r"ged(\d{2})(\d)(?!\d)", re.IGNORECASE)


def release_from_filename(filename: str) -> str | None:
    """The UCDP release a file name announces, if any.

    >>> release_from_filename("GEDEvent_v26_0_1.csv")
    '26.0.1'
    >>> release_from_filename("GEDEvent_v25_01_25_12.csv")
    '25.01.25.12'
    >>> release_from_filename("ged251-csv.zip")
    '25.1'
    """
    compact = _COMPACT.search(filename)
    if compact:
        return f"{compact.group(1)}.{compact.group(2)}"
    match = _VERSION.search(filename)
    if match:
        return ".".join(g for g in match.groups() if g)
    return None


def is_candidate(release: str) -> bool:
    """Candidate releases are ``YY.0.M`` monthly or ``YY.01.YY.MM`` cumulative; GED is ``YY.1``."""
    parts = release.split(".")
    return len(parts) >= 3 or (len(parts) == 2 and parts[1] == "0")


def nominal_period(release: str) -> tuple[date, date] | None:
    """The months a UCDP release is meant to cover, from its name.

    ``26.0.2`` (monthly Candidate) covers 2026-02; ``25.01.25.12`` (cumulative Candidate)
    covers 2025-01..2025-12; ``25.1`` (yearly GED) covers 1989-01..2024-12.

    >>> nominal_period("26.0.2")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 1))
    """
    parts = [int(p) for p in release.split(".") if p.isdigit()]
    if len(parts) != len(release.split(".")):
        return None
    if len(parts) == 3 and parts[1] == 0 and 1 <= parts[2] <= 12:
        month = date(2000 + parts[0], parts[2], 1)
        return month, month
    if len(parts) == 4 and 1 <= parts[1] <= parts[3] <= 12:
        return date(2000 + parts[2], parts[1], 1), date(2000 + parts[2], parts[3], 1)
    if len(parts) == 2 and parts[1] >= 1:
        return date(1989, 1, 1), date(2000 + parts[0] - 1, 12, 1)
    return None
