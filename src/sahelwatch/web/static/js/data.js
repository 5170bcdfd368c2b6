// @ts-check
/* The data page: each source's coverage, gaps and freshness, coverage month by month (a gap is
 * no data, not zero), the releases in the store, and links that export what is on screen. */

import { api, busy } from "./api.js";
import { $, clear, el } from "./dom.js";
import { addMonths, apiUrl, fmt, runsText } from "./format.js";
import { eventsExport } from "./events.js";
import { app, countryCodes, countryName, eventParams, filters, key, layerCountries, meta, pageCountry, period } from "./state.js";

/** @typedef {[string, string][]} Runs runs of months, first and last ("YYYY-MM") */

/**
 * @typedef {object} Status what /api/status says, as far as this page reads it
 * @property {string} store @property {number} events @property {number} quarantined
 * @property {{source: string, covered: Runs, gaps: Runs, newest: string | null, stale_days: number | null}[]} sources
 * @property {Release[]} releases
 */

/**
 * @typedef {object} Release a release in the store (a row of /api/status)
 * @property {string} source @property {string} release @property {boolean | null} preliminary
 * @property {Runs} covers @property {number | null} rows_read @property {number | null} rejected
 * @property {string | null} [ingested_at]
 */

/**
 * @typedef {object} Coverage what /api/coverage says: a flag for every month of the period
 * @property {string[]} months
 * @property {{source: string, country: string | null, country_gw: number, months: boolean[], gaps: Runs}[]} coverage
 */

/** Load and draw the data page for the filters. */
export async function loadData() {
  const k = key();
  app.loaded.data = k;
  await busy("Loading coverage", async () => {
    const codes = countryCodes();
    const focus = (codes.length ? codes : meta().sahel).join(",");
    const [status, cov, listed] = await Promise.all([
      api("status", { country: focus }),
      api("coverage", { country: focus, period: addMonths(app.lastMonth, -119) + ".." + app.lastMonth }),
      api("events", Object.assign({}, eventParams(filters.month), { limit: 1, fields: "map" })),
    ]);
    if (app.loaded.data !== k) return;
    renderSources(status);
    renderCoverage(cov);
    renderReleases(status);
    renderExports(listed.total);
  });
}

/** A table with a head row. @param {HTMLElement} table @param {string[]} head @param {HTMLElement[]} rows */
function fillTable(table, head, rows) {
  clear(table).append(el("thead", {}, el("tr", {}, head.map((t) => el("th", { text: t })))), el("tbody", {}, rows));
}

/** @param {Status} status */
function renderSources(status) {
  fillTable($("src-table"), ["Source", "Covers", "Gaps (no data)", "Newest data", "Age"], status.sources.map((s) => el("tr", {},
    el("td", { text: s.source }), el("td", { text: runsText(s.covered) }),
    el("td", { class: s.gaps.length ? null : "na", text: runsText(s.gaps) }),
    el("td", { text: s.newest || "—" }),
    el("td", { text: s.stale_days === null ? "—" : s.stale_days + " days" }))));
}

/** @param {Coverage} cov */
function renderCoverage(cov) {
  const box = clear($("cov-grid"));
  const months = cov.months;
  $("cov-country").textContent = "— " + countryName(filters.country) + ", " + months[0] + " – " + months[months.length - 1];
  // a year label every other January, none near the end where it would not fit
  const tick = (/** @type {string} */ m, /** @type {number} */ i) => (m.endsWith("-01") && Number(m.slice(0, 4)) % 2 === 0 && i < months.length - 10 ? m.slice(0, 4) : "");
  box.append(el("div", { class: "strip-row" }, el("span", { class: "label" }),
    el("div", { class: "strip strip-axis" }, months.map((m, i) => el("div", { class: "cell", text: tick(m, i) })))));
  cov.coverage.forEach((row) => {
    const strip = el("div", { class: "strip" }, row.months.map((v, i) => el("div", {
      class: "cell " + (v ? "cov-yes" : "cov-no"), title: row.source + " " + months[i] + ": " + (v ? "covered" : "gap (no data)"),
    })));
    const label = (row.country || row.country_gw) + " · " + row.source;
    box.append(el("div", { class: "strip-row", "data-source": row.source }, el("span", { class: "label", title: label + "; gaps: " + runsText(row.gaps), text: label }), strip));
  });
}

/** @param {Status} status */
function renderReleases(status) {
  fillTable($("rel-table"), ["Source", "Release", "Covers", "Rows", "Rejected", "Ingested"], status.releases.map((r) => el("tr", {},
    el("td", { text: r.source }), el("td", { text: r.release + (r.preliminary ? " (prelim.)" : "") }),
    // food insecurity and displacement releases hold no event months: not "none", which reads as empty
    r.covers.length ? el("td", { class: "wrap", text: runsText(r.covers) })
      : el("td", { class: "na", text: "not event data", title: "this release holds no monthly event counts" }),
    el("td", { text: fmt(r.rows_read) }), el("td", { text: fmt(r.rejected) }),
    el("td", { text: (r.ingested_at || "").slice(0, 10) }))));
  $("store-note").textContent = status.events.toLocaleString("en") + " current events in " + status.store + "; " + status.quarantined + " rows in quarantine.";
}

/** @param {number} events how many events the filters select */
function renderExports(events) {
  const codes = countryCodes();
  const iso = pageCountry();
  const items = [
    ["Country panel, " + countryName(iso) + " (CSV)", apiUrl("panels", { level: "country", country: iso, period: period(), format: "csv" })],
    ["Admin-1 indicators, " + filters.end + " (GeoJSON)", apiUrl("indicators", { level: "admin1", country: layerCountries("admin1").map((c) => c.iso3).join(","), month: filters.end, format: "geojson" })],
    ["Coverage (JSON)", apiUrl("coverage", { country: (codes.length ? codes : meta().sahel).join(",") })],
    ["Forecast, " + countryName(iso) + " (CSV)", apiUrl("forecasts", { country: iso, benchmarks: "true", format: "csv" })],
  ];
  const csv = el("a", {}), geojson = el("a", {});
  eventsExport(csv, "Events (CSV)", "csv", events);
  eventsExport(geojson, "Events (GeoJSON)", "geojson", events);
  clear($("export-list")).append(el("li", {}, csv), el("li", {}, geojson),
    ...items.map(([label, href]) => el("li", {}, el("a", { href: href, text: label }))));
}
