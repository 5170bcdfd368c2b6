"""The forecast track record on the country page in a real browser (headless Debian Chromium,
as ``test_dashboard.py`` drives it): the headline forecast and why, each evaluation window's
forecasts against what happened, the model against conflictology and calibration, every number
as ``/api/forecasts/track-record`` serves it; a store without a kept backtest says so."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from record_support import keep_evaluation
from test_dashboard import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, Page, browser, open_page, sync_api  # noqa: F401
from web_support import LiveServer, live_server, web_db  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def kept_server(
    web_db: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """The web store (forecasts stored) with a small real evaluation kept (see
    :func:`record_support.keep_evaluation`)."""
    path, _ = keep_evaluation(web_db, tmp_path_factory.mktemp("trackrecord"))
    with LiveServer(path) as live:
        yield live


@pytest.fixture
def page(browser: Any, kept_server: LiveServer) -> Iterator[Page]:  # noqa: F811
    yield from open_page(browser, kept_server, 1000)


@pytest.fixture
def bare_page(browser: Any, live_server: LiveServer) -> Iterator[Page]:  # noqa: F811
    yield from open_page(browser, live_server, 1000)


def whole(value: float | None) -> str:
    """A count as the page writes it (rounded half up, thousands separated)."""
    return "no data" if value is None else f"{math.floor(value + 0.5):,}"


def percent(value: float) -> str:
    return f"{math.floor(100 * value + 0.5)} %"


def text(p: Page, selector: str) -> str:
    return p.page.inner_text(selector).strip()


def shown_window(p: Page, record: dict[str, Any], name: str) -> None:
    """The window table and note show the API's window ``name`` for the models compared."""
    window = next(w for w in record["windows"] if w["window"] == name)
    assert f"Forecast made at {window['origin']} " in text(p, "#tr-window-note")
    models = p.js("Array.from(document.querySelectorAll('#tr-window-table tbody tr:first-child"
                  " td[data-model]')).map(td => td.dataset.model)")  # fmt: skip
    assert models[0] == record["headline"]["model"] and "conflictology" in models
    rows = p.page.locator("#tr-window-table tbody tr")
    assert rows.count() == len(window["months"])
    for i, month in enumerate(window["months"]):
        row = rows.nth(i)
        assert row.get_attribute("data-month") == month["month"]
        assert row.locator("td").nth(2).inner_text() == whole(month["obs"])
        for model in models:
            cell = month["models"][model]
            want = f"{whole(cell['q50'])} ({whole(cell['q05'])}–{whole(cell['q95'])})"
            assert row.locator(f"td[data-model={model}]").inner_text() == want


def test_track_record_shows_the_apis_numbers(page: Page) -> None:
    page.open("#country?country=MLI")
    page.wait("SW.trackRecord && SW.trackRecord.rendered")
    record = page.api("forecasts/track-record", country="MLI", target="total")
    top = record["headline"]
    assert record["windows"] and top["record"]
    # which forecast is the headline, and why (the API's sentence)
    headline = text(page, "#tr-headline")
    assert top["reason"] in headline and top["model_version"] in headline
    # earlier forecasts against what happened: the newest window first, each month's numbers
    names = [w["window"] for w in record["windows"]]
    assert page.js("Array.from(document.querySelectorAll('#tr-window-pick option'))"
                   ".map(o => o.value)") == names  # fmt: skip
    assert page.js("document.getElementById('tr-window-pick').value") == names[-1]
    assert page.js("document.querySelector('#chart-trackrecord canvas') !== null")
    shown_window(page, record, names[-1])
    # the model against conflictology for Mali
    rows = page.page.locator("#tr-summary tbody tr")
    assert rows.count() == len(record["summary"])
    for entry in record["summary"]:
        row = page.page.locator(f"#tr-summary tr[data-model={entry['model']}]")
        assert row.locator("td.crps").inner_text() == f"{entry['crps']:.2f}"
        if entry["model"] != "conflictology":
            assert row.locator("td").nth(2).inner_text() == f"{entry['ratio_to_conflictology']:.2f}"
            assert row.locator("td").nth(3).inner_text() == (
                f"{entry['windows_better']} of {entry['windows']}"
            )
    crps = [float(rows.nth(i).locator("td.crps").inner_text()) for i in range(rows.count())]
    assert crps == sorted(crps)
    # calibration: interval coverage and the PIT histogram, Mali's and all countries'
    unit = {c["model"]: c for c in record["calibration"]["unit"]}
    level = {c["model"]: c for c in record["calibration"]["level"]}
    cal = page.page.locator("#tr-coverage tbody tr")
    assert cal.count() >= 2
    for i in range(cal.count()):
        row = cal.nth(i)
        model = str(row.get_attribute("data-model"))
        assert row.locator("td.cov90").inner_text() == percent(unit[model]["pit_cov90"])
        assert row.locator("td.cov50").inner_text() == percent(unit[model]["pit_cov50"])
        assert row.locator("td.cov90-level").inner_text() == percent(level[model]["pit_cov90"])
        assert row.locator("td.cov90").get_attribute("title") == (
            "inside the 5–95 % quantiles: " + percent(unit[model]["cov90"]))
        bars = page.js(f"Array.from(document.querySelectorAll('#tr-coverage .pit[data-model="
                       f"{model}] .bar')).map(b => Number(b.dataset.value))")  # fmt: skip
        assert bars == pytest.approx(unit[model]["pit"]) and len(bars) == 10
    # the page's CSP refuses style attributes: the bars are sized through the CSSOM
    heights = page.js("Array.from(document.querySelectorAll('#tr-coverage .pit .bar'))"
                      ".map(b => b.getBoundingClientRect().height)")  # fmt: skip
    assert max(heights) > 10
    box = page.js("(() => { const a = document.querySelector('#chart-forecast').closest('article')"
                  ".getBoundingClientRect(), b = document.getElementById('tr-panel')"
                  ".getBoundingClientRect(); return [a.x, a.y + scrollY, b.right, "
                  "b.bottom + scrollY]; })()")  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(
        path=str(ARTIFACTS / "dashboard_track_record.png"), full_page=True,
        clip={"x": box[0], "y": box[1], "width": box[2] - box[0], "height": box[3] - box[1]},
    )  # fmt: skip
    # the VIEWS windows of state-based deaths: the forecast made at 2021-10 for 2022
    page.page.select_option("#tr-target", "sb")
    page.settle()
    page.wait("SW.trackRecord.rendered && SW.trackRecord.data.target === 'sb'")
    sb = page.api("forecasts/track-record", country="MLI", target="sb")
    assert [w["window"] for w in sb["windows"]] == ["Y2022", "Y2023"]
    assert sb["headline"]["reason"] in text(page, "#tr-headline")
    page.page.select_option("#tr-window-pick", "Y2022")
    shown_window(page, sb, "Y2022")
    assert "Forecast made at 2021-10 " in text(page, "#tr-window-note")
    page.assert_clean()


def test_a_store_without_a_backtest_says_so(bare_page: Page) -> None:
    bare_page.open("#country?country=MLI")
    bare_page.wait("SW.trackRecord && SW.trackRecord.rendered")
    assert bare_page.api("forecasts/track-record", country="MLI")["windows"] == []
    assert text(bare_page, "#tr-scores") == (
        "No backtest is stored: run `sahelwatch evaluate --save`."
    )
    assert "no backtest of country-level forecasts is kept" in text(bare_page, "#tr-headline")
    assert bare_page.js("document.getElementById('tr-pick').hidden") is True
    assert bare_page.js("document.querySelector('#chart-trackrecord') === null")
    bare_page.assert_clean()
