"""The consequences views of the dashboard in a real browser (headless Debian Chromium, as
``test_dashboard.py`` drives it): the food-insecurity layer follows the month slider, grey
where no analysis covers the month (no data, never a colour for 0), and the displacement chart
draws carried-forward years dashed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_dashboard import CHROMIUM, LAUNCH_ARGS, Page, browser, open_page, sync_api  # noqa: F401
from web_support import LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

NODATA = "#cfcac0"


@pytest.fixture(scope="module")
def server(bundled_path: Path) -> Iterator[LiveServer]:
    with LiveServer(bundled_path) as live:
        yield live


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Page]:  # noqa: F811
    yield from open_page(browser, server, 1000)


def fills(p: Page) -> dict[str, str]:
    return p.js(
        "Object.fromEntries(SW.consequences.layer.getLayers().map("
        "l => [l.feature.properties.unit_id, l.options.fillColor]))"
    )


def test_food_layer_follows_the_slider_and_shows_gaps(page: Page) -> None:
    page.open("#map?country=SAHEL&start=2021-06&end=2023-03&month=2022-04")
    page.wait("SW.consequences && SW.consequences.ready")
    page.page.select_option("#q-food", "share35")
    page.settle()
    page.wait("SW.consequences.rows.length === 165")
    expected = page.api("consequences/food", month="2022-04", country="MLI,BFA,NER")
    status = {r["unit_id"]: r["status"] for r in expected["rows"]}
    painted = fills(page)
    assert painted.keys() == status.keys()
    for unit, state in status.items():  # Mali has no current analysis for 2022-04: grey
        assert (painted[unit] == NODATA) == (state != "analysed"), unit
    assert sum(1 for s in status.values() if s == "no analysis covers this month") == 53
    assert "no data" in page.page.inner_text("#q-legend")
    # the scatter holds the units of the cycles on the map that have both figures
    pairs = page.api("consequences/violence", country="MLI,BFA,NER")["rows"]
    want = [
        r
        for r in pairs
        if (r["country_iso3"], r["cycle"]) in {("BFA", "2022-03"), ("NER", "2022-03")}
        and r["deaths"] is not None
        and r["change"] is not None
    ]
    assert page.js("SW.consequences.scatterRows.length") == len(want) > 50
    assert page.js("document.querySelector('#chart-scatter canvas') !== null")
    page.shot("dashboard_food_2022-04.png")
    # moving the slider to November 2022 brings Mali's analysis back
    assert page.js("SW.state.start") == "2021-06"
    index = (2022 * 12 + 11) - (2021 * 12 + 6) + 1  # slider value 0 is the whole period
    page.js(
        f"(() => {{ const s = document.getElementById('f-month'); s.value = '{index}'; "
        "s.dispatchEvent(new Event('input')); })()"
    )
    page.settle()
    page.wait("SW.consequences.month === '2022-11'")
    after = fills(page)
    later = page.api("consequences/food", month="2022-11", country="MLI,BFA,NER")["rows"]
    for row in later:
        assert (after[row["unit_id"]] == NODATA) == (row["status"] != "analysed"), row["unit_id"]
    mali = [r for r in later if r["country_iso3"] == "MLI"]
    assert sum(r["status"] == "analysed" for r in mali) == 50  # back, all but 3 new cercles
    assert "2022-11" in page.page.inner_text("#q-note")
    page.assert_clean()


def test_displacement_chart_marks_carried_forward(page: Page) -> None:
    page.open("#map?country=BFA&start=2022-01&end=2023-03")
    page.wait("SW.consequences && SW.consequences.ready && !!SW.consequences.chart")
    page.settle()
    assert page.js("document.querySelector('#chart-displacement canvas') !== null")
    assert page.js("SW.consequences.carried") == ["BFA 2024", "BFA 2025"]
    assert "not measured" in page.page.inner_text("#q-disp-note")
    page.assert_clean()
