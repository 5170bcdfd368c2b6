"""Tests of the SYNTHETIC GED generator :mod:`synthetic` (no real data is produced)."""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import sahelwatch
import synthetic
from synthetic import (
    GED_COLUMNS,
    synthetic_events_frame,
    write_revised_copy,
    write_synthetic_ged,
)

N = 2_000
REAL_GED_EVENTS = 385_918  # GED 25.1
REAL_GED_BYTES = 220e6  # its CSV, about
_DATA_DIRS = (Path(sahelwatch.__file__).parent / "data", Path("/work/shared/data"))

INT_COLUMNS = (
    "id", "year", "type_of_violence", "conflict_new_id", "dyad_new_id", "side_a_new_id",
    "side_b_new_id", "number_of_sources", "where_prec", "priogrid_gid", "country_id",
    "event_clarity", "date_prec", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low",
)  # fmt: skip
REVISABLE = {
    "best", "high", "deaths_unknown", "number_of_sources", "active_year", "source_article",
    "source_office", "source_date", "source_headline",
}  # fmt: skip


def _shared_file(name: str) -> Path:
    for folder in _DATA_DIRS:
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"real data file {name} not available")


def _real_candidate() -> Path:
    return _shared_file("ucdp_candidate_26.0.1_events_global.csv.gz")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _records(data: bytes) -> list[bytes]:
    """Split raw CSV bytes into records (a line break inside quotes does not end a record)."""
    records, current, quotes = [], [], 0
    for line in data.split(b"\n")[:-1]:
        current.append(line)
        quotes += line.count(b'"')
        if quotes % 2 == 0:
            records.append(b"\n".join(current) + b"\n")
            current, quotes = [], 0
    assert not current, "file ends inside a quoted field"
    return records


def _strip_zeros(fixed: pd.Series) -> pd.Series:
    return fixed.str.replace(r"\.?0+$", "", regex=True)


@pytest.fixture(scope="module")
def ged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_ged(tmp_path_factory.mktemp("syn") / "ged.csv", n_events=N, seed=0)


@pytest.fixture(scope="module")
def table(ged: Path) -> pd.DataFrame:
    return _read(ged)


@pytest.fixture(scope="module")
def revised(ged: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("syn") / "ged_revised.csv"
    return write_revised_copy(ged, out, share_revised=0.05, share_new=0.02, seed=1)


# --- format -------------------------------------------------------------------------------------


def test_header_equals_real_ged_header(ged: Path) -> None:
    with gzip.open(_real_candidate(), "rt", encoding="utf-8", newline="") as fh:
        real_header = fh.readline()
    with ged.open(encoding="utf-8", newline="") as fh:
        header = fh.readline()
    assert header == real_header
    assert header.rstrip("\n").split(",") == list(GED_COLUMNS)


def test_reads_with_duckdb_and_pandas(ged: Path, table: pd.DataFrame) -> None:
    con = duckdb.connect()
    text = con.execute(f"SELECT * FROM read_csv('{ged}', all_varchar = true)").df()
    assert text.shape == (N, 49)
    assert text["id"].tolist() == table["id"].tolist()
    typed = dict(
        con.execute(f"DESCRIBE SELECT * FROM read_csv('{ged}')").fetchall()[i][:2]
        for i in range(49)
    )
    assert typed["id"] == "BIGINT" and typed["best"] == "BIGINT"
    assert typed["latitude"] == "DOUBLE" and typed["longitude"] == "DOUBLE"
    assert typed["date_start"] == "TIMESTAMP" and typed["active_year"] == "BOOLEAN"
    assert table.shape == (N, 49)
    assert list(table.columns) == list(GED_COLUMNS)


def test_value_formats(ged: Path, table: pd.DataFrame) -> None:
    for col in ("date_start", "date_end"):
        assert table[col].str.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00\.000").all(), col
    for col in ("latitude", "longitude"):
        assert table[col].str.fullmatch(r"-?\d{1,3}\.\d{6}").all(), col
    assert set(table["active_year"]) == {"true", "false"}
    for col in INT_COLUMNS:
        assert table[col].str.fullmatch(r"-?\d+").all(), col
    for col in ("gwnoa", "gwnob"):
        assert table[col].str.fullmatch(r"(\d+)?").all(), col
    assert table["geom_wkt"].str.fullmatch(r"POINT \(-?[\d.]+ -?[\d.]+\)").all()
    raw = ged.read_bytes()
    assert b',"",' in raw  # empty text written as ""
    assert raw.count(b"\n") > N + 1  # line breaks inside quoted fields
    assert table["source_article"].str.contains("\n").any()
    assert table["source_original"].str.startswith("synthetic").all()


def test_source_fields_agree_with_number_of_sources(table: pd.DataFrame) -> None:
    n_src = table["number_of_sources"].astype(int)
    legacy = n_src == -1
    assert legacy.any() and (n_src[~legacy] >= 1).all()
    structured = ["source_office", "source_date", "source_headline"]
    assert (table.loc[legacy, structured] == "").all().all()
    modern = table[~legacy]
    for col in ("source_office", "source_date", "source_headline"):
        assert (modern[col].str.count(";") + 1 == n_src[~legacy]).all(), col
    assert (modern["source_article"].str.count('";"') + 1 == n_src[~legacy]).all()
    assert modern["source_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}(;\d{4}-\d{2}-\d{2})*").all()


# --- content ------------------------------------------------------------------------------------


def test_priogrid_gid_matches_coordinates(table: pd.DataFrame) -> None:
    lat, lon = table["latitude"].astype(float), table["longitude"].astype(float)
    gid = np.floor((lat + 90) / 0.5) * 720 + np.floor((lon + 180) / 0.5) + 1
    assert (gid.astype(int) == table["priogrid_gid"].astype(int)).all()
    assert lat.abs().max() < 90 and lon.abs().max() <= 180


def test_fatalities_consistent(table: pd.DataFrame) -> None:
    low, best, high = (table[c].astype(int) for c in ("low", "best", "high"))
    assert (low >= 0).all() and (low <= best).all() and (best <= high).all()
    deaths = sum(
        table[c].astype(int) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
    )
    assert (deaths == best).all()
    assert best.max() > 50 and (best == 0).any()


def test_ids_dates_and_codes(table: pd.DataFrame) -> None:
    assert table["id"].is_unique and table["relid"].is_unique
    assert set(table["type_of_violence"].astype(int)) == {1, 2, 3}
    start = pd.to_datetime(table["date_start"])
    end = pd.to_datetime(table["date_end"])
    assert (end >= start).all()
    assert (start.dt.year == table["year"].astype(int)).all()
    assert (end.dt.year == start.dt.year).all()
    assert start.min() >= pd.Timestamp("1989-01-01") and end.max() <= pd.Timestamp("2024-12-31")
    assert start.dt.year.nunique() > 25  # spread over the whole period
    assert set(table["region"]) <= {"Africa", "Americas", "Asia", "Europe", "Middle East"}
    assert table["country_id"].nunique() > 40
    one_sided = table["type_of_violence"] == "3"
    assert (table.loc[one_sided, "side_b"] == "Civilians").all()
    assert (table.loc[table["type_of_violence"] == "2", "gwnoa"] == "").all()


def test_country_ids_are_real_gleditsch_ward_codes(table: pd.DataFrame) -> None:
    cm = pd.read_csv(_shared_file("ged251_country_month_global.csv.gz"), usecols=["country_id"])
    # GED 25.1 aggregate: Niger (436), Nigeria (475) missing there, Serbia keyed 340, not 345
    known = set(cm["country_id"]) | {345, 436, 475}
    assert set(table["country_id"].astype(int)) <= known


def _wkt_agrees(wkt: pd.Series, lat: pd.Series, lon: pd.Series) -> pd.Series:
    """Whether each ``POINT (x y)`` rounds or truncates to the 6-decimal longitude/latitude."""
    xy = wkt.str.extract(r"^POINT \((-?[\d.]+) (-?[\d.]+)\)$")

    def agrees(num: str, text: str) -> bool:
        whole, _, frac = num.partition(".")
        return text in (f"{float(num):.6f}", f"{whole}.{(frac + '000000')[:6]}")

    return pd.Series(
        [
            agrees(x, lo) and agrees(y, la)
            for x, y, la, lo in zip(xy[0], xy[1], lat, lon, strict=True)
        ],
        index=wkt.index,
    )


def test_coordinate_rules_hold_on_real_ucdp_file() -> None:
    """The gid formula and the geom_wkt rule, checked on every event of a real UCDP release."""
    real = _read(_real_candidate())
    lat, lon = real["latitude"].astype(float), real["longitude"].astype(float)
    gid = np.floor((lat + 90) / 0.5) * 720 + np.floor((lon + 180) / 0.5) + 1
    assert (gid.astype(int) == real["priogrid_gid"].astype(int)).all()
    micro_lat = np.rint(lat.to_numpy() * 1e6).astype(np.int64)
    micro_lon = np.rint(lon.to_numpy() * 1e6).astype(np.int64)
    assert (synthetic.priogrid_gid(micro_lat, micro_lon) == real["priogrid_gid"].astype(int)).all()
    assert _wkt_agrees(real["geom_wkt"], real["latitude"], real["longitude"]).all()
    plain = synthetic.geom_wkt(
        pa.array(real["latitude"].tolist()), pa.array(real["longitude"].tolist())
    )
    share_plain = (pd.Series(plain.to_pylist()) == real["geom_wkt"]).mean()
    assert 0.85 < share_plain < 1


def test_geom_wkt_follows_ucdp_rule(table: pd.DataFrame) -> None:
    assert _wkt_agrees(table["geom_wkt"], table["latitude"], table["longitude"]).all()
    plain = (
        "POINT (" + _strip_zeros(table["longitude"]) + " " + _strip_zeros(table["latitude"]) + ")"
    )
    assert 0.85 < (table["geom_wkt"] == plain).mean() < 0.99


def test_writer_reproduces_real_file_byte_for_byte(tmp_path: Path) -> None:
    """Quoting, empty fields and "" follow UCDP's export exactly (a copy with nothing revised)."""
    src = _real_candidate()
    out = write_revised_copy(src, tmp_path / "copy.csv", share_revised=0, share_new=0)
    assert out.read_bytes() == gzip.decompress(src.read_bytes())


def test_file_size_close_to_real_ged(tmp_path: Path) -> None:
    n = 20_000
    path = write_synthetic_ged(tmp_path / "size.csv", n_events=n, seed=5)
    estimate = path.stat().st_size / n * REAL_GED_EVENTS
    assert 0.85 * REAL_GED_BYTES <= estimate <= 1.15 * REAL_GED_BYTES


# --- determinism, frame, progress ---------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path: Path, ged: Path) -> None:
    again = write_synthetic_ged(tmp_path / "again.csv", n_events=N, seed=0)
    other = write_synthetic_ged(tmp_path / "other.csv", n_events=N, seed=1)
    assert again.read_bytes() == ged.read_bytes()
    assert other.read_bytes() != ged.read_bytes()


def test_frame_is_the_core_of_the_file(table: pd.DataFrame) -> None:
    frame = synthetic_events_frame(N, seed=0)
    assert list(frame.columns) == list(GED_COLUMNS)
    assert frame["id"].tolist() == table["id"].astype(int).tolist()
    assert frame["best"].tolist() == table["best"].astype(int).tolist()
    assert (frame["latitude"].map("{:.6f}".format) == table["latitude"]).all()
    assert (frame["date_start"].dt.strftime("%Y-%m-%d 00:00:00.000") == table["date_start"]).all()
    assert frame["active_year"].dtype == bool
    assert str(frame["gwnoa"].dtype) == "Int64"
    assert (frame["gwnoa"].isna() == (table["gwnoa"] == "")).all()


def test_progress_callback(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    record: Callable[[int, int], None] = lambda done, total: calls.append((done, total))  # noqa: E731
    write_synthetic_ged(tmp_path / "p.csv", n_events=120_000, seed=2, progress=record)
    assert calls[0] == (0, 120_000) and calls[-1] == (120_000, 120_000)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) > 2


def test_rejects_bad_arguments(tmp_path: Path, ged: Path) -> None:
    with pytest.raises(ValueError):
        write_synthetic_ged(tmp_path / "x.csv", n_events=0)
    with pytest.raises(ValueError):
        write_revised_copy(ged, tmp_path / "y.csv", share_revised=1.5)


# --- revised copy -------------------------------------------------------------------------------


def test_revised_copy_shares_and_ids(table: pd.DataFrame, revised: Path) -> None:
    new = _read(revised)
    assert list(new.columns) == list(GED_COLUMNS)
    assert len(new) == N + round(0.02 * N)
    kept = new.iloc[:N]
    assert kept["id"].tolist() == table["id"].tolist()
    changed = (kept.to_numpy() != table.to_numpy()).any(axis=1)
    assert changed.sum() == round(0.05 * N)
    changed_columns = set(table.columns[(kept.to_numpy() != table.to_numpy()).any(axis=0)])
    assert changed_columns <= REVISABLE and {"best", "source_article"} <= changed_columns
    added = new.iloc[N:]
    assert new["id"].is_unique
    assert added["id"].astype(int).min() > table["id"].astype(int).max()


def test_revised_rows_are_plausible_revisions(table: pd.DataFrame, revised: Path) -> None:
    new = _read(revised)
    kept = new.iloc[:N]
    rows = (kept["best"] != table["best"]).to_numpy()
    before, after = table[rows], kept[rows]
    added = after["best"].astype(int) - before["best"].astype(int)
    assert (added > 0).all()
    unknown = after["deaths_unknown"].astype(int) - before["deaths_unknown"].astype(int)
    assert (unknown == added).all()
    assert (after["low"] == before["low"]).all()
    assert (after["high"].astype(int) >= after["best"].astype(int)).all()
    assert (
        after["number_of_sources"].astype(int)
        == before["number_of_sources"].astype(int).clip(lower=1) + 1
    ).all()
    assert (after["source_article"].str.len() > before["source_article"].str.len()).all()
    assert (after["active_year"] == "true").all()
    for col in ("low", "best", "high"):
        assert new[col].str.fullmatch(r"\d+").all()
    low, best, high = (new[c].astype(int) for c in ("low", "best", "high"))
    assert ((low <= best) & (best <= high)).all()


def test_revised_copy_keeps_other_rows_byte_for_byte(ged: Path, revised: Path) -> None:
    old = _records(ged.read_bytes())
    new = _records(revised.read_bytes())
    assert len(old) == N + 1 and len(new) == N + 1 + round(0.02 * N)
    same = sum(a == b for a, b in zip(old, new[: len(old)], strict=True))
    assert same == N + 1 - round(0.05 * N)  # header + unrevised rows


def test_revised_copy_is_deterministic(ged: Path, revised: Path, tmp_path: Path) -> None:
    again = write_revised_copy(ged, tmp_path / "r.csv", share_revised=0.05, share_new=0.02, seed=1)
    assert again.read_bytes() == revised.read_bytes()


def test_no_accidental_nan_text(table: pd.DataFrame) -> None:
    for col in ("where_coordinates", "country", "side_a", "side_b", "dyad_name", "relid"):
        assert not table[col].str.fullmatch(r"|nan|None").any(), col
    assert not any(re.search(r"\bnan\b|\bNone\b", v) for v in table["source_headline"])
    assert math.isclose(
        (table["number_of_sources"] == "-1").mean(), 0.25, abs_tol=0.15
    )  # legacy citations, as in old GED events
