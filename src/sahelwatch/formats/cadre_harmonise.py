"""Cadre Harmonisé (CH) food-insecurity analyses: one table per analysed area as published, and
the same summed to admin-2 units (Mali cercles, Burkina Faso provinces, Niger départements).

A row is one unit, one analysis cycle (``exercise``, ``YYYY-MM``: March or November) and one
period: ``current`` (the situation at the analysis) or ``projected`` (the lean season ahead).
The two are different quantities and are kept apart by the uid. A unit without a row in a cycle
was not analysed: no data, never zero; a row without phase figures is likewise no data.
"""

from __future__ import annotations

from sahelwatch.formats.base import Format, count_checks, country_check

_PHASES = ("phase1", "phase2", "phase3", "phase4", "phase5", "phase35")
COUNTS = ("population", *_PHASES)
"""The count columns of a CH row, in the bundled file's order."""
# Optional columns both CH files have: the cycle's labels, the period, counts but phase 3+.
_OPTIONAL = (
    "exercise_label",
    "exercise_year",
    "reference_label",
    "reference_year",
    "period_from",
    "period_to",
    *COUNTS[:-1],
    "phase_class",
)

# Columns both CH tables share.
_UNIT_COLUMNS: dict[str, str] = {
    "uid": "VARCHAR",
    "country_iso3": "VARCHAR",
    "adm1_pcode": "VARCHAR",
    "adm1_name": "VARCHAR",
    "adm2_pcode": "VARCHAR",
    "adm2_name": "VARCHAR",
    "cycle": "VARCHAR",
    "period_type": "VARCHAR",
    "reference_label": "VARCHAR",
    "period_from": "DATE",
    "period_to": "DATE",
    "use_period": "BOOLEAN",
    **{col: "BIGINT" for col in COUNTS},
    "phase_class": "SMALLINT",
}

ADMIN2_COLUMNS: dict[str, str] = {
    **_UNIT_COLUMNS,
    "phase_class_max": "SMALLINT",
    "n_areas": "INTEGER",
    "names_in_source": "VARCHAR",
}

AREA_COLUMNS: dict[str, str] = {
    **_UNIT_COLUMNS,
    "sub_area_name": "VARCHAR",
    "sub_area_pcode": "VARCHAR",
    "area_level": "VARCHAR",
    "notes": "VARCHAR",
    "duplicate_key": "BOOLEAN",
}


def _common_select() -> dict[str, str]:
    return {
        "country_iso3": "sw_text(country_iso3)",
        "adm1_pcode": "sw_text(adm1_pcode)",
        "adm1_name": "sw_text(adm1_name)",
        "adm2_pcode": "sw_text(adm2_pcode)",
        "adm2_name": "sw_text(adm2_name)",
        "cycle": "sw_text(exercise)",
        "period_type": "lower(sw_text(period_type))",
        "reference_label": "sw_text(reference_label)",
        "period_from": "sw_date(period_from)",
        "period_to": "sw_date(period_to)",
        "use_period": "upper(sw_text(usethisperiod)) = 'Y'",
        **{col: f"sw_int({col})" for col in COUNTS},
        "phase_class": "sw_int(phase_class)",
    }


def _checks(*classes: str) -> tuple[tuple[str, str], ...]:
    checks = [
        country_check("country_iso3"),
        (
            "NOT regexp_full_match(coalesce(trim(exercise), ''), '\\d{4}-(0[1-9]|1[0-2])')",
            "'unparseable cycle ' || sw_quote(exercise)",
        ),
        (
            "lower(coalesce(trim(period_type), '')) NOT IN ('current', 'projected')",
            "'period type is neither current nor projected: ' || sw_quote(period_type)",
        ),
        (
            "coalesce(sw_text(adm2_pcode), sw_text(adm1_pcode)) IS NULL",
            "'no admin-2 or admin-1 P-code'",
        ),
        *count_checks(COUNTS),
    ]
    for col in classes:
        checks += [
            (f"sw_bad_num({col})", f"'unparseable {col} ' || sw_quote({col})"),
            (f"sw_int({col}) NOT BETWEEN 1 AND 5", f"'{col} is not a phase 1-5: ' || {col}"),
        ]
    return tuple(checks)


def _key(*parts: str) -> str:
    return " || ':' || ".join(parts)


_UNIT = "coalesce(sw_text(adm2_pcode), sw_text(adm1_pcode))"
_CYCLE = "sw_text(exercise) || ':' || lower(sw_text(period_type))"
_AREA = _key(
    "sw_text(country_iso3)",
    f"coalesce(sw_text(sub_area_pcode), {_UNIT})",
    "coalesce(sw_text(sub_area_name), '')",
    _CYCLE,
)

CH_ADMIN2 = Format(
    name="cadre_harmonise_admin2",
    title="Cadre Harmonisé by admin-2 unit",
    kind="consequence",
    family="cadre_harmonise",
    required=("country_iso3", "adm2_pcode", "exercise", "period_type", "phase35", "n_areas"),
    optional=(
        "adm1_name",
        "adm2_name",
        "adm1_pcode",
        *_OPTIONAL,
        "phase_class_max_of_areas",
        "adm2_names_in_source",
        "usethisperiod",
    ),
    select={
        "uid": "'ch:' || " + _key("sw_text(country_iso3)", _UNIT, _CYCLE),
        **_common_select(),
        "phase_class_max": "sw_int(phase_class_max_of_areas)",
        "n_areas": "sw_int(n_areas)",
        "names_in_source": "sw_text(adm2_names_in_source)",
    },
    checks=_checks("phase_class", "phase_class_max_of_areas"),
    release_sql="max(exercise)",
    table="ch_unit_versions",
    columns=ADMIN2_COLUMNS,
)

CH_AREAS = Format(
    name="cadre_harmonise_areas",
    title="Cadre Harmonisé by analysed area",
    kind="consequence",
    family="cadre_harmonise_areas",
    required=("country_iso3", "sub_area_name", "area_level", "exercise", "period_type", "phase35"),
    optional=(
        "adm0_name",
        "adm1_name",
        "adm1_pcode",
        "adm2_name",
        "adm2_pcode",
        "sub_area_pcode",
        *_OPTIONAL,
        "usethisperiod",
        "notes",
        "duplicate_unit_key",
    ),
    select={
        # The consolidation repeats a few area keys (flagged duplicate_unit_key); each repeat
        # is a separate published area, numbered in file order so that none is lost.
        "uid": f"'ch_area:' || {_AREA} || CASE WHEN count(*) OVER (PARTITION BY {_AREA}) > 1 "
        f"THEN '#' || row_number() OVER (PARTITION BY {_AREA} ORDER BY s.rowid) ELSE '' END",
        **_common_select(),
        "sub_area_name": "sw_text(sub_area_name)",
        "sub_area_pcode": "sw_text(sub_area_pcode)",
        "area_level": "sw_text(area_level)",
        "notes": "sw_text(notes)",
        "duplicate_key": "lower(sw_text(duplicate_unit_key)) = 'true'",
    },
    checks=_checks("phase_class"),
    release_sql="max(exercise)",
    table="ch_area_versions",
    columns=AREA_COLUMNS,
)
