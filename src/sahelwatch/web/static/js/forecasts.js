// @ts-check
/* The country page's forecast: a fan chart of monthly fatalities (median, 50 % and 90 %
 * intervals, the benchmarks' medians) after three years of what was observed, and a table of
 * each model at three horizons against what happened. */

import { api, ApiError } from "./api.js";
import { bandsHook, dropChart, fromZero, legendValue, makeChart, monthAxis } from "./charts.js";
import { $, clear, el } from "./dom.js";
import { addMonths, fmt, monthLabel, monthsBetween, percent, ts } from "./format.js";
import { app } from "./state.js";

const BENCH_COLOURS = ["#1f618d", "#117a65", "#7d6608", "#6c3483", "#566573"];
const FAN = "rgba(179, 84, 30, ";

/**
 * @typedef {object} ForecastRow a month of a model's forecast (/api/forecasts)
 * @property {string} model_version @property {string} month
 * @property {number | null} q05 @property {number | null} q25 @property {number | null} q50
 * @property {number | null} q75 @property {number | null} q95 @property {number | null} p_ge_25
 */

/**
 * @typedef {object} Runs the stored forecast runs (/api/forecasts/runs), as far as the page reads them
 * @property {{origin: string, model_version: string, level: string, benchmark: boolean}[]} runs
 */

/**
 * @typedef {object} Forecast the newest stored forecast of a country (/api/forecasts)
 * @property {string} origin @property {string} model_version @property {string[]} benchmarks
 * @property {ForecastRow[]} rows
 */

/** A note in place of the fan chart. @param {string} text */
function instead(text) {
  dropChart("chart-forecast");
  clear($("chart-forecast")).append(el("p", { class: "note", text: text }));
}

/** A model's name in the table ("benchmark-zero" -> "zero"). @param {string} model */
export function modelShort(model) {
  return model.startsWith("benchmark-") ? model.slice("benchmark-".length) : model;
}

/** The forecast months shown in the table: the first, the middle and the last.
 * @param {string[]} months */
export function horizonPicks(months) {
  return [months[0], months[Math.floor((months.length - 1) / 2)], months[months.length - 1]].filter((m, i, a) => a.indexOf(m) === i);
}

/**
 * Draw the newest stored country forecast of `info` beside what was observed.
 * @param {import("./state.js").Country} info @param {{month: string, total: number | null}[]} historyRows
 */
export async function renderForecast(info, historyRows) {
  const side = clear($("forecast-side"));
  app.forecastRendered = false;
  /** @type {Runs} */
  const runs = await api("forecasts/runs");
  if (!runs.runs.some((r) => r.level === "country")) {
    instead("No forecasts are stored in this store yet.");
    $("forecast-note").textContent = "";
    return;
  }
  /** @type {Forecast} */
  let fc;
  try {
    fc = await api("forecasts", { country: info.iso3, target: "total", benchmarks: "true" });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) { instead(err.message); return; }
    throw err;
  }
  /** @param {string} model */
  const byMonth = (model) => new Map(fc.rows.filter((r) => r.model_version === model).map((r) => [r.month, r]));
  const main = byMonth(fc.model_version);
  if (!main.size) { instead("The stored forecasts do not include " + info.name + "."); return; }
  const fMonths = Array.from(main.keys());
  const months = monthsBetween(addMonths(fc.origin, -35), fMonths[fMonths.length - 1]);
  const obs = new Map(historyRows.map((r) => [r.month, r.total]));
  /** @param {"q05" | "q25" | "q50" | "q75" | "q95"} k */
  const q = (k) => months.map((m) => { const r = main.get(m); return r ? r[k] : null; });
  const observed = months.map((m) => (obs.has(m) ? /** @type {number | null} */ (obs.get(m)) : null));
  const data = [months.map(ts), observed, q("q05"), q("q25"), q("q50"), q("q75"), q("q95")];
  fc.benchmarks.forEach((b) => { const bm = byMonth(b); data.push(months.map((m) => { const r = bm.get(m); return r ? r.q50 : null; })); });
  const series = [{},
    { label: "observed", stroke: "#222", width: 1.6, points: { show: true, size: 4 }, spanGaps: false, value: legendValue },
    { label: "5 %", stroke: FAN + "0.5)", width: 1, value: legendValue },
    { label: "25 %", stroke: FAN + "0.7)", width: 1, value: legendValue },
    { label: "median", stroke: "#b3541e", width: 2.2, value: legendValue },
    { label: "75 %", stroke: FAN + "0.7)", width: 1, value: legendValue },
    { label: "95 %", stroke: FAN + "0.5)", width: 1, value: legendValue },
  ].concat(fc.benchmarks.map((b, i) => ({
    label: b.replace("benchmark-", "") + " (median)", stroke: BENCH_COLOURS[i % BENCH_COLOURS.length], width: 1.4, dash: [5, 4],
    value: legendValue,
  })));
  makeChart("chart-forecast", {
    height: 280,
    series: series,
    bands: [{ series: [6, 2], fill: FAN + "0.14)" }, { series: [5, 3], fill: FAN + "0.28)" }],
    scales: { x: { time: true }, y: fromZero(10, 1.05) },
    axes: [monthAxis(), { size: 55 }],
    hooks: { drawAxes: [bandsHook(months, null, fc.origin)] },
  }, data);
  // the table beside the chart: each model at three horizons, with what was observed
  const picks = horizonPicks(fMonths);
  const body = el("tbody", {}, [fc.model_version].concat(fc.benchmarks).map((model) => {
    const rows = byMonth(model);
    const r0 = rows.get(picks[0]);
    return el("tr", { class: model === fc.model_version ? "main" : null }, el("td", { text: modelShort(model) }),
      picks.map((m) => {
        const r = rows.get(m);
        return el("td", { text: r ? fmt(r.q50) + " (" + fmt(r.q05) + "–" + fmt(r.q95) + ")" : "—" });
      }),
      el("td", { text: r0 ? percent(r0.p_ge_25) : "—" }));
  }));
  body.append(el("tr", {}, el("td", { text: "observed" }),
    picks.map((m) => el("td", { class: obs.get(m) === null || obs.get(m) === undefined ? "na" : null, text: fmt(obs.get(m)) })),
    el("td", { text: "" })));
  const table = el("table", { class: "table" },
    el("thead", {}, el("tr", {}, el("th", { text: "Model" }), picks.map((m) => el("th", { text: monthLabel(m) })), el("th", { text: "P(≥25) " + picks[0] }))),
    body);
  side.append(el("div", { class: "table-wrap" }, table),
    el("p", { class: "note", text: "Median (5–95 % interval) of monthly fatalities, all violence types; the rows below the model are the benchmarks." }));
  $("forecast-note").textContent = "Made at " + monthLabel(fc.origin) + " (data up to that month) by " + fc.model_version +
    "; bands: 50 % and 90 % intervals; dashed: benchmarks (medians). Shaded column: the origin.";
  app.forecastRendered = true;
}
