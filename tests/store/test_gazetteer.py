"""The gazetteer: the bundled country and capital tables, the named groups, source families."""

from __future__ import annotations

import json

import pytest

from sahelwatch import gazetteer, geo
from sahelwatch.errors import ConfigError, QueryError
from sahelwatch.store import Store


def test_country_codes_agree_with_the_store_table(store: Store) -> None:
    rows = store.con.execute("SELECT gw, iso3, iso_num, name FROM countries").fetchall()
    assert len(rows) == len(gazetteer.countries()) == 196
    assert {iso: gw for gw, iso, _, _ in rows if iso} == gazetteer.iso3_to_gw()
    assert {gw: name for gw, _, _, name in rows} == gazetteer.country_names()
    assert gazetteer.gw_to_iso3()[437] == "CIV"
    assert ",".join(gazetteer.iso3_codes(gazetteer.SAHEL)) == "MLI,BFA,NER,MRT,DZA,SEN,GIN,CIV"


def test_codes_resolve_in_order_and_unknown_ones_are_named() -> None:
    assert gazetteer.gw_codes(["ner", "432", "BFA"], "[checks] countries") == [436, 432, 439]
    assert gazetteer.iso_nums(["MLI", "bfa"], "[[sources]] acled") == [466, 854]
    with pytest.raises(ConfigError, match=r"\[checks\] countries: unknown country 'XXX'"):
        gazetteer.gw_codes(["MLI", "XXX"], "[checks] countries")
    with pytest.raises(ConfigError, match="unknown country '999'"):
        gazetteer.gw_codes(["999"], "x")


def test_capitals_are_the_bundled_natural_earth_places() -> None:
    table = gazetteer.capitals()
    bamako = table.set_index("name").loc["Bamako"]
    assert (bamako["iso3"], bamako["country_gw"]) == ("MLI", 432)
    assert bamako["latitude"] == pytest.approx(12.65, abs=0.01)
    assert set(table.loc[table["role"] == "capital", "country_gw"]) == set(gazetteer.SAHEL)
    table.loc[:, "name"] = "changed"  # a copy: the cached table is untouched
    assert "Bamako" in set(gazetteer.capitals()["name"])


def test_groups_are_what_the_bundled_data_hold() -> None:
    names = gazetteer.country_names()
    assert [names[gw] for gw in gazetteer.CENTRAL_SAHEL] == ["Mali", "Burkina Faso", "Niger"]
    with_admin2 = set(geo.load_admin(2)["country_gw"].dropna().astype(int))
    assert set(gazetteer.ADMIN2_COUNTRIES) == with_admin2
    assert set(gazetteer.CENTRAL_SAHEL) < set(gazetteer.SAHEL)


def test_event_families() -> None:
    assert gazetteer.EVENT_SOURCES == ("ucdp_ged", "ucdp_candidate", "acled")
    assert gazetteer.event_family("ucdp_candidate") == "ucdp"
    assert gazetteer.event_family("acled") == "acled"
    with pytest.raises(QueryError, match="unknown event source 'views_cm'"):
        gazetteer.event_family("views_cm")


def test_reference_is_plain_json() -> None:
    ref = gazetteer.reference()
    assert json.loads(json.dumps(ref)) == ref  # only JSON types
    niger = next(c for c in ref["countries"] if c["iso3"] == "NER")
    assert niger["capital"] == {"name": "Niamey", "latitude": 13.5167059519,
                                "longitude": 2.11665604514}  # fmt: skip
    assert ref["source_names"]["ucdp_candidate_cm"] == "UCDP Candidate"
    assert ref["groups"]["central_sahel"] == [432, 439, 436]
