"""Bad files fail with one sentence naming the file and the problem, and write nothing; bad rows
in good files go to quarantine with file, row number and reason, and the good rows load."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest

from sahelwatch import InputError, Store, events, ingest
from sahelwatch.store import bundled_file

CANDIDATE_1 = "ucdp_candidate_26.0.1_events_global.csv.gz"
CANDIDATE_2 = "ucdp_candidate_26.0.2_events_global.csv.gz"


@pytest.fixture
def loaded(store, release_rows, write_csv) -> Store:
    """A store already holding 100 events of 26.0.1 (so 'nothing written' is not trivial)."""
    header, rows = release_rows(CANDIDATE_1)
    report = ingest(store, write_csv("GEDEvent_v26_0_1_head.csv", header, rows[:100]))
    assert report.added == 100
    return store


def _plain(name: str) -> bytes:
    return gzip.decompress(bundled_file(name).read_bytes())


def _refused(store: Store, path: Path, table_counts, **kwargs) -> str:
    """Ingest ``path``, expect an InputError naming it, check nothing was written."""
    before = table_counts(store)
    with pytest.raises(InputError) as caught:
        ingest(store, path, **kwargs)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: "), message
    assert "\n" not in message
    assert table_counts(store) == before
    return message


# --------------------------------------------------------------------------------------------
# Whole files that cannot be read.


def test_unknown_format(loaded, tmp_path, table_counts):
    path = tmp_path / "abc.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n", encoding="utf-8")
    message = _refused(loaded, path, table_counts)
    assert "not a known format (its header is: a, b, c)" in message
    assert "UCDP GED / Candidate events (49 columns)" in message  # says what it does read


def test_empty_file(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_3.csv"
    path.write_bytes(b"")
    assert "the file is empty" in _refused(loaded, path, table_counts)


def test_header_only(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_3.csv"
    path.write_bytes(_plain(CANDIDATE_1).split(b"\n", 1)[0] + b"\n")
    assert "has a header but no rows" in _refused(loaded, path, table_counts)


def test_missing_file(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_3.csv"
    before = table_counts(loaded)
    with pytest.raises(InputError, match=r"GEDEvent_v26_0_3\.csv: no such file"):
        ingest(loaded, path)
    assert table_counts(loaded) == before


def _truncated(tmp_path: Path, inside_quotes: bool) -> Path:
    data = _plain(CANDIDATE_1)
    # The start of a record past the middle of the file, then a cut inside that record:
    # 40 bytes in (unquoted id/relid/year fields) or inside its quoted source_article.
    start = data.index(b"\n6", len(data) // 2) + 1
    cut = data.index(b'"""', start) + 10 if inside_quotes else start + 40
    assert b"\n" not in data[start:cut]
    path = tmp_path / "GEDEvent_v26_0_1.csv"
    path.write_bytes(data[:cut])
    return path


@pytest.mark.parametrize("inside_quotes", [False, True])
def test_truncated_csv_is_refused(loaded, tmp_path, table_counts, inside_quotes):
    path = _truncated(tmp_path, inside_quotes)
    _refused(loaded, path, table_counts)


def test_truncated_csv_message_says_truncated(loaded, tmp_path, table_counts):
    message = _refused(loaded, _truncated(tmp_path, inside_quotes=False), table_counts)
    assert "truncated" in message
    assert "--encoding" not in message


def test_truncated_gzip(loaded, tmp_path, table_counts):
    data = bundled_file(CANDIDATE_1).read_bytes()
    path = tmp_path / "GEDEvent_v26_0_1.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "compressed file is truncated or corrupt" in _refused(loaded, path, table_counts)


def _latin1_file(tmp_path: Path, release_rows, position: int) -> Path:
    """20 real records of 26.0.2 (those writable in latin-1), one with 'Ségou', as latin-1."""
    header, rows = release_rows(CANDIDATE_2)
    rows = [r for r in rows if all(ord(ch) < 256 for value in r for ch in value)][:20]
    rows[position][header.index("where_description")] = "près de Ségou"
    return _write_latin1(tmp_path / "GEDEvent_v26_0_2_latin1.csv", header, rows)


def _write_latin1(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode("latin-1"))
    return path


def test_wrong_encoding_late_in_file(loaded, tmp_path, release_rows, table_counts):
    path = _latin1_file(tmp_path, release_rows, position=19)
    assert path.read_bytes().index("é".encode("latin-1")) > 8192
    message = _refused(loaded, path, table_counts)
    assert "not valid utf-8" in message
    assert "--encoding" in message


def test_wrong_encoding_early_in_file(loaded, tmp_path, release_rows, table_counts):
    path = _latin1_file(tmp_path, release_rows, position=0)
    message = _refused(loaded, path, table_counts)
    assert "--encoding" in message


@pytest.mark.parametrize("position", [0, 19])
def test_encoding_option_reads_latin1(store, tmp_path, release_rows, position):
    path = _latin1_file(tmp_path, release_rows, position=position)
    report = ingest(store, path, encoding="latin-1")
    assert (report.rows_read, report.added, report.rejected) == (20, 20, 0)
    raws = [r for r in events(store, raw=True)["raw"] if "Ségou" in r]
    assert len(raws) == 1 and "près de Ségou" in raws[0]


def test_zip_with_two_csvs(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("GEDEvent_v26_0_1.csv", _plain(CANDIDATE_1))
        archive.writestr("GEDEvent_v26_0_2.csv", _plain(CANDIDATE_2))
    message = _refused(loaded, path, table_counts)
    assert "a zip file must hold exactly one CSV or Excel file, found 2" in message


def test_zip_with_no_csv(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "nothing here")
    assert "found 0" in _refused(loaded, path, table_counts)


def test_corrupt_xlsx(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_2.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200 + b"not a workbook")
    assert "cannot be read as an Excel workbook" in _refused(loaded, path, table_counts)


def test_xlsx_that_is_really_a_csv(loaded, tmp_path, table_counts):
    path = tmp_path / "GEDEvent_v26_0_2.xlsx"
    path.write_bytes(_plain(CANDIDATE_2)[:5000])
    assert "cannot be read as an Excel workbook" in _refused(loaded, path, table_counts)


# --------------------------------------------------------------------------------------------
# Row-level quarantine: one crafted row per rule among real 26.0.2 records.


def _set(header: list[str], row: list[str], **values: str) -> list[str]:
    row = list(row)
    for column, value in values.items():
        row[header.index(column)] = value
    return row


def _crafted(header: list[str], base: list[list[str]]) -> list[tuple[str, list[str], list[str]]]:
    """(rule, row, words the reason must contain); each bad row gets its own new id."""
    col = header.index
    dup = base[5]
    cases = []
    specs = [
        ("latitude 95", {"latitude": "95.000000"}, ["coordinates out of range", "95.000000"]),
        (
            "zero coordinates",
            {"latitude": "0.000000", "longitude": "0.000000"},
            ["coordinates are exactly 0,0"],
        ),
        (
            "end before start",
            {"date_start": "2026-02-10 00:00:00.000", "date_end": "2026-02-05 00:00:00.000"},
            ["end date 2026-02-05 is before start date 2026-02-10"],
        ),
        ("negative best", {"best": "-3"}, ["negative fatalities best = -3"]),
        ("missing best", {"best": ""}, ["missing fatalities best"]),
        ("violence type 7", {"type_of_violence": "7"}, ["unknown violence type '7'"]),
        ("impossible date", {"date_start": "2026-13-45"}, ["unparseable start date '2026-13-45'"]),
        ("country 999", {"country_id": "999"}, ["unknown country", "999"]),
        (
            "text longitude",
            {"longitude": "east of Gao"},
            ["unparseable coordinates", "east of Gao"],
        ),
    ]
    for k, (rule, values, words) in enumerate(specs):
        source = base[(3 * k + 1) % len(base)]
        row = _set(header, source, **{"id": str(99_000_001 + k), **values})
        cases.append((rule, row, words))
    cases.append(("duplicate id", list(dup), [f"duplicate record ucdp:{dup[col('id')]} "]))
    return cases


def test_quarantine_one_row_per_rule(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    base = rows[:40]  # rows 2..41 of the real file: all valid, some span several lines
    cases = _crafted(header, base)
    records: list[list[str]] = []
    expected: dict[str, tuple[int, list[str], list[str]]] = {}
    for i, row in enumerate(base):
        records.append(row)
        if i % 4 == 3 and cases:
            rule, bad, words = cases.pop(0)
            records.append(bad)
            expected[rule] = (len(records) + 1, bad, words)  # header is row 1
    assert not cases and len(expected) == 10
    first = records.index(base[5]) + 2
    assert first == 8 and expected["duplicate id"][0] > first
    expected["duplicate id"][2].append(f"(first at row {first})")
    path = write_csv("GEDEvent_v26_0_2_crafted.csv", header, records)

    # Records span lines: the crafted rows' line numbers are not their row numbers.
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") > len(records) + 1

    report = ingest(store, path)
    assert (report.rows_read, report.added, report.rejected) == (50, 40, 10)
    got = {
        row_number: (path_, reason, raw)
        for path_, row_number, reason, raw in store.con.execute(
            "SELECT path, row_number, reason, raw FROM quarantine"
        ).fetchall()
    }
    assert sorted(got) == sorted(n for n, _, _ in expected.values())
    for rule, (row_number, bad, words) in expected.items():
        path_, reason, raw = got[row_number]
        assert path_ == str(path.resolve()), rule
        for word in words:
            assert word in reason, (rule, reason)
        assert f'"id":"{bad[header.index("id")]}"' in raw, rule
    # The good rows all load; none of the crafted ids does.
    loaded = {r[0] for r in store.con.execute("SELECT uid FROM event_versions").fetchall()}
    assert loaded == {f"ucdp:{r[header.index('id')]}" for r in base}
    assert not any(uid.startswith("ucdp:99000") for uid in loaded)
    # A report line per kind of reason, with numbers masked.
    kinds = dict(report.reasons)
    assert kinds["coordinates are exactly …,…"] == 1
    assert sum(kinds.values()) == 10


def test_quarantine_rows_count_records_not_lines(store, release_rows, write_csv):
    """Row numbers count records (header = row 1), also after multi-line records."""
    header, rows = release_rows(CANDIDATE_2)
    records = rows[:30]
    bad = _set(header, rows[30], latitude="95.000000")
    records.append(bad)
    path = write_csv("GEDEvent_v26_0_2_crafted.csv", header, records)
    ingest(store, path)
    assert store.con.execute("SELECT row_number FROM quarantine").fetchall() == [(32,)]
    lines_before = path.read_text(encoding="utf-8").split(bad[0] + ",", 1)[0].count("\n")
    assert lines_before + 1 > 32  # the same record starts on a later line


def test_bundled_candidate_rows_are_flagged_not_quarantined(bundled_store):
    """The twelve Candidate rows with best above high or low above best are UCDP's: loaded
    with their fatalities as published, and flagged."""
    assert bundled_store.con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    rows = bundled_store.con.execute(
        "SELECT regexp_extract(l.path, '[^/]+$'), v.row_number, v.best, v.flags "
        "FROM event_versions v JOIN ingest_log l USING (file_id) "
        "WHERE v.flags LIKE '%above%' AND l.path LIKE '%candidate_26%' "
        "ORDER BY v.file_id, v.row_number"
    ).fetchall()
    assert [(name[15:21], n) for name, n, _, _ in rows] == [
        ("26.0.1", 431),
        ("26.0.1", 437),
        ("26.0.1", 518),
        ("26.0.1", 1187),
        ("26.0.1", 1482),
        ("26.0.2", 77),
        ("26.0.2", 78),
        ("26.0.2", 79),
        ("26.0.2", 308),
        ("26.0.2", 309),
        ("26.0.2", 310),
        ("26.0.2", 1138),
    ]
    assert rows[4][2:] == (8002, "best 8002 above high 5511")
    assert sum(best for _, _, best, _ in rows) == 15_295


# --------------------------------------------------------------------------------------------
# Flags: UCDP's own records that break a codebook rule load as published, flagged.


def test_flagged_rows_load_as_published(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    base = rows[:12]
    four = {"deaths_a": "0", "deaths_b": "0", "deaths_civilians": "0", "deaths_unknown": "4"}
    specs = [
        ({"best": "4", "low": "9", "high": "12", **four}, "low 9 above best 4"),
        ({"best": "4", "low": "1", "high": "2", **four}, "best 4 above high 2"),
        ({"high": "many"}, "high 'many' is not a count"),
        ({"low": "-2"}, "low '-2' is not a count"),
        (
            {"best": "5", "low": "5", "high": "5", "deaths_a": "1", "deaths_b": "1",
             "deaths_civilians": "1", "deaths_unknown": "1"},
            "deaths by side sum to 4, not best 5",
        ),
        (
            {"date_prec": "1", "date_start": "2026-02-01 00:00:00.000",
             "date_end": "2026-02-03 00:00:00.000"},
            "date_prec 1 (exact day) but the dates span 2026-02-01..2026-02-03",
        ),
        ({"date_prec": "9"}, "unknown date_prec '9'"),
    ]  # fmt: skip
    crafted = [_set(header, row, **values) for row, (values, _) in zip(base, specs, strict=False)]
    report = ingest(store, write_csv("GEDEvent_v26_0_2_flags.csv", header, crafted + base[7:]))
    assert (report.rows_read, report.added, report.rejected, report.flagged) == (12, 12, 0, 7)
    stored = dict(
        store.con.execute(
            "SELECT row_number, flags FROM event_versions WHERE flags IS NOT NULL"
        ).fetchall()
    )
    assert stored == {i + 2: flag for i, (_, flag) in enumerate(specs)}
    # Fatalities stay as the source wrote them; a value that is no count is left empty.
    got = store.con.execute(
        "SELECT row_number, best, low, high FROM event_versions WHERE row_number IN (2, 4)"
    ).fetchall()
    best, low = (int(base[2][header.index(c)]) for c in ("best", "low"))
    assert sorted(got) == [(2, 4, 9, 12), (4, best, low, None)]


# --------------------------------------------------------------------------------------------
# Ids as given; a missing best; a repeated column name.


@pytest.mark.parametrize("ident", ["1e3", "12.7", "-1", "-0", "0x1F", "12 7"])
def test_id_that_is_not_a_plain_whole_number_is_quarantined(store, release_rows, write_csv, ident):
    header, rows = release_rows(CANDIDATE_2)
    bad = _set(header, rows[3], id=ident)
    report = ingest(store, write_csv("GEDEvent_v26_0_2_ids.csv", header, [*rows[:3], bad]))
    assert (report.added, report.rejected) == (3, 1)
    reason = store.con.execute("SELECT reason FROM quarantine").fetchone()
    assert reason == (f"event id '{ident}' is not a plain non-negative whole number",)
    uids = {u for (u,) in store.con.execute("SELECT uid FROM event_versions").fetchall()}
    assert uids == {f"ucdp:{r[header.index('id')]}" for r in rows[:3]}


def test_whole_number_id_written_with_a_decimal_point_is_read(store, release_rows, write_csv):
    header, rows = release_rows(CANDIDATE_2)
    ident = rows[0][header.index("id")]
    report = ingest(
        store,
        write_csv("GEDEvent_v26_0_2_ids.csv", header, [_set(header, rows[0], id=ident + ".0")]),
    )
    assert (report.added, report.rejected) == (1, 0)
    assert store.con.execute("SELECT uid, source_id FROM event_versions").fetchall() == [
        (f"ucdp:{ident}", ident)
    ]


def test_missing_best_is_quarantined_in_the_reduced_layout(store, tmp_path):
    path = tmp_path / "candidate_reduced.csv"
    path.write_text(
        "id,conflict_new_id,conflict_name,country,country_id,best,type_of_violence,date\n"
        "1,13641,Mali: Government,Mali,432,3,1,2026-01-05\n"
        "2,13641,Mali: Government,Mali,432,,1,2026-01-06\n"
        "3,13641,Mali: Government,Mali,432,2.5,1,2026-01-07\n",
        encoding="utf-8",
    )
    report = ingest(store, path, release="26.0.1", record_coverage=False)
    assert (report.added, report.rejected) == (1, 2)
    assert store.con.execute("SELECT row_number, reason FROM quarantine ORDER BY 1").fetchall() == [
        (3, "missing fatalities best"),
        (4, "fatalities best '2.5' is not a whole number"),
    ]


def test_repeated_column_name_fails_the_file(loaded, tmp_path, release_rows, table_counts):
    header, _rows = release_rows(CANDIDATE_2)
    header = [*header[:-1], "Best"]  # gwnob's place, named as another column
    path = tmp_path / "GEDEvent_v26_0_3.csv"
    path.write_text(
        "\n".join(",".join(r) for r in [header, ["1"] * len(header)]) + "\n", encoding="utf-8"
    )
    message = _refused(loaded, path, table_counts)
    assert message == (
        "GEDEvent_v26_0_3.csv: the header names the column 'best' twice; "
        "rename one of them and ingest the file again."
    )


# --------------------------------------------------------------------------------------------
# A trailing comma on every row (UCDP's country-page export) reads; a ragged file does not.


def _export_text(rows: int) -> tuple[str, list[str]]:
    text = gzip.decompress(
        bundled_file("ucdp_ged241_country_export_guinea_bissau.csv.gz").read_bytes()
    ).decode("utf-8")
    lines = text.split("\n")[:-1]  # no field of this file spans lines
    assert all(line.endswith(",") for line in lines[1:]) and not lines[0].endswith(",")
    return lines[0], lines[1 : rows + 1]


def test_trailing_comma_on_every_row_reads(store, tmp_path):
    head, body = _export_text(5)
    path = tmp_path / "ucdp_ged241_export_head.csv"
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    report = ingest(store, path)
    assert (report.format, report.rows_read, report.added) == ("ucdp_ged_export", 5, 5)
    assert len(store.con.execute("DESCRIBE raw.file_1").fetchall()) == 47


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("value", "row 4 has a value after its last named column (the header names 47 columns)"),
        ("missing", "a row has the wrong number of fields"),
    ],
)
def test_ragged_export_is_refused(loaded, tmp_path, table_counts, change, words):
    head, body = _export_text(5)
    body[2] = body[2] + "extra" if change == "value" else body[2][:-1]
    path = tmp_path / "ucdp_ged241_export_ragged.csv"
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    assert words in _refused(loaded, path, table_counts)
