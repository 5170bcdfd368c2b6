// @ts-check
/* The choropleth layers of the map: an indicator, armed-group presence or the forecast
 * probability by unit, for the slider's month (the period's last month when it shows the
 * whole period); a unit without a value is grey and hatched (no data, not zero). And the
 * links that export what the map shows. */

import { api, busy } from "./api.js";
import { $, dl, el, swatch } from "./dom.js";
import { apiUrl, fmt, monthLabel } from "./format.js";
import { boundaries, theMap } from "./map.js";
import { breaks, NODATA, numberColour, PRESENCE, presenceFill, PROBABILITY_LEGEND, rampLegend } from "./scales.js";
import { app, countryName, filters, key, layerCountries, period } from "./state.js";
import { eventsExport, renderLegend, shownEvents } from "./events.js";

// Indicator and forecast rows are raw JSON (any): their columns vary with the layer.

/** @type {Record<string, string>} */
export const LAYER_LABEL = {
  deadliness: "Fatalities", deadliness_r12: "Fatalities, trailing 12 months", events_total: "Events",
  danger_best: "One-sided violence deaths", armed_groups: "Armed groups active",
  attacks_on_state: "Attacks on state forces", diffusion: "Share of grid cells with events",
  border_share: "Share of events near a border", presence: "Armed-group presence",
  forecast: "Forecast P(≥25 deaths)",
};

/** @type {Record<string, string>} */
const UNIT_CODE = { country: "Gleditsch-Ward ", admin1: "P-code ", admin2: "P-code ", cell: "PRIO-GRID " };

/** Remove the choropleth and forget its values. */
function dropLayer() {
  if (app.choropleth) theMap().removeLayer(app.choropleth);
  app.choropleth = null;
  app.choroplethValues = null;
  app.choroplethLegend = null;
}

/** Shapes drawn in the choropleth pane, painted later; a click opens the unit.
 * @param {GeoJSON} shapes @param {number} weight */
function addShapes(shapes, weight) {
  app.choropleth = L.geoJSON(shapes, {
    pane: "choropleth",
    style: () => ({ weight: weight, color: "#6f6656", fillOpacity: 0.75, fillColor: NODATA }),
    onEachFeature: (feature, layer) => layer.on("click", (e) => unitPopup(feature, e.latlng)),
  }).addTo(theMap());
}

/** Load the chosen layer for the filters and paint it. */
export async function loadChoropleth() {
  dropLayer();
  $("c-note").textContent = "";
  if (!filters.layer) { renderLegend(); updateExports(); return; }
  const k = key() + filters.layer + filters.level;
  app.choroplethKey = k;
  await busy("Loading layer", async () => {
    if (filters.layer === "forecast") return loadForecastLayer(k);
    const level = filters.layer === "diffusion" && filters.level === "cell" ? "admin1" : filters.level;
    const countries = layerCountries(level);
    if (!countries.length) {
      $("c-note").textContent = "No " + level + " units are bundled for " + countryName(filters.country) + ".";
      return;
    }
    const codes = countries.map((c) => c.iso3);
    const [shapes, series] = await Promise.all([
      boundaries(level, codes),
      api("indicators/series", { level: level, country: codes.join(","), period: period(), columns: [filters.layer, "covered"] }),
    ]);
    if (app.choroplethKey !== k) return;
    const values = new Map();
    series.rows.forEach((/** @type {Record<string, any>} */ r) => values.set(r.unit_id + "|" + r.month, r[filters.layer]));
    app.choroplethValues = { kind: filters.layer === "presence" ? "category" : "number", values: values, level: level, rows: series.rows };
    addShapes(shapes, 0.5);
    if (level !== filters.level) $("c-note").textContent = "Diffusion is defined for admin units: shown by admin-1.";
    paintChoropleth();
  });
  updateExports();
}

/** The forecast layer: P(≥25 deaths) of the newest stored run at the Units selector's level,
 * or the nearest level stored (and the note says so). @param {string} k */
async function loadForecastLayer(k) {
  /** @type {import("./forecasts.js").Runs} */
  const runs = await api("forecasts/runs");
  /** @type {Record<string, string>} */
  const forecastLevel = { admin1: "admin1", admin2: "admin2", cell: "grid", country: "country" };
  const wanted = forecastLevel[filters.level] || "country";
  const have = new Set(runs.runs.filter((r) => !r.benchmark).map((r) => r.level));
  const served = new Set(["country", "admin1", "admin2", "grid"]); // levels /api/forecasts serves
  const level = [wanted, "admin1", "country"].find((l) => have.has(l) && served.has(l)) || null;
  if (!level) {
    $("c-note").textContent = "No forecasts are stored yet (run the forecast and store it).";
    return;
  }
  const shapeLevel = level === "grid" ? "cell" : level;
  const codes = level === "country" ? null : layerCountries(shapeLevel).map((c) => c.iso3);
  const [forecast, shapes] = await Promise.all([
    api("forecasts", { target: "total", level: level }),
    boundaries(shapeLevel, codes),
  ]);
  if (app.choroplethKey !== k) return;
  /** @type {Record<string, string>} */
  const unitWord = { country: "country", admin1: "admin-1 region", admin2: "admin-2 unit", grid: "grid cell" };
  app.forecastNote = level === wanted ? "" : " No forecasts by " + unitWord[wanted] + " are stored: shown by " + unitWord[level] + ".";
  const top = forecast.headline;  // the forecast with the better backtest record, and why
  if (top && top.model_version === forecast.model_version) app.forecastNote += " Why this forecast: " + top.reason;
  const values = new Map();
  const months = new Set();
  forecast.rows.forEach((/** @type {Record<string, any>} */ r) => { values.set(r.unit_id + "|" + r.month, r.p_ge_25); months.add(r.month); });
  app.choroplethValues = {
    kind: "probability", values: values, level: shapeLevel, rows: forecast.rows,
    months: Array.from(months).sort(), origin: forecast.origin, model: forecast.model_version,
  };
  addShapes(shapes, 0.6);
  paintChoropleth();
}

/** The month the layer shows: the slider's (a forecast: its first month when the slider's is
 * not forecast), else the period's last. */
export function layerMonth() {
  const v = app.choroplethValues;
  if (!v) return null;
  if (v.kind === "probability") {
    const months = v.months || [];
    const want = filters.month || months[0];
    return months.includes(want) ? want : months[0];
  }
  return filters.month || filters.end;
}

/** Colour the units for the layer's month and build its legend. */
export function paintChoropleth() {
  const v = app.choroplethValues;
  if (!app.choropleth || !v) return;
  const month = layerMonth();
  /** @param {{properties: Record<string, any>}} f @returns {any} a layer value (raw JSON) or null */
  const get = (f) => {
    const x = v.values.get(f.properties.unit_id + "|" + month);
    return x === undefined ? null : x;
  };
  /** @type {(number | null)[]} */
  const all = [];
  app.choropleth.eachLayer((layer) => all.push(get(layer.feature)));
  const cuts = v.kind === "number" ? breaks(all) : [];
  app.choropleth.eachLayer((layer) => {
    const x = get(layer.feature);
    const fill = v.kind === "category" ? presenceFill(x) : numberColour(x, cuts, v.kind === "probability");
    layer.setStyle({ fillColor: fill, dashArray: x === null ? "2 3" : null, fillOpacity: x === null ? 0.45 : 0.78 });
  });
  const rows = v.kind === "category" ? Object.values(PRESENCE).map((p) => [p.fill, p.label])
    : v.kind === "probability" ? PROBABILITY_LEGEND : rampLegend(cuts);
  app.choroplethLegend = el("div", {},
    el("div", { class: "title", text: LAYER_LABEL[filters.layer] + " · " + (month ? monthLabel(month) : "") }),
    [...rows, [NODATA, "no data (gap)"]].map(([fill, label]) => el("div", { class: "row" }, swatch("key sq", fill), label)));
  if (v.kind === "probability") {
    $("c-note").textContent = "Forecast made at " + v.origin + " by " + v.model + " for " + (month ? monthLabel(month) : "no month") +
      (filters.month && filters.month !== month ? " (the selected month is not forecast)" : "") + "." + app.forecastNote;
  }
  renderLegend();
}

/** A unit's value in a popup, with a link to its country page.
 * @param {Feature} feature @param {L.LatLng} latlng */
function unitPopup(feature, latlng) {
  const v = app.choroplethValues;
  const p = feature.properties;
  const month = layerMonth();
  const x = v ? v.values.get(p.unit_id + "|" + month) : null;
  const shown = !v || x === null || x === undefined ? "no data" : v.kind === "probability" ? fmt(x * 100, 0) + " %" : fmt(x);
  const region = filters.level === "admin1" && v && v.level === "admin1" ? "&region=" + encodeURIComponent(p.unit_id) : "";
  const link = el("a", { href: "#country?country=" + encodeURIComponent(p.iso3 || "") + region, text: "Open the country page" });
  const names = [p.unit_name, p.admin1_name, countryName(p.iso3 || p.country_gw)].filter((x, i, a) => x && a.indexOf(x) === i);
  L.popup().setLatLng(latlng).setContent(el("div", { class: "popup" },
    el("h4", { text: p.unit_name || String(p.unit_id) }),
    dl([[LAYER_LABEL[filters.layer], shown], ["Month", month ? monthLabel(month) : ""],
      ["Unit", names.join(", ")], ["Code", (UNIT_CODE[v ? v.level : filters.level] || "") + p.unit_id]]),
    link)).openOn(theMap());
}

/** The map's export links: the events shown and the layer's month. */
export function updateExports() {
  const shown = shownEvents();
  eventsExport($("x-events-csv"), "events CSV", "csv", shown);
  eventsExport($("x-events-geojson"), "events GeoJSON", "geojson", shown);
  const v = app.choroplethValues;
  const link = $("x-layer-csv");
  if (v && filters.layer && filters.layer !== "forecast") {
    link.href = apiUrl("indicators", { level: v.level, country: layerCountries(v.level).map((c) => c.iso3).join(","), month: layerMonth(), format: "csv" });
    link.removeAttribute("aria-disabled");
  } else if (v && filters.layer === "forecast") {
    link.href = apiUrl("forecasts", { target: "total", month: layerMonth(), format: "csv" });
    link.removeAttribute("aria-disabled");
  } else {
    link.href = "#";
    link.setAttribute("aria-disabled", "true");
  }
}
