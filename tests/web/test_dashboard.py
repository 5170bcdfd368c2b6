"""The dashboard end to end: headless Debian Chromium driven by Playwright, over a live server.

Needs the Debian packages ``chromium`` (and its fonts) and the Python package ``playwright``
(its own browser download is not used: ``playwright install`` is never needed). Without
``/usr/bin/chromium`` the tests are skipped. Screenshots are written to ``artifacts/``.

The page's Content-Security-Policy forbids ``eval``, so the tests poll with ``page.evaluate``
(which the policy does not cover) instead of ``wait_for_function``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from web_support import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytest_plugins = ("web_support",)
if os.environ.get("SAHELWATCH_REQUIRE_BROWSER") and not CHROMIUM.exists():
    raise RuntimeError(f"SAHELWATCH_REQUIRE_BROWSER is set but there is no {CHROMIUM}")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="the browser tests need Debian's Chromium at /usr/bin/chromium "
        "(apt-get install chromium fonts-dejavu-core)",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need playwright (pip install playwright)"
)


class Page:
    """A browser page that records console errors, page errors and failed requests."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on(
            "requestfailed",
            lambda req: self.problems.append(f"request failed: {req.url} {req.failure}"),
        )
        page.on(
            "response",
            lambda res: (
                self.problems.append(f"HTTP {res.status}: {res.url}") if res.status >= 400 else None
            ),
        )

    def _console(self, message: Any) -> None:
        if message.type in ("error", "assert"):
            self.problems.append(f"console {message.type}: {message.text}")

    def open(self, fragment: str = "") -> None:
        self.page.goto(self.server.url + fragment)
        self.settle()

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def wait(self, expression: str, timeout: float = 60.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(expression):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"timed out waiting for {expression}; problems: {self.problems}")

    def settle(self) -> None:
        """Wait until the app is ready and no request is in flight (twice, a moment apart)."""
        self.wait("!!(window.SW && window.SW.ready && window.SW.busy === 0)")
        self.page.wait_for_timeout(400)
        self.wait("window.SW.busy === 0")
        assert self.js("SW.errors") == [], self.js("SW.errors")

    def number(self, selector: str) -> int:
        return int(self.page.inner_text(selector).replace(",", ""))

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def api(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params, doseq=True)
        url = f"{self.server.url}api/{path}" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.loads(response.read())

    def assert_clean(self) -> None:
        assert self.problems == [], self.problems


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def open_page(browser: Any, server: LiveServer, height: int = 900) -> Iterator[Page]:
    """A page of ``server`` in a browser context of its own, closed afterwards (for fixtures:
    ``yield from open_page(...)``)."""
    context = browser.new_context(viewport={"width": 1400, "height": height})
    try:
        yield Page(context.new_page(), server)
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Page]:
    yield from open_page(browser, live_server)


def sahel(p: Page) -> str:
    return ",".join(str(gw) for gw in p.js("SW.meta.sahel"))


def test_map_draws_the_real_events_over_the_boundaries(page: Page) -> None:
    page.open()
    start, end = page.js("[SW.state.start, SW.state.end]")
    assert (start, end) == ("2025-01", "2026-02")
    expected = page.api("events", country=sahel(page), period=f"{start}..{end}", limit=1)
    assert page.number("#count-events") == expected["total"] > 500
    assert page.number("#count-fatalities") == expected["fatalities"]
    assert page.number("#count-located") == expected["located"] > 200
    assert page.js("SW.markers.getLayers().length") == expected["located"]
    assert page.js("document.querySelectorAll('.leaflet-marker-icon.ev, .cluster').length") > 5
    # a real event sits where the API puts it
    located = page.api("events", country="MLI", period="2026-02", limit=5, format="geojson")
    lon, lat = located["features"][0]["geometry"]["coordinates"]
    found = page.js(
        f"SW.markers.getLayers().some(m => Math.abs(m.getLatLng().lat - {lat}) < 1e-9 && "
        f"Math.abs(m.getLatLng().lng - {lon}) < 1e-9)"
    )
    assert found
    countries = page.api("boundaries/country")
    assert page.js("document.querySelectorAll('.leaflet-base-pane path').length") == len(
        countries["features"]
    )
    assert page.js("document.querySelectorAll('.leaflet-lines-pane path').length") == len(
        page.api("boundaries/admin1")["features"]
    )
    assert page.js("document.querySelector('#chart-monthly canvas') !== null")
    page.shot("dashboard_map.png")
    # zoomed in, clusters open up; clicking an event shows its details and sources
    page.js("SW.map.setView([14.5, -4.0], 9, { animate: false })")
    page.page.wait_for_timeout(500)
    opened = "!!document.querySelector('.leaflet-popup-content .popup dl')"
    for _ in range(4):  # the clusters are drawn again after the zoom: a click may hit an old icon
        page.page.locator(".leaflet-marker-icon.ev").first.click()
        try:
            page.wait(opened, timeout=10)
            break
        except AssertionError:
            page.page.wait_for_timeout(500)
    page.wait(opened)
    text = page.page.inner_text(".leaflet-popup-content")
    assert "Release" in text and "ucdp_candidate" in text and "Sources" in text
    uid = text.split("Event id")[1].split()[0]
    found = page.api(f"events/{uid}")
    detail, newest = found["event"], found["versions"][-1]
    assert detail["side_a"] in text and str(detail["best"]) in text
    assert f"{newest['file']}, row {newest['row']}" in text
    page.page.wait_for_timeout(700)  # the popup pans the map into view
    page.shot("dashboard_event_popup.png")
    page.assert_clean()


def test_filters_drive_the_map_and_agree_with_the_api(page: Page) -> None:
    page.open()
    before = page.number("#count-events")
    page.page.select_option("#f-country", "MLI")
    page.page.uncheck("#f-types input[value=sb]")
    page.page.uncheck("#f-types input[value=ns]")
    page.settle()
    expected = page.api("events", country="432", period="2025-01..2026-02", type="os", limit=1)
    shown = page.number("#count-events")
    assert shown == expected["total"] and 0 < shown < before
    assert page.number("#count-located") == expected["located"]
    assert page.js("SW.markers.getLayers().length") == expected["located"]
    assert "types=os" in page.page.url and "country=MLI" in page.page.url

    page.page.check("#f-types input[value=sb]")
    page.page.select_option("#f-family", "jihadist")
    page.settle()
    expected = page.api(
        "events", country="432", period="2025-01..2026-02", type=["sb", "os"],
        actor_family="jihadist", limit=1,
    )  # fmt: skip
    assert page.number("#count-events") == expected["total"] > 0

    months = page.js("(() => { const s = SW.state; const out = []; "
                     "for (let m = s.start; m <= s.end;) { out.push(m); "
                     "const y = +m.slice(0, 4), n = +m.slice(5); "
                     "m = n === 12 ? (y + 1) + '-01' : y + '-' + String(n + 1).padStart(2, '0'); }"
                     " return out; })()")  # fmt: skip
    page.page.fill("#f-month", str(months.index("2026-01") + 1))
    page.settle()
    assert page.js("SW.state.month") == "2026-01"
    expected = page.api(
        "events", country="432", period="2026-01", type=["sb", "os"],
        actor_family="jihadist", limit=1,
    )  # fmt: skip
    assert page.number("#count-events") == expected["total"]
    assert page.number("#count-located") == expected["located"]
    assert page.page.inner_text("#f-month-label") == "Jan 2026"
    assert page.page.inner_text("#x-events-csv") == "events CSV"  # all of them
    csv_link = page.page.get_attribute("#x-events-csv", "href")
    assert csv_link is not None and "period=2026-01" in csv_link and "format=csv" in csv_link
    page.shot("dashboard_filtered.png")
    page.assert_clean()


def test_a_hand_edited_link_falls_back_to_the_defaults(page: Page) -> None:
    """Values the selectors do not offer (a country list, a typo, a month out of range) show the
    default, never every country of the store under a label naming the typed text."""
    page.open("#map?country=MLI,BFA&start=1900-01&colour=rainbow")
    assert page.js("[SW.state.country, SW.state.colour]") == ["SAHEL", "type"]
    assert page.page.input_value("#f-country") == "SAHEL"
    assert page.js("SW.state.start") == page.js("SW.firstMonth")
    sahel_total = page.api("events", country=sahel(page), period="2025-01..2026-02", limit=1)
    assert page.number("#count-events") == sahel_total["total"]
    page.page.evaluate("location.hash = '#map?country=sen'")  # lower case is understood
    page.settle()
    assert page.page.input_value("#f-country") == "SEN"
    centre = page.js("(() => { const c = SW.map.getCenter(); return [c.lng, c.lat]; })()")
    assert -17.6 < centre[0] < -11.3 and 12.3 < centre[1] < 16.7  # the map went to Senegal
    page.page.evaluate("location.hash = '#map?country=XXX'")
    page.settle()
    assert page.page.input_value("#f-country") == "SAHEL"
    assert page.number("#count-events") == sahel_total["total"]
    page.assert_clean()


def test_choropleth_of_indicators_and_forecasts(page: Page) -> None:
    page.open("#map?month=2026-02&layer=deadliness&level=admin2")
    shapes = page.api("boundaries/admin2", country="MLI,BFA,NER")
    assert page.js("SW.choropleth.getLayers().length") == len(shapes["features"])
    fills = page.js(
        "SW.choropleth.getLayers().map(l => l.options.fillColor).filter(c => c !== '#cfcac0')"
    )
    assert len(fills) == len(shapes["features"])  # 2026-02 is covered everywhere
    assert len(set(fills)) > 2
    assert "Fatalities" in page.page.inner_text("#map-legend")
    page.shot("dashboard_choropleth.png")

    page.page.select_option("#c-layer", "presence")
    page.settle()
    assert "armed-group-dominant" in page.page.inner_text("#map-legend")

    page.page.fill("#f-month", "6")  # 2025-06: a gap, shown as no data
    page.settle()
    gap = page.js("SW.choropleth.getLayers().every(l => l.options.fillColor === '#cfcac0')")
    assert gap

    if not page.api("forecasts/runs")["runs"]:
        pytest.skip("no forecasts are stored, so there is no forecast layer to draw")
    page.page.select_option("#c-layer", "forecast")
    page.settle()
    note = page.page.inner_text("#c-note")
    assert "Forecast made at 2025-02" in note
    # the Units selector (admin-2 here) picks the level; the test store has country runs only
    assert "No forecasts by admin-2 unit are stored: shown by country." in note
    painted = page.js(
        "SW.choropleth.getLayers().filter(l => l.options.fillColor !== '#cfcac0').length"
    )
    assert painted >= 8
    page.shot("dashboard_forecast_layer.png")
    page.assert_clean()


def test_country_page_with_forecast_fan_chart(page: Page) -> None:
    runs = page.api("forecasts/runs")["runs"]
    if not runs:
        pytest.skip("no forecasts are stored in the test store, so no fan chart can be drawn")
    page.open("#country?country=MLI")
    assert page.page.inner_text("#cty-title") == "Mali"
    assert page.js("SW.forecastRendered") is True
    assert page.js("document.querySelector('#chart-forecast canvas') !== null")
    rows = page.page.locator("#forecast-side tbody tr")
    models = {r["model_version"] for r in runs}
    assert rows.count() == len(models) + 1  # every model and benchmark, and what was observed
    for chart in ("chart-history", "chart-families"):
        assert page.js(f"document.querySelector('#{chart} canvas') !== null"), chart
    table_rows = page.page.locator("#ind-table tbody tr").count()
    assert table_rows == 10  # Mali's régions
    assert page.js("document.querySelectorAll('#presence-grid .p-none').length") > 0
    units = page.api("boundaries/admin1", country="MLI")["features"]
    name = next(f["properties"]["unit_name"] for f in units if f["properties"]["unit_id"] == "ML05")
    page.page.select_option("#cty-region", "ML05")
    page.settle()
    assert page.page.inner_text("#fam-title").endswith(name)
    page.shot("dashboard_country.png")
    # the page offers the month's situation brief, built by the API from the same store
    href = page.js("document.getElementById('cty-brief').href")
    assert "country=MLI" in href and "month=2026-02" in href
    with urllib.request.urlopen(href, timeout=120) as response:
        assert response.status == 200 and "Mali" in response.read().decode("utf-8")
    page.assert_clean()


def test_data_page_shows_gaps_as_gaps(page: Page) -> None:
    page.open("#data?country=MLI")
    row = page.page.locator(".strip-row[data-source=ucdp_candidate]")
    assert row.count() == 1
    gaps = row.locator(".cov-no")
    covered = row.locator(".cov-yes").count()
    titles = [gaps.nth(i).get_attribute("title") for i in range(gaps.count())]
    for month in ("2025-03", "2025-06", "2025-11"):
        assert f"ucdp_candidate {month}: gap (no data)" in titles
    assert covered == 5  # 2025-01, 2025-02, 2025-12, 2026-01, 2026-02
    assert "2025-03 – 2025-11" in page.page.inner_text("#src-table")
    assert page.page.locator("#export-list a").count() >= 5
    # Releases without event months (food insecurity) say so, not "none"; no column is cut off.
    food = page.page.locator("#rel-table tr", has_text="cadre_harmonise").first
    assert "not event data" in food.inner_text()
    panel = page.page.locator("#rel-table").locator("xpath=ancestor::article").bounding_box()
    last = page.page.locator("#rel-table th").last
    assert last.inner_text() == "Ingested"
    edge = last.bounding_box()
    assert panel and edge and edge["x"] + edge["width"] <= panel["x"] + panel["width"]
    # An export of more events than the API gives a request says that it holds the first ones.
    assert page.page.inner_text("#export-list li >> nth=0") == "Events (CSV)"
    page.page.evaluate("location.hash = '#data?country=ALL&start=1989-01&end=2026-02'")
    page.settle()
    total = page.api("events", period="1989-01..2026-02", limit=1)["total"]
    assert total > 5000
    assert page.page.inner_text("#export-list li >> nth=0") == (
        f"Events (CSV) (first 5,000 of {total:,})")
    page.page.evaluate("location.hash = '#data?country=MLI&start=2025-01&end=2026-02'")
    page.settle()
    page.shot("dashboard_data.png")
    page.assert_clean()


def test_phone_layout(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True,
    )  # fmt: skip
    try:
        phone = Page(context.new_page(), live_server)
        phone.open("#map")
        assert phone.js("document.documentElement.scrollWidth") <= 390
        assert phone.js("document.getElementById('map').clientHeight") > 300
        assert phone.js("getComputedStyle(document.getElementById('filters')).display") == "none"
        phone.page.click("#filters-toggle")
        assert phone.js("getComputedStyle(document.getElementById('filters')).display") == "flex"
        phone.shot("phone_map.png")
        phone.open("#country?country=BFA")
        assert phone.js("document.documentElement.scrollWidth") <= 390
        phone.shot("phone_country.png")
        phone.assert_clean()
    finally:
        context.close()


def test_alerts_arrive_live_and_trace_to_their_events(
    browser: Any, web_db: Path, tmp_path: Path
) -> None:
    """An alert stored while the page is open (as the watch service would) shows up without a
    reload, and its evidence links open the events behind it."""
    from web_support import LiveServer

    from sahelwatch.config import check_rules
    from sahelwatch.errors import StoreError
    from sahelwatch.store import Store, bundled_file

    copy = tmp_path / "live.duckdb"
    shutil.copyfile(web_db, copy)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    with LiveServer(copy, linger_s=0.2) as server:
        try:
            page = Page(context.new_page(), server)
            page.open()
            page.wait("SW.alerts.live === true")
            assert page.page.inner_text("#alerts-live") == "live"
            assert "No alerts raised yet" in page.page.inner_text("#alerts")
            deadline = time.time() + 30
            while True:  # the server lets a writer in between its reads
                try:
                    with Store(copy) as store:
                        raised = check_rules(store, bundled_file("alert_rules.toml"))
                    break
                except StoreError:
                    assert time.time() < deadline, "the server never let the writer in"
                    time.sleep(0.2)
            near = next(a for a in raised if a.rule == "near-bamako")
            page.wait(f"document.querySelectorAll('#alerts li.alert').length === {len(raised)}", 30)
            item = page.page.locator(f"#alerts li[data-seq='{near.seq}']")
            assert near.title in item.inner_text()
            assert "sev-critical" in (item.get_attribute("class") or "")
            item.locator("summary").click()
            links = item.locator(".alert-events a")
            assert links.count() == len(near.evidence["event_ids"])
            href = links.first.get_attribute("href") or ""
            uid = urllib.parse.unquote(href.rsplit("/", 1)[1])
            assert page.api(f"events/{uid}")["event"]["uid"] == near.evidence["event_ids"][0]
            page.shot("dashboard_alerts.png")
            page.assert_clean()
        finally:
            context.close()


def _months(page: Page, **params: Any) -> dict[str, Any]:
    return page.api("months", **params)  # type: ignore[no-any-return]


def test_gap_and_totals_only_months_are_never_zero(page: Page) -> None:
    """A month no release covers reads "no data" everywhere (counters, chart, country page); a
    year with only country-month totals says exactly that, with the totals."""
    page.open("#map?country=MLI&start=2025-01&end=2026-02&month=2025-06")
    assert page.page.inner_text("#count-events") == "no data"
    assert page.page.inner_text("#count-fatalities") == "no data"
    assert "no release covers this month (not zero)" in page.page.inner_text("#count-note")
    months = page.js("SW.charts['chart-monthly'].data[0].length")
    gap = page.js("Object.keys(SW.months).sort().indexOf('2025-06')")
    assert 0 <= gap < months
    series = page.js(f"SW.charts['chart-monthly'].data.slice(1).map(s => s[{gap}])")
    assert series and all(v is None for v in series)  # no point, no line, no zero
    page.shot("dashboard_gap_month.png")

    page.open("#map?country=MLI&start=2024-01&end=2024-12&month=")
    expected = _months(page, country="MLI", period="2024-01..2024-12")
    total = sum(r["totals_best"] for r in expected["months"])
    assert {r["state"] for r in expected["months"]} == {"totals"} and total > 0
    assert page.number("#count-fatalities") == total
    assert page.page.inner_text("#count-fatalities-label") == "deaths in UCDP totals"
    assert page.page.inner_text("#count-events") == "none"
    note = page.page.inner_text("#count-note")
    assert f"2024: {total:,} deaths" in note and "no located events" in note
    assert page.js("SW.charts['chart-monthly'].data.slice(1, 4).flat().every(v => v === null)")
    page.shot("dashboard_totals_only.png")

    page.open("#country?country=MLI&start=2024-01&end=2024-12")
    cards = page.page.inner_text("#cty-cards")
    december = expected["months"][-1]["totals_best"]
    assert f"{december:,}\nfatalities in Dec 2024 (UCDP totals; no located events)" in cards
    assert "armed groups active in Dec 2024 (needs located events)" in cards
    assert "no located events" in page.page.inner_text("#cty-data-note")
    # no actor names in 2024: the actor-family chart has no value, not a line at 0
    assert page.js("SW.charts['chart-families'].data.slice(1).flat().every(v => v === null)")
    page.shot("dashboard_country_totals_only.png")
    page.assert_clean()


def test_offline_basemap_layers_and_mixed_clusters(page: Page) -> None:
    page.open("#map?country=MLI")
    rivers, lakes, urban, places = (
        len(page.api(f"basemap/{layer}")["features"])
        for layer in ("rivers", "lakes", "urban", "places")
    )
    assert page.js("document.querySelectorAll('.leaflet-water-pane path').length") == (
        rivers + lakes + urban
    )
    # capitals above the event markers (a cluster hid Bamako), other places below them
    assert "Bamako" in page.page.inner_text(".leaflet-capitals-pane")
    assert "Bamako" not in page.page.inner_text(".leaflet-places-pane")
    z = "(p) => Number(getComputedStyle(document.querySelector(p)).zIndex)"
    assert page.page.evaluate(f"({z})('.leaflet-capitals-pane') > ({z})('.leaflet-marker-pane')")
    overlays = page.page.locator(".leaflet-control-layers-overlays label")
    names = [overlays.nth(i).inner_text().strip() for i in range(overlays.count())]
    assert names == [
        "Rivers and lakes", "Urban areas", "Place names", "Admin-1 boundaries",
        "Cross-border corridors (year)",
    ]  # fmt: skip
    # choosing Mali zoomed the map to it
    west, south, east, north = page.js("SW.map.getBounds().toBBoxString().split(',').map(Number)")
    assert west < -12 and east > 4 and south < 10.5 and north > 25 and east - west < 30
    # clusters are pies of their violence types
    assert page.js(
        "[...document.querySelectorAll('.cluster-pie')].some(e => "
        "e.style.background.includes('conic-gradient'))"
    )
    page.shot("dashboard_basemap.png")
    page.js("SW.map.setView([12.65, -8.0], 8, { animate: false })")
    page.page.wait_for_timeout(400)
    assert page.js("document.querySelectorAll('.leaflet-places-pane .place').length") > 20
    page.shot("dashboard_basemap_bamako.png")
    page.page.hover(".leaflet-control-layers")
    page.page.locator(".leaflet-control-layers-overlays label", has_text="Rivers and lakes").click()
    assert page.js("document.querySelectorAll('.leaflet-water-pane path').length") == urban
    assert places > 500
    page.assert_clean()


def test_brief_opened_from_the_dashboard_is_styled_and_its_links_resolve(page: Page) -> None:
    page.open("#country?country=MLI")
    href = page.js("document.getElementById('cty-brief').href")
    brief = Page(page.page.context.new_page(), page.server)  # as its link does: a new tab
    brief.page.goto(href, timeout=240_000)  # the brief is built on request: maps, charts
    # the Content-Security-Policy forbids inline style: the brief links its stylesheet
    assert "DejaVu Sans" in brief.js("getComputedStyle(document.body).fontFamily")
    border = brief.js("getComputedStyle(document.querySelector('.headline')).borderLeftWidth")
    assert border == "5px"
    text = brief.page.inner_text("body")
    assert "Data for 2026-02" in text and "2025-03..2025-11: no data" in text
    links = brief.js("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert len(links) > 20 and all(link.startswith(page.server.url) for link in links)
    for link in links[:3] + links[-3:]:
        with urllib.request.urlopen(link, timeout=60) as response:
            assert response.status == 200
    brief.shot("brief_from_dashboard.png")
    brief.assert_clean()
    page.assert_clean()


def test_years_since_1990_presence_and_capital(page: Page) -> None:
    """The country page reaches back to 1990: presence per cercle year by year, and the nearest
    jihadist event to Bamako per year, with the years without located data left empty."""
    page.open("#country?country=MLI")
    page.page.click("#cty-years-load")
    page.wait("SW.yearsRendered === 'MLI'", timeout=300)
    page.settle()
    years = page.api("capital/years", country="MLI", period=f"1990-01..{page.js('SW.state.end')}")
    rows = years["years"]
    assert rows[0]["year"] <= 1990 + 1 and rows[-1]["year"] == 2026
    units = len(page.api("boundaries/admin2", country="MLI")["features"])
    strips = page.js("document.querySelectorAll('#years-grid .strip:not(.strip-axis)').length")
    assert strips == units
    cells = page.js("document.querySelectorAll('#years-grid .strip:not(.strip-axis) .cell').length")
    assert cells == units * len(rows)
    # 2024 has no located events in Mali: every cercle is 'no data', and the capital has no point
    titles = page.js(
        "[...document.querySelectorAll('#years-grid .cell[title*=\" 2024:\"]')].map(c => c.title)"
    )
    assert len(titles) == units and all(t.endswith("2024: no data") for t in titles)
    assert page.js("document.querySelectorAll('#years-grid .p-armed').length") > 0
    index = [r["year"] for r in rows].index(2024)
    assert page.js(f"SW.charts['chart-capital'].data[1][{index}]") is None
    known = [r for r in rows if r["nearest_km"] is not None]
    assert min(r["nearest_km"] for r in known) < 100  # jihadist violence has come near Bamako
    assert "No located data (no point, not far): " in page.page.inner_text("#capital-note")
    page.shot("dashboard_years_since_1990.png")
    page.assert_clean()


def test_map_reaches_back_to_1990(page: Page) -> None:
    """One choice takes the map back to 1990; the slider walks every month; the located history
    is counted, and 2024 (totals only) and 2025-06 (no data) stay without a value."""
    page.open("#map?country=MLI")
    page.page.select_option("#f-span", "1990-01")
    page.settle()
    end = page.js("SW.state.end")
    assert page.js("SW.state.start") == "1990-01"
    expected = page.api("events", country="432", period=f"1990-01..{end}", limit=1)
    assert page.number("#count-events") == expected["total"] > 2000
    assert page.number("#count-located") == expected["located"]
    months = page.js("SW.charts['chart-monthly'].data[0].length")
    assert page.js("Number(document.getElementById('f-month').max)") == months > 400
    keys = page.js("Object.keys(SW.months).sort()")
    for month in ("2024-06", "2025-06"):
        i = keys.index(month)
        assert page.js(f"SW.charts['chart-monthly'].data.slice(1, 4).map(s => s[{i}])") == [
            None, None, None
        ]  # fmt: skip
    page.page.fill("#f-month", str(keys.index("2013-01") + 1))  # Operation Serval
    page.settle()
    assert page.page.inner_text("#f-month-label") == "Jan 2013"
    january = page.api("events", country="432", period="2013-01", limit=1)
    assert page.number("#count-events") == january["total"] > 0
    page.shot("dashboard_map_2013-01.png")
    # The Sahel since 1990: more events than an export link gives, and it says so.
    page.page.click("#f-all")
    page.page.select_option("#f-country", "SAHEL")
    page.settle()
    shown = page.number("#count-events")
    assert shown > 5000
    assert page.page.inner_text("#x-events-csv") == f"events CSV (first 5,000 of {shown:,})"
    page.assert_clean()
