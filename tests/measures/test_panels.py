"""Tests of sahelwatch.panels: the bundled real store and a tiny hand-written GED store."""

from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.formats.ucdp import GED_COLUMNS
from sahelwatch.ingest import ingest
from sahelwatch.store import Store, bundled_file

MALI, BURKINA, NIGER = 432, 439, 436
SAHEL = [432, 433, 435, 436, 437, 438, 439, 615]

# --- a tiny hand-written store --------------------------------------------------------------

# id, date, type, side_a, side_b, country, where_prec, lat, lon, deaths_a, deaths_b, civilians
TINY_EVENTS = [
    (1, "2026-01-10", 1, "Government of Mali", "JNIM", MALI, 1, 12.65, -8.0, 5, 0, 0),
    (2, "2026-01-15", 3, "JNIM", "Civilians", MALI, 1, 15.92, 2.40, 0, 0, 7),
    (3, "2026-01-20", 1, "Government of Mali, Government of Russia (Soviet Union)", "JNIM",
     MALI, 4, 16.27, -0.04, 0, 3, 0),
    (4, "2025-12-05", 2, "Dozos (Mali)", "JNIM", MALI, 2, 14.5, -4.2, 1, 1, 0),
    (5, "2026-01-03", 1, "Government of Burkina Faso", "IS", BURKINA, 1, 14.75, 0.0, 4, 0, 0),
    (8, "2026-02-10", 1, "Government of Mali", "JNIM", MALI, 1, 12.65, -8.0, 50, 50, 0),
    (9, "2026-01-25", 1, "Government of Mali, Government of Russia (Soviet Union)", "JNIM",
     MALI, 1, 16.27, -0.04, 6, 0, 0),
]  # fmt: skip
# A later release covering March 2026 only.
TINY_LATER = [
    (6, "2026-03-02", 1, "Government of Niger", "IS", NIGER, 1, 14.8, 0.6, 0, 10, 0),
]
NAMES = {MALI: "Mali", BURKINA: "Burkina Faso", NIGER: "Niger"}


def ged_csv(path: Path, events: list[tuple]) -> Path:
    """Write events in the 49-column UCDP GED CSV layout."""
    lines = []
    for uid, day, tov, side_a, side_b, gw, prec, lat, lon, da, db, dc in events:
        best = da + db + dc
        row = dict.fromkeys(GED_COLUMNS, "")
        row.update(
            id=uid, relid=f"X-{uid}", year=day[:4], active_year="true", code_status="Clear",
            type_of_violence=tov, conflict_new_id=1, conflict_name="test", dyad_new_id=1,
            dyad_name=f"{side_a} - {side_b}", side_a_new_id=1, side_a=side_a,
            side_b_new_id=2, side_b=side_b, number_of_sources=1, where_prec=prec,
            where_coordinates="somewhere", latitude=f"{lat:.6f}", longitude=f"{lon:.6f}",
            priogrid_gid=1, country=NAMES[gw], country_id=gw, region="Africa", event_clarity=1,
            date_prec=1, date_start=f"{day} 00:00:00.000", date_end=f"{day} 00:00:00.000",
            deaths_a=da, deaths_b=db, deaths_civilians=dc, deaths_unknown=0, best=best,
            high=best, low=best,
        )  # fmt: skip
        lines.append([str(row[c]) for c in GED_COLUMNS])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(GED_COLUMNS)
        writer.writerows(lines)
    return path


def build_tiny_store(folder: Path) -> Store:
    """Release 26.0.1 covers the 8 Sahel countries 2025-10..2026-01 (its February event lies
    outside its coverage), release 26.0.3 covers March 2026: February 2026 is a gap."""
    store = Store(folder / "tiny.duckdb")
    ingest(store, ged_csv(folder / "GEDEvent_v26_0_1.csv", TINY_EVENTS),
           period=(date(2025, 10, 1), date(2026, 1, 1)), countries=SAHEL)  # fmt: skip
    ingest(store, ged_csv(folder / "GEDEvent_v26_0_3.csv", TINY_LATER),
           period=(date(2026, 3, 1), date(2026, 3, 1)), countries=SAHEL)  # fmt: skip
    return store


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = build_tiny_store(tmp_path_factory.mktemp("tiny"))
    yield store
    store.close()


def _row(panel: pd.DataFrame, unit: object, month: str) -> pd.Series:
    rows = panel[(panel["unit_id"] == unit) & (panel["month"] == pd.Timestamp(month))]
    assert len(rows) == 1, f"{unit} {month}: {len(rows)} rows"
    return rows.iloc[0]


def _series(panel: pd.DataFrame, unit: object, column: str) -> list[float]:
    return panel.loc[panel["unit_id"] == unit, column].tolist()


def _same(actual: list[float], expected: list[float]) -> bool:
    return np.allclose(np.array(actual, float), np.array(expected, float), equal_nan=True)


# --- tiny store: hand-checked -----------------------------------------------------------------


def test_country_panel_counts_zero_and_gap(tiny: Store) -> None:
    panel = panels.build_panel(tiny, "country", countries=["MLI"])
    assert list(panel.columns) == list(panels.PANEL_COLUMNS)
    assert [m.strftime("%Y-%m") for m in panel["month"]] == [
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip
    assert _series(panel, MALI, "covered") == [True, True, True, True, False, True]
    # the 100 deaths of event 8 lie in February, which no release covers: unknown, not 100
    assert _same(_series(panel, MALI, "best_total"), [0, 0, 2, 21, np.nan, 0])
    assert _same(_series(panel, MALI, "best_sb"), [0, 0, 0, 14, np.nan, 0])
    assert _same(_series(panel, MALI, "best_os"), [0, 0, 0, 7, np.nan, 0])
    assert _same(_series(panel, MALI, "best_ns"), [0, 0, 2, 0, np.nan, 0])
    assert _same(_series(panel, MALI, "events_total"), [0, 0, 1, 4, np.nan, 0])
    assert _same(_series(panel, MALI, "deaths_civilians"), [0, 0, 0, 7, np.nan, 0])


def test_rolling_sums_and_months_since_violence_respect_gaps(tiny: Store) -> None:
    panel = panels.build_panel(tiny, "country", countries=["MLI"])
    assert _same(_series(panel, MALI, "best_total_r3"), [np.nan, np.nan, 2, 23, np.nan, np.nan])
    assert _same(_series(panel, MALI, "events_total_r3"), [np.nan, np.nan, 1, 5, np.nan, np.nan])
    assert _series(panel, MALI, "best_total_r12") == pytest.approx([np.nan] * 6, nan_ok=True)
    # no violence on record before December; February is unknown; March follows the gap
    assert _same(
        _series(panel, MALI, "months_since_violence"), [np.nan, np.nan, 0, 0, np.nan, np.nan]
    )


def test_actor_family_columns(tiny: Store) -> None:
    jan = _row(panels.build_panel(tiny, "country", countries=["MLI"]), MALI, "2026-01")
    assert jan["best_jihadist"] == 21 and jan["events_jihadist"] == 4
    assert jan["best_state"] == 14 and jan["events_state"] == 3
    # "Government of Mali, Government of Russia (Soviet Union)" involves foreign forces too
    assert jan["best_foreign"] == 9 and jan["events_foreign"] == 2
    assert jan["best_civilians"] == 7
    dec = _row(panels.build_panel(tiny, "country", countries=["MLI"]), MALI, "2025-12")
    assert dec["best_progov_militia"] == 2 and dec["best_jihadist"] == 2


def test_spatial_lag_is_nan_when_a_neighbour_is_not_covered(tiny: Store) -> None:
    panel = panels.build_panel(tiny, "country", countries=["MLI", "BFA"])
    # Mali's neighbours are all Sahel countries (covered): Burkina Faso's 4 deaths
    assert _row(panel, MALI, "2026-01")["best_total_splag"] == 4
    assert _row(panel, MALI, "2026-01")["events_total_splag"] == 1
    # Burkina Faso borders Ghana, Togo and Benin, which no release covers
    assert np.isnan(_row(panel, BURKINA, "2026-01")["best_total_splag"])


def test_precision_where_prec_4_counts_in_admin1_and_country_only(tiny: Store) -> None:
    country = _row(panels.build_panel(tiny, "country", countries=["MLI"]), MALI, "2026-01")
    admin1 = panels.build_panel(tiny, "admin1", countries=["MLI"])
    admin2 = panels.build_panel(tiny, "admin2", countries=["MLI"])
    cells = panels.build_panel(tiny, "cell", countries=["MLI"])
    jan = pd.Timestamp("2026-01-01")
    assert admin1.loc[admin1["month"] == jan, "best_total"].sum() == country["best_total"] == 21
    assert admin2.loc[admin2["month"] == jan, "best_total"].sum() == 18  # event 3 left out
    assert cells.loc[cells["month"] == jan, "best_total"].sum() == 18
    for panel in (admin2, cells):
        row = panel[panel["month"] == jan].iloc[0]
        assert (row["unplaced_events"], row["unplaced_best"]) == (1, 3)
    gao = admin1[(admin1["unit_name"] == "Gao") & (admin1["month"] == jan)].iloc[0]
    assert gao["best_total"] == 9 and gao["best_foreign"] == 9


def test_admin_and_cell_units_are_complete(tiny: Store) -> None:
    admin2 = panels.build_panel(tiny, "admin2", countries=["MLI"])
    assert admin2["unit_id"].nunique() == 53  # Mali's cercles
    cells = panels.build_panel(tiny, "cell", countries=["MLI"])
    mali_cells = panels.cells_in_units("country").query("unit_id == @MALI")
    assert set(cells["unit_id"]) == set(mali_cells["gid"])
    bamako = panels.build_panel(tiny, "cell", countries=["MLI"]).query("unit_id == 147945")
    assert bamako["best_total"].tolist()[:4] == [0, 0, 0, 5]


def test_cell_spatial_lag_sums_eight_neighbours(tiny: Store) -> None:
    cells = panels.build_panel(tiny, "cell", countries=["MLI"], start="2026-01", end="2026-01")
    around = {147945 + dr * 720 + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)} - {147945}
    lagged = cells[cells["unit_id"].isin(around)]
    assert (lagged["best_total_splag"] == 5).all()
    assert cells.loc[cells["unit_id"] == 147945, "best_total_splag"].item() == 0


def test_as_of_an_older_release(tiny: Store) -> None:
    panel = panels.build_panel(tiny, "country", countries=["NER"], as_of="26.0.1")
    assert panel["month"].max() == pd.Timestamp("2026-01-01")
    later = panels.build_panel(tiny, "country", countries=["NER"])
    assert _row(later, NIGER, "2026-03")["best_total"] == 10


def test_helpers_on_hand_arrays() -> None:
    values = np.array([[1.0, 2.0, np.nan, 4.0, 5.0, 6.0]])
    assert _same(panels.rolling_sum(values, 2)[0].tolist(), [np.nan, 3, np.nan, np.nan, 9, 11])
    active = np.array([[1, 0, 0, 0, 1, 0]], bool)
    known = np.array([[1, 1, 0, 1, 1, 1]], bool)
    assert _same(panels.months_since(active, known)[0].tolist(), [0, 1, np.nan, np.nan, 0, 1])
    grid = np.array([[1.0], [2.0], [np.nan]])
    lag = panels.spatial_lag(grid, (np.array([0, 0, 1]), np.array([1, 2, 0])))
    assert _same(lag[:, 0].tolist(), [np.nan, 1, 0])


def test_side_families_splits_joint_sides() -> None:
    sides = pd.Series(["Government of Mali, Government of Russia (Soviet Union)", "JNIM", None])
    fams = panels.side_families(sides)
    assert fams.loc[0, "state"] and fams.loc[0, "foreign"] and not fams.loc[0, "jihadist"]
    assert fams.loc[1, "jihadist"] and not fams.loc[2].any()
    assert panels.side_actors(sides)[2] == ()


def test_bad_requests(tiny: Store) -> None:
    with pytest.raises(QueryError, match="unknown level"):
        panels.build_panel(tiny, "province")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="no release of family"):
        panels.build_panel(tiny, "country", family="views_cm")
    with pytest.raises(QueryError, match="end month is before"):
        panels.build_panel(tiny, "country", start="2026-02", end="2026-01")
    with pytest.raises(QueryError, match="no admin2 boundaries are bundled for Senegal"):
        panels.build_panel(tiny, "admin2", countries=["SEN"])


# --- the bundled real store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from sahelwatch.bundled import ingest_bundled

    store = Store(tmp_path_factory.mktemp("real") / "s.duckdb")
    ingest_bundled(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def real_country(real: Store) -> pd.DataFrame:
    return panels.build_panel(real, "country", countries=list(SAHEL))


def test_real_gap_month_is_nan_not_zero(real_country: pd.DataFrame) -> None:
    june = _row(real_country, MALI, "2025-06")
    assert not june["covered"]
    for column in ("best_total", "best_sb", "events_total", "best_jihadist", "best_total_splag"):
        assert np.isnan(june[column]), column
    gap = real_country[real_country["month"].between("2025-03-01", "2025-11-01")]
    assert len(gap) == 9 * 8 and gap["best_total"].isna().all()


def test_real_rolling_sum_reaching_into_the_gap_is_nan(real_country: pd.DataFrame) -> None:
    dec = _row(real_country, MALI, "2025-12")
    assert dec["covered"] and dec["best_total"] == 27
    assert np.isnan(dec["best_total_r3"]) and np.isnan(dec["best_total_r12"])
    assert _row(real_country, MALI, "2026-02")["best_total_r3"] == 27 + 107 + 96


def test_real_mali_january_state_based_equals_direct_count(
    real: Store, real_country: pd.DataFrame
) -> None:
    direct = real.con.execute(
        f"SELECT sum(best), count(*) FROM ({real.current_sql()}) WHERE country_gw = 432 "
        "AND violence_type = 'sb' AND date_start >= DATE '2026-01-01' "
        "AND date_start < DATE '2026-02-01'"
    ).fetchone()
    # and straight from the two release files, the newer release winning
    files = [bundled_file(f"ucdp_candidate_26.0.{i}_events_global.csv.gz") for i in (1, 2)]
    raw = pd.concat([pd.read_csv(f) for f in files]).drop_duplicates("id", keep="last")
    raw = raw[(raw["country_id"] == MALI) & (raw["type_of_violence"] == 1)]
    raw = raw[raw["date_start"].str.startswith("2026-01")]
    jan = _row(real_country, MALI, "2026-01")
    assert (jan["best_sb"], jan["events_sb"]) == (direct[0], direct[1])
    assert (jan["best_sb"], jan["events_sb"]) == (raw["best"].sum(), len(raw)) == (64, 43)


def test_real_reduced_release_covers_countries_without_actors(real_country: pd.DataFrame) -> None:
    dec = _row(real_country, MALI, "2025-12")
    assert dec["covered"] and not dec["covered_actors"] and not dec["covered_located"]
    assert np.isnan(dec["best_jihadist"]) and np.isnan(dec["deaths_civilians"])
    jan = _row(real_country, MALI, "2026-01")
    assert jan["covered_actors"] and jan["best_jihadist"] > 0


def test_real_admin2_units_plus_unplaced_equal_the_country(
    real: Store, real_country: pd.DataFrame
) -> None:
    admin2 = panels.build_panel(real, "admin2", countries=["MLI", "BFA", "NER"], start="2025-01")
    located = admin2[admin2["covered"]]
    assert set(located["month"].dt.strftime("%Y-%m")) == {"2026-01", "2026-02"}
    for gw in (MALI, BURKINA, NIGER):
        for month in ("2026-01-01", "2026-02-01"):
            units = admin2[(admin2["country_gw"] == gw) & (admin2["month"] == month)]
            whole = _row(real_country, gw, month[:7])
            assert units["best_total"].sum() + units["unplaced_best"].iloc[0] == whole["best_total"]


def test_real_views_country_panel_equals_the_file(real: Store) -> None:
    panel = panels.build_panel(real, "country", family="views_cm", countries=["MLI", "NER"])
    with gzip.open(bundled_file("views_cm_ged_2017-11_2024-04.csv.gz"), "rt") as fh:
        views = pd.read_csv(fh)
    views = views[views["gwcode"].isin([MALI, NIGER])]
    views["month_start"] = pd.to_datetime(dict(year=views["year"], month=views["month"], day=1))
    merged = panel.merge(
        views, left_on=["unit_id", "month"], right_on=["gwcode", "month_start"], how="outer"
    )
    assert len(merged) == len(panel) == 2 * 78
    for ours, theirs in (("best_sb", "ged_sb"), ("best_ns", "ged_ns"), ("best_os", "ged_os")):
        assert (merged[ours] == merged[theirs]).all()
    assert (merged["best_total"] == merged[["ged_sb", "ged_ns", "ged_os"]].sum(axis=1)).all()
    assert merged["events_total"].isna().all()  # VIEWS carries no event counts
    assert merged["best_total_r12"].notna().sum() == 2 * (78 - 11)
    with pytest.raises(QueryError, match="only make a country panel"):
        panels.build_panel(real, "admin1", family="views_cm")


def test_real_ged_country_months_without_niger(real: Store) -> None:
    panel = panels.build_panel(real, "country", family="ucdp_ged_cm", countries=["MLI", "NER"])
    assert panel.loc[panel["unit_id"] == NIGER, "best_total"].isna().all()
    mali = panel[panel["unit_id"] == MALI]
    assert mali["covered"].all() and mali["best_sb"].isna().all()
    assert _row(panel, MALI, "2024-12")["best_total"] == 129
    assert np.isnan(_row(panel, MALI, "2024-12")["best_total_splag"])  # Niger unknown


def test_real_country_panel_default_covers_every_country(real: Store) -> None:
    panel = panels.build_panel(real, "country")
    assert panel["unit_id"].nunique() > 150
    coverage = panels.coverage(real, "ucdp", countries=["MLI"])
    # GED 24.1 covers 1989-2023 with locations; the reduced Candidate 3 months without
    assert len(coverage) == 35 * 12 + 5 and coverage["covered_located"].sum() == 35 * 12 + 2
    assert (
        _row(coverage.rename(columns={"country_gw": "unit_id"}), MALI, "2023-12")["release"]
        == "ucdp_ged:24.1"
    )


# --- events over several months, newer totals, month status (real bundled data) --------------


def _by_rule(real: Store, country: str, start: str, end: str) -> tuple[pd.DataFrame, ...]:
    return tuple(
        panels.build_panel(real, "country", countries=[country], start=start, end=end,
                           multi_month=rule)
        for rule in ("spread", "start")
    )  # fmt: skip


def test_real_multi_month_events_share_their_deaths_over_their_months(real: Store) -> None:
    """Niger, GED 24.1 (no newer totals): 331757 (state-based, 110 deaths, 2020-01-13..02-20)
    gives 55 to January and 55 to February; 339152, 339269, 342857 (one-sided, 5 + 24 + 5,
    2020-02-23..03-04/05) give half of 34 to March; 383471 (one-sided, 71, 2020-03-27..04-03)
    half to April. Event counts stay in the month an event began."""
    spread, start = _by_rule(real, "NER", "2020-01", "2020-04")
    sb = (spread["best_sb"] - start["best_sb"]).tolist()
    os_ = (spread["best_os"] - start["best_os"]).tolist()
    assert _same(sb, [-55, 55, 0, 0])
    assert _same(os_, [0, -17, 17 - 35.5, 35.5])
    assert spread["events_total"].tolist() == start["events_total"].tolist()
    assert set(spread["release"]) == {"ucdp_ged:24.1"}
    # the start rule is the file's own month of date_start
    raw = pd.read_csv(bundled_file("ucdp_ged241_niger_repaired_standard.csv.gz"))
    raw = raw[raw["date_start"].str.startswith("2020-02") & (raw["type_of_violence"] == 3)]
    assert _row(start, NIGER, "2020-02")["best_os"] == raw["best"].sum()


def test_real_year_long_and_one_month_summaries(real: Store) -> None:
    """Niger 24931 (one-sided, 147 deaths, 1998-09-01..12-31) is shared 36.75 a month;
    Burkina Faso's Candidate events 615629, 615631, 615632 (5 deaths each, 2026-01-22..02-05)
    move 2.5 each into February; an event inside one month stays whole there."""
    spread, start = _by_rule(real, "NER", "1998-09", "1998-12")
    assert _same((spread["best_os"] - start["best_os"]).tolist(), [-110.25, 36.75, 36.75, 36.75])
    assert spread["best_os"].sum() == start["best_os"].sum()
    spread, start = _by_rule(real, "BFA", "2026-01", "2026-02")
    assert _same((spread["best_total"] - start["best_total"]).tolist(), [-7.5, 7.5])
    files = [bundled_file(f"ucdp_candidate_26.0.{i}_events_global.csv.gz") for i in (1, 2)]
    raw = pd.concat([pd.read_csv(f) for f in files]).drop_duplicates("id", keep="last")
    raw = raw[(raw["country_id"] == BURKINA) & raw["date_start"].str.startswith("2026-01")]
    assert _row(start, BURKINA, "2026-01")["best_total"] == raw["best"].sum()
    whole = raw[raw["date_end"].str.startswith("2026-01")]
    assert _row(spread, BURKINA, "2026-01")["best_total"] == whole["best"].sum() + 7.5


def test_real_country_figure_follows_the_newer_totals(real: Store) -> None:
    """Mali 2022-2023: GED 24.1 located events and GED 25.1 totals; the country figure is
    25.1's, the units are 24.1's. 2024: totals only, so no data below the country."""
    panel = panels.build_panel(real, "country", countries=["MLI", "NER"], start="2022-01",
                               end="2024-12")  # fmt: skip
    mali = panel[panel["unit_id"] == MALI]
    with gzip.open(bundled_file("ged251_country_month_global.csv.gz"), "rt") as fh:
        ged = pd.read_csv(fh)
    ged = ged[(ged["country_id"] == MALI) & ged["year"].between(2022, 2024)]
    assert mali["best_total"].tolist() == ged["best_total"].tolist()
    assert mali["events_total"].tolist() == ged["events_total"].tolist()
    assert set(mali["release"]) == {"ucdp_ged_cm:25.1"}
    in_2024 = mali[mali["month"].dt.year == 2024]
    assert in_2024["covered"].all() and not in_2024["covered_located"].any()
    for column in ("best_jihadist", "events_state", "best_sb", "unplaced_best"):
        assert in_2024[column].isna().all(), column
    in_2022 = mali[mali["month"].dt.year == 2022]
    assert in_2022["covered_located"].all() and in_2022["best_jihadist"].notna().all()
    niger = panel[panel["unit_id"] == NIGER]
    assert set(niger.loc[niger["month"].dt.year < 2024, "release"]) == {"ucdp_ged:24.1"}
    assert niger.loc[niger["month"].dt.year == 2024, "best_total"].isna().all()

    admin2 = panels.build_panel(real, "admin2", countries=["MLI"], start="2022-01", end="2024-12")
    assert admin2.loc[admin2["month"].dt.year == 2024, "best_total"].isna().all()
    assert not admin2.loc[admin2["month"].dt.year == 2024, "covered"].any()
    assert set(admin2.loc[admin2["month"].dt.year < 2024, "release"]) == {"ucdp_ged:24.1"}
    units = admin2[admin2["month"] == "2022-06-01"]
    june = _row(mali, MALI, "2022-06")
    events = june["best_sb"] + june["best_ns"] + june["best_os"]  # types come from the events
    assert units["best_total"].sum() + units["unplaced_best"].iloc[0] == pytest.approx(events)
    assert events != june["best_total"]  # 24.1 and 25.1 differ here
    # as of GED 24.1, the newer totals did not exist yet
    then = panels.build_panel(real, "country", countries=["MLI"], start="2022-06", end="2024-01",
                              as_of="24.1")  # fmt: skip
    assert _row(then, MALI, "2022-06")["best_total"] == pytest.approx(events)
    assert set(then["release"].dropna()) == {"ucdp_ged:24.1"}
    # the country-months whose figure the totals give: every Mali month of GED 25.1, no Niger
    wins = panels.totals_months(real)
    mali_wins = wins[wins["country_gw"] == MALI]
    assert len(mali_wins) == 36 * 12 and set(mali_wins["release"]) == {"ucdp_ged_cm:25.1"}
    assert not (wins["country_gw"] == NIGER).any()
    assert len(panels.totals_months(real, as_of="24.1")) == 0
    assert not _row(then, MALI, "2024-01")["covered"]


def test_real_mali_admin2_has_located_history(real: Store) -> None:
    """Every month of 1989-2023 and 2026 is covered with locations; located events fall in
    every year in which GED 24.1 places a Mali event finer than a region (where_prec 1-3)."""
    admin2 = panels.build_panel(real, "admin2", countries=["MLI"])
    by_year = admin2.groupby(admin2["month"].dt.year).agg(
        covered=("covered", "all"), events=("events_total", "sum")
    )
    assert by_year.loc[1989:2023, "covered"].all() and by_year.loc[2026, "covered"]
    assert not by_year.loc[2024:2025, "covered"].any()
    raw = pd.read_csv(bundled_file("ucdp_ged241_country_export_mali.csv.gz"), index_col=False)
    fine = raw[raw["where_prec"] <= 3]
    years = set(pd.to_datetime(fine["date_start"], format="%m/%d/%Y %H:%M:%S").dt.year)
    assert set(by_year.index[by_year["events"] > 0]) == years | {2026}
    assert len(years) == 26  # 1996, 1998, 2000, 2001, 2003, 2006: no event; 1993, 1997: coarse


def test_real_month_status_says_what_is_missing(real: Store) -> None:
    with gzip.open(bundled_file("ged251_country_month_global.csv.gz"), "rt") as fh:
        ged = pd.read_csv(fh)
    ged = ged[(ged["country_id"] == MALI) & (ged["year"] == 2024)]
    deaths, events = int(ged["best_total"].sum()), int(ged["events_total"].sum())
    year = panels.month_status(real, "MLI", "2024")
    assert (year.deaths, year.events, year.covered, year.totals_only) == (
        deaths,
        events,
        True,
        True,
    )
    assert year.releases == ("ucdp_ged_cm:25.1",) and year.located_months == 0
    assert year.sentence() == (
        f"2024: {deaths:,} deaths, {events:,} events in UCDP GED 25.1 country-month totals; "
        "no located events or actor names"
    )
    gap = panels.month_status(real, "Mali", "2025-06")
    assert (gap.covered_months, gap.deaths, gap.events) == (0, None, None)
    assert gap.sentence() == "2025-06: no data (no release covers it)"
    reduced = panels.month_status(real, 432, "2025-01")
    assert reduced.covered and reduced.totals_only and reduced.actor_months == 0
    assert reduced.releases == ("ucdp_candidate:25.01.25.12",)
    jan = panels.month_status(real, "MLI", "2026-01")
    assert (jan.located_months, jan.actor_months, jan.deaths) == (1, 1, 107)
    assert jan.sentence() == "2026-01: 107 deaths, 56 events in UCDP Candidate 26.0.1"
    both = panels.month_status(real, "MLI", "2023-07..2024-06")
    assert both.releases == ("ucdp_ged_cm:25.1",) and both.located_releases == ("ucdp_ged:24.1",)
    assert both.sentence().endswith(
        "in UCDP GED 25.1 country-month totals; located events from UCDP GED 24.1 in 6 of those "
        "months"
    )
    span = panels.month_status(real, "MLI", "2024-12..2025-02")
    assert (span.months, span.covered_months, span.located_months) == (3, 3, 0)
    assert span.releases == ("ucdp_ged_cm:25.1", "ucdp_candidate:25.01.25.12")


def test_multi_month_rule_is_checked(real: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(QueryError, match="unknown multi-month rule 'middle'"):
        panels.build_panel(real, "country", countries=["NER"], multi_month="middle")
    monkeypatch.setenv(panels.MULTI_MONTH_ENV, "start")
    env = panels.build_panel(real, "country", countries=["NER"], start="2020-01", end="2020-02")
    assert (
        env["best_sb"].tolist()
        == _by_rule(real, "NER", "2020-01", "2020-02")[1]["best_sb"].tolist()
    )


def test_real_whole_month_summary_stays_in_its_month(real: Store) -> None:
    """Ukraine 615725 (Candidate 26.0.1, date_prec 4, 2026-01-01..2026-01-31, 8,002 deaths)
    covers one month: whole in January, under both rules."""
    spread, start = _by_rule(real, "UKR", "2026-01", "2026-02")
    files = [bundled_file(f"ucdp_candidate_26.0.{i}_events_global.csv.gz") for i in (1, 2)]
    raw = pd.concat([pd.read_csv(f) for f in files]).drop_duplicates("id", keep="last")
    ukraine = raw[(raw["country_id"] == 369) & raw["date_start"].str.startswith("2026-01")]
    summary = ukraine[ukraine["id"] == 615725].iloc[0]
    assert (summary["best"], summary["date_end"][:10]) == (8002, "2026-01-31")
    assert (ukraine["date_end"].str[:7] == "2026-01").all()
    for panel in (spread, start):
        assert _row(panel, 369, "2026-01")["best_total"] == ukraine["best"].sum()


def test_cli_multi_month_option_reaches_the_panels(
    bundled_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sahelwatch import cli

    monkeypatch.delenv(panels.MULTI_MONTH_ENV, raising=False)  # restored after the test
    deadliness = {}
    for rule in ("spread", "start"):
        out = tmp_path / f"{rule}.csv"
        args = ["--multi-month", rule, "indicators", "--month", "2020-01", "--country", "NER",
                "--level", "country", "--out", str(out), "--db", str(bundled_path)]  # fmt: skip
        monkeypatch.setattr("sys.argv", ["sahelwatch", *args])
        cli.main()
        deadliness[rule] = pd.read_csv(out)["deadliness"].iloc[0]
    assert deadliness["start"] - deadliness["spread"] == 55  # 331757: half in February
    monkeypatch.setattr("sys.argv", ["sahelwatch", "--multi-month", "middle", "status"])
    with pytest.raises(SystemExit) as bad:
        cli.main()
    assert bad.value.code == 1
    assert "unknown multi-month rule 'middle'; use spread or start." in capsys.readouterr().err


def test_unit_boundaries_carry_the_panel_keys() -> None:
    mali = panels.unit_boundaries("admin2", [MALI])
    assert len(mali) == 53 and set(mali["iso3"]) == {"MLI"}
    assert mali["admin1_pcode"].notna().all() and mali["unit_id"].str.startswith("ML").all()
    countries = panels.unit_boundaries("country")
    assert set(SAHEL) <= set(countries["unit_id"].astype(int))
    cells = panels.unit_boundaries("cell", [MALI])
    assert 150109 in set(cells["unit_id"])  # the cell of Niono
    inside = panels.cells_in_units("country")
    assert set(cells["unit_id"]) == set(inside.loc[inside["unit_id"] == MALI, "gid"])
    with pytest.raises(QueryError, match="unknown level 'province'"):
        panels.unit_boundaries("province")
