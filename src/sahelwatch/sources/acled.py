"""ACLED export formats: the current layout (2023 onward, with ``disorder_type`` and
``civilian_targeting``) and the earlier layout (with ``data_id`` and ``iso3``).

ACLED records one ``fatalities`` figure, read as best = low = high. Its event types map onto UCDP's
violence types (see docs/methodology.md): battles involving state forces are state-based, other
battles non-state, violence against civilians one-sided; explosions/remote violence follow their
target; protests, riots and strategic developments are not organised violence (type left empty).
Actor types come as numbers (1 state forces ... 8 external/other) in old exports and as words in
new ones; both are read. ``geo_precision`` 1, 2, 3 maps to UCDP's ``where_prec`` 1, 2, 4.
"""

from __future__ import annotations

from sahelwatch.sources.base import Format, common_checks

EVENT_TYPES = (
    "Battles",
    "Violence against civilians",
    "Explosions/Remote violence",
    "Protests",
    "Riots",
    "Strategic developments",
)

_STATE = "(trim(inter1) IN ('1', 'State forces') OR trim(inter2) IN ('1', 'State forces'))"
_CIVILIAN_TARGET = "trim(inter2) IN ('7', 'Civilians')"

_COUNTRY_GW = (
    "coalesce((SELECT gw FROM countries WHERE iso_num = sw_int(iso) LIMIT 1), "
    "(SELECT gw FROM countries WHERE list_contains(string_split(lower(aliases), ';'), "
    "lower(trim(country))) LIMIT 1))"
)


# Further columns of ACLED exports (either layout) that belong to an event's content.
OPTIONAL = (
    "data_id",
    "event_id_no_cnty",
    "year",
    "time_precision",
    "disorder_type",
    "assoc_actor_1",
    "assoc_actor_2",
    "interaction",
    "civilian_targeting",
    "region",
    "admin3",
    "source_scale",
    "tags",
    "iso3",
)


def _acled(name: str, title: str, required: tuple[str, ...], civilian_target: str) -> Format:
    violence = (
        "CASE trim(event_type) "
        f"WHEN 'Battles' THEN CASE WHEN {_STATE} THEN 'sb' ELSE 'ns' END "
        "WHEN 'Violence against civilians' THEN 'os' "
        f"WHEN 'Explosions/Remote violence' THEN CASE WHEN {civilian_target} THEN 'os' "
        f"WHEN {_STATE} THEN 'sb' ELSE 'ns' END END"
    )
    return Format(
        name=name,
        title=title,
        kind="event",
        family="acled",
        required=required,
        select={
            "uid": "'acled:' || trim(event_id_cnty)",
            "source_id": "trim(event_id_cnty)",
            "date_start": "sw_date(event_date)",
            "date_end": "sw_date(event_date)",
            "date_prec": "sw_int(time_precision)",
            "latitude": "sw_num(latitude)",
            "longitude": "sw_num(longitude)",
            "where_prec": (
                "CASE sw_int(geo_precision) WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 4 END"
            ),
            "country_gw": _COUNTRY_GW,
            "country_name": "sw_text(country)",
            "adm_1": "sw_text(admin1)",
            "adm_2": "sw_text(admin2)",
            "location": "sw_text(location)",
            "side_a": "sw_text(actor1)",
            "side_b": "sw_text(actor2)",
            "violence_type": violence,
            "event_type": "sw_text(event_type)",
            "sub_event_type": "sw_text(sub_event_type)",
            "best": "sw_int(fatalities)",
            "low": "sw_int(fatalities)",
            "high": "sw_int(fatalities)",
            "source_headline": "sw_text(source)",
            "source_text": "sw_text(notes)",
            "n_sources": "len(string_split(source, ';'))",
        },
        optional=OPTIONAL,
        release_sql="strftime(to_timestamp(max(sw_int(timestamp))), '%Y-%m-%d')",
        checks=(
            ("sw_text(event_id_cnty) IS NULL", "'missing event id (event_id_cnty)'"),
            (
                "coalesce(trim(event_type), '') NOT IN ("
                + ", ".join(f"'{t}'" for t in EVENT_TYPES)
                + ")",
                "'unknown event type ' || sw_quote(event_type)",
            ),
            (
                f"{_COUNTRY_GW} IS NULL",
                "'unknown country ' || sw_quote(country) || ' (iso ' || coalesce(iso, '') || ')'",
            ),
            (
                "sw_text(latitude) IS NULL OR sw_text(longitude) IS NULL",
                "'missing coordinates'",
            ),
            (
                "sw_bad_num(timestamp)",
                "'unparseable timestamp ' || sw_quote(timestamp)",
            ),
            *common_checks(
                date_start="event_date",
                date_end=None,
                lat="latitude",
                lon="longitude",
                best="fatalities",
                low=None,
                high=None,
            ),
        ),
    )


CURRENT = _acled(
    "acled_current",
    "ACLED export (2023+ layout)",
    (
        "event_id_cnty",
        "event_date",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "inter1",
        "actor2",
        "inter2",
        "civilian_targeting",
        "iso",
        "country",
        "admin1",
        "admin2",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "notes",
        "fatalities",
        "timestamp",
    ),
    f"(trim(civilian_targeting) = 'Civilian targeting' OR {_CIVILIAN_TARGET})",
)

PRE2023 = _acled(
    "acled_pre2023",
    "ACLED export (pre-2023 layout)",
    (
        "data_id",
        "iso",
        "event_id_cnty",
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "inter1",
        "actor2",
        "inter2",
        "country",
        "admin1",
        "admin2",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "notes",
        "fatalities",
        "timestamp",
    ),
    _CIVILIAN_TARGET,
)
