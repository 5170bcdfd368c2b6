"""Tests of sahelwatch.indicators: hand-checked cases on a tiny GED store, the real bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_panels import BURKINA, MALI, NIGER, SAHEL, build_tiny_store

from sahelwatch import indicators as ind
from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.store import Store

JAN, FEB, DEC = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01"), pd.Timestamp("2025-12-01")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = build_tiny_store(tmp_path_factory.mktemp("tiny_ind"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def country(tiny: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = panels.build_panel(tiny, "country", countries=["MLI", "BFA", "NER"])
    events = panels.placed_events(tiny, "country", countries=["MLI", "BFA", "NER"])
    return panel, events


@pytest.fixture(scope="module")
def admin2(tiny: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = panels.build_panel(tiny, "admin2", countries=["MLI"])
    events = panels.placed_events(tiny, "admin2", countries=["MLI"])
    return panel, events


def _at(frame: pd.DataFrame, unit: object, month: pd.Timestamp) -> pd.Series:
    rows = frame[(frame["unit_id"] == unit) & (frame["month"] == month)]
    assert len(rows) == 1
    return rows.iloc[0]


def _unit_of(events: pd.DataFrame, uid: str) -> object:
    return events.loc[events["uid"] == uid, "unit_id"].item()


# --- hand-checked on the tiny store -----------------------------------------------------------


def test_deadliness_and_danger_to_civilians(country: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    panel, _ = country
    dead = _at(ind.deadliness(panel), MALI, JAN)
    assert (dead["deadliness"], dead["fatalities_per_event"]) == (21, 21 / 4)
    assert np.isnan(_at(ind.deadliness(panel), MALI, FEB)["deadliness"])
    danger = _at(ind.danger_to_civilians(panel), MALI, JAN)
    assert (danger["danger_events"], danger["danger_best"], danger["civilian_deaths"]) == (1, 7, 7)
    assert _at(ind.danger_to_civilians(panel), MALI, DEC)["danger_events"] == 0


def test_initiator_rules(country: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, events = country
    who = ind.initiator(events).set_index(events["uid"])
    assert who.loc["ucdp:1", "initiator"] == "side_b"  # only the army lost men: JNIM attacked
    assert who.loc["ucdp:1", "initiator_rule"] == "losses on one side"
    assert who.loc["ucdp:2", ["initiator", "initiator_rule"]].tolist() == [
        "side_a", "one-sided: perpetrator",
    ]  # fmt: skip
    assert who.loc["ucdp:3", ["initiator", "initiator_camp"]].tolist() == ["side_a", "state"]
    assert who.loc["ucdp:4", "initiator"] is None  # both sides lost men
    assert who.loc["ucdp:9", ["initiator_camp", "target_camp"]].tolist() == ["armed_group", "state"]
    plain = ind.initiator(events, heuristic=False).set_index(events["uid"])
    assert plain["initiator"].notna().sum() == 1 and plain.loc["ucdp:2", "initiator"] == "side_a"


def test_attacks_on_forces(country: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    panel, events = country
    attacks = ind.attacks_on_forces(events, panel)
    jan = _at(attacks, MALI, JAN)
    assert jan[["clashes_with_state", "attacks_on_state", "attacks_on_foreign"]].tolist() == [
        3,
        2,
        1,
    ]
    assert jan[["state_initiated", "armed_initiated", "initiator_unknown"]].tolist() == [1, 3, 0]
    assert jan["state_side_deaths"] == 5 + 6
    assert _at(attacks, MALI, DEC)["initiator_unknown"] == 1
    assert _at(attacks, NIGER, pd.Timestamp("2026-03-01"))["state_initiated"] == 1
    assert np.isnan(_at(attacks, MALI, FEB)["attacks_on_state"])


def test_fragmentation(country: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    panel, events = country
    frag = ind.fragmentation(events, panel)
    assert _at(frag, MALI, JAN)["armed_groups"] == 1
    dec = _at(frag, MALI, DEC)
    assert dec["armed_groups"] == 2 and dec["armed_group_names"].startswith("Dozo militias; JNIM")
    assert _at(frag, BURKINA, JAN)["armed_group_names"] == "Islamic State"
    assert np.isnan(_at(frag, MALI, FEB)["armed_groups"])


def test_armed_presence_with_evidence(admin2: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    panel, events = admin2
    gao, bamako = _unit_of(events, "ucdp:9"), _unit_of(events, "ucdp:1")
    presence = ind.armed_presence(events, panel, window=6, min_events=1)
    row = _at(presence, gao, JAN)
    assert row["presence"] == "armed-group-dominant" and row["evidence"] == ["ucdp:9"]
    assert row["months_covered_w"] == 4  # 2025-10 .. 2026-01 of the window 2025-08 .. 2026-01
    # event 9 stays in the window after the gap month
    march = _at(presence, gao, pd.Timestamp("2026-03-01"))
    assert march["evidence"] == ["ucdp:9"] and march["months_covered_w"] == 5
    assert _at(presence, bamako, JAN)["evidence"] == ["ucdp:1"]
    # the first month has one covered month in its window: unknown
    assert _at(presence, gao, pd.Timestamp("2025-10-01"))["presence"] is None
    strict = ind.armed_presence(events, panel, min_events=2)
    assert _at(strict, gao, JAN)["presence"] == "no clear presence"
    without = ind.armed_presence(events, panel, min_events=1, heuristic=False)
    assert _at(without, bamako, JAN)["evidence"] == []
    with pytest.raises(QueryError):
        ind.armed_presence(events, panel, window=2, min_covered=3)


def test_diffusion(tiny: Store) -> None:
    cells = panels.build_panel(tiny, "cell", countries=["MLI"])
    spread = ind.diffusion(cells, panels.cells_in_units("country"))
    jan = _at(spread, MALI, JAN)
    n_cells = (panels.cells_in_units("country")["unit_id"] == MALI).sum()
    assert (jan["cells"], jan["active_cells"]) == (n_cells, 3)  # events 1, 2, 9
    assert jan["diffusion"] == pytest.approx(3 / n_cells)
    assert np.isnan(_at(spread, MALI, FEB)["diffusion"])
    assert (
        _at(ind.diffusion(cells, panels.cells_in_units("country"), 2), MALI, JAN)["active_cells"]
        == 0
    )


def test_border_violence_and_tri_border(tiny: Store, country: tuple) -> None:
    panel, events = country
    near = ind.border_violence(events, panel, km=50)
    bfa = _at(near, BURKINA, JAN)  # event 5 lies 24 km from Mali, 21 km from Niger
    assert (bfa["border_events"], bfa["border_best"], bfa["border_share"]) == (1, 4, 1)
    assert _at(near, MALI, JAN)["border_events"] == 0  # Ménaka is 67 km from Niger
    assert _at(ind.border_violence(events, panel, km=70), MALI, JAN)["border_best"] == 7
    zone = ind.tri_border(events, panels.coverage(tiny, "ucdp"), radius_km=100)
    by_month = zone.set_index("month")
    assert by_month.loc[JAN, ["events", "best", "best_BFA", "best_MLI"]].tolist() == [1, 4, 4, 0]
    assert by_month.loc[pd.Timestamp("2026-03-01"), "best_NER"] == 10
    assert np.isnan(by_month.loc[FEB, "best"])
    lat, lon = ind.tri_point()
    assert 14.5 < lat < 15.3 and 0.0 < lon < 0.5


def test_spillover_comovement_on_hand_events() -> None:
    months = pd.date_range("2026-01-01", periods=4, freq="MS")
    rows = []
    for i, month in enumerate(months):  # Mali side 3.5 km, Burkina side 24 km from the border
        rows.append((f"m{i}", 14.9, -1.0, MALI, month, i + 1))
        rows.append((f"b{i}", 14.75, 0.0, BURKINA, month, 2 * (i + 1)))
    events = pd.DataFrame(
        rows, columns=["uid", "latitude", "longitude", "country_gw", "month", "best"]
    )
    events = events.assign(place_level="point", violence_type="sb")
    cov = pd.DataFrame(
        [(gw, m, True, True) for gw in (MALI, BURKINA) for m in months],
        columns=["country_gw", "month", "covered_located", "covered_actors"],
    )
    out = ind.spillover(events, cov, countries=(MALI, BURKINA), km=50, window=3)
    assert out["border"].unique().tolist() == ["MLI-BFA"]
    assert out["best_a"].tolist() == [1, 2, 3, 4] and out["best_b"].tolist() == [2, 4, 6, 8]
    assert _same_nan(out["comovement"].tolist(), [np.nan, np.nan, 1.0, 1.0])
    gap = ind.spillover(events, cov.iloc[1:], countries=(MALI, BURKINA), window=3)
    # January of Mali is not covered: only the window February..April is complete
    assert _same_nan(gap["comovement"].tolist(), [np.nan, np.nan, np.nan, 1.0])
    assert np.isnan(gap["best_a"].iloc[0]) and gap["best_b"].iloc[0] == 2


def _same_nan(a: list[float], b: list[float]) -> bool:
    return np.allclose(np.array(a, float), np.array(b, float), equal_nan=True)


def test_capital_threat(tiny: Store, country: tuple) -> None:
    _, events = country
    threat = ind.capital_threat(events, panels.coverage(tiny, "ucdp")).set_index(
        ["capital", "month"]
    )
    bamako = threat.loc[("Bamako", JAN)]
    assert bamako["nearest_km"] == pytest.approx(0.0, abs=0.01)
    assert (bamako["nearest_uid"], bamako["jihadist_events"]) == ("ucdp:1", 4)  # not event 3
    ouaga = threat.loc[("Ouagadougou", JAN)]
    expected = ind.haversine_km(12.3703159779, -1.5247237563, 14.75, 0.0)
    assert ouaga["nearest_km"] == pytest.approx(expected) and ouaga["nearest_uid"] == "ucdp:5"
    quiet = threat.loc[("Bamako", pd.Timestamp("2025-10-01"))]
    assert quiet["covered"] and quiet["jihadist_events"] == 0 and np.isnan(quiet["nearest_km"])
    assert not threat.loc[("Bamako", FEB), "covered"]


def test_capital_threat_trend_on_hand_events() -> None:
    months = pd.date_range("2026-01-01", periods=4, freq="MS")
    lat0, lon0 = 12.6500146677, -8.00003910464  # Bamako
    events = pd.DataFrame(
        {
            "uid": [f"e{i}" for i in range(4)],
            "latitude": [lat0 + 4 - i for i in range(4)],  # one degree closer each month
            "longitude": lon0, "month": months, "where_prec": 1, "violence_type": "os",
            "side_a": "JNIM", "side_b": "Civilians", "country_gw": MALI,
        }
    )  # fmt: skip
    cov = pd.DataFrame({"country_gw": MALI, "month": months, "covered_located": True,
                        "covered_actors": True})  # fmt: skip
    places = ind.capitals().query("name == 'Bamako'")
    out = ind.capital_threat(events, cov, places=places, window=3)
    degree = ind.haversine_km(0.0, 0.0, 1.0, 0.0)
    assert out["nearest_km"].to_numpy() == pytest.approx(
        [4 * degree, 3 * degree, 2 * degree, degree]
    )
    assert _same_nan(out["trend_km_per_month"].tolist(), [np.nan, np.nan, -degree, -degree])


def test_state_pressure_on_hand_inputs() -> None:
    inputs = pd.DataFrame(
        {
            "unit_id": [MALI, MALI, MALI], "month": [JAN, FEB, DEC],
            "best_total": [1000, 0, 1000], "attacks_on_state": [0, 0, np.nan],
            "attacks_on_foreign": [0, 0, np.nan], "best_os": [0, 0, 0],
            "diffusion": [0.125, 0, 0.125], "nearest_km": [250, np.nan, 250],
            "capital_covered": [True, True, True],
        }
    )  # fmt: skip
    out = ind.state_pressure(inputs)
    jan = out.iloc[0]
    components = ["c_lethality", "c_attacks", "c_civilians", "c_diffusion", "c_capital"]
    assert jan[components].tolist() == [1, 0, 0, 0.5, 0.5]
    assert jan["pressure"] == pytest.approx(100 * (0.25 * 1 + 0.15 * 0.5 + 0.20 * 0.5))
    assert out.iloc[1]["pressure"] == 0  # a quiet covered month: no jihadist event, no pressure
    assert np.isnan(out.iloc[2]["pressure"]) and out.iloc[2]["weight_known"] == 0.75
    partial = ind.state_pressure(inputs, min_weight=0.7).iloc[2]
    assert partial["pressure"] == pytest.approx(100 * (0.25 + 0.075 + 0.1) / 0.75)
    with pytest.raises(QueryError):
        ind.state_pressure(inputs, weights={"lethality": 1.0})


def test_indicators_and_exports(tiny: Store, tmp_path: Path) -> None:
    frame = ind.indicators(tiny, "MLI", "admin2", "2026-01")
    assert len(frame) == 53 and (frame["month"] == JAN).all()
    assert frame["best_total"].sum() == 18 and frame["country_pressure"].nunique() == 1
    gao = frame[frame["unit_id"] == _unit_of(panels.placed_events(tiny, "admin2"), "ucdp:9")]
    assert gao["attacks_on_foreign"].item() == 1 and gao["evidence"].item() == ["ucdp:9"]
    for fmt in ind.EXPORT_FORMATS:
        out = tmp_path / f"mli.{fmt}"
        assert ind.export_indicators(frame, fmt, out) == 53
    back = pd.read_csv(tmp_path / "mli.csv")
    assert back.loc[back["unit_id"] == gao["unit_id"].item(), "evidence"].item() == "ucdp:9"
    assert pd.read_parquet(tmp_path / "mli.parquet")["best_total"].sum() == 18
    collection = json.loads((tmp_path / "mli.geojson").read_text())
    assert len(collection["features"]) == 53
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in collection["features"])
    with pytest.raises(QueryError):
        ind.export_indicators(frame, "xlsx", tmp_path / "x")  # type: ignore[arg-type]


# --- the real bundled store -----------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from sahelwatch.bundled import ingest_bundled

    store = Store(tmp_path_factory.mktemp("real_ind") / "s.duckdb")
    ingest_bundled(store)
    yield store
    store.close()


def test_real_indicators_mali_admin2(real: Store, tmp_path: Path) -> None:
    frame = ind.indicators(real, "MLI", "admin2", "2026-02")
    assert len(frame) == 53 and frame["covered"].all()
    assert frame["deadliness"].sum() + frame["unplaced_best"].iloc[0] == 96
    assert set(frame["presence"].dropna()) <= {
        "state-dominant", "contested", "armed-group-dominant", "no clear presence",
    }  # fmt: skip
    assert 0 <= frame["country_pressure"].iloc[0] <= 100
    ind.export_indicators(frame, "geojson", tmp_path / "m.geojson")
    import geopandas as gpd

    back = gpd.read_file(tmp_path / "m.geojson")
    assert len(back) == 53 and back.geometry.notna().all()


def test_real_pressure_needs_actors(real: Store) -> None:
    score = ind.state_pressure(ind.pressure_inputs(real, ["MLI", "BFA"])).set_index(
        ["unit_id", "month"]
    )
    assert np.isnan(score.loc[(MALI, DEC), "pressure"])  # the reduced release names no actors
    assert np.isnan(score.loc[(MALI, pd.Timestamp("2025-06-01")), "pressure"])  # no data
    assert score.loc[(MALI, JAN), "pressure"] > 0 and score.loc[(BURKINA, FEB), "pressure"] > 0


def test_real_country_level_indicators(real: Store) -> None:
    frame = ind.indicators(real, "BFA", "country", "2026-01")
    assert len(frame) == 1 and frame["capital_nearest_jihadist_km"].item() < 200
    assert set(SAHEL) >= set(frame["country_gw"])
