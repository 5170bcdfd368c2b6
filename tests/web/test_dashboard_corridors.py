"""The cross-border corridors layer in a real browser (headless Debian Chromium, as
``test_dashboard.py`` drives it): one line per corridor of the slider's year, as
``/api/corridors`` serves it, and none (no data) for a year without located events."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_dashboard import CHROMIUM, Page, browser, open_page  # noqa: F401
from web_support import LiveServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

LAYER = "Cross-border corridors (year)"


@pytest.fixture(scope="module")
def server(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("corridors_web") / "store.duckdb"
    shutil.copyfile(bundled_path, db)
    with LiveServer(db) as live:
        yield live


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Page]:  # noqa: F811
    yield from open_page(browser, server)


def test_corridors_layer_follows_the_year(page: Page) -> None:
    page.open("#map?country=MLI&start=2019-01&end=2024-12&month=2020-06")
    assert page.js("SW.corridors.status") == "off"
    page.page.hover(".leaflet-control-layers")
    page.page.locator(".leaflet-control-layers-overlays label", has_text=LAYER).click()
    page.wait("SW.corridors.status === 'drawn'")
    expected = page.api("corridors", year=2020)["corridors"]
    assert page.js("SW.corridors.year") == 2020 and len(expected) > 5
    assert page.js("document.querySelectorAll('path.corridor').length") == len(expected)
    widths = page.js(
        "[...document.querySelectorAll('path.corridor')].map(p => +p.getAttribute('stroke-width'))"
    )
    assert max(widths) == pytest.approx(12) and min(widths) < max(widths)
    page.page.mouse.move(10, 400)
    page.shot("dashboard_corridors_2020.png")
    page.page.fill("#f-month", str(5 * 12 + 3))  # 2024-03: UCDP totals only, no locations
    page.wait("SW.corridors.year === 2024 && SW.corridors.status === 'no data'")
    assert page.js("document.querySelectorAll('path.corridor').length") == 0
    page.assert_clean()


def test_towns_where_events_cluster_are_named_early(page: Page) -> None:
    page.open("#map?country=MLI")
    clusters = page.api("basemap/clusters")["features"]
    page.js("SW.map.setView([15.5, -1.0], 6, { animate: false })")
    page.page.wait_for_timeout(400)
    shown = page.js(
        "[...document.querySelectorAll('.leaflet-places-pane .place-cluster')]"
        ".map(e => [e.textContent, e.querySelector('span').title])"
    )
    counts: dict[str, set[int]] = {}
    for f in clusters:
        counts.setdefault(f["properties"]["name"], set()).add(f["properties"]["events"])
    assert "Ménaka" in dict(shown)
    for name, title in shown:
        assert int(title.split(" located events within 10 km, ")[0]) in counts[name]
    # other towns wait for zoom 8
    plain = ".leaflet-places-pane .place-town:not(.place-cluster)"
    assert page.js(f"document.querySelectorAll('{plain}').length") == 0
    page.shot("dashboard_cluster_towns.png")
    page.js("SW.map.setView([15.5, -1.0], 8, { animate: false })")
    page.page.wait_for_timeout(400)
    assert page.js(f"document.querySelectorAll('{plain}').length") > 0
    page.assert_clean()
