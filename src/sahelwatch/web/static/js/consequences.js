// @ts-check
/* Consequences next to the violence: a food-insecurity layer (Cadre Harmonisé, by admin-2
 * unit), a scatter of violence before each cycle against the change in phase 3+, and a chart
 * of internally displaced people, driven by the same filters and month slider as the events.
 * The same gap rule: a unit the analysis did not cover, or a month no CH period describes, is
 * grey "no data", never a colour for 0; a year without a figure is a gap in the chart, and a
 * figure repeated from the year before is drawn dashed as "carried forward, not measured". */

import { apiOrNull, busy } from "./api.js";
import { dropChart, makeChart, yearTicks } from "./charts.js";
import { $, clear, dl, el, swatch } from "./dom.js";
import { apiUrl, compact, fmt, percent, signed } from "./format.js";
import { groupIso3 } from "./labels.js";
import { theMap } from "./map.js";
import { foodColour, foodLegend, NODATA } from "./scales.js";
import { app, filters, meta, on } from "./state.js";

/**
 * @typedef {object} FoodRow an admin-2 unit of the food layer (/api/consequences/food)
 * @property {string} unit_id @property {string} status "analysed", else why it has no figures
 * @property {string} country_iso3 @property {string} cycle @property {string} period_type @property {string} reference_label
 * @property {number | null} phase35 @property {number | null} share35
 * @property {number | null} phase_class @property {number | null} phase_class_max
 * @property {number | null} change_prev @property {number | null} change_year
 * @property {number | null} file_id @property {number | null} row_number
 */

/**
 * @typedef {object} ViolenceRow a unit and cycle of /api/consequences/violence
 * @property {string} country_iso3 @property {string} cycle
 * @property {number | null} deaths @property {number | null} change @property {boolean | null} both_worse
 */

/**
 * @typedef {object} Pairs what /api/consequences/violence says
 * @property {number} months @property {string} note @property {ViolenceRow[]} rows
 */

const Q = app.consequences;
/** @type {Record<string, string>} */
const LINE = { MLI: "#8c2d04", BFA: "#3f6e9c", NER: "#5b8c3a" };
/** @type {Record<string, string>} */
const LINE_NAME = { MLI: "brown", BFA: "blue", NER: "green" };

/** The Cadre Harmonisé countries of the filters (ISO3): the central Sahel's chosen ones. */
function countries() {
  const covered = groupIso3("central_sahel");
  if (filters.country === "SAHEL") return covered;
  const c = meta().countries.find((x) => x.iso3 === filters.country);
  return c && covered.includes(c.iso3) ? [c.iso3] : [];
}

/** The slider's month; the whole period shows its last month, as the other layers do. */
function month() {
  return filters.month || filters.end;
}

/** Work counted as the page's, its failure written in the box's note.
 * @param {string} label @param {() => Promise<void>} work */
function track(label, work) {
  return busy(label, work, (message) => { $("q-note").textContent = label + " failed: " + message; });
}

// --- food-insecurity layer ------------------------------------------------------------------

function paint() {
  if (!Q.layer) return;
  const mode = $("q-food").value;
  Q.layer.eachLayer((layer) => {
    const row = Q.byUnit.get(layer.feature.properties.unit_id);
    const known = row && row.status === "analysed";
    layer.setStyle({ fillColor: foodColour(row, mode), fillOpacity: 0.8, weight: known ? 0.6 : 0.8, dashArray: known ? null : "3 3", color: "#6f6656" });
  });
  clear($("q-legend")).append(...foodLegend(mode).map(([fill, text]) => el("span", {}, swatch("sw", fill), text)));
}

function note() {
  const analysed = Q.rows.filter((r) => r.status === "analysed");
  const cycles = Array.from(new Set(analysed.map((r) => r.country_iso3 + " " + r.cycle + " (" + r.reference_label + ")"))).sort();
  const gaps = Array.from(new Set(Q.rows.filter((r) => r.status !== "analysed").map((r) => r.status)));
  const period = $("q-period").value;
  let text = cycles.length
    ? "Cadre Harmonisé, " + period + " period covering " + Q.month + ": " + cycles.join(", ") + "."
    : "No Cadre Harmonisé " + period + " analysis covers " + Q.month + " (no data, not zero).";
  if (cycles.length && gaps.length) text += " Grey: " + gaps.join(", ") + ".";
  if (period === "current" && !cycles.length) text += " June-August is described only by projections: choose the projected period.";
  $("q-note").textContent = text;
}

/** A unit's figures and the record they come from. @param {Feature} feature @param {L.LatLng} latlng */
function popup(feature, latlng) {
  const row = Q.byUnit.get(feature.properties.unit_id);
  /** @type {[string, string][]} */
  const lines = !row || row.status !== "analysed"
    ? [["Status", row ? row.status : "no data"]]
    : [
      ["Cycle", row.cycle + " (" + row.period_type + ", " + row.reference_label + ")"],
      ["Phase 3+", fmt(row.phase35, 0) + " people (" + percent(row.share35, 1) + ")"],
      ["Phase class", row.phase_class !== null ? String(row.phase_class) : (row.phase_class_max !== null ? row.phase_class_max + " (worst of its areas)" : "no data")],
      ["Since previous cycle", signed(row.change_prev)],
      ["Since a year before", signed(row.change_year)],
    ];
  const box = el("div", { class: "popup" }, el("b", { text: feature.properties.unit_name }), dl(lines));
  if (row && row.file_id !== null) {
    box.append(el("a", { href: "api/consequences/record/" + row.file_id + "/" + row.row_number,
      text: "source record (file " + row.file_id + ", row " + row.row_number + ")" }));
  }
  L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(theMap());
}

async function loadLayer() {
  const map = theMap();
  const wanted = $("q-food").value;
  const codes = countries();
  const key = JSON.stringify([wanted, $("q-period").value, codes, month()]);
  if (key === Q.key) return;
  Q.key = key;
  if (!wanted || !codes.length) {
    if (Q.layer) { map.removeLayer(Q.layer); Q.layer = null; }
    Q.rows = [];
    Q.byUnit = new Map();
    Q.month = month();
    clear($("q-legend"));
    $("q-note").textContent = wanted ? "The Cadre Harmonisé figures cover Mali, Burkina Faso and Niger." : "";
    exports();
    await loadScatter();
    return;
  }
  await track("Loading the food-insecurity layer", async () => {
    /** @type {[GeoJSON | null, {month: string, rows: FoodRow[]} | null]} */
    const [shapes, layer] = await Promise.all([
      apiOrNull("boundaries/admin2", { country: codes.join(",") }),
      apiOrNull("consequences/food", { month: month(), period: $("q-period").value, country: codes.join(",") }),
    ]);
    if (Q.key !== key) return;
    if (!layer) {
      $("q-note").textContent = "The store holds no Cadre Harmonisé figures (sahelwatch ingest --bundled).";
      return;
    }
    Q.rows = layer.rows;
    Q.month = layer.month;
    Q.byUnit = new Map(layer.rows.map((r) => [r.unit_id, r]));
    if (!Q.layer || Q.layerCodes !== codes.join(",")) {
      if (Q.layer) map.removeLayer(Q.layer);
      Q.layer = L.geoJSON(shapes, {
        pane: "food",
        style: () => ({ weight: 0.6, color: "#6f6656", fillOpacity: 0.8, fillColor: NODATA }),
        onEachFeature: (feature, l) => l.on("click", (e) => popup(feature, e.latlng)),
      }).addTo(map);
      Q.layerCodes = codes.join(",");
    }
    paint();
    note();
    exports();
  });
  await loadScatter();
}

// --- violence beside food: a scatter of the units of the cycles shown -----------------------

async function loadScatter() {
  dropChart("chart-scatter");
  Q.scatter = null;
  clear($("chart-scatter"));
  const picked = new Set(Q.rows.filter((r) => r.status === "analysed").map((r) => r.country_iso3 + "|" + r.cycle));
  if (!picked.size) {
    $("q-scatter-note").textContent = "Shown for the cycles of the food-insecurity layer (turn it on; a month some analysis covers).";
    return;
  }
  const codes = countries().join(",");
  const period = $("q-period").value;
  const key = codes + "|" + period;
  await track("Loading violence beside food", async () => {
    if (!Q.pairs || Q.pairs.key !== key) {
      Q.pairs = { key: key, body: await apiOrNull("consequences/violence", { country: codes, period: period }) };
    }
    const body = Q.pairs.body;
    if (!body) return;
    /** @param {ViolenceRow} r @returns {r is ViolenceRow & {deaths: number, change: number}} */
    const plotted = (r) => picked.has(r.country_iso3 + "|" + r.cycle) && r.deaths !== null && r.change !== null;
    const rows = body.rows.filter(plotted).sort((a, b) => a.deaths - b.deaths);
    Q.scatterRows = rows;
    const value = (/** @type {uPlot} */ u, /** @type {number | null} */ v) => fmt(v, 0);
    /** @param {string} label @param {string} colour */
    const dots = (label, colour) => ({ label: label, stroke: colour, fill: colour, paths: () => null, points: { show: true, size: 6 }, value: value });
    Q.scatter = makeChart("chart-scatter", {
      height: 200, legend: { show: false },
      scales: { x: { time: false } },
      series: [{ label: "deaths, " + body.months + " months before", value: value },
        dots("both worsened", "#bd0026"), dots("others", "#6f6656")],
      axes: [{}, { size: 60, values: (/** @type {uPlot} */ u, /** @type {number[]} */ splits) => splits.map(compact) }],
    }, [rows.map((r) => r.deaths), rows.map((r) => (r.both_worse ? r.change : null)), rows.map((r) => (r.both_worse ? null : r.change))]);
    const worse = rows.filter((r) => r.both_worse).length;
    $("q-scatter-note").textContent = rows.length + " units (red: both worsened): deaths in the " + body.months +
      " months before the cycle (x) and the change in people in phase 3+ since the same cycle a year before (y); " +
      worse + " where both worsened. " + body.note;
  });
}

// --- displacement chart ---------------------------------------------------------------------

/** The year-end stock series of one country: measured years, and the carried-forward years
 * joined to the last measured one (drawn dashed).
 * @param {{year: number, idps: number | null, idps_carried_forward: boolean}[]} rows @param {number[]} years */
export function idpSeries(rows, years) {
  const byYear = new Map(rows.map((r) => [r.year, r]));
  const measured = years.map((y) => { const r = byYear.get(y); return r && !r.idps_carried_forward ? r.idps : null; });
  const repeated = years.map((y) => {
    const r = byYear.get(y);
    const next = byYear.get(y + 1);
    if (r && r.idps_carried_forward) return r.idps;
    return r && next && next.idps_carried_forward ? r.idps : null;
  });
  const carried = years.filter((y) => { const r = byYear.get(y); return Boolean(r && r.idps_carried_forward); });
  return { measured: measured, repeated: repeated, carried: carried };
}

async function loadDisplacement() {
  const codes = countries();
  dropChart("chart-displacement");
  Q.chart = null;
  clear($("chart-displacement"));
  if (!codes.length) {
    $("q-disp-note").textContent = "UNHCR's IDP figures here cover Mali, Burkina Faso and Niger.";
    return;
  }
  await track("Loading displacement", async () => {
    /** @type {{rows: {country_iso3: string, year: number, idps: number | null, idps_carried_forward: boolean}[]} | null} */
    const body = await apiOrNull("consequences/displacement", { country: codes.join(",") });
    if (!body) {
      $("q-disp-note").textContent = "The store holds no UNHCR figures (sahelwatch ingest --bundled).";
      return;
    }
    const years = Array.from(new Set(body.rows.map((r) => r.year))).filter((y) => y >= 2012).sort((a, b) => a - b);
    /** @type {(number | null)[][]} */
    const data = [years.map((y) => Date.UTC(y, 11, 31) / 1000)];
    const value = (/** @type {uPlot} */ u, /** @type {number | null} */ v) => fmt(v, 0);
    /** @type {Record<string, any>[]} */
    const series = [{}];
    const carried = [];
    for (const code of codes) {
      const s = idpSeries(body.rows.filter((r) => r.country_iso3 === code), years);
      carried.push(...s.carried.map((y) => code + " " + y));
      data.push(s.measured);
      series.push({ label: code + " IDPs", stroke: LINE[code], width: 2, spanGaps: false, value: value });
      if (s.repeated.some((v) => v !== null)) {
        data.push(s.repeated);
        series.push({ label: code + " carried forward", stroke: LINE[code], width: 2, dash: [6, 4], spanGaps: false, value: value });
      }
    }
    Q.chart = makeChart("chart-displacement", {
      height: 200, series: series, legend: { show: false },
      axes: [{ space: 40, values: (/** @type {uPlot} */ u, /** @type {number[]} */ splits) => yearTicks(splits) },
        { size: 60, values: (/** @type {uPlot} */ u, /** @type {number[]} */ splits) => splits.map(compact) }],
      hooks: { drawClear: [(/** @type {uPlot} */ u) => {
        // the slider's year, as the monthly chart marks its month
        const selected = Number(month().slice(0, 4));
        const x0 = u.valToPos(Date.UTC(selected, 0, 1) / 1000, "x", true);
        const x1 = u.valToPos(Date.UTC(selected, 11, 31) / 1000, "x", true);
        u.ctx.save();
        u.ctx.fillStyle = "rgba(179, 84, 30, 0.14)";
        u.ctx.fillRect(Math.min(x0, x1), u.bbox.top, Math.abs(x1 - x0) || 4, u.bbox.height);
        u.ctx.restore();
      }] },
    }, data);
    Q.carried = carried;
    $("q-disp-note").textContent = "UNHCR year-end stocks (" +
      codes.map((c) => c + " " + LINE_NAME[c]).join(", ") + "); a missing year is a gap, not zero." +
      (carried.length ? " Dashed: repeated from the year before, not measured (" + carried.join(", ") + ")." : "");
  });
}

// --- exports and wiring ---------------------------------------------------------------------

function exports() {
  const codes = countries().join(",");
  const period = $("q-period").value;
  const params = { month: month(), period: period, country: codes };
  $("x-food-csv").href = apiUrl("consequences/food", Object.assign({ format: "csv" }, params));
  $("x-food-geojson").href = apiUrl("consequences/food", Object.assign({ format: "geojson" }, params));
  $("x-disp-csv").href = apiUrl("consequences/displacement", { format: "csv", country: codes });
  $("x-violence-csv").href = apiUrl("consequences/violence", { format: "csv", country: codes, period: period });
}

function refresh() {
  if (filters.view !== "map") return;
  loadLayer();
  loadDisplacement();
}

/** Draw the box and follow the filters (once the map is drawn). */
export function start() {
  $("q-food").addEventListener("change", () => { Q.key = null; loadLayer(); });
  $("q-period").addEventListener("change", () => { Q.key = null; loadLayer(); });
  on("month", () => { loadLayer(); if (Q.chart) Q.chart.redraw(false); });
  on("filters", refresh);
  on("view", refresh);
  refresh();
  Q.ready = true;
}
