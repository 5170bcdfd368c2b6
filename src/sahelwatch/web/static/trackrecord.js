/* SahelWatch dashboard: the forecast track record on the country page, next to the fan chart.
 *
 * From /api/forecasts/track-record (the evaluation kept by `sahelwatch evaluate --save`): which
 * forecast is the headline and why; per evaluation window, the forecasts made at its origin
 * (median and 90 % interval) against what happened; each model's CRPS for the country against
 * conflictology's; and calibration (PIT histogram, 50 % and 90 % interval coverage) for the
 * country and for all countries. A store without a kept backtest says so, and a month without
 * an observation is "no data", never 0.
 *
 * app.js calls `SW.onCountry(info)` after the fan chart and lends its DOM helpers (`SW.el`,
 * `SW.clear`); `window.SW.trackRecord` exposes the state for the end-to-end tests.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const REFERENCE = "conflictology";
  const NO_BACKTEST = "No backtest is stored: run `sahelwatch evaluate --save`.";
  const TARGET_LABEL = { total: "all violence (total)", sb: "state-based (sb)" };
  const COLOURS = { main: "#b3541e", ref: "#1f618d" };
  const T = { data: null, window: null, rendered: false, key: null };

  const { el, clear } = window.SW;  // app.js's DOM helpers
  const num = (v, digits) => (v === null || v === undefined ? "no data" : Number(v).toFixed(digits));
  const count = (v) => (v === null || v === undefined ? "no data" : Math.round(v).toLocaleString("en"));
  const pct = (v) => (v === null || v === undefined ? "no data" : Math.round(100 * v) + " %");
  const ts = (m) => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1) / 1000;
  const modelName = (m) => (m === "blend" ? "model (blend)" : m);

  async function fetchRecord(iso, target) {
    const q = new URLSearchParams({ country: iso, target: target });
    const response = await fetch("api/forecasts/track-record?" + q, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error((body && body.error) || response.status + " " + response.statusText);
    return body;
  }

  // the models shown beside each other: the headline, the model and conflictology
  function shownModels(data) {
    const held = new Set(data.summary.map((s) => s.model));
    return [data.headline.model, "blend", REFERENCE].filter((m, i, a) => held.has(m) && a.indexOf(m) === i);
  }

  function renderHeadline(data) {
    const h = data.headline;
    const box = clear($("tr-headline"));
    box.append(el("b", { text: "Headline forecast: " + modelName(h.model) }), " (" + h.model_version + "). ",
      "Why: " + h.reason);
  }

  function renderSummary(data, info) {
    const table = el("table", { class: "table", id: "tr-summary" });
    table.append(el("thead", {}, el("tr", {}, ["Model", "CRPS", "÷ confl.", "Windows better", "Months"].map((t) => el("th", { text: t })))));
    const body = el("tbody");
    data.summary.slice().sort((a, b) => a.crps - b.crps).forEach((s) => body.append(el("tr", {
      class: s.model === data.headline.model ? "main" : null, "data-model": s.model,
    },
    el("td", { text: modelName(s.model) + (s.model === data.headline.model ? " — headline" : "") }),
    el("td", { class: "crps", text: num(s.crps, 2) }),
    el("td", { text: s.model === REFERENCE ? "1.00" : num(s.ratio_to_conflictology, 2) }),
    el("td", { text: s.model === REFERENCE ? "—" : (s.windows_better === undefined ? "no data" : s.windows_better + " of " + s.windows) }),
    el("td", { text: count(s.unit_months) }))));
    table.append(body);
    return el("div", {}, el("h4", { text: "Against conflictology" }), el("div", { class: "table-wrap" }, table),
      el("p", { class: "note", text: "Mean CRPS of " + info.name + "'s forecast months (lower is better); below 1 beats conflictology (each country's last 12 months); windows in which the model's mean CRPS beat conflictology's." }));
  }

  function windowChart(box, win, models) {
    const months = win.months.map((m) => m.month);
    const data = [months.map(ts), win.months.map((m) => m.obs)];
    const series = [{}, { label: "observed", stroke: "#222", width: 0, points: { show: true, size: 7, fill: "#222" } }];
    const bands = [];
    models.forEach((model, i) => {
      const stroke = i === 0 ? COLOURS.main : COLOURS.ref;
      const cell = (m, k) => (m.models[model] ? m.models[model][k] : null);
      const at = data.length;
      data.push(win.months.map((m) => cell(m, "q95")), win.months.map((m) => cell(m, "q50")), win.months.map((m) => cell(m, "q05")));
      series.push({ label: modelName(model) + " 95 %", stroke: stroke, width: 0.8, dash: [3, 3] },
        { label: modelName(model) + " median", stroke: stroke, width: 2, dash: i ? [6, 4] : undefined, points: { show: true, size: 5 } },
        { label: modelName(model) + " 5 %", stroke: stroke, width: 0.8, dash: [3, 3] });
      if (i === 0) bands.push({ series: [at, at + 2], fill: "rgba(179, 84, 30, 0.16)" });  // the others: lines only
    });
    const width = Math.max(box.clientWidth || box.parentElement.clientWidth || 300, 260);
    dropChart();
    clear(box);
    T.chart = new uPlot({
      width: width, height: 210, series: series, bands: bands, legend: { show: false },
      // one tick per forecast month, half a month of room either side
      scales: { x: { time: true, range: () => [data[0][0] - 15 * 86400, data[0][data[0].length - 1] + 15 * 86400] },
        y: { range: (u, min, max) => [0, Math.max(10, max * 1.08)] } },
      axes: [{ splits: () => data[0], values: () => months.map((m, i) => (i % Math.ceil(months.length / 8) ? "" : m)) }, { size: 50 }],
    }, data, box);
    window.SW.charts["chart-trackrecord"] = T.chart;  // app.js resizes it with the others
  }

  function dropChart() {
    if (T.chart) T.chart.destroy();
    T.chart = null;
    delete window.SW.charts["chart-trackrecord"];
  }

  function windowTable(win, models) {
    const table = el("table", { class: "table", id: "tr-window-table" });
    table.append(el("thead", {}, el("tr", {}, el("th", { text: "Month" }), el("th", { text: "Horizon" }), el("th", { text: "Observed" }),
      models.map((m) => el("th", { text: modelName(m) + " median (90 %)" })))));
    const body = el("tbody");
    win.months.forEach((m) => {
      const tr = el("tr", { "data-month": m.month }, el("td", { text: m.month }), el("td", { text: String(m.horizon) }),
        el("td", { class: m.obs === null ? "na" : "obs", text: count(m.obs) }));
      models.forEach((model) => {
        const c = m.models[model];
        const inside = c && m.obs !== null && m.obs >= c.q05 && m.obs <= c.q95;
        tr.append(el("td", { "data-model": model, class: c ? (inside ? "in" : "out") : "na",
          text: c ? count(c.q50) + " (" + count(c.q05) + "–" + count(c.q95) + ")" : "—" }));
      });
      body.append(tr);
    });
    table.append(body);
    return el("div", { class: "table-wrap" }, table);
  }

  function renderWindow(data, info) {
    const win = data.windows.find((w) => w.window === T.window) || data.windows[data.windows.length - 1];
    T.window = win.window;
    const models = shownModels(data);
    const box = clear($("tr-window"));
    const chart = el("div", { id: "chart-trackrecord", class: "chart" });
    box.append(chart);
    windowChart(chart, win, models);
    const crps = (model) => {
      const cells = win.months.map((m) => m.models[model]).filter(Boolean);
      return cells.length ? cells.reduce((s, c) => s + c.crps, 0) / cells.length : null;
    };
    box.append(el("p", { class: "note", id: "tr-window-note", text: "Forecast made at " + win.origin + " (data up to that month) for window " + win.window +
      ", " + win.months.length + " months, against what " + info.name + " saw. Mean CRPS in this window: " +
      models.map((m) => modelName(m) + " " + num(crps(m), 2)).join(", ") +
      ". Dots: observed; solid: " + modelName(models[0]) + " (median and 90 % interval, shaded)" +
      (models.length > 1 ? "; dashed: " + models.slice(1).map(modelName).join(", ") : "") + "." }),
    windowTable(win, models));
  }

  function pitBars(pit, model) {
    const top = Math.max(0.2, ...pit);
    const bars = el("div", { class: "pit", "data-model": model, title: "PIT histogram of " + modelName(model) + " (each bar ideally 10 %)" });
    // sizes through the CSSOM: the page's Content-Security-Policy refuses style attributes
    pit.forEach((v, i) => {
      const bar = el("span", { class: "bar", "data-value": String(v), title: (i * 10) + "–" + (i * 10 + 10) + " %: " + pct(v) });
      bar.style.height = (100 * v / top).toFixed(1) + "%";
      bars.append(bar);
    });
    const ideal = el("i", { class: "ideal" });
    ideal.style.bottom = (100 * 0.1 / top).toFixed(1) + "%";
    bars.append(ideal);
    return bars;
  }

  function renderCalibration(data, info) {
    const models = shownModels(data);
    const rows = (scope) => Object.fromEntries(data.calibration[scope].map((c) => [c.model, c]));
    const unit = rows("unit");
    const level = rows("level");
    const table = el("table", { class: "table", id: "tr-coverage" });
    table.append(el("thead", {}, el("tr", {}, ["Model", "90 % cover", "50 % cover", "90 %, all", "PIT histogram"].map((t) => el("th", { text: t })))));
    const body = el("tbody");
    models.forEach((m) => {
      const u = unit[m];
      const l = level[m];
      body.append(el("tr", { "data-model": m, class: m === data.headline.model ? "main" : null },
        el("td", { text: modelName(m) }),
        el("td", { class: "cov90", text: u ? pct(u.cov90) : "no data" }),
        el("td", { class: "cov50", text: u ? pct(u.cov50) : "no data" }),
        el("td", { class: "cov90-level", text: l ? pct(l.cov90) : "no data" }),
        el("td", {}, u ? pitBars(u.pit, m) : "no data")));
    });
    table.append(body);
    return el("div", {}, el("h4", { text: "Calibration" }), el("div", { class: "table-wrap" }, table),
      el("p", { class: "note", text: "Share of " + info.name + "'s observations inside the 90 % and 50 % intervals (calibrated: 90 % and 50 %; \"all\": every country in the backtest) and " + info.name + "'s PIT histogram (calibrated: flat, the line at 10 % per bar). " +
        "Bars high at the right: outcomes above the forecast; at the left: below it." }));
  }

  function renderEmpty(data, info) {
    T.window = null;
    dropChart();
    const nothing = !data || !data.headline.record.length;
    const text = nothing ? NO_BACKTEST
      : "The stored backtest holds no forecasts of " + TARGET_LABEL[data.target] + " fatalities for " + info.name + ".";
    clear($("tr-window"));
    clear($("tr-scores")).append(el("p", { class: "note tr-empty", text: text }));
  }

  async function render(info) {
    const target = $("tr-target").value;
    const k = info.iso3 + "|" + target;
    T.key = k;
    T.rendered = false;
    const data = await fetchRecord(info.iso3, target);
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

  // the work is counted in SW.busy and its failure in SW.errors, as app.js does for its own
  async function track(work) {
    const SW = window.SW;
    SW.busy += 1;
    try {
      return await work();
    } catch (err) {
      SW.errors.push("track record: " + String(err.message || err));
      clear($("tr-scores")).append(el("p", { class: "note", text: "The track record could not be loaded: " + (err.message || err) }));
      return null;
    } finally {
      SW.busy -= 1;
    }
  }

  function start() {
    const SW = window.SW;
    SW.trackRecord = T;
    SW.onCountry = (info) => track(() => render(info));
    $("tr-target").addEventListener("change", () => { if (T.info) track(() => render(T.info)); });
    $("tr-window-pick").addEventListener("change", (e) => {
      T.window = e.target.value;
      if (T.data && T.info) renderWindow(T.data, T.info);
    });
  }

  start();
})();
