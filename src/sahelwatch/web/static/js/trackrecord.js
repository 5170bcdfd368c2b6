// @ts-check
/* The forecast track record on the country page, next to the fan chart. From
 * /api/forecasts/track-record (the evaluation kept by `sahelwatch evaluate --save`): which
 * forecast is the headline and why; per evaluation window, the forecasts made at its origin
 * (median and 90 % interval) against what happened; each model's CRPS for the country against
 * conflictology's; and calibration (PIT histogram, 50 % and 90 % interval coverage) for the
 * country and for all countries. A store without a kept backtest says so, and a month without
 * an observation is "no data", never 0. */

import { api, busy } from "./api.js";
import { dropChart, fromZero, makeChart } from "./charts.js";
import { $, clear, el } from "./dom.js";
import { count, fixed, percent, ts } from "./format.js";
import { app, on } from "./state.js";

const T = app.trackRecord;
const REFERENCE = "conflictology";
const NO_BACKTEST = "No backtest is stored: run `sahelwatch evaluate --save`.";
/** @type {Record<string, string>} */
const TARGET_LABEL = { total: "all violence (total)", sb: "state-based (sb)" };
const COLOURS = { main: "#b3541e", ref: "#1f618d" };
const CHART = "chart-trackrecord";

/** @typedef {import("./state.js").Country} Country */

/**
 * @typedef {object} Cell a model's forecast of a month, and its CRPS
 * @property {number} q05 @property {number} q50 @property {number} q95 @property {number} crps
 */

/**
 * @typedef {object} Window an evaluation window: the forecasts made at its origin, month by month
 * @property {string} window @property {string} origin
 * @property {{month: string, horizon: number, obs: number | null, models: Record<string, Cell>}[]} months
 */

/**
 * @typedef {object} Calibration a model's calibration (PIT histogram, interval coverage)
 * @property {string} model @property {number[]} pit @property {number | null} pit_cov50 @property {number | null} pit_cov90
 * @property {number} cov50 @property {number} cov90
 */

/**
 * @typedef {object} TrackRecord what /api/forecasts/track-record says
 * @property {string} target
 * @property {{model: string, model_version: string, reason: string, record: object[]}} headline
 * @property {{model: string, crps: number, unit_months: number, ratio_to_conflictology?: number | null,
 *   windows_better?: number, windows?: number}[]} summary
 * @property {Window[]} windows @property {{unit: Calibration[], level: Calibration[]}} calibration
 */

/** @param {string} m */
export const modelName = (m) => (m === "blend" ? "model (blend)" : m);

/** The models shown beside each other: the headline, the model and conflictology (those held).
 * @param {{summary: {model: string}[], headline: {model: string}}} data */
export function shownModels(data) {
  const held = new Set(data.summary.map((s) => s.model));
  return [data.headline.model, "blend", REFERENCE].filter((m, i, a) => held.has(m) && a.indexOf(m) === i);
}

/** @param {TrackRecord} data */
function renderHeadline(data) {
  const h = data.headline;
  clear($("tr-headline")).append(el("b", { text: "Headline forecast: " + modelName(h.model) }), " (" + h.model_version + "). ",
    "Why: " + h.reason);
}

/** @param {TrackRecord} data @param {Country} info */
function renderSummary(data, info) {
  const rows = data.summary.slice().sort((a, b) => a.crps - b.crps).map((s) => {
    const ref = s.model === REFERENCE;
    return el("tr", { class: s.model === data.headline.model ? "main" : null, "data-model": s.model },
      el("td", { text: modelName(s.model) + (s.model === data.headline.model ? " — headline" : "") }),
      el("td", { class: "crps", text: fixed(s.crps, 2) }),
      el("td", { text: ref ? "1.00" : fixed(s.ratio_to_conflictology, 2) }),
      el("td", { text: ref ? "—" : (s.windows_better === undefined ? "no data" : s.windows_better + " of " + s.windows) }),
      el("td", { text: count(s.unit_months) }));
  });
  const table = el("table", { class: "table", id: "tr-summary" },
    el("thead", {}, el("tr", {}, ["Model", "CRPS", "÷ confl.", "Windows better", "Months"].map((t) => el("th", { text: t })))),
    el("tbody", {}, rows));
  return el("div", {}, el("h4", { text: "Against conflictology" }), el("div", { class: "table-wrap" }, table),
    el("p", { class: "note", text: "Mean CRPS of " + info.name + "'s forecast months (lower is better); below 1 beats conflictology (each country's last 12 months); windows in which the model's mean CRPS beat conflictology's." }));
}

/** @param {HTMLElement} box @param {Window} win @param {string[]} models */
function windowChart(box, win, models) {
  const months = win.months.map((m) => m.month);
  const x = months.map(ts);
  const data = [x, win.months.map((m) => m.obs)];
  /** @type {Record<string, any>[]} */
  const series = [{}, { label: "observed", stroke: "#222", width: 0, points: { show: true, size: 7, fill: "#222" } }];
  /** @type {{series: [number, number], fill: string}[]} */
  const bands = [];
  models.forEach((model, i) => {
    const stroke = i === 0 ? COLOURS.main : COLOURS.ref;
    /** @param {Window["months"][number]} m @param {"q05" | "q50" | "q95"} k */
    const cell = (m, k) => (m.models[model] ? m.models[model][k] : null);
    const at = data.length;
    data.push(win.months.map((m) => cell(m, "q95")), win.months.map((m) => cell(m, "q50")), win.months.map((m) => cell(m, "q05")));
    series.push({ label: modelName(model) + " 95 %", stroke: stroke, width: 0.8, dash: [3, 3] },
      { label: modelName(model) + " median", stroke: stroke, width: 2, dash: i ? [6, 4] : undefined, points: { show: true, size: 5 } },
      { label: modelName(model) + " 5 %", stroke: stroke, width: 0.8, dash: [3, 3] });
    if (i === 0) bands.push({ series: [at, at + 2], fill: "rgba(179, 84, 30, 0.16)" });  // the others: lines only
  });
  T.chart = makeChart(box, {
    height: 210, series: series, bands: bands, legend: { show: false },
    // one tick per forecast month, half a month of room either side
    scales: { x: { time: true, range: () => [x[0] - 15 * 86400, x[x.length - 1] + 15 * 86400] }, y: fromZero(10, 1.08) },
    axes: [{ splits: () => x, values: () => months.map((m, i) => (i % Math.ceil(months.length / 8) ? "" : m)) }, { size: 50 }],
  }, data);
}

/** @param {Window} win @param {string[]} models */
function windowTable(win, models) {
  const body = el("tbody", {}, win.months.map((m) => el("tr", { "data-month": m.month },
    el("td", { text: m.month }), el("td", { text: String(m.horizon) }),
    el("td", { class: m.obs === null ? "na" : "obs", text: count(m.obs) }),
    models.map((model) => {
      const c = m.models[model];
      const inside = c && m.obs !== null && m.obs >= c.q05 && m.obs <= c.q95;
      return el("td", { "data-model": model, class: c ? (inside ? "in" : "out") : "na",
        text: c ? count(c.q50) + " (" + count(c.q05) + "–" + count(c.q95) + ")" : "—" });
    }))));
  const table = el("table", { class: "table", id: "tr-window-table" },
    el("thead", {}, el("tr", {}, el("th", { text: "Month" }), el("th", { text: "Horizon" }), el("th", { text: "Observed" }),
      models.map((m) => el("th", { text: modelName(m) + " median (90 %)" })))),
    body);
  return el("div", { class: "table-wrap" }, table);
}

/** The mean CRPS of a model over a window's months (null: none scored).
 * @param {{months: {models: Record<string, {crps: number}>}[]}} win @param {string} model */
export function windowCrps(win, model) {
  const cells = win.months.map((m) => m.models[model]).filter(Boolean);
  return cells.length ? cells.reduce((s, c) => s + c.crps, 0) / cells.length : null;
}

/** @param {TrackRecord} data @param {Country} info */
function renderWindow(data, info) {
  const win = data.windows.find((w) => w.window === T.window) || data.windows[data.windows.length - 1];
  T.window = win.window;
  const models = shownModels(data);
  const box = clear($("tr-window"));
  const chart = el("div", { id: CHART, class: "chart" });
  box.append(chart);
  windowChart(chart, win, models);
  box.append(el("p", { class: "note", id: "tr-window-note", text: "Forecast made at " + win.origin + " (data up to that month) for window " + win.window +
    ", " + win.months.length + " months, against what " + info.name + " saw. Mean CRPS in this window: " +
    models.map((m) => modelName(m) + " " + fixed(windowCrps(win, m), 2)).join(", ") +
    ". Dots: observed; solid: " + modelName(models[0]) + " (median and 90 % interval, shaded)" +
    (models.length > 1 ? "; dashed: " + models.slice(1).map(modelName).join(", ") : "") + "." }),
  windowTable(win, models));
}

/** A PIT histogram, sized through the CSSOM (the page's CSP refuses style attributes).
 * @param {number[]} pit @param {string} model */
function pitBars(pit, model) {
  const top = Math.max(0.2, ...pit);
  const bars = el("div", { class: "pit", "data-model": model, title: "PIT histogram of " + modelName(model) + " (each bar ideally 10 %)" });
  pit.forEach((v, i) => {
    const bar = el("span", { class: "bar", "data-value": String(v), title: (i * 10) + "–" + (i * 10 + 10) + " %: " + percent(v) });
    bar.style.height = (100 * v / top).toFixed(1) + "%";
    bars.append(bar);
  });
  const ideal = el("i", { class: "ideal" });
  ideal.style.bottom = (100 * 0.1 / top).toFixed(1) + "%";
  bars.append(ideal);
  return bars;
}

/** @param {TrackRecord} data @param {Country} info */
function renderCalibration(data, info) {
  /** @param {"unit" | "level"} scope */
  const rows = (scope) => Object.fromEntries(data.calibration[scope].map((c) => [c.model, c]));
  const unit = rows("unit");
  const level = rows("level");
  const body = el("tbody", {}, shownModels(data).map((m) => {
    const u = unit[m];
    const l = level[m];
    return el("tr", { "data-model": m, class: m === data.headline.model ? "main" : null },
      el("td", { text: modelName(m) }),
      el("td", { class: "cov90", text: u ? percent(u.pit_cov90) : "no data", title: u ? "inside the 5–95 % quantiles: " + percent(u.cov90) : null }),
      el("td", { class: "cov50", text: u ? percent(u.pit_cov50) : "no data", title: u ? "inside the 25–75 % quantiles: " + percent(u.cov50) : null }),
      el("td", { class: "cov90-level", text: l ? percent(l.pit_cov90) : "no data" }),
      el("td", {}, u ? pitBars(u.pit, m) : "no data"));
  }));
  const table = el("table", { class: "table", id: "tr-coverage" },
    el("thead", {}, el("tr", {}, ["Model", "90 % cover", "50 % cover", "90 %, all", "PIT histogram"].map((t) => el("th", { text: t })))),
    body);
  return el("div", {}, el("h4", { text: "Calibration" }), el("div", { class: "table-wrap" }, table),
    el("p", { class: "note", text: "Share of " + info.name + "'s observations inside the 90 % and 50 % intervals, counted by their randomised PIT as counts must be (calibrated: 90 % and 50 %; a plain count of outcomes inside the quantiles, shown on hover, is higher for counts even when calibrated, since an observed 0 is inside every interval that starts at 0; \"all\": every country in the backtest) and " + info.name + "'s PIT histogram (calibrated: flat, the line at 10 % per bar). " +
      "Bars high at the right: outcomes above the forecast; at the left: below it." }));
}

/** @param {TrackRecord} data @param {Country} info */
function renderEmpty(data, info) {
  T.window = null;
  dropChart(CHART);
  T.chart = null;
  const text = !data || !data.headline.record.length ? NO_BACKTEST
    : "The stored backtest holds no forecasts of " + TARGET_LABEL[data.target] + " fatalities for " + info.name + ".";
  clear($("tr-window"));
  clear($("tr-scores")).append(el("p", { class: "note tr-empty", text: text }));
}

/** @param {Country} info */
async function render(info) {
  const target = $("tr-target").value;
  const k = info.iso3 + "|" + target;
  T.key = k;
  T.rendered = false;
  /** @type {TrackRecord} */
  const data = await api("forecasts/track-record", { country: info.iso3, target: target });
  if (T.key !== k) return;
  T.data = data;
  renderHeadline(data);
  if (!data.windows.length) {
    renderEmpty(data, info);
  } else {
    const select = clear($("tr-window-pick"));
    data.windows.forEach((w) => select.append(el("option", { value: w.window, text: (w.window === w.origin ? "" : w.window + ", ") + "made at " + w.origin })));
    if (!data.windows.some((w) => w.window === T.window)) T.window = data.windows[data.windows.length - 1].window;
    select.value = T.window;
    renderWindow(data, info);
    clear($("tr-scores")).append(renderSummary(data, info), renderCalibration(data, info));
  }
  $("tr-pick").hidden = !data.windows.length;
  T.info = info;
  T.rendered = true;
}

/** Counted as the page's work; a failure is written in the panel. @param {Country} info */
function track(info) {
  return busy("track record", () => render(info), (message) => {
    clear($("tr-scores")).append(el("p", { class: "note", text: "The track record could not be loaded: " + message }));
  });
}

/** Draw the record after each country page, and follow its selectors. */
export function listen() {
  on("country", track);
  $("tr-target").addEventListener("change", () => { if (T.info) track(T.info); });
  $("tr-window-pick").addEventListener("change", (/** @type {any} */ e) => {
    T.window = e.target.value;
    if (T.data && T.info) renderWindow(T.data, T.info);
  });
}
