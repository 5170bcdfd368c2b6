"""Food insecurity and displacement on the real bundled files: ingest, unit matching,
indicators, and violence beside them."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from sahelwatch.consequences import (
    ch_units,
    country_totals,
    displacement_country,
    displacement_regions,
    food_indicators,
    food_layer,
    location_admin1,
    match_shares,
    phase_moves,
    violence_and_food,
)
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file

CH_AREAS = "cadre_harmonise_sahel3_areas_2014-2023.csv.gz"
CH_ADMIN2 = "cadre_harmonise_sahel3_admin2_2014-2023.csv.gz"


def _source_sums(name: str) -> dict[tuple[str, str, str], int]:
    """People in phase 3+ per country, cycle and period, summed from the file's rows."""
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    with gzip.open(bundled_file(name), "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["phase35"]:
                key = (row["country_iso3"], row["exercise"], row["period_type"])
                sums[key] += int(float(row["phase35"]))
    return dict(sums)


@pytest.fixture(scope="module")
def units(bundled_path: Path) -> pd.DataFrame:
    with Store(bundled_path, read_only=True) as store:
        return ch_units(store)


def test_phase3_sums_equal_both_source_files(units: pd.DataFrame) -> None:
    totals = country_totals(units)
    stored = {
        (r.country_iso3, r.cycle, r.period_type): int(r.phase35)
        for r in totals.dropna(subset=["phase35"]).itertuples()
    }
    assert stored == _source_sums(CH_ADMIN2)
    # The admin-2 file sums the published areas: the store's totals equal the areas' sums.
    assert stored == _source_sums(CH_AREAS)
    assert stored[("MLI", "2014-03", "current")] == 1_534_259


def test_every_area_row_kept_with_its_provenance(bundled_store: Store) -> None:
    rows = bundled_store.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE duplicate_key), min(row_number) "
        "FROM ch_area_versions"
    ).fetchone()
    assert rows == (6467, 16, 2)  # the repeated area keys are kept, each its own record
    first = bundled_store.con.execute(
        "SELECT file_id, row_number FROM ch_unit_versions "
        "WHERE uid = 'ch:BFA:BF4601:2014-03:current'"
    ).fetchone()
    assert first is not None
    raw = bundled_store.raw_records([first[0]], [first[1]])[0]
    assert raw is not None and '"adm2_name":"Bale"' in raw.replace(" ", "")


def test_current_and_projected_are_apart(units: pd.DataFrame) -> None:
    mali = units[(units["country_iso3"] == "MLI") & (units["cycle"] == "2022-03")]
    assert set(mali["period_type"]) == {"projected"}  # Mali 2022-03 published no current rows
    both = units[(units["adm2_pcode"] == "BF4601") & (units["cycle"] == "2014-03")]
    assert sorted(both["period_type"]) == ["current", "projected"]


def test_match_share_per_country(units: pd.DataFrame) -> None:
    shares = match_shares(units).set_index("country_iso3")
    assert set(shares.index) == {"MLI", "BFA", "NER"}
    assert (shares["share"] >= 0.95).all()
    assert shares.loc["MLI", "by_pcode"] >= 45  # Mali's codes agree with the boundaries
    assert shares.loc["BFA", "by_pcode"] == 0  # geoBoundaries ids: by name only


def test_unmatched_units_are_reported(units: pd.DataFrame) -> None:
    odd = units.head(1).assign(adm2_pcode="XX9999", adm2_name="Nowhere", unit_id=None)
    report = match_shares(pd.concat([units, odd]))
    row = report.set_index("country_iso3").loc[odd["country_iso3"].iloc[0]]
    assert "XX9999 Nowhere" in row["unmatched"]
    assert row["share"] < 1


def test_gaps_are_no_data_not_zero(units: pd.DataFrame) -> None:
    food = food_indicators(units)
    layer = food_layer(food, month="2022-04")
    mali = layer[layer["country_iso3"] == "MLI"]
    assert set(mali["status"]) == {"no analysis covers this month"}
    assert mali["phase35"].isna().all()
    niger = layer[layer["country_iso3"] == "NER"]
    assert (niger["status"] == "analysed").all() and niger["phase35"].notna().all()
    # No current analysis describes June-August; the projections do.
    assert set(food_layer(food, month="2022-07")["status"]) == {"no analysis covers this month"}
    projected = food_layer(food, month="2022-07", period_type="projected")
    assert (projected["status"] == "analysed").sum() > 150


def test_changes_need_both_cycles(units: pd.DataFrame) -> None:
    food = food_indicators(units)
    row = food[
        (food["country_iso3"] == "MLI")
        & (food["adm2_pcode"] == "ML0101")
        & (food["period_type"] == "current")
    ].set_index("cycle")
    assert (
        row.loc["2015-03", "change_year"]
        == row.loc["2015-03", "phase35"] - row.loc["2014-03", "phase35"]
    )
    assert row.loc["2015-03", "prev_cycle"] == "2014-11"
    # 2022-03 has no current Mali rows: 2022-11 is compared with 2021-11 (the previous cycle
    # with rows), and 2023-03 has no year-before figure.
    assert row.loc["2022-11", "prev_cycle"] == "2021-11"
    assert pd.isna(row.loc["2023-03", "change_year"])


def test_phase_moves_into_four(units: pd.DataFrame) -> None:
    moves = phase_moves(food_indicators(units))
    assert ((moves["phase_class_any"] >= 4) & (moves["prev_phase_class"] < 4)).all()
    assert "Ménaka" in set(moves["unit_name"])


def test_idps_carried_forward_and_changes(bundled_store: Store) -> None:
    frame = displacement_country(bundled_store).set_index(["country_iso3", "year"])
    bfa = frame.loc["BFA"]
    assert bfa.loc[2023, "idps"] == bfa.loc[2025, "idps"] == 2_062_534
    assert not bfa.loc[2023, "idps_carried_forward"]
    assert bfa.loc[2024, "idps_carried_forward"] and bfa.loc[2025, "idps_carried_forward"]
    assert pd.isna(bfa.loc[2024, "idps_change"])  # a repeated report: unknown, not 0
    assert bfa.loc[2022, "idps_change"] == 1_882_391 - 1_579_976


def test_locations_to_admin1() -> None:
    assert location_admin1("MLI", "Gao : Region")[1] == "Gao"
    assert location_admin1("NER", "Tillabery region")[1] == "Tillabéri"
    assert location_admin1("MLI", "Douentza [Admin 2]")[1] == "Mopti"
    assert location_admin1("BFA", "Dispersed in the country / territory") == (None, None, "none")


def test_regions_sum_to_their_locations(bundled_store: Store) -> None:
    regions = displacement_regions(bundled_store)
    source = bundled_store.con.execute(
        "SELECT sum(total) FROM unhcr_location_versions WHERE pop_type = 'IDP' "
        "AND origin_iso3 = asylum_iso3 AND asylum_iso3 = 'MLI' AND year = 2020"
    ).fetchone()
    mali = regions[(regions["country_iso3"] == "MLI") & (regions["year"] == 2020)]
    assert source is not None and mali["idps"].sum() == source[0]
    assert mali["admin1_pcode"].notna().all()


def test_violence_beside_food(bundled_store: Store, units: pd.DataFrame) -> None:
    pairs = violence_and_food(bundled_store, food_indicators(units))
    assert len(pairs) > 2000
    known = pairs.dropna(subset=["deaths", "deaths_year_before", "change"])
    worse = known[known["both_worse"].astype(bool)]
    assert len(worse) > 0
    assert (worse["deaths"] > worse["deaths_year_before"]).all() and (worse["change"] > 0).all()
    assert pairs.loc[pairs["deaths"].isna(), "violence_worse"].isna().all()


def test_unusable_rows_go_to_quarantine(store: Store, tmp_path: Path) -> None:
    with gzip.open(bundled_file(CH_ADMIN2), "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()[:4]
    header = lines[0].split(",")
    bad = lines[3].split(",")
    bad[header.index("period_type")] = "forecast"
    path = tmp_path / "ch.csv"
    path.write_text("\n".join([*lines[:3], ",".join(bad)]) + "\n", encoding="utf-8")
    report = ingest(store, path)
    assert (report.added, report.rejected) == (2, 1)
    reason = store.con.execute("SELECT reason FROM quarantine").fetchone()
    assert reason is not None and "forecast" in reason[0]


def test_food_phase_rule(bundled_store: Store) -> None:
    from sahelwatch.alerts import FoodPhaseRule, evaluate

    rule = FoodPhaseRule(name="f", kind="food_phase", period="projected", lookback_cycles=3)
    alerts = evaluate(bundled_store, [rule], strict=True)
    menaka = [a for a in alerts if a.evidence["unit_name"] == "Ménaka"]
    assert menaka and menaka[0].evidence["phase"] == 4 and menaka[0].evidence["previous_phase"] == 3
    assert all(a.evidence["cycle"] >= "2022-03" for a in alerts)
    newest_only = FoodPhaseRule(name="g", kind="food_phase", period="projected")
    assert all(
        a.evidence["cycle"] == "2023-03"
        for a in evaluate(bundled_store, [newest_only], strict=True)
    )


def test_idp_jump_rule_ignores_carried_forward(bundled_store: Store) -> None:
    from sahelwatch.alerts import IdpJumpRule, evaluate

    burkina = IdpJumpRule(name="b", kind="idp_jump", country="BFA", lookback_years=3)
    years = {a.evidence["year"] for a in evaluate(bundled_store, [burkina], strict=True)}
    assert years == set()  # 2023 rose by 180,143 (< 20 %); 2024 and 2025 repeat 2023
    wide = IdpJumpRule(name="w", kind="idp_jump", country="BFA", lookback_years=8, min_share=0.1)
    found = {
        a.evidence["year"]: a.evidence["change"]
        for a in evaluate(bundled_store, [wide], strict=True)
    }
    assert found[2022] == 1_882_391 - 1_579_976 and 2024 not in found


def test_status_prints_match_shares_and_carried_forward(bundled_store: Store) -> None:
    from sahelwatch.status import status

    text = status(bundled_store).to_text()
    section = text.split("Consequences (a unit or year without figures is no data):")[1]
    assert "Cadre Harmonisé MLI: cycles 2014-03..2023-03 (19; current figures in 18)" in section
    assert "50 of 50 units matched to the admin-2 boundaries (100.0%)" in section
    assert "UNHCR IDPs BFA: years 2017..2025; carried forward (not measured): 2024, 2025" in section
