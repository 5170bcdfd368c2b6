"""Tests of sahelwatch.actors against the actor names of real UCDP files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sahelwatch.actors import FAMILIES, ActorDictionary, load_dictionary
from sahelwatch.errors import InputError, QueryError

DATA = Path(__file__).parents[1] / "data"
SAHEL_GW = {432, 439, 436, 435, 615, 433, 438, 437}

# Every side name of the Sahel events in the real files, with its family, assigned by hand.
UCDP_SAHEL_NAMES = {
    "JNIM": "jihadist",
    "IS": "jihadist",
    "AQIM": "jihadist",
    "Ansar Dine": "jihadist",
    "GIA": "jihadist",
    "AIS": "jihadist",
    "Government of Mali": "state",
    "Government of Burkina Faso": "state",
    "Government of Niger": "state",
    "Government of Algeria": "state",
    "Government of Ivory Coast": "state",
    "Government of Mali, Government of Russia (Soviet Union)": "state",
    "Dozos (Mali)": "progov_militia",
    "Dan na Ambassagou": "progov_militia",
    "GATIA, MSA": "progov_militia",
    "Koglweogo": "progov_militia",
    "FLA": "separatist",
    "Guéré": "communal_militia",
    "Dioula": "communal_militia",
    "Burkinabé": "communal_militia",
    "Civilians": "civilians",
    "XXX436": "other",
    "XXX615": "other",
    "MPLJ": "other",
    "MPCI": "other",
}

# ACLED spellings found in public analyses of ACLED Sahel data, with their family.
ACLED_NAMES = {
    "JNIM: Group for Support of Islam and Muslims": "jihadist",
    "Islamic State (Greater Sahara)": "jihadist",
    "Islamic State (West Africa) - Greater Sahara Faction": "jihadist",
    "Islamic State and/or JNIM": "jihadist",
    "Al Mourabitoune Battalion": "jihadist",
    "AQIM: Al Qaeda in the Islamic Maghreb": "jihadist",
    "Ansaroul Islam": "jihadist",
    "Katiba Macina": "jihadist",
    "MUJAO: Movement for Unity and Jihad in West Africa": "jihadist",
    "Military Forces of Mali (2013-2020)": "state",
    "Military Forces of Mali (2021-)": "state",
    "Police Forces of Mali (2013-2020)": "state",
    "Police Forces of Burkina Faso (2022-)": "state",
    "Military Forces of Burkina Faso (2015-)": "state",
    "Military Forces of Niger (2011-2021)": "state",
    "Military Forces of the Ivory Coast (2011-)": "state",
    "Police Forces of the Ivory Coast (1993-1999)": "state",
    "Military Forces of France (2017-)": "foreign",
    "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)": (
        "foreign"
    ),
    "Wagner Group": "foreign",
    "Dozo Communal Militia (Mali)": "progov_militia",
    "Dozo Militia": "progov_militia",
    "GATIA: Imghad Tuareg and Allies Self-Defense Group": "progov_militia",
    "Fulani Ethnic Militia (Mali)": "communal_militia",
    "Dogon Ethnic Militia (Mali)": "communal_militia",
    "Arab Ethnic Militia (Mali)": "communal_militia",
    "Tuareg Ethnic Militia (Mali)": "communal_militia",
    "Unidentified Communal Militia (Mali)": "communal_militia",
    "Civilians (Mali)": "civilians",
    "Civilians (Burkina Faso)": "civilians",
    "Unidentified Armed Group (Mali)": "other",
    "Mutiny of Military Forces of Mali (2002-2012)": "other",
    "Rioters (Burkina Faso)": "other",
}


@pytest.fixture(scope="module")
def dictionary() -> ActorDictionary:
    return load_dictionary()


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    files = [
        "ucdp_candidate_26.0.1_26.0.2_places_actors.csv.gz",
        "ged_v23_1_random_sample_1000.csv.gz",
    ]
    return pd.concat(pd.read_csv(DATA / f, low_memory=False) for f in files)


@pytest.fixture(scope="module")
def sahel(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["country_id"].isin(SAHEL_GW)]


def test_bundled_dictionary_metadata(dictionary: ActorDictionary) -> None:
    assert dictionary.version == "1.1.0"
    assert isinstance(dictionary.updated, date)
    assert {a.family for a in dictionary.actors} == set(FAMILIES)


def test_every_real_ucdp_sahel_name_maps_to_its_family(
    dictionary: ActorDictionary, sahel: pd.DataFrame
) -> None:
    names = set(sahel["side_a"]) | set(sahel["side_b"])
    assert names == set(UCDP_SAHEL_NAMES)
    assert {n: dictionary.family(n) for n in names} == UCDP_SAHEL_NAMES
    assert dictionary.unknown_actors(sahel).empty


@pytest.mark.parametrize(
    ("name", "canonical", "family"),
    [
        ("JNIM", "JNIM (Jama'at Nusrat al-Islam wal-Muslimin)", "jihadist"),
        ("Government of Mali", "Government of Mali", "state"),
        ("IS", "Islamic State", "jihadist"),
        ("IS Sahel", "Islamic State Sahel Province (ISGS / IS Sahel)", "jihadist"),
        ("Government of Russia (Soviet Union)", "Russia (Wagner Group / Africa Corps)", "foreign"),
        ("Wagner Group", "Russia (Wagner Group / Africa Corps)", "foreign"),
        ("Civilians", "Civilians", "civilians"),
        ("FLA", "FLA (Azawad Liberation Front)", "separatist"),
        ("VDP", "VDP (Volunteers for the Defense of the Homeland)", "progov_militia"),
        ("JAS", "Boko Haram (JAS)", "jihadist"),
    ],
)
def test_hand_checked_names(
    dictionary: ActorDictionary, name: str, canonical: str, family: str
) -> None:
    assert (dictionary.canonical(name), dictionary.family(name)) == (canonical, family)


@pytest.mark.parametrize(("name", "family"), ACLED_NAMES.items())
def test_acled_spellings(dictionary: ActorDictionary, name: str, family: str) -> None:
    assert dictionary.family(name) == family


@pytest.mark.parametrize(
    ("name", "canonical", "family"),
    [
        ("Islamist Militia (Mali)", "Unidentified Islamist militia", "jihadist"),
        ("Katiba Serma", "Katiba Serma", "jihadist"),
        ("Katiba Gourma", "Katiba Gourma", "jihadist"),
        ("MAA: Arab Movement of the Azawad", "MAA (Arab Movement of Azawad)", "separatist"),
        (
            "MAA: Arab Movement of the Azawad (Platform)",
            "MAA-Platform (Arab Movement of Azawad, pro-government wing)",
            "progov_militia",
        ),
        (
            "ATNMC: North Mali Tuareg Alliance for Change",
            "ATNMC (North Mali Tuareg Alliance for Change)",
            "separatist",
        ),
        ("Islamic State (Sahel)", "Islamic State Sahel Province (ISGS / IS Sahel)", "jihadist"),
        ("Islamic State (West Africa)", "Islamic State West Africa Province (ISWAP)", "jihadist"),
        (
            "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad",
            "Boko Haram (JAS)",
            "jihadist",
        ),
        # ACLED's "A and/or B": ISWAP / Boko Haram attributions are named as such
        (
            "Islamic State (West Africa) and/or Boko Haram - Jamaatu Ahli is-Sunnah "
            "lid-Dawati wal-Jihad",
            "ISWAP and/or Boko Haram (unattributed)",
            "jihadist",
        ),
        (
            "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad and/or Islamic State "
            "(West Africa)",
            "ISWAP and/or Boko Haram (unattributed)",
            "jihadist",
        ),
        (
            "JNIM: Group for Support of Islam and Muslims and/or Islamic State (Sahel)",
            "JNIM and/or Islamic State (unattributed)",
            "jihadist",
        ),
        (
            "Ansaroul Islam and/or JNIM: Group for Support of Islam and Muslims",
            "Jihadist groups (unattributed)",
            "jihadist",
        ),
        ("Dozo Communal Militia (Burkina Faso)", "Dozo militias", "progov_militia"),
        ("Africa Corps", "Russia (Wagner Group / Africa Corps)", "foreign"),
        ("Private Security Forces (Niger)", "Private security forces", "other"),
    ],
)
def test_acled_names_of_mali_burkina_and_niger(
    dictionary: ActorDictionary, name: str, canonical: str, family: str
) -> None:
    assert (dictionary.canonical(name), dictionary.family(name)) == (canonical, family)


def test_sql_condition_agrees_with_the_dictionary(dictionary: ActorDictionary) -> None:
    names = [
        *UCDP_SAHEL_NAMES,
        *ACLED_NAMES,
        "  wagner   GROUP ",
        "Military Forces of Chad (2021-)",
    ]
    condition = dictionary.sql_condition("name", ("state", "foreign"))
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT name, {condition} FROM (SELECT unnest(?::VARCHAR[]) AS name)", [names]
        ).fetchall()
    assert dict(rows) == {n: dictionary.family(n) in ("state", "foreign") for n in names}
    assert sum(hit for _, hit in rows) == 19  # not trivially all false


def test_acled_suffixes_reach_the_same_canonical_actor(dictionary: ActorDictionary) -> None:
    assert dictionary.canonical("Military Forces of Mali (2021-)") == "Government of Mali"
    assert dictionary.canonical("Civilians (Mali)") == "Civilians"
    assert dictionary.canonical("Dozo Communal Militia (Mali)") == dictionary.canonical(
        "Dozos (Mali)"
    )


@pytest.mark.parametrize(
    "name",
    [
        "Ansaar ul-Islam",  # a Pakistani group (UCDP), not Burkina Faso's Ansaroul Islam
        "Military Forces of Guinea-Bissau (2014-)",  # not Guinea
        "Government of Ukraine",
        "",
    ],
)
def test_names_outside_the_dictionary_are_unknown(dictionary: ActorDictionary, name: str) -> None:
    assert dictionary.family(name) is None and dictionary.canonical(name) is None


def test_exact_names_ignore_case_and_spacing(dictionary: ActorDictionary) -> None:
    assert dictionary.family("  jnim ") == "jihadist"
    assert dictionary.family("government of   MALI") == "state"


def test_classify_keeps_the_index_and_leaves_unknowns_null(dictionary: ActorDictionary) -> None:
    names = pd.Series(["JNIM", None, "Hamas", "Civilians (Niger)", "IS"], index=[5, 4, 3, 2, 1])
    out = dictionary.classify(names)
    assert list(out.index) == [5, 4, 3, 2, 1]
    assert out["family"].tolist()[0] == "jihadist"
    assert out["family"].isna().tolist() == [False, True, True, False, False]
    assert out.loc[2, "canonical"] == "Civilians"


def test_classify_real_sides(dictionary: ActorDictionary, sahel: pd.DataFrame) -> None:
    for side in ("side_a", "side_b"):
        out = dictionary.classify(sahel[side])
        assert out.index.equals(sahel.index)
        assert out["family"].tolist() == sahel[side].map(UCDP_SAHEL_NAMES).tolist()
    jihadist_b = dictionary.classify(sahel["side_b"])["family"].value_counts()["jihadist"]
    assert jihadist_b == 222  # JNIM 184, IS 24, AQIM 10, AIS 2, GIA 1, Ansar Dine 1


def test_unknown_actors_on_the_global_files(
    dictionary: ActorDictionary, events: pd.DataFrame
) -> None:
    unknown = dictionary.unknown_actors(events)
    assert list(unknown.columns) == ["name", "events"]
    top = unknown.iloc[0]
    in_event = (events["side_a"] == top["name"]) | (events["side_b"] == top["name"])
    assert top["name"] == "Government of Ukraine" and top["events"] == in_event.sum()
    assert unknown["events"].is_monotonic_decreasing
    assert not unknown["name"].isin(list(UCDP_SAHEL_NAMES)).any()
    assert "Ansaar ul-Islam" in set(unknown["name"])


def test_unknown_actors_counts_events_not_sides(dictionary: ActorDictionary) -> None:
    events = pd.DataFrame(
        {"side_a": ["Hamas", "Hamas", "JNIM", None], "side_b": ["Hamas", "Fano", "Civilians", " "]}
    )
    unknown = dictionary.unknown_actors(events)
    assert unknown.to_dict("records") == [
        {"name": "Hamas", "events": 2},
        {"name": "Fano", "events": 1},
    ]
    with pytest.raises(QueryError, match="actor column"):
        dictionary.unknown_actors(events.drop(columns="side_b"))


# --- Malformed dictionaries ---------------------------------------------------------------------

HEADER = 'version = "0.1"\nupdated = 2026-01-01\n[families]\n' + "".join(
    f'{family} = "x"\n' for family in FAMILIES
)
GOOD = '[[actor]]\ncanonical = "JNIM"\nfamily = "jihadist"\nnames = ["JNIM"]\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actors.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_valid_dictionary_loads(tmp_path: Path) -> None:
    dictionary = load_dictionary(_write(tmp_path, HEADER + GOOD))
    assert dictionary.family("jnim") == "jihadist" and dictionary.family("IS") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'canonical = "IS"\nfamily = "jihadi"\nnames = ["IS"]',
            r"entry 2 \(IS\): 'family' must be one of \['jihadist'",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"\npatterns = ["(IS"]',
            r"entry 2 \(IS\): pattern '\(IS' is not a valid regex",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"\npatterns = ["^IS\\b"]',
            r"entry 2 \(IS\): a name or pattern holds a control character",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"\nnmes = ["IS"]',
            r"entry 2 \(IS\): unknown key\(s\) \['nmes'\]",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"',
            r"entry 2 \(IS\): it needs at least one name or pattern",
        ),
        (
            'family = "jihadist"\nnames = ["IS"]',
            r"entry 2 \(no canonical name\): 'canonical' must be a non-empty string",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"\ncountry = "Mali"\nnames = ["IS"]',
            r"entry 2 \(IS\): 'country' must be an ISO3 code",
        ),
        (
            'canonical = "IS"\nfamily = "jihadist"\nnames = "IS"',
            r"entry 2 \(IS\): 'names' and 'patterns' must be lists",
        ),
        (
            'canonical = "Other JNIM"\nfamily = "jihadist"\nnames = [" jnim"]',
            r"the name ' jnim' is listed under both 'JNIM' and 'Other JNIM'",
        ),
    ],
)
def test_malformed_entries_are_named_in_the_error(tmp_path: Path, entry: str, message: str) -> None:
    path = _write(tmp_path, HEADER + GOOD + "[[actor]]\n" + entry + "\n")
    with pytest.raises(InputError, match=message):
        load_dictionary(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = ", "is not valid TOML"),
        (HEADER.replace('version = "0.1"\n', "") + GOOD, "needs a non-empty string 'version'"),
        (
            HEADER.replace("updated = 2026-01-01\n", 'updated = "soon"\n') + GOOD,
            "needs an 'updated' date",
        ),
        (HEADER.replace('other = "x"\n', "") + GOOD, "must describe exactly the families"),
        (HEADER, r"has no \[\[actor\]\] entries"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_dictionary(_write(tmp_path, text))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_dictionary(tmp_path / "nowhere.toml")
