"""Tests of sahelwatch.geo on real UCDP events and real gazetteer places."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from sahelwatch import geo
from sahelwatch.errors import QueryError

DATA = Path(__file__).parents[1] / "data"
MALI, BURKINA, NIGER, ALGERIA, IVORY_COAST, NIGERIA = 432, 439, 436, 615, 437, 475
BOUNDARY_GW = {MALI, BURKINA, NIGER}  # countries with admin-2 units


def _ucdp(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, low_memory=False).rename(columns={"country_id": "country_gw"})


@pytest.fixture(scope="module")
def candidate() -> pd.DataFrame:
    """All events of UCDP Candidate releases 26.0.1 and 26.0.2 (a column subset)."""
    return _ucdp("ucdp_candidate_26.0.1_26.0.2_places_actors.csv.gz")


@pytest.fixture(scope="module")
def ged_sample() -> pd.DataFrame:
    return _ucdp("ged_v23_1_random_sample_1000.csv.gz")


@pytest.fixture(scope="module")
def placed(candidate: pd.DataFrame, ged_sample: pd.DataFrame) -> pd.DataFrame:
    events = pd.concat([candidate, ged_sample[candidate.columns.drop("release")]])
    return geo.assign_places(events.reset_index(drop=True))


@pytest.fixture(scope="module")
def geonames() -> pd.DataFrame:
    """GeoNames populated places of Mali: the régions' capitals and places near unit edges."""
    places = pd.read_csv(DATA / "geonames_ML_places_capitals_and_border.csv")
    return places.assign(country_iso3="MLI", where_prec=1).set_index("name")


def _plain(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


def _event(events: pd.DataFrame, event_id: int) -> pd.DataFrame:
    return events[events["id"] == event_id].head(1)


# --- PRIO-GRID ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "rows"),
    [
        ("ucdp_candidate_26.0.1_26.0.2_places_actors.csv.gz", 3025),
        ("ged_v23_1_random_sample_1000.csv.gz", 1000),
    ],
)
def test_gid_equals_ucdp_priogrid_gid_for_every_real_event(file: str, rows: int) -> None:
    events = _ucdp(file).dropna(subset=["priogrid_gid"])
    assert len(events) == rows
    gid = geo.priogrid_gid(events["latitude"].to_numpy(), events["longitude"].to_numpy())
    assert (gid == events["priogrid_gid"].astype(np.int64).to_numpy()).all()


def test_gid_on_cell_edges_and_at_the_grid_corners() -> None:
    # Real events on cell edges (UCDP's values): Tapoa, BFA (12.0, 1.75) and Mali (14.666667, -4.0).
    assert geo.priogrid_gid(12.0, 1.75) == 147244
    assert geo.priogrid_gid(14.666667, -4.0) == 150833
    assert geo.priogrid_gid(-90.0, -180.0) == 1
    assert geo.priogrid_gid(90.0, 180.0) == geo.GRID_CELLS
    assert geo.priogrid_gid(89.99, 179.99) == geo.GRID_CELLS
    assert geo.priogrid_gid(0.0, 0.0) == 180 * 720 + 360 + 1
    assert isinstance(geo.priogrid_gid(12.0, 1.75), int)


@pytest.mark.parametrize(("lat", "lon"), [(np.nan, 0.0), (90.5, 0.0), (0.0, -180.01)])
def test_gid_rejects_coordinates_off_the_globe(lat: float, lon: float) -> None:
    with pytest.raises(QueryError, match="must be a number within"):
        geo.priogrid_gid(lat, lon)


def test_gid_centroid_is_the_cell_centre(candidate: pd.DataFrame) -> None:
    assert geo.gid_centroid(147244) == (12.25, 1.75)
    gids = candidate["priogrid_gid"].to_numpy()
    lat, lon = geo.gid_centroid(gids)
    assert (geo.priogrid_gid(lat, lon) == gids).all()
    assert np.abs(lat - candidate["latitude"].to_numpy()).max() <= 0.25
    with pytest.raises(QueryError, match=r"whole number within 1\.\.259200"):
        geo.gid_centroid(0)


def test_gid_neighbours_are_the_queen_cells_without_polar_wrap() -> None:
    inner = geo.gid_neighbours(147244)
    assert (inner["gid"] == 147244).all()
    assert set(inner["neighbour"]) == {147244 + d for d in (-721, -720, -719, -1, 1, 719, 720, 721)}
    assert set(geo.gid_neighbours(1)["neighbour"]) == {2, 720, 721, 722, 1440}  # wraps east-west
    assert len(geo.gid_neighbours(geo.GRID_CELLS)) == 5
    both = geo.gid_neighbours([147244, 1])
    assert both.groupby("gid").size().to_dict() == {1: 5, 147244: 8}


def test_gid_neighbours_are_symmetric() -> None:
    pairs = geo.gid_neighbours(np.arange(1, geo.GRID_CELLS + 1, 997))
    back = geo.gid_neighbours(pairs["neighbour"].to_numpy())
    forward = set(zip(pairs["gid"], pairs["neighbour"], strict=True))
    assert forward <= set(zip(back["neighbour"], back["gid"], strict=True))


# --- Administrative units -------------------------------------------------------------------


def test_load_admin_levels_have_the_documented_columns() -> None:
    admin0, admin1, admin2 = (geo.load_admin(level) for level in (0, 1, 2))
    assert len(admin0) == 24 and len(admin1) == 78 and len(admin2) == 165
    assert list(admin0.columns) == ["iso3", "country_gw", "country_name", "geometry"]
    assert list(admin2.columns) == [
        "iso3",
        "country_gw",
        "admin1_pcode",
        "admin1_name",
        "admin2_pcode",
        "admin2_name",
        "geometry",
    ]
    assert admin1.groupby("iso3").size().to_dict() == {
        "BFA": 13,
        "CIV": 33,
        "MLI": 10,
        "NER": 8,
        "SEN": 14,
    }
    assert admin0.set_index("iso3")["country_gw"].dropna().to_dict() == {
        "BFA": 439,
        "CIV": 437,
        "DZA": 615,
        "GIN": 438,
        "MLI": 432,
        "MRT": 435,
        "NER": 436,
        "SEN": 433,
    }
    assert admin2.crs.to_epsg() == 4326
    with pytest.raises(QueryError, match="admin level must be 0, 1 or 2"):
        geo.load_admin(3)


def test_burkina_provinces_get_their_region() -> None:
    admin2 = geo.load_admin(2)
    assert admin2["admin1_pcode"].notna().all()
    region = admin2[admin2["iso3"] == "BFA"].set_index("admin2_name")["admin1_name"]
    expected = {
        "Soum": "Sahel",
        "Seno": "Sahel",
        "Oudalan": "Sahel",
        "Yagha": "Sahel",
        "Kadiogo": "Centre",
        "Houet": "Hauts-Bassins",
        "Yatenga": "Nord",
        "Gourma": "Est",
        "Sanmatenga": "Centre-Nord",
        "Comoe": "Cascades",
    }
    assert region[list(expected)].to_dict() == expected
    assert region.value_counts().sum() == 45


def test_load_admin_returns_a_copy() -> None:
    units = geo.load_admin(1)
    units.loc[0, "admin1_name"] = "changed"
    assert geo.load_admin(1).loc[0, "admin1_name"] == "Kayes"


# --- Placing real events and places ----------------------------------------------------------


@pytest.mark.parametrize(
    ("event_id", "admin1", "admin2", "admin2_pcode"),
    [
        (613670, "Bamako", "Bamako", "ML0901"),  # "Bamako city", Mali
        (612322, "Mopti", "Mopti", "ML0506"),  # "Mopti town"
        (611982, "Menaka", "Ménaka", "ML1001"),  # "Menaka town"
        (612561, "Sahel", "Soum", "67063806B70466570504467"),  # "Djibo town", Burkina Faso
        (611778, "Niamey", "Ville de Niamey", "NE008001"),  # "Niamey city", Niger
    ],
)
def test_real_events_in_known_places(
    candidate: pd.DataFrame, event_id: int, admin1: str, admin2: str, admin2_pcode: str
) -> None:
    row = geo.assign_places(_event(candidate, event_id)).iloc[0]
    assert (row["admin1_name"], row["admin2_name"], row["admin2_pcode"]) == (
        admin1,
        admin2,
        admin2_pcode,
    )
    assert row["gid"] == row["priogrid_gid"]
    assert row["place_level"] == "point" and pd.isna(row["place_note"])


def test_mali_regional_capitals_in_their_region_and_cercle(geonames: pd.DataFrame) -> None:
    capitals = geonames[geonames["feature_code"].isin(["PPLA", "PPLC"])]
    placed = geo.assign_places(capitals)
    got = dict(
        zip(
            placed.index,
            zip(placed["admin1_name"], placed["admin2_name"], strict=True),
            strict=True,
        )
    )
    assert got == {
        "Timbuktu": ("Tombouctou", "Tombouctou"),
        "Taoudenni": ("Tombouctou", "Tombouctou"),
        "Sikasso": ("Sikasso", "Sikasso"),
        "Ségou": ("Ségou", "Ségou"),
        "Mopti": ("Mopti", "Mopti"),
        "Ménaka": ("Menaka", "Ménaka"),
        "Koulikoro": ("Koulikoro", "Koulikoro"),
        "Kidal": ("Kidal", "Kidal"),
        "Kayes": ("Kayes", "Kayes"),
        "Gao": ("Gao", "Gao"),
        "Bamako": ("Bamako", "Bamako"),
    }


def test_burkina_towns_in_their_natural_earth_province() -> None:
    towns = pd.read_csv(DATA / "ne_populated_places_sahel_westafrica.csv.gz")
    towns = towns[towns["adm0_a3"] == "BFA"].assign(country_iso3="BFA", where_prec=1)
    placed = geo.assign_places(towns)
    spelling = {"komoe": "comoe"}  # Natural Earth "Komoé", geoBoundaries "Comoe"
    expected = placed["adm1name"].map(_plain).replace(spelling)
    assert len(placed) == 32
    assert (placed["admin2_name"].map(_plain) == expected).all()


@pytest.mark.parametrize(("gw", "share"), [(MALI, 0.95), (NIGER, 0.95)])
def test_admin1_agrees_with_ucdp_adm_1(placed: pd.DataFrame, gw: int, share: float) -> None:
    """UCDP names the admin-1 of each event; ours must agree (Burkina Faso's 2025 reform aside)."""
    events = placed[(placed["country_gw"] == gw) & placed["admin1_name"].notna()]
    ucdp = events["adm_1"].dropna().str.replace(r"\s+region$", "", regex=True).map(_plain)
    ours = events.loc[ucdp.index, "admin1_name"].map(_plain)
    assert len(ucdp) >= 30
    assert (ucdp == ours).mean() >= share


# --- Precision rules -------------------------------------------------------------------------


def test_precision_rules_on_real_events(placed: pd.DataFrame) -> None:
    sahel = placed[placed["country_gw"].isin(BOUNDARY_GW)]
    has = sahel[["gid", "admin2_pcode", "admin1_pcode"]].notna()
    summary = has.groupby(sahel["where_prec"]).agg(["min", "max"])
    for prec, (cell, admin2, admin1) in {
        1: (True, True, True),
        2: (True, True, True),
        3: (False, True, True),
        4: (False, False, True),
        5: (False, False, True),
        6: (False, False, False),
    }.items():
        row = summary.loc[prec]
        assert row.xs("min", level=1).tolist() == row.xs("max", level=1).tolist()
        assert row.xs("min", level=1).tolist() == [cell, admin2, admin1], prec
    levels = sahel.groupby("where_prec")["place_level"].unique().map(list).to_dict()
    assert levels == {
        1: ["point"],
        2: ["point"],
        3: ["admin2"],
        4: ["admin1"],
        5: ["admin1"],
        6: ["country"],
    }
    assert (
        sahel.loc[sahel["where_prec"] == 4, "place_note"]
        == "where_prec 4: admin-1 known, no admin-2 unit or grid cell"
    ).all()


def test_precision_rules_everywhere(placed: pd.DataFrame) -> None:
    point = placed["where_prec"] <= 2
    assert (placed.loc[point, "gid"] == placed.loc[point, "priogrid_gid"]).all()
    assert placed.loc[~point, "gid"].isna().all()
    assert placed.loc[placed["where_prec"] >= 4, "admin2_pcode"].isna().all()
    assert placed.loc[placed["where_prec"] >= 6, "admin1_pcode"].isna().all()
    international = placed[placed["where_prec"] == 7]
    assert len(international) == 3 and (international["place_level"] == "none").all()
    assert set(placed["place_level"]) <= set(geo.PLACE_LEVELS)


def test_events_without_coordinates_or_precision_count_for_the_country(
    candidate: pd.DataFrame,
) -> None:
    bamako = _event(candidate, 613670)
    events = pd.concat(
        [
            bamako.assign(latitude=np.nan, longitude=np.nan),
            bamako.assign(where_prec=np.nan),
            bamako.assign(where_prec=9),
        ]
    )
    placed = geo.assign_places(events)
    assert placed["place_level"].tolist() == ["country"] * 3
    assert placed[["gid", "admin1_pcode", "admin2_pcode"]].isna().all().all()
    assert placed["place_note"].tolist() == [
        "no usable coordinates: country level only",
        "no valid where_prec: counted at country level only",
        "no valid where_prec: counted at country level only",
    ]


# --- Tolerance and country matching ----------------------------------------------------------


def test_places_just_outside_go_to_the_nearest_unit_within_tolerance(
    geonames: pd.DataFrame,
) -> None:
    """Real GeoNames places that fall just outside (or between) the simplified cercles."""
    placed = geo.assign_places(geonames.loc[["Kourémalé", "Zanfina", "Saïma", "Douamkara"]])
    assert placed["admin2_name"].tolist() == ["Kangaba", "Niono", "Koro", "Goundam"]
    assert placed["admin1_name"].tolist() == ["Koulikoro", "Ségou", "Mopti", "Tombouctou"]
    assert placed.loc["Kourémalé", "place_note"] == (
        "placed in the nearest admin-2 unit, 0.6 km away"
    )
    assert placed.loc["Zanfina", "place_note"].endswith("<0.1 km away")


def test_places_beyond_tolerance_stay_out_with_the_distance(geonames: pd.DataFrame) -> None:
    talako = geonames.loc[["Talako"]]  # GeoNames puts it in Mali, 13.2 km inside Burkina Faso
    out = geo.assign_places(talako).iloc[0]
    assert out[["admin1_pcode", "admin2_pcode"]].isna().all()
    assert out["place_level"] == "point" and out["gid"] == geo.priogrid_gid(13.03333, -3.45)
    assert out["place_note"] == "outside every admin-2 unit of MLI by 13.2 km"
    assert geo.assign_places(talako, tolerance_km=15).iloc[0]["admin2_name"] == "Bankass"


@pytest.mark.parametrize("azimuth", [0.0, 90.0, 180.0, 270.0])
def test_distances_are_geodesic_kilometres(azimuth: float) -> None:
    """5 km straight out from Mali's extreme vertex in each direction is 5.0 km outside."""
    mali = shapely.union_all(geo.load_admin(2).query("iso3 == 'MLI'").geometry.to_numpy())
    coords = shapely.get_coordinates(mali.exterior if mali.geom_type == "Polygon" else mali)
    pick = {
        0.0: coords[:, 1].argmax(),
        90.0: coords[:, 0].argmax(),
        180.0: coords[:, 1].argmin(),
        270.0: coords[:, 0].argmin(),
    }[azimuth]
    lon, lat, _ = Geod(ellps="WGS84").fwd(coords[pick, 0], coords[pick, 1], azimuth, 5000.0)
    event = pd.DataFrame(
        {"latitude": [lat], "longitude": [lon], "where_prec": [1], "country_gw": [MALI]}
    )
    assert geo.assign_places(event, tolerance_km=4.9).iloc[0]["place_note"] == (
        "outside every admin-2 unit of MLI by 5.0 km"
    )
    assert geo.assign_places(event, tolerance_km=5.1).iloc[0]["admin1_pcode"].startswith("ML")


def test_points_are_matched_only_to_units_of_their_own_country(candidate: pd.DataFrame) -> None:
    djibo = _event(candidate, 612561)  # Djibo, Burkina Faso, 43.8 km from Mali
    as_mali = djibo.assign(country_gw=MALI)
    assert geo.assign_places(as_mali).iloc[0]["place_note"] == (
        "outside every admin-2 unit of MLI by 43.8 km"
    )
    near = geo.assign_places(as_mali, tolerance_km=50).iloc[0]
    assert (near["admin1_name"], near["admin2_name"]) == ("Mopti", "Koro")


def test_country_given_as_iso3_only(candidate: pd.DataFrame) -> None:
    djibo = _event(candidate, 612561).drop(columns="country_gw").assign(country_iso3="BFA")
    assert geo.assign_places(djibo).iloc[0]["admin2_name"] == "Soum"


def test_countries_without_boundaries_still_get_their_cell(placed: pd.DataFrame) -> None:
    for gw, iso3 in ((NIGERIA, "GW 475"), (ALGERIA, "DZA")):
        points = placed[(placed["country_gw"] == gw) & (placed["where_prec"] <= 2)]
        assert len(points) >= 5
        assert (points["place_level"] == "point").all()
        assert (points["gid"] == points["priogrid_gid"]).all()
        assert points[["admin1_pcode", "admin2_pcode"]].isna().all().all()
        assert (points["place_note"] == f"no admin boundaries bundled for {iso3}").all()


def test_countries_with_admin1_only(placed: pd.DataFrame) -> None:
    ivory = placed[placed["country_gw"] == IVORY_COAST].set_index("adm_2")
    assert ivory["admin1_name"].to_dict() == {
        "Bouaké department": "Gbeke",
        "Bangolo department": "Guemon",
        "Duékoué department": "Guemon",
    }
    assert ivory["admin2_pcode"].isna().all()
    assert ivory["place_level"].tolist() == ["point", "admin1", "point"]
    assert ivory.loc["Bangolo department", "place_note"] == (
        "where_prec 3: admin-2 known, no grid cell; no admin-2 boundaries bundled for CIV"
    )


# --- Frame handling ----------------------------------------------------------------------------


def test_input_is_left_alone_and_index_kept(candidate: pd.DataFrame) -> None:
    events = candidate.head(50).set_index(pd.Index(range(100, 0, -2)))
    before = events.copy()
    once = geo.assign_places(events)
    pd.testing.assert_frame_equal(events, before)
    assert list(once.index) == list(events.index)
    assert list(once.columns[-len(geo.PLACE_COLUMNS) :]) == list(geo.PLACE_COLUMNS)
    pd.testing.assert_frame_equal(geo.assign_places(once), once)
    assert str(once["gid"].dtype) == "Int64"


def test_bad_arguments_are_refused(candidate: pd.DataFrame) -> None:
    with pytest.raises(QueryError, match="tolerance_km must be a number of at least 0"):
        geo.assign_places(candidate.head(1), tolerance_km=-1)
    with pytest.raises(QueryError, match=r"lack the column\(s\) needed to place them"):
        geo.assign_places(candidate.head(1).drop(columns="where_prec"))
    with pytest.raises(QueryError, match="country_gw or country_iso3"):
        geo.assign_places(candidate.head(1).drop(columns="country_gw"))


def test_jittered_events_are_placed_like_their_neighbours(candidate: pd.DataFrame) -> None:
    """Many events at distinct points (speed is measured by benchmarks/places.py)."""
    rng = np.random.default_rng(1)
    sahel = candidate[candidate["country_gw"].isin(BOUNDARY_GW)]
    events = sahel.sample(20_000, replace=True, random_state=1).reset_index(drop=True)
    events["latitude"] += rng.normal(0, 0.3, len(events))
    events["longitude"] += rng.normal(0, 0.3, len(events))
    placed = geo.assign_places(events)
    located = events["where_prec"].le(5)
    assert placed.loc[located, "admin1_pcode"].notna().mean() > 0.8
    assert placed.loc[~located, "admin1_pcode"].isna().all()


def test_bundled_countries_with_their_admin_levels() -> None:
    countries = geo.bundled_countries().set_index("iso3")
    assert len(countries) == 23 and countries.loc["MLI", "gw"] == 432
    assert sorted(countries.index[countries["admin1"]]) == ["BFA", "CIV", "MLI", "NER", "SEN"]
    assert sorted(countries.index[countries["admin2"]]) == ["BFA", "MLI", "NER"]
    assert countries["sahel"].sum() == 8 and not countries.loc["NGA", "sahel"]


def test_cell_polygons_are_the_cells_squares() -> None:
    niono = geo.priogrid_gid(14.2526, -5.993)  # UCDP's priogrid_gid of an event at Niono
    (square,) = geo.cell_polygons([niono])
    assert niono == 150109 and square.bounds == (-6.0, 14.0, -5.5, 14.5)
    assert len(geo.cell_polygons([])) == 0
