"""IDPs per admin unit and reporting round, as IOM's Displacement Tracking Matrix (DTM)
publishes them (directly, or through HDX HAPI's ``affected-people/idps``).

One row is one unit (admin-1 or admin-2), one operation and one reporting date: a stock of
internally displaced people counted in that round. A unit without a row in a round was not
assessed: no data, never zero. The connectors (:mod:`sahelwatch.connectors.relief`) write this
layout; there is no bundled file of it.
"""

from __future__ import annotations

from sahelwatch.formats.base import Format, count_checks, country_check

DTM_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "country_iso3": "VARCHAR",
    "admin1_pcode": "VARCHAR",
    "admin1_name": "VARCHAR",
    "admin2_pcode": "VARCHAR",
    "admin2_name": "VARCHAR",
    "operation": "VARCHAR",
    "round": "INTEGER",
    "reporting_date": "DATE",
    "idps": "BIGINT",
    "provider": "VARCHAR",
}

_UNIT = "coalesce(sw_text(admin2_pcode), sw_text(admin1_pcode), sw_text(admin1_name))"

DTM_IDPS = Format(
    name="dtm_idps",
    title="IOM DTM IDPs per admin unit and round",
    kind="consequence",
    family="iom_dtm",
    required=("country_iso3", "admin1_name", "operation", "reporting_date", "idps"),
    optional=(
        "admin1_pcode",
        "admin2_pcode",
        "admin2_name",
        "round",
        "provider",
    ),
    select={
        "uid": "'dtm:' || trim(country_iso3) || ':' || " + _UNIT + " || ':' || "
        "coalesce(sw_text(operation), '') || ':' || sw_date(reporting_date)",
        "country_iso3": "sw_text(country_iso3)",
        "admin1_pcode": "sw_text(admin1_pcode)",
        "admin1_name": "sw_text(admin1_name)",
        "admin2_pcode": "sw_text(admin2_pcode)",
        "admin2_name": "sw_text(admin2_name)",
        "operation": "sw_text(operation)",
        "round": "sw_int(round)",
        "reporting_date": "sw_date(reporting_date)",
        "idps": "sw_int(idps)",
        "provider": "sw_text(provider)",
    },
    checks=(
        country_check("country_iso3"),
        (
            "sw_date(reporting_date) IS NULL",
            "'unparseable reporting date ' || sw_quote(reporting_date)",
        ),
        (f"{_UNIT} IS NULL", "'no admin unit'"),
        *count_checks(("idps", "round")),
    ),
    release_sql="max(reporting_date)",
    table="dtm_idp_versions",
    columns=DTM_COLUMNS,
)
