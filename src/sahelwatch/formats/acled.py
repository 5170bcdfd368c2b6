"""ACLED export formats: the current layout (2023 onward, with ``disorder_type`` and
``civilian_targeting``) and the earlier layout (with ``data_id`` and ``iso3``), and ACLED's
list of deleted events (``event_id_cnty``, ``deleted_timestamp``).

ACLED records one ``fatalities`` figure, read as best = low = high. ``geo_precision`` 1, 2, 3 maps
to UCDP's ``where_prec`` 1, 2, 4. The violence type follows ACLED's codebook (mapping and
sources in docs/acled.md):

* actor types (``inter1``/``inter2``) are read as codes (1 State forces, 2 Rebel groups,
  3 Political militias, 4 Identity militias, 5 Rioters, 6 Protesters, 7 Civilians,
  8 External/Other forces; 0 or empty = no actor) or as their labels, in any case, singular or
  plural, with any spacing;
* an actor is a *state* actor when its type is 1, or when its type is 8 and it is a state's
  military or police (``Military Forces of France (2017-)``), a UN force, or in the ``state`` or
  ``foreign`` family of the actor dictionary (the Wagner Group / Africa Corps, MINUSMA, Takuba,
  G5 Sahel, ECOWAS forces), all of which ACLED codes 8 where they fight outside their country;
* violence against civilians and explosions/remote violence are one-sided (``os``) when their
  target is civilians (``inter2`` = 7, or ``civilian_targeting`` set); otherwise these and
  battles are state-based (``sb``) with a state actor on either side, else non-state (``ns``);
  protests, riots and strategic developments are not organised violence (type left empty).

Fields that only identify or time-stamp a record (``data_id``, ``event_id_no_cnty``,
``timestamp``) are left out of its content hash: a change to them alone is not a revision.
"""

from __future__ import annotations

from sahelwatch.actors import load_dictionary
from sahelwatch.formats.base import Format, common_checks

EVENT_TYPES = (
    "Battles",
    "Violence against civilians",
    "Explosions/Remote violence",
    "Protests",
    "Riots",
    "Strategic developments",
)

# ACLED's actor types by code, each with the labels ACLED writes for it (lower case, spaces
# collapsed, '/' read as a space): singular in exports since 2023, plural in the codebook.
ACTOR_TYPES: dict[int, tuple[str, ...]] = {
    1: ("state forces", "state force"),
    2: ("rebel group", "rebel groups"),
    3: ("political militia", "political militias"),
    4: ("identity militia", "identity militias"),
    5: ("rioters", "rioter"),
    6: ("protesters", "protester"),
    7: ("civilians", "civilian"),
    8: ("external other forces", "external other force"),
}
STATE_FORCES, CIVILIANS, EXTERNAL_FORCES = 1, 7, 8


def actor_type_sql(column: str) -> str:
    """SQL of the ACLED actor type (0-8, NULL if unreadable) written in text ``column``."""
    label = f"trim(regexp_replace(lower({column}), '[\\s/]+', ' ', 'g'))"
    cases = " ".join(
        f"WHEN '{text}' THEN {code}" for code, labels in ACTOR_TYPES.items() for text in labels
    )
    return (
        f"CASE WHEN sw_int({column}) BETWEEN 0 AND 8 THEN sw_int({column}) "
        f"WHEN sw_text({column}) IS NULL THEN 0 ELSE CASE {label} {cases} END END"
    )


# External/other actors that are a state's forces whatever the country, or the UN's.
_ANY_STATE = "'(?i)^(Military|Police) Forces of |United Nations'"


def _state_side(inter: str, actor: str) -> str:
    known = load_dictionary().sql_condition(actor, ("state", "foreign"))
    foreign = f"({known} OR regexp_matches(trim({actor}), {_ANY_STATE}))"
    kind = actor_type_sql(inter)
    return f"({kind} = {STATE_FORCES} OR ({kind} = {EXTERNAL_FORCES} AND {foreign}))"


_STATE = f"({_state_side('inter1', 'actor1')} OR {_state_side('inter2', 'actor2')})"
_CIVILIAN_TARGET = f"{actor_type_sql('inter2')} = {CIVILIANS}"

_COUNTRY_GW = (
    "coalesce((SELECT gw FROM countries WHERE iso_num = sw_int(iso) LIMIT 1), "
    "(SELECT gw FROM countries WHERE list_contains(string_split(lower(aliases), ';'), "
    "lower(trim(country))) LIMIT 1))"
)

# Fields that only identify or time-stamp a record: not part of its content.
IDENTITY = ("data_id", "event_id_no_cnty", "timestamp")


# Further columns of ACLED exports (either layout) that belong to an event's content.
OPTIONAL = (
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
        "WHEN 'Violence against civilians' THEN CASE "
        f"WHEN {civilian_target} THEN 'os' WHEN {_STATE} THEN 'sb' ELSE 'ns' END "
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
        not_content=IDENTITY,
        release_sql="strftime(to_timestamp(max(sw_int(timestamp))), '%Y-%m-%d')",
        checks=(
            # HDX's ACLED files repeat the header as HXL hashtags (#event+code, ...) in row 2.
            ("starts_with(trim(event_id_cnty), '#')", "'HXL hashtag row (HDX metadata), no event'"),
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
            ),
        ),
    )


# Header columns both layouts have.
_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
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
)

CURRENT = _acled(
    "acled_current",
    "ACLED export (2023+ layout)",
    (*_COLUMNS, "disorder_type", "civilian_targeting"),
    f"(lower(trim(civilian_targeting)) = 'civilian targeting' OR {_CIVILIAN_TARGET})",
)

PRE2023 = _acled(
    "acled_pre2023", "ACLED export (pre-2023 layout)", ("data_id", *_COLUMNS), _CIVILIAN_TARGET
)

_DELETED_ON = (
    "CASE WHEN sw_num(deleted_timestamp) IS NOT NULL "
    "THEN to_timestamp(sw_int(deleted_timestamp))::DATE ELSE sw_date(deleted_timestamp) END"
)

DELETED = Format(
    name="acled_deleted",
    title="ACLED list of deleted events",
    kind="deletions",
    family="acled",
    required=("event_id_cnty", "deleted_timestamp"),
    select={
        "uid": "'acled:' || trim(event_id_cnty)",
        "source_id": "trim(event_id_cnty)",
        "deleted_on": _DELETED_ON,
    },
    columns={"uid": "VARCHAR", "source_id": "VARCHAR", "deleted_on": "DATE"},
    release_sql=f"strftime(max({_DELETED_ON}), '%Y-%m-%d')",
    checks=(
        ("sw_text(event_id_cnty) IS NULL", "'missing event id (event_id_cnty)'"),
        (
            f"{_DELETED_ON} IS NULL",
            "'unparseable deleted_timestamp ' || sw_quote(deleted_timestamp)",
        ),
    ),
)
