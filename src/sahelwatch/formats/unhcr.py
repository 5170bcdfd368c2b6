"""UNHCR displacement tables: year-end stocks by origin and asylum country (refugees, asylum
seekers, IDPs, returnees, ...), IDMC conflict IDPs per country, and UNHCR's demographics by
free-text location (IDPs by region).

All figures are year-end stocks, not flows. A stock that repeats the previous year's figure to
the person is flagged ``carried_forward``: it is an unchanged report (Burkina Faso's IDP figure
of 2023 repeated for 2024 and 2025), not a new measurement.
"""

from __future__ import annotations

from sahelwatch.formats.base import Format, count_checks

STOCKS = (
    "refugees",
    "asylum_seekers",
    "returned_refugees",
    "idps",
    "returned_idps",
    "stateless",
    "others_of_concern",
    "other_in_need_of_intl_protection",
    "host_community",
)
"""The stock columns of the population file, in its order."""
_YEAR_CHECK = (
    "sw_int(year) IS NULL OR sw_int(year) NOT BETWEEN 1900 AND 2100",
    "'unparseable year ' || sw_quote(year)",
)


def _iso3_check(column: str) -> tuple[str, str]:
    return (
        f"NOT regexp_full_match(coalesce(trim({column}), ''), '[A-Z]{{3}}')",
        f"'unparseable country code {column} ' || sw_quote({column})",
    )


def _carried_forward(value: str, *by: str) -> str:
    """SQL: the value is positive and equals the value of the year before, for the same ``by``."""
    over = f"OVER (PARTITION BY {', '.join(by)} ORDER BY sw_int(year))"
    return (
        f"coalesce({value} > 0 AND {value} = lag({value}) {over} "
        f"AND sw_int(year) = lag(sw_int(year)) {over} + 1, FALSE)"
    )


POPULATION_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "year": "INTEGER",
    "origin_iso3": "VARCHAR",
    "origin_name": "VARCHAR",
    "asylum_iso3": "VARCHAR",
    "asylum_name": "VARCHAR",
    "flow": "VARCHAR",
    **{col: "BIGINT" for col in STOCKS},
    "idps_carried_forward": "BOOLEAN",
}

UNHCR_POPULATION = Format(
    name="unhcr_population",
    title="UNHCR population stocks by origin and asylum",
    kind="consequence",
    family="unhcr_population",
    required=("year", "origin_iso3", "asylum_iso3", "flow", "refugees", "idps"),
    optional=(
        "origin_name",
        "asylum_name",
        "asylum_seekers",
        "returned_refugees",
        "returned_idps",
        "stateless",
        "others_of_concern",
        "other_in_need_of_intl_protection",
        "host_community",
        "origin_unhcr_code",
        "asylum_unhcr_code",
    ),
    select={
        "uid": "'unhcr:' || sw_int(year) || ':' || trim(origin_iso3) || ':' || trim(asylum_iso3)",
        "year": "sw_int(year)",
        "origin_iso3": "sw_text(origin_iso3)",
        "origin_name": "sw_text(origin_name)",
        "asylum_iso3": "sw_text(asylum_iso3)",
        "asylum_name": "sw_text(asylum_name)",
        "flow": "sw_text(flow)",
        **{col: f"sw_int({col})" for col in STOCKS},
        "idps_carried_forward": _carried_forward("sw_int(idps)", "origin_iso3", "asylum_iso3"),
    },
    checks=(
        _YEAR_CHECK,
        _iso3_check("origin_iso3"),
        _iso3_check("asylum_iso3"),
        *count_checks(STOCKS),
    ),
    release_sql="max(year)",
    table="unhcr_population_versions",
    columns=POPULATION_COLUMNS,
)

IDMC_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "year": "INTEGER",
    "country_iso3": "VARCHAR",
    "country_name": "VARCHAR",
    "idps": "BIGINT",
    "carried_forward": "BOOLEAN",
}

IDMC_IDPS = Format(
    name="idmc_idps",
    title="IDMC conflict IDPs per country and year",
    kind="consequence",
    family="idmc_idps",
    required=("year", "country_iso3", "idmc_conflict_idps"),
    optional=("country_name",),
    select={
        "uid": "'idmc:' || trim(country_iso3) || ':' || sw_int(year)",
        "year": "sw_int(year)",
        "country_iso3": "sw_text(country_iso3)",
        "country_name": "sw_text(country_name)",
        "idps": "sw_int(idmc_conflict_idps)",
        "carried_forward": _carried_forward("sw_int(idmc_conflict_idps)", "country_iso3"),
    },
    checks=(_YEAR_CHECK, _iso3_check("country_iso3"), *count_checks(("idmc_conflict_idps",))),
    release_sql="max(year)",
    table="idmc_idp_versions",
    columns=IDMC_COLUMNS,
)

LOCATION_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "year": "INTEGER",
    "origin_iso3": "VARCHAR",
    "asylum_iso3": "VARCHAR",
    "pop_type": "VARCHAR",
    "location": "VARCHAR",
    "location_level": "VARCHAR",
    "loc_type": "VARCHAR",
    "acc_type": "VARCHAR",
    "female": "BIGINT",
    "male": "BIGINT",
    "total": "BIGINT",
}

_LOCATION_KEY = " || ':' || ".join(
    f"coalesce(trim({c}), '')"
    for c in (
        "origin_iso3",
        "asylum_iso3",
        "pop_type",
        "location",
        "location_level_tag",
        "loc_type",
        "acc_type",
    )
)

UNHCR_LOCATIONS = Format(
    name="unhcr_locations",
    title="UNHCR demographics by location",
    kind="consequence",
    family="unhcr_locations",
    required=("year", "origin_iso3", "asylum_iso3", "pop_type", "location", "total"),
    optional=(
        "origin_name",
        "asylum_name",
        "location_level_tag",
        "loc_type",
        "acc_type",
        "f_0_4",
        "f_5_11",
        "f_12_17",
        "f_18_59",
        "f_60",
        "f_other",
        "f_total",
        "m_0_4",
        "m_5_11",
        "m_12_17",
        "m_18_59",
        "m_60",
        "m_other",
        "m_total",
    ),
    select={
        "uid": f"'unhcr_loc:' || sw_int(year) || ':' || {_LOCATION_KEY}",
        "year": "sw_int(year)",
        "origin_iso3": "sw_text(origin_iso3)",
        "asylum_iso3": "sw_text(asylum_iso3)",
        "pop_type": "sw_text(pop_type)",
        "location": "sw_text(location)",
        "location_level": "sw_text(location_level_tag)",
        "loc_type": "sw_text(loc_type)",
        "acc_type": "sw_text(acc_type)",
        "female": "sw_int(f_total)",
        "male": "sw_int(m_total)",
        "total": "sw_int(total)",
    },
    checks=(
        _YEAR_CHECK,
        _iso3_check("asylum_iso3"),
        *count_checks(("f_total", "m_total", "total")),
    ),
    release_sql="max(year)",
    table="unhcr_location_versions",
    columns=LOCATION_COLUMNS,
)
