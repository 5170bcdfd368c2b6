// @ts-check
/* The country page: cards of the last month with data, fatalities by violence type, events
 * by actor family, the indicator table, armed-group presence over time, and on request the
 * years since 1990 (presence year by year, the nearest jihadist event to the capital). A
 * region (admin-1 unit) changes the cards and the actor-family chart; the rest is national. */

import { api, busy } from "./api.js";
import { bandsHook, dropChart, fromZero, legendValue, makeChart, monthAxis, yearTicks } from "./charts.js";
import { $, clear, colour, el, fillSelect } from "./dom.js";
import { addMonths, apiUrl, fmt, lastWith, monthLabel, percent, ts } from "./format.js";
import { HAS_EVENTS } from "./events.js";
import { renderForecast } from "./forecasts.js";
import { familyLabel, totalsLabel, typeLabel } from "./labels.js";
import { PRESENCE, presenceClass } from "./scales.js";
import { app, emit, filters, key, meta, pageCountry, period } from "./state.js";

/** @typedef {import("./state.js").Country} Country */
// Indicator and history rows are raw JSON (any): their columns vary with the level and the layers.

/** The page country's meta (a country without bundled boundaries: its code). @returns {Country} */
function countryInfo() {
  const iso = pageCountry();
  return meta().countries.find((c) => c.iso3 === iso) || { gw: 0, iso3: iso, name: iso, sahel: false, admin1: false, admin2: false };
}

/** Load and draw the country page for the filters. */
export async function loadCountry() {
  const k = key();
  app.loaded.country = k;
  const info = countryInfo();
  const iso = info.iso3;
  $("cty-title").textContent = info.name;
  if (app.yearsRendered && app.yearsRendered !== iso) {  // another country: its years on request
    clear($("years-grid"));
    dropChart("chart-capital");
    clear($("chart-capital"));
    $("capital-note").textContent = "";
    app.yearsRendered = null;
  }
  $("cty-brief").href = apiUrl("briefs", { country: iso, month: filters.end });
  $("cty-brief-pdf").href = apiUrl("briefs", { country: iso, month: filters.end, format: "pdf" });
  fillSelect($("cty-country"), meta().countries.map((c) => ({ value: c.iso3, label: c.name })), iso);
  await busy("Loading " + info.name, async () => {
    /** @type {{rows: Record<string, any>[]} | null} */
    const admin1 = info.admin1 ? await api("indicators/series", { level: "admin1", country: iso, period: period() }) : null;
    /** @type {[string, string][]} */
    const regions = admin1 ? Array.from(new Map(admin1.rows.map((r) => [r.unit_id, r.unit_name])).entries()) : [];
    fillSelect($("cty-region"), [{ value: "", label: "Whole country" }].concat(regions.map(([id, name]) => ({ value: id, label: name }))), filters.region);
    if (filters.region && !regions.some(([id]) => id === filters.region)) filters.region = "";
    const [history, national, monthly] = await Promise.all([
      api("history", { country: iso, start: addMonths(filters.end, -119) }),
      api("indicators/series", { level: "country", country: iso, period: period() }),
      api("months", { country: iso, period: period() }),
    ]);
    if (app.loaded.country !== k) return;
    const focus = filters.region && admin1 ? admin1.rows.filter((r) => r.unit_id === filters.region) : national.rows;
    const regionName = filters.region && focus.length ? focus[0].unit_name : "";
    renderCards(info, national.rows, focus, monthly, regionName);
    renderScope(info, regionName);
    renderHistory(history.rows);
    renderFamilies(focus);
    renderIndicatorTable(admin1 ? admin1.rows : national.rows, admin1 ? "admin-1" : "country");
    renderPresence(admin1 ? admin1.rows : national.rows);
    await renderForecast(info, history.rows);
    await emit("country", info);  // the forecasts' track record
  });
}

/** @param {Country} info @param {string} regionName */
function renderScope(info, regionName) {
  const national = " — " + info.name + (regionName ? " (national)" : "");
  $("hist-title").textContent = "Fatalities by violence type" + national;
  $("fc-title").textContent = "Forecast of monthly fatalities" + national;
  $("cty-scope").textContent = regionName
    ? "Region " + regionName + ": the cards and the actor-family chart are for " + regionName +
      "; the fatalities chart, the forecast and the state-under-pressure score are national (they exist only for countries)."
    : "";
}

/** @param {string} value @param {string} label */
function card(value, label) {
  return el("div", { class: "card" + (value === "no data" ? " na" : "") }, el("b", { text: value }), el("span", { text: label }));
}

/**
 * The cards of the last month with data; a month known only from country-month totals says
 * so on every card.
 * @param {Country} info @param {any[]} national @param {any[]} focus
 * @param {{months: import("./state.js").MonthRow[], notes: string[]}} monthly @param {string} regionName
 */
function renderCards(info, national, focus, monthly, regionName) {
  const box = clear($("cty-cards"));
  const last = lastWith(focus, "deadliness");
  const lastNat = lastWith(national, "pressure");
  const when = last ? " in " + monthLabel(last.month) : "";
  const where = regionName ? ", " + regionName : "";
  const pressure = card(lastNat ? fmt(lastNat.pressure, 2) : "no data", "state under pressure (0–100), " +
    (regionName ? "national" : info.name) + (lastNat ? " in " + monthLabel(lastNat.month) : ""));
  $("cty-data-note").textContent = monthly.notes.length
    ? "What the data hold, " + filters.start + " – " + filters.end + ": " + monthly.notes.join(". ") + "." : "";
  const shown = last ? monthly.months.find((r) => r.month === last.month) : null;
  const totalsOnly = Boolean(shown && !HAS_EVENTS.has(shown.state));
  const source = shown && totalsOnly ? " (" + totalsLabel([shown]) + "; no located events)" : "";
  const eventsValue = last && !(totalsOnly && last.events_total === null) ? fmt(last.events_total) : "no data";
  box.append(
    card(last ? fmt(last.deadliness) : "no data", "fatalities" + where + when + source),
    card(eventsValue, "events" + where + when + source),
    card(last ? fmt(last.deadliness_r12) : "no data", "fatalities over 12 months" + where + when),
    card(last && last.armed_groups !== null ? fmt(last.armed_groups) : "no data",
      "armed groups active" + where + when + (totalsOnly ? " (needs located events)" : "")),
    pressure,
  );
}

/** UCDP's monthly fatalities by violence type, ten years back. @param {any[]} rows */
function renderHistory(rows) {
  const keys = ["sb", "ns", "os", "total"];
  const data = [rows.map((r) => ts(r.month)), ...keys.map((k) => rows.map((r) => r[k]))];
  makeChart("chart-history", {
    height: 230,
    series: [{}].concat(keys.map((k) => ({
      label: k === "total" ? "total" : typeLabel(k),
      stroke: k === "total" ? "#444" : colour(k),
      width: k === "total" ? 1 : 1.6,
      dash: k === "total" ? [4, 3] : undefined,
      spanGaps: false,
      value: legendValue,
    }))),
    scales: { x: { time: true } },
    axes: [monthAxis(), { size: 55 }],
  }, data);
}

/** Events by actor family; months whose releases do not name the actors have no value.
 * @param {any[]} rows */
function renderFamilies(rows) {
  const fams = Object.keys(meta().actor_families).filter((f) => f !== "unknown" && rows.some((r) => r["events_" + f]));
  const months = rows.map((r) => r.month);
  const data = [months.map(ts), ...fams.map((f) => rows.map((r) => (r.covered_actors ? r["events_" + f] : null)))];
  $("fam-title").textContent = "Events by actor family" + (filters.region ? " — " + (rows[0] ? rows[0].unit_name : "") : "");
  makeChart("chart-families", {
    height: 230,
    series: [{}].concat(fams.map((f) => ({
      label: familyLabel(f), stroke: colour("fam-" + f), width: 2,
      points: { show: true, size: 5 }, spanGaps: false,
      value: legendValue,
    }))),
    scales: { x: { time: true }, y: fromZero(4) },
    axes: [monthAxis(), { size: 40 }],
    hooks: { drawAxes: [bandsHook(months, Object.fromEntries(rows.map((r) => [r.month, Boolean(r.covered_actors)])), null)] },
  }, data);
}

const TABLE_COLUMNS = [
  ["deadliness", "Fatalities"], ["events_total", "Events"], ["danger_best", "One-sided violence deaths"],
  ["civilian_deaths", "Civilian deaths (any violence)"], ["armed_groups", "Armed groups"],
  ["attacks_on_state", "Attacks on state"], ["presence", "Presence"], ["diffusion", "Diffusion"],
  ["border_share", "Near border"],
];
const SHARES = new Set(["diffusion", "border_share"]);

/** Every unit's indicators in the last month with data. @param {any[]} rows @param {string} levelLabel */
function renderIndicatorTable(rows, levelLabel) {
  const table = clear($("ind-table"));
  const last = lastWith(rows, "deadliness");
  if (!last) { $("ind-month").textContent = "— no data in this period"; return; }
  const month = last.month;
  $("ind-month").textContent = "— " + levelLabel + ", " + monthLabel(month);
  table.append(el("thead", {}, el("tr", {}, el("th", { text: "Unit" }), TABLE_COLUMNS.map(([, label]) => el("th", { text: label })))));
  const body = el("tbody");
  rows.filter((r) => r.month === month).sort((a, b) => (b.deadliness || 0) - (a.deadliness || 0)).forEach((r) => {
    body.append(el("tr", {}, el("td", { text: r.unit_name }), TABLE_COLUMNS.map(([c]) => {
      const v = r[c];
      const na = v === null || v === undefined;
      return el("td", { class: na ? "na" : null, text: SHARES.has(c) ? percent(v) : fmt(v) });
    })));
  });
  table.append(body);
}

/** The presence legend under a grid of strips. */
function presenceLegend() {
  return el("div", { class: "presence-legend" },
    Object.values(PRESENCE).map((p) => el("span", {}, el("i", { class: "sw " + p.cls }), " " + p.label)),
    el("span", {}, el("i", { class: "sw p-none" }), " no data"));
}

/**
 * A grid of strips, one per unit, one cell per column (month or year).
 * @param {HTMLElement} box @param {string[]} columns @param {(column: string, i: number) => string} tick
 * @param {[string, string][]} units [id, name] @param {(id: string, column: string) => string | null | undefined} value
 * @param {string} corner the label above the units
 */
function strips(box, columns, tick, units, value, corner) {
  const axis = el("div", { class: "strip strip-axis" }, columns.map((c, i) => el("div", { class: "cell", text: tick(c, i) })));
  box.append(el("div", { class: "strip-row" }, el("span", { class: "label", text: corner }), axis));
  units.forEach(([id, name]) => {
    const strip = el("div", { class: "strip" }, columns.map((c) => {
      const p = value(id, c);
      return el("div", { class: "cell " + presenceClass(p), title: name + " " + c + ": " + (p || "no data") });
    }));
    box.append(el("div", { class: "strip-row" }, el("span", { class: "label", title: name, text: name }), strip));
  });
}

/** Armed-group presence of each unit, month by month. @param {any[]} rows */
function renderPresence(rows) {
  const box = clear($("presence-grid"));
  const months = Array.from(new Set(rows.map((r) => r.month))).sort();
  const values = new Map(rows.map((r) => [r.unit_id + "|" + r.month, r.presence]));
  const every = Math.max(1, Math.ceil(months.length / 8));
  strips(box, months, (m, i) => (i % every === 0 ? m : ""), Array.from(new Map(rows.map((r) => [r.unit_id, r.unit_name])).entries()),
    (id, m) => values.get(id + "|" + m), "");
  box.append(presenceLegend());
}

const HISTORY_START = "1990-01";

/** Year by year since 1990: each unit's presence at the last covered month of the year, and
 * the nearest jihadist event to the capital; a year without located data stays empty. */
export async function loadYears() {
  const info = countryInfo();
  const level = info.admin2 ? "admin2" : info.admin1 ? "admin1" : null;
  await busy("Computing the years since 1990", async () => {
    const span = HISTORY_START + ".." + filters.end;
    const [series, capital] = await Promise.all([
      level ? api("indicators/series", { level: level, country: info.iso3, period: span, columns: ["presence", "covered"] }) : null,
      api("capital/years", { country: info.iso3, period: span }),
    ]);
    renderYears(series ? series.rows : [], level);
    renderCapitalYears(capital.years, info);
    app.yearsRendered = info.iso3;
  });
}

/** @param {any[]} rows @param {string | null} level */
function renderYears(rows, level) {
  const box = clear($("years-grid"));
  if (!rows.length) { box.append(el("p", { class: "note", text: "No admin units are bundled for this country." })); return; }
  const years = Array.from(new Set(rows.map((r) => r.month.slice(0, 4)))).sort();
  const atYearEnd = new Map();
  // only months the data cover with locations count (the six-month window of a month without
  // them would otherwise carry older events into a year that has none)
  rows.forEach((r) => { if (r.presence && r.covered) atYearEnd.set(r.unit_id + "|" + r.month.slice(0, 4), r.presence); });
  strips(box, years, (y) => (Number(y) % 5 === 0 ? y : ""), Array.from(new Map(rows.map((r) => [r.unit_id, r.unit_name])).entries()),
    (id, y) => atYearEnd.get(id + "|" + y), level === "admin2" ? "cercle / unit" : "region");
}

/** @param {any[]} years @param {Country} info */
function renderCapitalYears(years, info) {
  const capital = years[0] ? years[0].capital : "the capital";
  makeChart("chart-capital", {
    height: 200,
    series: [{}, { label: "nearest jihadist event to " + capital + " (km)",
      stroke: "#922b21", width: 2, points: { show: true, size: 6 }, spanGaps: false, value: legendValue }],
    scales: { x: { time: true }, y: fromZero(100) },
    axes: [{ values: (/** @type {uPlot} */ u, /** @type {number[]} */ splits) => yearTicks(splits), space: 40 }, { size: 50 }],
  }, [years.map((y) => Date.UTC(y.year, 6, 1) / 1000), years.map((y) => (y.months_located ? y.nearest_km : null))]);
  const none = years.filter((y) => !y.months_located).map((y) => y.year);
  const closest = years.filter((y) => y.nearest_km !== null).sort((a, b) => a.nearest_km - b.nearest_km)[0];
  $("capital-note").textContent = "Distance from " + capital + " to the nearest located jihadist event of " +
    info.name + " or a neighbour, per year (the closest month). " +
    (closest ? "Closest: " + fmt(closest.nearest_km, 0) + " km in " + closest.nearest_month + " (" + closest.nearest_uid + "). " : "") +
    (none.length ? "No located data (no point, not far): " + none.join(", ") + "." : "");
}
