"""The ``sahelwatch`` command line on the bundled store: help, one-line errors, event filters
checked against plain DuckDB counts on the bundled CSV files, and every export format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from sahelwatch import Store, cli, ingest
from sahelwatch.store import bundled_file

CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"
CANDIDATE_2 = "ucdp_candidate_26.0.2_events_global.csv.gz"
REDUCED = "ucdp_candidate_2025_reduced_global.csv.gz"
MALI_BBOX = "-12.3,10.1,4.3,25.0"


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``sahelwatch ARGS`` in this process through ``cli.main`` (as the console script
    does): exit code, standard output, standard error."""
    monkeypatch.setattr(sys, "argv", ["sahelwatch", *args])
    capsys.readouterr()
    code: int | str | None = 0
    try:
        cli.main()
    except SystemExit as stopped:
        code = stopped.code
    out, err = capsys.readouterr()
    return (0 if code is None else int(code)), out, err


def executable() -> list[str]:
    """The installed console script, else the same entry point through this interpreter."""
    script = Path(sys.executable).parent / "sahelwatch"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from sahelwatch.cli import main; main()"]


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    row = con.execute(f"SELECT count(*) FROM cur WHERE {where}").fetchone()
    assert row is not None
    return int(row[0])


def _uids(con: duckdb.DuckDBPyConnection, where: str) -> list[str]:
    rows = con.execute(f"SELECT 'ucdp:' || id FROM cur WHERE {where}").fetchall()
    return sorted(r[0] for r in rows)


def _export(monkeypatch, capsys, db: Path, out: Path, *args: str) -> tuple[int, str]:
    code, stdout, err = run_cli(
        monkeypatch, capsys, "events", "--db", str(db), *args, "--out", str(out)
    )
    assert code == 0, err
    assert stdout == ""
    return code, err


# --------------------------------------------------------------------------------------------
# Help.


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            "ingest",
            [
                "--bundled",
                "--source",
                "--release",
                "--period",
                "--countries",
                "--no-coverage",
                "--encoding",
                "--db",
            ],
        ),
        ("status", ["--country", "--db"]),
        (
            "events",
            [
                "--country",
                "--period",
                "--type",
                "--actor",
                "--bbox",
                "--min-fatalities",
                "--as-of",
                "--source",
                "--format",
                "--out",
                "--raw",
                "--db",
            ],
        ),
        ("quarantine", ["--limit", "--flagged", "--db"]),
        ("run", ["--db", "--no-serve", "--no-forecast", "--no-backtest", "--port"]),
        ("serve", ["--db", "--host", "--port", "--cors-origin", "--tiles-url"]),
        ("brief", ["--db", "--country", "--region", "--month", "--format", "--out"]),
    ],
)
def test_every_command_has_help(command, options):
    result = CliRunner().invoke(cli.app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    for option in options:
        assert option in result.output, (command, option)


def test_every_registered_command_has_help():
    names = [c.name or c.callback.__name__ for c in cli.app.registered_commands if c.callback]
    assert {"ingest", "status", "events", "quarantine", "run"} <= set(names)
    for name in names:
        result = CliRunner().invoke(cli.app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output and "--help" in result.output


def test_each_command_is_summed_up_in_one_line():
    """The command lists show a docstring's first paragraph as written: a line break inside it
    would break the list's line in the middle of a sentence."""
    import typer.main

    def walk(group, path):
        for name, sub in getattr(group, "commands", {}).items():
            yield f"{path} {name}", (sub.help or "").strip().split("\n\n")[0]
            yield from walk(sub, f"{path} {name}")

    summaries = dict(walk(typer.main.get_command(cli.app), "sahelwatch"))
    assert len(summaries) > 20 and "sahelwatch consequences food" in summaries
    assert {k: v for k, v in summaries.items() if not v or "\n" in v} == {}


def test_top_level_help_lists_commands():
    result = CliRunner().invoke(cli.app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("ingest", "status", "events", "quarantine", "run"):
        assert command in result.output


def test_help_of_installed_script():
    done = subprocess.run(
        [*executable(), "events", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0
    assert "--min-fatalities" in done.stdout and "Traceback" not in done.stderr


# --------------------------------------------------------------------------------------------
# Errors: one line, "error: ...", exit code 1, no traceback.


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["events", "--country", "Atlantis"], "error: unknown country 'Atlantis'; give an ISO3"),
        (["events", "--bbox", "1,2,3"], "error: bounding box '1,2,3' must be four numbers"),
        (["events", "--bbox", "10,0,5,20"], "error: bounding box must be min_lon,min_lat,"),
        (["events", "--period", "2026-13"], "error: '2026-13' is not a month"),
        (["events", "--period", "2026-02..2026-01"], "error: period '2026-02..2026-01' ends"),
        (["events", "--type", "xx"], "error: unknown violence type xx; use sb, ns or os."),
        (["events", "--format", "xml"], "error: unknown export format 'xml'"),
        (["events", "--as-of", "99.9"], "error: the store holds no event release '99.9'"),
        (["status", "--country", "Atlantis"], "error: unknown country 'Atlantis'"),
    ],
)
def test_errors_are_one_line(monkeypatch, capsys, bundled_path, args, message):
    code, out, err = run_cli(monkeypatch, capsys, *args, "--db", str(bundled_path))
    assert code == 1
    assert out == ""
    assert err.startswith(message), err
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err


def test_ingest_errors_are_one_line(monkeypatch, capsys, tmp_path):
    db = str(tmp_path / "s.duckdb")
    code, _, err = run_cli(monkeypatch, capsys, "ingest", "--db", db)
    assert (code, err) == (1, "error: name files to ingest, or pass --bundled.\n")
    bad = tmp_path / "abc.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "ingest", "--db", db, str(bad))
    assert code == 1 and out == ""
    assert err.startswith("error: abc.csv: not a known format (its header is: a, b, c)")
    assert err.count("\n") == 1
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "ingest",
        "--db",
        db,
        "--source",
        "acled",
        str(bundled_file(CANDIDATE_1)),
    )
    lines = err.splitlines()
    assert code == 1 and lines[-1].startswith(f"error: {CANDIDATE_1}: a UCDP GED")
    assert "cannot be source 'acled'" in lines[-1]
    assert all(not line.startswith("error:") for line in lines[:-1])  # progress lines only
    with Store(db, read_only=True) as s:
        assert s.con.execute("SELECT count(*) FROM releases").fetchone() == (0,)


def test_missing_store_is_one_line(monkeypatch, capsys, tmp_path):
    missing = tmp_path / "nope.duckdb"
    for command in ("events", "status", "quarantine"):
        code, _, err = run_cli(monkeypatch, capsys, command, "--db", str(missing))
        assert code == 1
        assert err == (
            f"error: there is no store at {missing}; build one with 'sahelwatch ingest "
            "--bundled'.\n"
        )


@pytest.mark.parametrize(
    "args",
    [["events", "--country", "Atlantis"], ["ingest", "no_such_file.csv"]],
)
def test_errors_from_the_real_executable(bundled_copy, tmp_path, args):
    done = subprocess.run(
        [*executable(), *args, "--db", str(bundled_copy)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("error: ")
    assert "Atlantis" in last or "no_such_file.csv: no such file" in last


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-fatalities", "abc"], "error: Invalid value for '--min-fatalities'"),
        (["--colour", "red"], "error: No such option: --colour"),
    ],
)
def test_usage_errors_are_one_line(monkeypatch, capsys, bundled_path, args, message):
    """Usage errors are one 'error:' line too, with Click's usage exit code 2."""
    code, out, err = run_cli(monkeypatch, capsys, "events", "--db", str(bundled_path), *args)
    assert code == 2
    assert out == ""
    assert err.startswith(message), err
    assert err.endswith(" (see --help)\n") and err.count("\n") == 1


def test_progress_bar_is_off(bundled_path):
    """DuckDB's progress bar prints to standard output for queries over ~2 s; it would corrupt
    `events --format csv > file` and the ingest summary."""
    with Store(bundled_path, read_only=True) as s:
        row = s.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert row == (False,)


# --------------------------------------------------------------------------------------------
# Filters, against plain DuckDB on the CSV files.


def test_events_country_period_type(monkeypatch, capsys, bundled_path, tmp_path, direct):
    out = tmp_path / "mali.csv"
    _, err = _export(
        monkeypatch,
        capsys,
        bundled_path,
        out,
        "--country",
        "MLI",
        "--period",
        "2026-01..2026-02",
        "--type",
        "os",
    )
    frame = pd.read_csv(out)
    where = (
        "country_id = 432 AND tov = 3 AND date_start BETWEEN DATE '2026-01-01' "
        "AND DATE '2026-02-28'"
    )
    assert len(frame) == _count(direct, where) == 12
    assert sorted(frame.uid) == _uids(direct, where)
    assert set(frame.violence_type) == {"os"} and set(frame.country_iso3) == {"MLI"}
    assert err == f"wrote 12 events to {out}\n"
    # The same through the other ways of naming Mali, and two types at once.
    for name in ("432", "Mali", "mali"):
        _export(
            monkeypatch,
            capsys,
            bundled_path,
            out,
            "--country",
            name,
            "--period",
            "2026-01..2026-02",
            "--type",
            "os",
        )
        assert len(pd.read_csv(out)) == 12
    _export(
        monkeypatch,
        capsys,
        bundled_path,
        out,
        "--country",
        "MLI",
        "--country",
        "BFA",
        "--period",
        "2026-02",
        "--type",
        "os",
        "--type",
        "sb",
    )
    where = (
        "country_id IN (432, 439) AND tov IN (1, 3) AND date_start BETWEEN "
        "DATE '2026-02-01' AND DATE '2026-02-28'"
    )
    assert sorted(pd.read_csv(out).uid) == _uids(direct, where)


def test_events_to_standard_output(monkeypatch, capsys, bundled_path, direct):
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "events",
        "--db",
        str(bundled_path),
        "--country",
        "NER",
        "--period",
        "2026-02",
    )
    assert code == 0 and err == ""
    from io import StringIO

    frame = pd.read_csv(StringIO(out))
    where = "country_id = 436 AND date_start BETWEEN DATE '2026-02-01' AND DATE '2026-02-28'"
    assert sorted(frame.uid) == _uids(direct, where)
    assert len(frame) > 0


def test_events_of_months_no_release_covers_say_so(monkeypatch, capsys, bundled_path):
    code, out, err = run_cli(monkeypatch, capsys, "events", "--db", str(bundled_path),
                             "--country", "MLI", "--period", "2025-02..2025-12")  # fmt: skip
    assert code == 0 and len(out.splitlines()) > 1  # February and December have events
    assert err.strip() == ("no data for 2025-03..2025-11: no release covers these months, so "
                           "their events are unknown, not 0.")  # fmt: skip


def test_events_bbox(monkeypatch, capsys, bundled_path, tmp_path, direct):
    out = tmp_path / "box.csv"
    _export(monkeypatch, capsys, bundled_path, out, "--bbox", MALI_BBOX)
    frame = pd.read_csv(out)
    where = "lon BETWEEN -12.3 AND 4.3 AND lat BETWEEN 10.1 AND 25.0"
    assert sorted(frame.uid) == _uids(direct, where)
    assert frame.longitude.between(-12.3, 4.3).all() and frame.latitude.between(10.1, 25.0).all()
    assert {432, 439, 436} <= set(frame.country_gw)
    # A box whose corner is exactly an event's point includes it (bounds are inclusive).
    _export(monkeypatch, capsys, bundled_path, out, "--bbox", "-5.993,14.2526,-5.9,14.3")
    assert "ucdp:609655" in set(pd.read_csv(out).uid)


def test_events_min_fatalities(monkeypatch, capsys, bundled_path, tmp_path, direct):
    out = tmp_path / "big.csv"
    _export(monkeypatch, capsys, bundled_path, out, "--min-fatalities", "100")
    frame = pd.read_csv(out)
    assert sorted(frame.uid) == _uids(direct, "best >= 100")
    assert (frame.best >= 100).all()
    # Events of the reduced 2025 file (no coordinates) are included.
    assert frame.date_start.min() < "2025-03"


def test_events_actor(monkeypatch, capsys, bundled_path, tmp_path, direct):
    out = tmp_path / "jnim.csv"
    _export(monkeypatch, capsys, bundled_path, out, "--actor", "JNIM")
    frame = pd.read_csv(out)
    where = "lower(side_a) LIKE '%jnim%' OR lower(side_b) LIKE '%jnim%'"
    assert sorted(frame.uid) == _uids(direct, where)
    assert len(frame[frame.source == "ucdp_candidate"]) == 190
    _export(
        monkeypatch,
        capsys,
        bundled_path,
        out,
        "--actor",
        "jnim",
        "--country",
        "MLI",
        "--min-fatalities",
        "10",
    )
    where = f"({where}) AND country_id = 432 AND best >= 10"
    assert sorted(pd.read_csv(out).uid) == _uids(direct, where)


def test_events_as_of(monkeypatch, capsys, bundled_path, tmp_path, direct):
    out = tmp_path / "moz.csv"
    _export(monkeypatch, capsys, bundled_path, out, "--as-of", "26.0.1", "--country", "Mozambique")
    then = pd.read_csv(out).set_index("uid")
    _export(monkeypatch, capsys, bundled_path, out, "--country", "Mozambique")
    now = pd.read_csv(out).set_index("uid")
    assert then.loc["ucdp:613486", ["n_sources", "release"]].tolist() == [2, "26.0.1"]
    assert now.loc["ucdp:613486", ["n_sources", "release"]].tolist() == [3, "26.0.2"]
    old = direct.execute(
        "SELECT 'ucdp:' || id FROM allrel WHERE rel <= 1 AND country_id = 541 "
        "GROUP BY id ORDER BY id"
    ).fetchall()
    assert sorted(then.index) == [r[0] for r in old]
    assert sorted(now.index) == _uids(direct, "country_id = 541")
    assert len(now) > len(then)


# --------------------------------------------------------------------------------------------
# Export formats.


@pytest.fixture
def jnim_exports(monkeypatch, capsys, bundled_path, tmp_path) -> dict[str, Path]:
    paths = {}
    for fmt in ("csv", "parquet", "geojson", "jsonl"):
        paths[fmt] = tmp_path / f"jnim.{fmt}"
        _, err = _export(
            monkeypatch, capsys, bundled_path, paths[fmt], "--actor", "JNIM", "--format", fmt,
            "--source", "ucdp_candidate",
        )  # fmt: skip
        assert err == f"wrote 190 events to {paths[fmt]}\n"
        assert not (tmp_path / f"jnim.{fmt}.part").exists()
    return paths


def test_export_formats_agree(jnim_exports):
    csv_frame = pd.read_csv(jnim_exports["csv"])
    parquet = pd.read_parquet(jnim_exports["parquet"])
    lines = jnim_exports["jsonl"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    collection = json.loads(jnim_exports["geojson"].read_text(encoding="utf-8"))
    uids = list(csv_frame.uid)
    assert len(uids) == 190
    assert list(parquet.uid) == uids
    assert [r["uid"] for r in records] == uids
    assert [f["properties"]["uid"] for f in collection["features"]] == uids
    # Same values: fatalities, dates and sources.
    assert list(parquet.best) == list(csv_frame.best) == [r["best"] for r in records]
    assert [r["date_start"] for r in records] == list(csv_frame.date_start)
    assert parquet.date_start.dt.strftime("%Y-%m-%d").tolist() == list(csv_frame.date_start)
    assert str(parquet.best.dtype) == "int32" and parquet.preliminary.all()


def test_export_parquet_types(jnim_exports):
    frame = pd.read_parquet(jnim_exports["parquet"])
    assert pd.api.types.is_datetime64_any_dtype(frame.date_start)
    assert pd.api.types.is_float_dtype(frame.latitude)
    row = frame.set_index("uid").loc["ucdp:609655"]
    assert (row.latitude, row.longitude, row.side_b, row.country_gw) == (
        14.2526,
        -5.993,
        "JNIM",
        432,
    )
    assert "raw" not in frame.columns and "content_hash" not in frame.columns


def test_export_geojson_is_a_feature_collection(jnim_exports):
    collection = json.loads(jnim_exports["geojson"].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 190
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        props = feature["properties"]
        assert (lon, lat) == (props["longitude"], props["latitude"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    first = next(f for f in collection["features"] if f["properties"]["uid"] == "ucdp:609655")
    assert first["geometry"]["coordinates"] == [-5.993, 14.2526]  # lon, lat: Niono, Mali
    assert first["properties"]["date_start"] == "2026-01-01"


def test_export_geojson_without_coordinates(monkeypatch, capsys, bundled_path, tmp_path, direct):
    """The reduced 2025 events have no coordinates: a null geometry, not (0, 0)."""
    out = tmp_path / "mali_2025_01.geojson"
    _export(
        monkeypatch,
        capsys,
        bundled_path,
        out,
        "--country",
        "MLI",
        "--period",
        "2025-01",
        "--format",
        "geojson",
    )
    collection = json.loads(out.read_text(encoding="utf-8"))
    where = "country_id = 432 AND date_start BETWEEN DATE '2025-01-01' AND DATE '2025-01-31'"
    assert len(collection["features"]) == _count(direct, where) == 52
    assert all(f["geometry"] is None for f in collection["features"])


def test_export_jsonl_lines(jnim_exports):
    lines = jnim_exports["jsonl"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 190
    record = next(json.loads(x) for x in lines if '"ucdp:609655"' in x)
    assert record["side_b"] == "JNIM" and record["release"] == "26.0.1"
    assert record["event_type"] is None  # UCDP has no ACLED event type: null, not NaN


def test_export_raw_column(monkeypatch, capsys, bundled_path, tmp_path):
    out = tmp_path / "raw.jsonl"
    _export(
        monkeypatch,
        capsys,
        bundled_path,
        out,
        "--country",
        "MLI",
        "--period",
        "2026-01",
        "--format",
        "jsonl",
        "--raw",
    )
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    raw = json.loads(record["raw"])
    assert raw["id"] == record["source_id"] and raw["country_id"] == "432"


# --------------------------------------------------------------------------------------------
# status, quarantine, ingest.


def test_status_command(monkeypatch, capsys, bundled_path):
    code, out, err = run_cli(monkeypatch, capsys, "status", "--db", str(bundled_path))
    assert code == 0 and err == ""
    assert out.startswith(f"Store {bundled_path}: 19,236 current events (all countries).")
    assert "ucdp_candidate: covers 2025-01..2025-02, 2025-12..2026-02; gaps 2025-03..2025-11" in out
    assert (
        "ucdp_ged_cm 25.1: 52704 rows from 1 file(s), 0 rejected; covers 1989-01..2024-12 "
        "in 122 countries" in out
    )
    code, out, _ = run_cli(
        monkeypatch, capsys, "status", "--db", str(bundled_path), "--country", "NER"
    )
    assert code == 0
    country_lines = out.split("\nCountries:\n", 1)[1].splitlines()
    assert [x.split(":")[0].strip() for x in country_lines if x.startswith("  ")] == [
        "Niger / ucdp_candidate",
        "Niger / ucdp_ged",
        "Niger / views_cm",
    ]


def test_quarantine_command(monkeypatch, capsys, store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    bad = [list(rows[2]), list(rows[3])]
    bad[0][header.index("id")], bad[1][header.index("latitude")] = "1e3", "95"
    ingest(store, write_csv("GEDEvent_v26_0_2_bad.csv", header, [*rows[:2], *bad]))
    store.close()
    code, out, _ = run_cli(monkeypatch, capsys, "quarantine", "--db", str(store.path))
    assert code == 0
    assert out.splitlines() == [
        "GEDEvent_v26_0_2_bad.csv row 4: event id '1e3' is not a plain non-negative whole number",
        f"GEDEvent_v26_0_2_bad.csv row 5: coordinates out of range (95, {rows[3][30]})",
    ]
    code, out, _ = run_cli(
        monkeypatch, capsys, "quarantine", "--db", str(store.path), "--limit", "1"
    )
    assert len(out.splitlines()) == 1


def test_quarantine_flagged_command(monkeypatch, capsys, bundled_path):
    """The bundled store quarantines nothing; its flagged rows are listed with file and row."""
    code, out, _ = run_cli(monkeypatch, capsys, "quarantine", "--db", str(bundled_path))
    assert (code, out) == (0, "The quarantine is empty.\n")
    args = ("quarantine", "--flagged", "--db", str(bundled_path), "--limit", "1000")
    code, out, _ = run_cli(monkeypatch, capsys, *args)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 149
    assert lines[0] == (
        "ucdp_ged201_nigeria_events_standard.csv.gz row 300: ucdp:45910: best 9 above high 8"
    )
    assert f"{CANDIDATE_1} row 1482: ucdp:615725: best 8002 above high 5511" in lines
    assert f"{CANDIDATE_2} row 1138: ucdp:621141: best 7206 above high 6053" in lines


def test_quarantine_command_empty(monkeypatch, capsys, tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    code, out, _ = run_cli(monkeypatch, capsys, "quarantine", "--db", str(db))
    assert (code, out) == (0, "The quarantine is empty.\n")


def test_ingest_command(monkeypatch, capsys, tmp_path):
    db = str(tmp_path / "s.duckdb")
    sample = Path(__file__).parents[1] / "data" / "ged_v23_1_random_sample_1000.csv.gz"
    code, out, err = run_cli(
        monkeypatch, capsys, "ingest", "--db", db, "--no-coverage", str(sample)
    )
    assert code == 0
    assert out.splitlines() == [
        "ged_v23_1_random_sample_1000.csv.gz: ucdp_ged 23.1: 1000 rows read, 1000 added, "
        "0 revised, 0 unchanged, 0 rejected.",
        "  records no coverage.",
        "  flagged 8 (loaded as published): low ….… above best ….…",
        "  flagged 5 (loaded as published): best ….… above high ….…",
    ]
    assert err.splitlines() == [
        "reading ged_v23_1_random_sample_1000.csv.gz (UCDP GED / Candidate events (49 columns))",
        "validating 1000 rows",
        "merging versions",
        "recording coverage",
        "withdrawing records that newer releases lack",
    ]
    code, out, _ = run_cli(monkeypatch, capsys, "ingest", "--db", db, str(sample))
    assert code == 0
    assert "ucdp_ged 23.1: already ingested on" in out and "nothing changed." in out


def test_ingest_command_period_and_countries(monkeypatch, capsys, tmp_path):
    db = str(tmp_path / "s.duckdb")
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "ingest",
        "--db",
        db,
        "--period",
        "2026-01..2026-02",
        "--countries",
        "MLI,BFA,Niger",
        str(bundled_file(CANDIDATE_2)),
    )
    assert code == 0, err
    assert "covers 2026-01..2026-02 in 3 countries." in out
    with Store(db, read_only=True) as s:
        assert s.con.execute(
            "SELECT list_sort(list(DISTINCT country_gw)), count(*) FROM coverage"
        ).fetchone() == ([432, 436, 439], 6)


@pytest.mark.slow
def test_indicators_prints_a_summary_unless_asked_for_everything(
    monkeypatch, capsys, bundled_path: Path, tmp_path: Path
) -> None:
    db = ["--db", str(bundled_path)]
    code, out, _ = run_cli(monkeypatch, capsys, "indicators", "--month", "2026-02", "--level",
                           "admin1", *db)  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("10 units, 2026-02 (") and "--all" in lines[0]
    assert lines[1].split()[:3] == ["unit", "events", "deaths"] and len(lines) == 12
    code, out, _ = run_cli(monkeypatch, capsys, "indicators", "--month", "2025-06", "--level",
                           "country", *db)  # fmt: skip
    assert "no data" in out.splitlines()[2] and " 0 " not in out  # a gap is no data, never 0
    code, out, _ = run_cli(monkeypatch, capsys, "indicators", "--month", "2026-02", "--level",
                           "admin1", "--all", *db)  # fmt: skip
    assert out.splitlines()[0].startswith("unit_id,unit_name,") and len(out.splitlines()) == 11


def test_consequence_tables_say_no_data(monkeypatch, capsys, bundled_path: Path) -> None:
    """The consequence commands' tables: "no data", never NaN or <NA>; years as written."""
    db = ["--db", str(bundled_path)]
    code, out, _ = run_cli(monkeypatch, capsys, "consequences", "food", "--country", "MLI",
                           "--month", "2025-06", *db)  # fmt: skip
    assert code == 0 and "no analysis covers this month" in out and "no data" in out
    code, more, _ = run_cli(monkeypatch, capsys, "consequences", "displacement", *db)
    assert code == 0 and " 2024 " in more and "2,024" not in more
    for text in (out, more):
        assert "NaN" not in text and "<NA>" not in text


def test_table_cells_and_counts_in_words() -> None:
    import numpy as np
    import pandas as pd

    from sahelwatch.words import cell, counted

    values = [None, np.nan, pd.NA, pd.NaT, np.int64(2024), 3.0, 1074993.0, 0.1049, np.bool_(True)]
    assert [cell(v) for v in values] == ["no data"] * 4 + ["2024", "3", "1,074,993", "0.10", "yes"]
    assert (counted(1, "event"), counted(2, "event"), counted(1, "country", "countries"),
            counted(0, "country", "countries"), counted(1200, "death")) == (
        "1 event", "2 events", "1 country", "0 countries", "1,200 deaths")  # fmt: skip


def test_alerts_help_names_the_rules_tables() -> None:
    result = CliRunner().invoke(cli.app, ["alerts", "--help"], env={"COLUMNS": "200"})
    assert "alerts.rules tables" in result.output and "[]" not in result.output
