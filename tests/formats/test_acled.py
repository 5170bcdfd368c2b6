"""ACLED semantics, coverage and withdrawals, on hand-written ACLED-layout fixtures
(tests/data/ACLED_FIXTURES.md), and the withdrawal of events a newer UCDP GED yearly release
lacks, on real rows of the GED 23.1 sample."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sahelwatch import EventFilter, Store, events, ingest, status
from sahelwatch.actors import load_dictionary
from sahelwatch.cli import app
from sahelwatch.formats.acled import actor_type_sql
from sahelwatch.panels import build_panel
from sahelwatch.store import bundled_file

DATA = Path(__file__).parents[1] / "data"
EXPORT_A = DATA / "acled_export_2019a_pre2023.csv"  # release 2019-04-05
EXPORT_B = DATA / "acled_export_2019b_pre2023.csv"  # release 2019-07-08
DELETED = DATA / "acled_deleted_fixture.csv"  # release 2019-08-02
MALI, BURKINA, NIGER = 432, 439, 436


def _types(store: Store) -> dict[str, str | None]:
    rows = store.con.execute(
        f"SELECT source_id, violence_type FROM ({store.current_sql()})"
    ).fetchall()
    return dict(rows)


def _current(store: Store, as_of: int | None = None) -> dict[str, int]:
    sql = f"SELECT source_id, best FROM ({store.current_sql(as_of=as_of)})"
    return dict(store.con.execute(sql).fetchall())


def _release_id(store: Store, release: str) -> int:
    row = store.con.execute("SELECT release_id FROM releases WHERE release = ?", [release])
    found = row.fetchone()
    assert found is not None
    return int(found[0])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("State forces", 1),
        ("State Forces", 1),
        ("STATE FORCES", 1),
        ("  state \t forces ", 1),
        ("1", 1),
        ("1.0", 1),
        ("Rebel group", 2),
        ("Rebel Groups", 2),
        ("Political militia", 3),
        ("IDENTITY MILITIAS", 4),
        ("Rioters", 5),
        ("protesters", 6),
        ("Civilians", 7),
        ("7", 7),
        ("External/Other forces", 8),
        ("External / Other Forces", 8),
        ("0", 0),
        ("", 0),
        (None, 0),
        ("Sole rioters", None),
    ],
)
def test_actor_types_are_read_as_codes_or_labels_in_any_case(
    store: Store, text: str | None, code: int | None
) -> None:
    row = store.con.execute(f"SELECT {actor_type_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [text])
    assert row.fetchone() == (code,)


def test_violence_types_in_the_current_layout(store: Store) -> None:
    report = ingest(store, DATA / "acled_actor_types_current.csv", record_coverage=False)
    assert report.rejected == 0
    assert _types(store) == {
        # state forces as words, in every casing and spacing, and as codes
        "MLI6001": "sb",
        "MLI6002": "sb",
        "MLI6003": "sb",
        "MLI6004": "sb",
        "MLI6010": "sb",
        # foreign forces, coded 8 (External/Other forces), against JNIM / IS Sahel / gunmen
        "MLI6005": "sb",  # Wagner Group
        "MLI6006": "sb",  # Military Forces of France
        "MLI6007": "sb",  # MINUSMA
        "NIR6002": "sb",  # Africa Corps, "external / other forces"
        "NIR6005": "sb",  # Military Forces of France, code 8
        # non-state: two non-state armed groups, or a private security firm (also coded 8)
        "BFO6001": "ns",
        "BFO6002": "ns",
        "NIR6001": "ns",
        "NIR6003": "ns",  # an explosion with no named target
        # one-sided only against civilians: named by civilian_targeting or by inter2
        "BFO6003": "os",
        "BFO6004": "os",
        "MLI6008": "os",  # a state drone strike on civilians
        "MLI6009": "sb",  # an IED against soldiers
        "NIR6004": None,  # mob violence is not organised violence
    }


def test_violence_types_in_the_pre2023_layout(store: Store) -> None:
    report = ingest(store, DATA / "acled_actor_types_pre2023.csv", record_coverage=False)
    assert report.rejected == 0
    assert _types(store) == {
        "MLI7001": "sb",
        "MLI7002": "sb",  # France (8) against JNIM
        "MLI7003": "sb",  # MINUSMA (8) against gunmen
        "MLI7004": "ns",
        "MLI7005": "ns",  # JNIM against IS Greater Sahara
        "MLI7006": "os",
        "MLI7007": "sb",  # JNIM shelling a French camp
        "MLI7008": "sb",  # a French air strike, no second actor
        "MLI7009": "sb",  # codes written 1.0 / 2.0
        "MLI7010": None,
        "MLI7011": "sb",  # words in the old layout
    }


def test_an_export_covers_every_month_from_a_countrys_first_event(store: Store) -> None:
    report = ingest(store, EXPORT_A)
    assert report.coverage == "2019-01..2019-03" and report.countries == 3
    covered = store.con.execute(
        "SELECT country_gw, min(month), max(month), count(*) FROM coverage GROUP BY ALL ORDER BY 1"
    ).fetchall()
    first, last = date(2019, 1, 1), date(2019, 3, 1)
    assert covered == [
        (MALI, first, last, 3),
        (NIGER, date(2019, 2, 1), last, 2),
        (BURKINA, first, last, 3),
    ]
    panel = build_panel(store, "country", family="acled", countries=["MLI"]).set_index("month")
    assert panel.loc[pd.Timestamp("2019-02-01"), "best_total"] == 0  # a quiet month: zero
    assert panel.loc[pd.Timestamp("2019-03-01"), "best_total"] == 10


def test_period_overrides_the_covered_months(store: Store) -> None:
    ingest(store, EXPORT_A, period=(date(2018, 12, 1), date(2019, 4, 1)))
    months = store.con.execute(
        "SELECT DISTINCT month FROM coverage WHERE country_gw = ? ORDER BY 1", [NIGER]
    ).fetchall()
    assert [m for (m,) in months] == [date(2018, 12, 1)] + [date(2019, i, 1) for i in (1, 2, 3, 4)]


def test_an_event_missing_from_a_newer_export_is_withdrawn(store: Store) -> None:
    ingest(store, EXPORT_A)
    report = ingest(store, EXPORT_B)
    # MLI5001 changed only data_id and timestamp, MLI5002 only its timestamp: not revisions.
    assert (report.added, report.revised, report.unchanged, report.withdrawn) == (2, 1, 5, 1)
    current = _current(store)
    assert "MLI5004" not in current and len(current) == 8 and current["MLI5003"] == 7
    as_of_a = _current(store, _release_id(store, "2019-04-05"))
    assert as_of_a["MLI5004"] == 6 and as_of_a["MLI5003"] == 4 and len(as_of_a) == 7
    versions = dict(
        store.con.execute("SELECT source_id, count(*) FROM event_versions GROUP BY 1").fetchall()
    )
    assert versions["MLI5001"] == 1 and versions["MLI5002"] == 1 and versions["MLI5003"] == 2
    (reason,) = store.con.execute("SELECT reason FROM withdrawals").fetchone() or ("",)
    assert reason == "missing from acled 2019-07-08, which covers its country and month"
    gone = events(store, EventFilter(withdrawn=True))
    assert gone["source_id"].tolist() == ["MLI5004"] and gone["best"].tolist() == [6]
    assert status(store).withdrawn == 1


def test_only_covered_countries_withdraw(store: Store) -> None:
    ingest(store, EXPORT_A)
    report = ingest(store, EXPORT_B, countries=[NIGER, BURKINA])
    assert report.withdrawn == 0 and "MLI5004" in _current(store)


def test_an_incremental_file_withdraws_nothing(store: Store) -> None:
    ingest(store, EXPORT_A)
    report = ingest(store, EXPORT_B, complete=False)
    assert report.withdrawn == 0 and len(_current(store)) == 9


def test_withdrawal_does_not_depend_on_the_order_of_ingestion(store: Store) -> None:
    ingest(store, EXPORT_B)
    report = ingest(store, EXPORT_A)  # older: its MLI5004 is withdrawn by the newer export
    assert report.withdrawn == 1
    current = _current(store)
    assert "MLI5004" not in current and len(current) == 8 and current["MLI5003"] == 7
    assert _current(store, _release_id(store, "2019-04-05"))["MLI5004"] == 6


def test_a_withdrawn_event_that_comes_back_is_current_again(store: Store, tmp_path: Path) -> None:
    ingest(store, EXPORT_A)
    ingest(store, EXPORT_B)
    lines = EXPORT_A.read_text(encoding="utf-8").splitlines()
    record = next(line for line in lines if ",MLI5004," in line)
    again = record.replace(",1553853600,", ",1567332000,")  # only a newer timestamp
    assert again != record
    later = tmp_path / "acled_mli5004_again.csv"
    later.write_text(f"{lines[0]}\n{again}\n", encoding="utf-8")
    report = ingest(store, later, complete=False)
    assert report.release == "2019-09-01" and report.unchanged == 1
    assert _current(store)["MLI5004"] == 6
    assert "MLI5004" not in _current(store, _release_id(store, "2019-07-08"))


def test_acled_deleted_events_list(store: Store) -> None:
    ingest(store, EXPORT_A)
    ingest(store, EXPORT_B)
    report = ingest(store, DELETED)
    assert (report.format, report.release, report.rows_read) == ("acled_deleted", "2019-08-02", 3)
    assert report.withdrawn == 2  # NIR9999 was never in this store
    assert "2 of them were in the store and are withdrawn" in report.summary()
    current = _current(store)
    assert len(current) == 6 and not {"MLI5002", "BFO5001", "MLI5004"} & set(current)
    assert {"MLI5002", "BFO5001"} <= set(_current(store, _release_id(store, "2019-07-08")))
    assert status(store).withdrawn == 3
    text = status(store).to_text()
    assert "2019-08-02: list of 3 deleted events from 1 file(s), 0 rejected; withdrew 2" in text
    assert "newest data 2019-06-01; withdrew 1 events;" in text  # export B
    reasons = dict(
        store.con.execute("SELECT uid, reason FROM withdrawals WHERE uid LIKE '%5002'").fetchall()
    )
    assert reasons == {"acled:MLI5002": "in the list of deleted events (deleted 2019-08-01)"}
    assert ingest(store, DELETED).already_ingested is not None


def test_cli_says_how_many_events_are_withdrawn(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    loaded = runner.invoke(app, ["ingest", str(EXPORT_A), str(EXPORT_B), "--db", db])
    assert loaded.exit_code == 0 and "withdrew 1 records" in loaded.output
    shown = runner.invoke(app, ["status", "--db", db])
    assert "8 current events (all countries). 1 events are withdrawn" in shown.output
    listed = runner.invoke(app, ["events", "--country", "MLI", "--db", db])
    assert "1 withdrawn events match too" in listed.stderr
    assert "MLI5004" not in listed.stdout
    withdrawn = runner.invoke(app, ["events", "--withdrawn", "--db", db])
    assert "acled:MLI5004" in withdrawn.stdout and "withdrawn events match" not in withdrawn.stderr
    old = runner.invoke(app, ["events", "--as-of", "2019-04-05", "--db", db])
    assert "acled:MLI5004" in old.stdout


# --- UCDP GED yearly releases ----------------------------------------------------------------


@pytest.fixture
def syria_2013(
    release_rows: Callable[[str], tuple[list[str], list[list[str]]]],
) -> tuple[list[str], list[list[str]]]:
    """Six real events of the GED 23.1 sample: Syria, 2013."""
    header, rows = release_rows("ged_v23_1_random_sample_1000.csv.gz")
    country, year = header.index("country"), header.index("year")
    chosen = [r for r in rows if r[country] == "Syria" and r[year].startswith("2013")][:6]
    assert len(chosen) == 6
    return header, chosen


def test_a_ged_yearly_release_withdraws_what_it_lacks(
    store: Store, syria_2013: tuple[list[str], list[list[str]]], write_csv: Callable[..., Path]
) -> None:
    header, rows = syria_2013
    ident = header.index("id")
    gone = rows[2][ident]
    ingest(store, write_csv("ged231.csv", header, rows))
    report = ingest(store, write_csv("ged241.csv", header, rows[:2] + rows[3:]))
    assert (report.source, report.release, report.withdrawn) == ("ucdp_ged", "24.1", 1)
    current = set(_current(store))
    assert len(current) == 5 and str(int(float(gone))) not in current  # ids are written 300380.0
    assert len(_current(store, _release_id(store, "23.1"))) == 6


def test_a_candidate_release_withdraws_nothing(
    store: Store, syria_2013: tuple[list[str], list[list[str]]], write_csv: Callable[..., Path]
) -> None:
    header, rows = syria_2013
    ingest(store, write_csv("ged231.csv", header, rows))
    report = ingest(
        store,
        write_csv("GEDEvent_v24_0_1.csv", header, rows[1:]),
        period=(date(2013, 1, 1), date(2013, 12, 1)),
    )
    assert report.source == "ucdp_candidate" and report.withdrawn == 0
    assert len(_current(store)) == 6


def test_an_hdx_hashtag_row_is_set_aside_with_its_reason(store: Store, tmp_path: Path) -> None:
    header, *records = EXPORT_A.read_text(encoding="utf-8").splitlines()
    tags = ["" for _ in header.split(",")]
    for name, tag in (("event_id_cnty", "#event+code"), ("event_date", "#date+occurred")):
        tags[header.split(",").index(name)] = tag
    hdx = tmp_path / "conflict_data_mli.csv"
    hdx.write_text("\n".join([header, ",".join(tags), *records]) + "\n", encoding="utf-8")
    report = ingest(store, hdx)
    assert (report.rejected, report.added) == (1, 7)
    (reason,) = store.con.execute("SELECT reason FROM quarantine").fetchone() or ("",)
    assert reason.startswith("HXL hashtag row (HDX metadata), no event")


def test_the_dictionary_knows_every_actor_of_the_fixtures() -> None:
    names = pd.concat(
        pd.read_csv(path, dtype=str, keep_default_na=False)[["actor1", "actor2"]]
        for path in sorted(DATA.glob("acled_*.csv"))
        if "deleted" not in path.name and "bad_rows" not in path.name
    )
    sides = pd.DataFrame({"side_a": names["actor1"], "side_b": names["actor2"]})
    assert load_dictionary().unknown_actors(sides.replace("", None)).empty


def test_a_sample_that_claims_global_coverage_withdraws_nothing(store: Store) -> None:
    nigeria = bundled_file("ucdp_ged201_nigeria_events_standard.csv.gz")
    sample = DATA / "ged_v23_1_random_sample_1000.csv.gz"
    ids = [set(pd.read_csv(f, usecols=["id"])["id"].astype(int)) for f in (nigeria, sample)]
    ingest(store, nigeria)
    report = ingest(store, sample)  # 1,000 events in 196 countries: read as a global release
    assert report.withdrawn == 0
    assert report.not_withdrawn == len(ids[0] - ids[1]) == 4587
    assert "it is taken for a sample or extract" in report.summary()
    assert len(_current(store)) == len(ids[0] | ids[1])


def test_a_release_ingested_after_a_sample_is_not_withdrawn_by_it(store: Store) -> None:
    ingest(store, DATA / "ged_v23_1_random_sample_1000.csv.gz")  # nothing earlier: no check
    report = ingest(store, bundled_file("ucdp_ged201_nigeria_events_standard.csv.gz"))
    assert (report.withdrawn, report.not_withdrawn) == (0, 4587)
    assert len(_current(store)) == 1000 + 4587


def test_the_api_counts_withdrawn_events_and_shows_one(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sahelwatch.web import create_app

    db = tmp_path / "api.duckdb"
    with Store(db) as store:
        ingest(store, EXPORT_A)
        ingest(store, EXPORT_B)
    with TestClient(create_app(db, read_env=False)) as client:
        assert client.get("/api/status").json()["withdrawn"] == 1
        listed = client.get("/api/events?limit=100").json()["events"]
        assert "acled:MLI5004" not in {e["uid"] for e in listed} and len(listed) == 8
        gone = client.get("/api/events/acled:MLI5004").json()
        assert gone["event"]["best"] == 6 and gone["withdrawn"] == {
            "source": "acled",
            "release": "2019-07-08",
            "reason": "missing from acled 2019-07-08, which covers its country and month",
        }
        assert client.get("/api/events/acled:MLI5003").json()["withdrawn"] is None
