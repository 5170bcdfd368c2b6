"""Country-month aggregate tables: VIEWS country-month fatalities (``ged_sb``, ``ged_ns``,
``ged_os``), UCDP GED country-month totals, and Candidate country-month sums.

A row present in such a table means its source covered that country and month; an absent row
means no data. Values that a table does not carry stay empty, never zero.
"""

from __future__ import annotations

from sahelwatch.formats.base import Format, count_checks

_MONTH = "make_date(sw_int(year)::INTEGER, sw_int(month)::INTEGER, 1)"


def _checks(country: str, counts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    checks: list[tuple[str, str]] = [
        (
            f"sw_int({country}) IS NULL OR sw_int({country}) NOT IN (SELECT gw FROM countries)",
            f"'unknown country ' || sw_quote({country})",
        ),
        (
            "sw_int(year) IS NULL OR sw_int(month) NOT BETWEEN 1 AND 12",
            "'unparseable month ' || sw_quote(year) || '-' || sw_quote(month)",
        ),
        *count_checks(counts),
    ]
    return tuple(checks)


def _uid(family: str, country: str) -> str:
    return f"'{family}:' || sw_int({country}) || ':' || strftime({_MONTH}, '%Y-%m')"


VIEWS_CM = Format(
    name="views_cm",
    title="VIEWS country-month fatalities",
    kind="country_month",
    family="views_cm",
    required=("month_id", "year", "month", "country_id", "gwcode", "ged_sb", "ged_ns", "ged_os"),
    select={
        "uid": _uid("views_cm", "gwcode"),
        "country_gw": "sw_int(gwcode)",
        "month": _MONTH,
        "best_sb": "sw_int(ged_sb)",
        "best_ns": "sw_int(ged_ns)",
        "best_os": "sw_int(ged_os)",
        "best_total": "sw_int(ged_sb) + sw_int(ged_ns) + sw_int(ged_os)",
    },
    checks=_checks("gwcode", ("ged_sb", "ged_ns", "ged_os")),
)

_GED_COUNTS = (
    "events_total",
    "events_sb",
    "events_ns",
    "events_os",
    "best_total",
    "high_total",
    "deaths_civilians",
)

GED_CM = Format(
    name="ucdp_ged_cm",
    title="UCDP GED country-month totals",
    kind="country_month",
    family="ucdp_ged_cm",
    required=("country_id", "iso3", "year", "month", "source", *_GED_COUNTS),
    select={
        "uid": _uid("ucdp_ged_cm", "country_id"),
        "country_gw": "sw_int(country_id)",
        "month": _MONTH,
        **{col: f"sw_int({col})" for col in _GED_COUNTS},
    },
    checks=_checks("country_id", _GED_COUNTS),
    release_sql="regexp_extract(max(source), '(\\d+\\.\\d+)', 1)",
)

_CANDIDATE_COUNTS = (
    "best_sb",
    "best_ns",
    "best_os",
    "events_sb",
    "events_ns",
    "events_os",
    "best_total",
    "events_total",
)

CANDIDATE_CM = Format(
    name="ucdp_candidate_cm",
    title="UCDP Candidate country-month sums",
    kind="country_month",
    family="ucdp_candidate_cm",
    required=("country_id", "year", "month", "release", *_CANDIDATE_COUNTS),
    select={
        "uid": _uid("ucdp_candidate_cm", "country_id"),
        "country_gw": "sw_int(country_id)",
        "month": _MONTH,
        **{col: f"sw_int({col})" for col in _CANDIDATE_COUNTS},
    },
    checks=_checks("country_id", _CANDIDATE_COUNTS),
)
