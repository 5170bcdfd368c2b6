"""Situation briefs (sahelwatch.brief): the rules on hand-made inputs, every figure against an
independent query of the store, honest "no data", and HTML / PDF / Markdown output."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch.brief import build, headline, render
from sahelwatch.brief import judgement as R
from sahelwatch.brief.builder import Brief, compare, load_drivers
from sahelwatch.panels import event_families
from sahelwatch.query import EventFilter, events
from sahelwatch.store import Store

SOURCES = ["ucdp_ged", "ucdp_candidate"]


# --- rules on crafted inputs ------------------------------------------------------------------


def signals(**kw: object) -> R.Signals:
    base: dict[str, object] = dict(
        unit="Testland", month="2026-02", covered=True, covered_actors=True, best_total=50,
        best_previous=50, best_year_ago=None, armed_dominant_units=0, presence_units=6,
        attacks_on_forces=2, armed_initiated=3, state_initiated=10, capital="Cap",
        capital_km=400.0, capital_trend=0.0,
    )  # fmt: skip
    base.update(kw)
    return R.Signals(**base)  # type: ignore[arg-type]


def test_no_data_month_makes_no_judgement() -> None:
    h = headline(signals(covered=False, covered_actors=False, best_total=None))
    assert h.verdict == "no-data"
    assert h.deciding_rule == "rule_no_data"
    assert "not an absence of violence" in h.text


def test_country_only_extract_gives_no_territorial_judgement() -> None:
    h = headline(signals(covered_actors=False, best_total=208, best_previous=None,
                         best_year_ago=None))  # fmt: skip
    assert h.verdict == "thin-data"
    assert "no trend can be stated" in h.text


def test_holding_when_no_signal_fires() -> None:
    h = headline(signals())
    assert h.verdict == "holding" and h.deciding_rule == "none"
    assert [r.fired for r in h.results] == [False] * 8
    signals_shown = len(h.results) - 2  # all but the two data rules
    assert f"none of the {signals_shown} signals below fired" in h.text
    assert "four" not in h.text


def test_long_trend_judges_years_not_one_month() -> None:
    """A month like the previous one is not 'holding' when the last year runs far above the
    years before; too few months with data give no trend at all."""
    rising = signals(recent_per_month=300.0, recent_months=12, base_per_month=150.0,
                     base_months=36)  # fmt: skip
    h = headline(rising)
    assert h.verdict == "pressure" and h.deciding_rule == "rule_long_trend"
    assert "300 fatalities a month over the last 12 months" in h.text and "+100%" in h.text
    flat = headline(signals(recent_per_month=160.0, recent_months=12, base_per_month=150.0,
                            base_months=36))  # fmt: skip
    assert flat.verdict == "holding" and "+7%" in flat.text
    thin = headline(signals(recent_per_month=300.0, recent_months=2, base_per_month=150.0,
                            base_months=36))  # fmt: skip
    trend = next(r for r in thin.results if r.rule == "rule_long_trend")
    assert not trend.fired and "Too few months with data" in trend.evidence


def test_a_critical_alert_is_a_signal_with_its_evidence() -> None:
    h = headline(signals(alerts=("2 events within 100 km of Bamako",)))
    assert h.verdict == "pressure" and h.deciding_rule == "rule_alerts"
    assert "within 100 km of Bamako" in h.text


def test_losing_ground_needs_dominance_and_initiative() -> None:
    s = signals(armed_dominant_units=2, presence_units=6, dominant_names=("Ansongo", "Menaka"),
                attacks_on_forces=10, armed_initiated=11, state_initiated=10)  # fmt: skip
    h = headline(s)
    assert h.verdict == "losing-ground"  # 2/6 is exactly the 1/3 threshold, 10 attacks the minimum
    assert h.deciding_rule == "rule_armed_dominance + rule_initiative"
    assert "Ansongo" in h.text


def test_losing_ground_fast_with_escalation() -> None:
    s = signals(armed_dominant_units=3, presence_units=6, attacks_on_forces=12, armed_initiated=20,
                state_initiated=5, best_total=100, best_previous=80)  # fmt: skip
    assert headline(s).verdict == "losing-ground-fast"  # 100 >= 1.25 * 80 and +20


@pytest.mark.parametrize(
    ("kw", "rule"),
    [
        (
            {
                "armed_dominant_units": 1,
                "presence_units": 2,
                "attacks_on_forces": 12,
                "armed_initiated": 20,
            },
            "rule_initiative",
        ),
        ({"best_total": 30, "best_previous": 10}, "rule_escalation"),  # +20 exactly: fires
        ({"capital_km": 150.0}, "rule_capital"),
        ({"capital_km": 300.0, "capital_trend": -10.0}, "rule_capital"),
        ({"best_total": 70, "best_previous": None, "best_year_ago": 50}, "rule_escalation"),
    ],
)
def test_single_signals_and_thresholds(kw: dict[str, object], rule: str) -> None:
    h = headline(signals(**kw))
    fired = [r.rule for r in h.results if r.fired]
    assert fired == [rule] and h.verdict == "pressure" and h.deciding_rule == rule


@pytest.mark.parametrize(
    ("kw", "fired", "verdict"),
    [
        # 9 attacks on forces is one short of initiative: dominance alone is only pressure.
        (
            {"attacks_on_forces": 9, "armed_initiated": 20, "armed_dominant_units": 3},
            ["rule_armed_dominance"],
            "pressure",
        ),
        ({"best_total": 99, "best_previous": 80}, [], "holding"),  # below 1.25 x
    ],
)
def test_near_misses(kw: dict[str, object], fired: list[str], verdict: str) -> None:
    h = headline(signals(**kw))
    assert [r.rule for r in h.results if r.fired] == fired and h.verdict == verdict


def test_compare_never_invents_a_change() -> None:
    assert compare(10, None) == "no data"
    assert compare(None, 10) == "no data"
    assert compare(5, 0) == "new: 5 from 0"
    assert compare(0, 0) == "no change (0)"
    assert compare(15, 10) == "+50% (+5)"


def test_drivers_are_dated_and_sourced() -> None:
    items = load_drivers(["MLI"])
    assert all(d["source"] for d in items)
    events_ = {d["event"]: d["date"] for d in items}
    assert events_["Last Barkhane troops leave Mali"] == "2022-08-15"
    assert events_["MINUSMA mandate ends"] == "2023-12-31"
    assert any(d["kind"] == "coup" and d["date"].startswith("2020-08") for d in items)
    assert [d["date"] for d in items] == sorted(d["date"] for d in items)


# --- briefs from the bundled store -----------------------------------------------------------


@pytest.fixture(scope="module")
def mli(bundled_path: Path) -> Iterator[tuple[Store, Brief]]:
    with Store(bundled_path, read_only=True) as store:
        yield store, build(store, country="MLI", month="2026-02", forecast="none")


def month_events(store: Store, month: date, vtype: str | None = None) -> pd.DataFrame:
    flt = EventFilter(countries=["MLI"], start=month, end=month, sources=SOURCES,
                      violence_types=[vtype] if vtype else [])  # fmt: skip
    return events(store, flt)


@pytest.mark.parametrize("slot", ["now", "previous", "year_ago"])
@pytest.mark.parametrize("vtype", [None, "sb", "ns", "os"])
def test_figures_equal_the_store(mli: tuple[Store, Brief], slot: str, vtype: str | None) -> None:
    store, b = mli
    month = {"now": date(2026, 2, 1), "previous": date(2026, 1, 1), "year_ago": date(2025, 2, 1)}
    ev = month_events(store, month[slot], vtype)
    code = vtype or "total"
    fatalities, count = b.figures[f"best_{code}_{slot}"], b.figures[f"events_{code}_{slot}"]
    assert fatalities.value == ev["best"].sum()
    assert count.value == len(ev)
    assert sorted(count.uids) == sorted(ev["uid"])
    assert fatalities.filters["period"] == f"{month[slot]:%Y-%m}"
    if vtype:
        assert f"type={vtype}" in count.link and "country=MLI" in count.link


def test_each_figure_links_to_exactly_its_events(mli: tuple[Store, Brief],
                                                 bundled_path: Path) -> None:
    """The API listing a figure links to holds the figure's events, no more (the family rows
    linked to every event of the month) and its fatalities."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from sahelwatch.web import create_app

    _, b = mli
    with TestClient(create_app(bundled_path, read_env=False)) as client:
        for fig in b.figures.values():
            if fig.value is None or not fig.key.startswith("events_"):
                continue
            listing = client.get(fig.link + "&limit=5000")
            assert listing.status_code == 200, (fig.link, listing.text)
            body = listing.json()
            assert sorted(e["uid"] for e in body["events"]) == sorted(fig.uids), fig.key
            assert body["total"] == fig.value, fig.key
            fatalities = b.figures.get(fig.key.replace("events_", "best_", 1))
            if fatalities is not None and fatalities.value is not None:
                assert body["fatalities"] == fatalities.value, fatalities.key
        # The most active actors, named as the actor dictionary names them ('JNIM (Jama'at
        # Nusrat al-Islam wal-Muslimin)' where UCDP writes 'JNIM'): their links listed 0 events.
        assert len(b.actors) >= 5
        for actor in b.actors:
            body = client.get(actor["link"] + "&limit=5000").json()
            assert sorted(e["uid"] for e in body["events"]) == actor["uids"], actor["actor"]
    assert "actor_family=jihadist" in b.figures["events_jihadist_now"].link


def test_known_values_of_mali(mli: tuple[Store, Brief]) -> None:
    _, b = mli
    assert b.figures["best_total_now"].value == 96
    assert b.figures["best_total_previous"].value == 107
    assert b.figures["best_total_year_ago"].value == 208
    assert b.rows[0].vs_previous == "-10% (-11)"


def test_actor_families_have_no_data_a_year_earlier(mli: tuple[Store, Brief]) -> None:
    store, b = mli
    ev = month_events(store, date(2026, 2, 1))
    fams = event_families(ev)
    assert b.figures["events_jihadist_now"].value == fams["jihadist"].sum()
    assert sorted(b.figures["events_jihadist_now"].uids) == sorted(ev.loc[fams["jihadist"], "uid"])
    jihad = next(r for r in b.family_rows if "jihadist" in r.label)
    # 2025-02 is covered only by the reduced Candidate extract, which names no actors
    assert jihad.year_ago.value is None and jihad.vs_year == "no data"


def test_actors_and_hotspots_match_events(mli: tuple[Store, Brief]) -> None:
    store, b = mli
    ev = month_events(store, date(2026, 2, 1))
    uids = set(ev["uid"])
    assert b.actors and all(set(a["uids"]) <= uids for a in b.actors)
    top = b.actors[0]
    assert top["events"] == len(top["uids"])
    assert top["best"] == ev.set_index("uid").loc[top["uids"], "best"].sum()
    assert b.hotspots and all(h["best"] == ev.set_index("uid").loc[h["uids"], "best"].sum()
                              for h in b.hotspots)  # fmt: skip


def test_headline_of_mali_is_a_rule_outcome(mli: tuple[Store, Brief]) -> None:
    _, b = mli
    ((name, h),) = b.headlines
    assert name == "Mali" and h.verdict not in ("no-data", "thin-data")
    assert {r.rule for r in h.results} >= {"rule_armed_dominance", "rule_initiative"}


def test_html_is_valid_and_links_into_the_api(mli: tuple[Store, Brief], tmp_path: Path) -> None:
    import html5lib

    _, b = mli
    out = render(b, "html", tmp_path / "mli.html")
    text = out.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
    # a file written by the CLI links to a running server (absolute, never file:///api/...)
    link = ("http://127.0.0.1:8000/api/events?country=MLI&amp;period=2026-02&amp;type=os"
            "&amp;source=ucdp_ged&amp;source=ucdp_candidate")
    assert f'href="{link}"' in text
    assert 'href="/api' not in text and "<style>" in text
    served = render(b, "html", tmp_path / "served.html", base_url="http://sw.example/",
                    stylesheet="briefs/style.css").read_text(encoding="utf-8")  # fmt: skip
    assert "<style>" not in served and 'href="briefs/style.css"' in served
    assert "style=" not in served  # the dashboard's CSP forbids inline style
    assert 'href="http://sw.example/api/events?' in served
    assert "data:image/png;base64," in text
    assert "rule_armed_dominance" in text and "Preliminary data" in text


def test_markdown_lists_queries_and_uids(mli: tuple[Store, Brief], tmp_path: Path) -> None:
    _, b = mli
    out = render(b, "md", tmp_path / "mli.md")
    text = out.read_text(encoding="utf-8")
    assert "## Appendix" in text
    assert all(u in text for u in b.figures["events_os_now"].uids)
    assert (tmp_path / "mli_figures" / "events_map.png").stat().st_size > 10_000


def _pages(pdf: Path) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [np.asarray(doc[i].render(scale=0.6).to_pil().convert("L")) for i in range(len(doc))]
    finally:
        doc.close()


def _page_text(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def test_pdf_renders_with_maps(mli: tuple[Store, Brief], tmp_path: Path) -> None:
    _, b = mli
    pdf = render(b, "pdf", tmp_path / "mli.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = _pages(pdf)
    assert len(pages) >= 3
    for page in pages:
        assert (page < 250).mean() > 0.01  # no blank page
    texts = _page_text(pdf)
    at = next(i for i, t in enumerate(texts) if "Events of the month" in t)
    page = pages[at]
    h, w = page.shape
    # the map: a band of the page that is mostly drawn (land, cercles, events), not white
    bands = [
        (page[y : y + h // 4, w // 8 : 7 * w // 8] < 250).mean()
        for y in range(0, 3 * h // 4, h // 16)
    ]
    assert max(bands) > 0.4
    # evidence links survive into the PDF (WeasyPrint makes link annotations of absolute hrefs)
    import re
    import zlib

    data = pdf.read_bytes()
    objects = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            objects.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    uris = [u for o in objects for u in re.findall(rb"/URI\s*\(([^)]*)\)", o)]
    assert any(u.startswith(b"http://127.0.0.1:8000/api/events?") for u in uris), uris[:3]


@pytest.mark.parametrize(("country", "month"), [
    ("SEN", "2026-02"), ("DZA", "2026-02"), ("GIN", "2026-02"), ("CIV", "2026-02"),
    ("MRT", "2026-02"), ("NGA", "2019-06")])  # fmt: skip
def test_briefs_of_countries_without_cercles(bundled_path: Path, country: str, month: str) -> None:
    """Countries without bundled admin-2 boundaries (no armed-group presence by cercle) and
    without a capital series: these briefs stopped with a KeyError (a 500 from the API)."""
    import warnings

    with Store(bundled_path, read_only=True) as store, warnings.catch_warnings():
        warnings.simplefilter("error")  # also no warning for the empty cercle layer of the map
        b = build(store, country=country, month=month, forecast="none", figures=country == "SEN")
    assert b.headlines and b.years and b.hotspots == []
    if country == "SEN":  # covered, with no event: 0, never "no release covers the month"
        assert b.recency[0].startswith("Data for 2026-02: 0 events (the month's event release "
                                       "covers it and records none).")  # fmt: skip
        assert {"events_map", "trend"} <= set(b.images)


def test_headline_states_recency_gaps_years_and_every_rule(mli: tuple[Store, Brief]) -> None:
    _, b = mli
    assert b.recency[0].startswith("Data for 2026-02:") and "26.0.2" in b.recency[0]
    assert "2025-03..2025-11: no data" in b.recency[1]
    ((_, h),) = b.headlines
    assert [r.rule for r in h.results] == [
        "rule_no_data", "rule_thin_data", "rule_armed_dominance", "rule_initiative",
        "rule_escalation", "rule_capital", "rule_long_trend", "rule_alerts",
    ]  # fmt: skip
    years = {y["year"]: y for y in b.years}
    assert years[2024]["fatalities"] == 1901 and years[2024]["capital_km"] is None  # totals only
    assert years[2025]["months"] == 3 and years[2023]["capital_km"] is not None


@pytest.mark.slow
def test_an_alert_raised_for_the_country_appears_in_the_brief(
    bundled_copy: Path, tmp_path: Path
) -> None:
    from sahelwatch.config import check_rules
    from sahelwatch.store import bundled_file

    with Store(bundled_copy) as store:
        raised = check_rules(store, bundled_file("alert_rules.toml"))
    near = next(a for a in raised if a.rule == "near-bamako")  # clashes 84-93 km from Bamako
    with Store(bundled_copy, read_only=True) as store:
        b = build(store, country="MLI", month="2026-02", forecast="none", figures=False)
    assert [a["title"] for a in b.alerts if a["rule"] == "near-bamako"] == [near.title]
    ((_, h),) = b.headlines
    fired = {r.rule for r in h.results if r.fired}
    assert "rule_alerts" in fired and h.verdict != "holding" and near.title in h.text
    text = render(b, "md", tmp_path / "alert.md").read_text(encoding="utf-8")
    assert "## Alerts raised for this period" in text and near.title in text


def test_no_data_month_is_honest(bundled_path: Path, tmp_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        b = build(store, country="MLI", month="2025-06", forecast="auto")
    ((_, h),) = b.headlines
    assert h.verdict == "no-data"
    assert not b.covered and "events_map" not in b.images
    assert all(r.now.value is None and r.now.uids == [] for r in b.rows + b.family_rows)
    assert all(r.vs_previous == "no data" for r in b.rows)
    assert not b.forecast["available"] and "no data" in b.forecast["note"]
    text = render(b, "md", tmp_path / "empty.md").read_text(encoding="utf-8")
    assert "No judgement for Mali in 2025-06" in text
    assert "0%" not in text.split("## Key figures")[1].split("## Maps")[0]
    assert "- Events of 2025-06: no data (no release covers this month).\n" in text
    assert "| 370 (2 of 12 months; 4 no data, 6 after 2025-06) |" in text
    assert "0 have no coordinates" not in text and "this month (no data)." in text
    html = render(b, "html", tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "<li>Events of 2025-06: no data (no release covers this month).</li>" in html


def test_totals_only_month_has_no_event_figures(bundled_path: Path) -> None:
    """2024 has only GED country-month totals: no event map of zero events, no event count."""
    with Store(bundled_path, read_only=True) as store:
        b = build(store, country="MLI", month="2024-06", forecast="none")
    assert b.covered and "events_map" not in b.images
    assert b.image_notes["events_map"] == "No event map: no event release covers 2024-06."
    assert b.coverage["events"] is None and b.coverage["unlocated"] is None
    assert b.coverage["events_text"] == (
        "Events of 2024-06: no event data (only country-month totals cover this month)"
    )


@pytest.mark.slow
def test_region_brief_end_to_end(bundled_path: Path, tmp_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        b = build(store, region="sahel", month="2026-02", forecast="none")
        ev = events(store, EventFilter(countries=["MLI", "BFA", "NER", "MRT", "DZA", "SEN",
                                                  "GIN", "CIV"], start=date(2025, 12, 1),
                                       end=date(2026, 2, 1), sources=SOURCES))  # fmt: skip
    # An event is counted in its first month; its deaths are shared evenly over the months
    # it spans (docs/methodology.md), so events begun in January give February a share.
    first = pd.to_datetime(ev["date_start"]).dt.to_period("M")
    last = pd.to_datetime(ev["date_end"]).dt.to_period("M")
    feb = pd.Period("2026-02", "M")
    spans = (last - first).apply(lambda d: d.n) + 1
    share = ev["best"].where((first <= feb) & (last >= feb), 0) / spans
    assert b.figures["events_total_now"].value == (first == feb).sum()
    assert b.figures["best_total_now"].value == pytest.approx(share.sum())
    assert {n for n, _ in b.headlines} >= {"Mali", "Burkina Faso", "Niger"}
    out = render(b, "html", tmp_path / "sahel.html")
    assert "Situation brief: Sahel, 2026-02" in out.read_text(encoding="utf-8")


def test_stored_forecast_is_used(bundled_copy: Path) -> None:
    from sahelwatch.forecast import MODEL_VERSION, store_forecast
    from sahelwatch.forecast.data import draws_frame

    rng = np.random.default_rng(0)
    draws = rng.poisson(40, size=(2, 4, 1, 50)).astype(float)
    months = [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2027, 2, 1)]
    frame = draws_frame("country", np.array([432, 439]), months, ["total"], draws)
    cercles = draws_frame("admin2", np.array(["ML0101", "ML0102"]), months, ["total"], draws)
    with Store(bundled_copy) as store:
        store_forecast(store, frame, "2026-02", MODEL_VERSION)
        store_forecast(store, cercles, "2026-02", "located-test")
        b = build(store, country="MLI", month="2026-02", forecast="stored", figures=False)
    # the note says what the store holds below country level, not that nothing is there
    note = b.forecast["note"]
    assert "no cercle-level forecast" not in note
    assert "admin-2 units (cercles in Mali) (model located-test, newest origin 2026-02)" in note
    assert "/api/forecasts serves them (level=admin2)" in note
    rows = b.forecast["rows"]
    assert [r["horizon"] for r in rows] == [1, 2, 3, 12]
    assert rows[0]["q50"] == np.quantile(draws[0, 0, 0], 0.5)
    assert b.forecast["risk"][432] == pytest.approx((draws[0, :3, 0] >= 25).mean())
    assert "stored forecast" in b.forecast["how"]
    assert rows[0]["country"] == "Mali"


def test_benchmark_tables_name_their_target(bundled_copy: Path, tmp_path: Path) -> None:
    """Each kept evaluation is shown under a caption naming its target and windows: the
    challenge's state-based scores are not read as scores of the all-types forecast."""
    scored = [("sb", "Y2018, Y2019, Y2020", "blend", 53.8), ("sb", "Y2018, Y2019, Y2020",
              "conflictology", 54.1), ("total", "2010-06, 2010-12, 2011-06", "blend", 44.6),
              ("total", "2010-06, 2010-12, 2011-06", "conflictology", 42.5)]  # fmt: skip
    with Store(bundled_copy) as store:
        store.con.execute(
            "CREATE TABLE evaluations (created_at TIMESTAMP, level VARCHAR, model VARCHAR, "
            "windows VARCHAR, n_draws INTEGER, seed INTEGER, crps DOUBLE, ign DOUBLE, "
            "mis90 DOUBLE, unit_months BIGINT, target VARCHAR, cov50 DOUBLE, cov90 DOUBLE, "
            "model_version VARCHAR)"
        )
        for target, windows, model, crps in scored:
            store.con.execute(
                "INSERT INTO evaluations VALUES (TIMESTAMP '2026-12-01 10:00', 'country', ?, ?, "
                "200, 0, ?, 1.0, 900.0, 100, ?, 0.5, 0.9, ?)",
                [model, windows, crps, target, model],
            )
        b = build(store, country="MLI", month="2026-02", forecast="none", figures=False)
    text = render(b, "md", tmp_path / "scores.md").read_text(encoding="utf-8")
    assert (
        "Model against benchmarks on state-based fatalities (target sb), country level, every "
        "country scored: VIEWS challenge windows Y2018..Y2020; evaluation of 2026-12-01"
    ) in text
    assert "On state-based fatalities the model has the lowest mean CRPS, ahead of" in text
    assert (
        "Model against benchmarks on fatalities of all types (target total), country level, "
        "every country scored: 3 rolling windows, origins 2010-06..2011-06;"
    ) in text
    assert (
        "On fatalities of all types the model is behind conflictology (last 12 months) on mean "
        "CRPS (44.60 against 42.50)."
    ) in text
    assert "sahelwatch evaluate" not in text.split("## Forecast")[1].split("### Track")[0]


@pytest.mark.slow
def test_brief_command_writes_the_file(monkeypatch, capsys, bundled_path: Path, tmp_path: Path):
    from sahelwatch import cli

    built: list[Brief] = []

    def build_once(*args, **kwargs) -> Brief:
        """The first run builds the brief; the runs after it change only where links point."""
        if not built:
            built.append(build(*args, **kwargs))
        return built[0]

    monkeypatch.setattr("sahelwatch.brief.build", build_once)
    out = tmp_path / "mli.md"
    argv = ["sahelwatch", "brief", "--country", "MLI", "--format", "md", "--forecast", "none",
            "--out", str(out), "--db", str(bundled_path)]  # fmt: skip
    monkeypatch.setattr("sys.argv", argv)
    cli.main()
    assert "wrote the 2026-02 brief" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("#") and "Mali" in out.read_text()
    assert "](http://127.0.0.1:8000/api/events?" in out.read_text()  # links to `serve`
    monkeypatch.setattr("sys.argv", [*argv, "--base-url", "https://sw.example.org/"])
    cli.main()
    assert "](https://sw.example.org/api/events?" in out.read_text()
    monkeypatch.setattr("sys.argv", [*argv, "--base-url", ""])
    cli.main()
    assert "/api/events?" not in out.read_text()  # no server named: no links
    capsys.readouterr()
    monkeypatch.setattr("sys.argv", [*argv[:2], "--db", str(bundled_path)])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == "error: give either --country or --region."


def test_markdown_is_not_html_escaped(mli: tuple[Store, Brief], tmp_path: Path) -> None:
    _, b = mli
    text = render(b, "md", tmp_path / "mli.md").read_text(encoding="utf-8")
    html = render(b, "html", tmp_path / "mli.html").read_text(encoding="utf-8")
    assert "'sahelwatch evaluate" in text and "&#39;" not in text and "&amp;" not in text
    assert "&#39;sahelwatch evaluate" in html
