/* SahelWatch dashboard: consequences next to the violence. A food-insecurity layer (Cadre
 * Harmonisé, by admin-2 unit) and a chart of internally displaced people, driven by the same
 * filters and month slider as the events (app.js). The same gap rule: a unit the analysis did
 * not cover, or a month no CH period describes, is grey "no data", never a colour for 0; a
 * year without a figure is a gap in the chart, and a figure repeated from the year before is
 * drawn dashed as "carried forward, not measured".
 *
 * `window.SW.consequences` exposes the state for the end-to-end tests.
 */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const CH_COUNTRIES = ["MLI", "BFA", "NER"];
  const CH_GW = { 432: "MLI", 439: "BFA", 436: "NER" };
  const NODATA = "#cfcac0";
  const ZERO = "#f4f1ea";
  const RAMP = ["#fff5d6", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  const SHARE_CUTS = [0.05, 0.1, 0.2, 0.3];
  // the Cadre Harmonisé's own phase colours
  const PHASE = { 1: "#cdfacd", 2: "#fae61e", 3: "#e67800", 4: "#c80000", 5: "#640000" };
  const PHASE_NAME = { 1: "minimal", 2: "stressed", 3: "crisis", 4: "emergency", 5: "famine" };
  const LINE = { MLI: "#8c2d04", BFA: "#3f6e9c", NER: "#5b8c3a" };
  const LINE_NAME = { MLI: "brown", BFA: "blue", NER: "green" };

  const Q = { layer: null, rows: [], month: null, byUnit: new Map(), key: null, idps: null, ready: false };

  function query(params) {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") out.append(k, v);
    return out.toString();
  }
  function url(path, params) { return "api/" + path + "?" + query(params || {}); }
  // null when the store holds no such figures (404): a note, not an error
  async function api(path, params) {
    const response = await fetch(url(path, params), { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error((body && body.error) || response.status + " " + response.statusText);
    return body;
  }
  function num(v, digits) {
    return v === null || v === undefined ? "no data" : Number(v).toLocaleString("en", { maximumFractionDigits: digits || 0 });
  }
  function pct(v) { return v === null || v === undefined ? "no data" : (100 * v).toFixed(1) + " %"; }

  function countries() {
    const S = window.SW.state;
    if (S.country === "SAHEL") return CH_COUNTRIES.slice();
    if (CH_COUNTRIES.includes(S.country)) return [S.country];
    const c = (window.SW.meta.countries || []).find((x) => x.iso3 === S.country);
    return c && CH_GW[c.gw] ? [CH_GW[c.gw]] : [];
  }
  // the slider's month; the whole period shows its last month, as the other layers do
  function month() { return window.SW.state.month || window.SW.state.end; }

  async function track(label, work) {
    const SW = window.SW;
    SW.busy += 1;
    try {
      return await work();
    } catch (err) {
      SW.errors.push(label + ": " + String(err.message || err));
      $("q-note").textContent = label + " failed: " + (err.message || err);
      return null;
    } finally {
      SW.busy -= 1;
    }
  }

  // --- food-insecurity layer ----------------------------------------------------------------

  function colourOf(row) {
    if (!row || row.status !== "analysed") return NODATA;
    if ($("q-food").value === "phase") {
      const phase = row.phase_class !== null ? row.phase_class : row.phase_class_max;
      return PHASE[phase] || NODATA;
    }
    if (row.share35 === 0) return ZERO;
    let i = 0;
    while (i < SHARE_CUTS.length && row.share35 > SHARE_CUTS[i]) i++;
    return RAMP[i];
  }

  function paint() {
    if (!Q.layer) return;
    Q.layer.eachLayer((layer) => {
      const row = Q.byUnit.get(layer.feature.properties.unit_id);
      const known = row && row.status === "analysed";
      layer.setStyle({ fillColor: colourOf(row), fillOpacity: 0.8, weight: known ? 0.6 : 0.8, dashArray: known ? null : "3 3", color: "#6f6656" });
    });
    legend();
  }

  function legend() {
    const box = $("q-legend");
    box.replaceChildren();
    if (!Q.layer) return;
    const items = $("q-food").value === "phase"
      ? Object.entries(PHASE).map(([p, c]) => [c, p + " " + PHASE_NAME[p]])
      : [[ZERO, "0"], ...RAMP.map((c, i) => [c, i === 0 ? "≤ 5 %" : i < SHARE_CUTS.length ? "≤ " + 100 * SHARE_CUTS[i] + " %" : "> 30 %"])];
    items.push([NODATA, "no data (not analysed)"]);
    for (const [c, text] of items) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.className = "sw";
      swatch.style.background = c;
      item.append(swatch, text);
      box.append(item);
    }
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

  function popup(feature, latlng) {
    const row = Q.byUnit.get(feature.properties.unit_id);
    const box = document.createElement("div");
    box.className = "popup";
    const title = document.createElement("b");
    title.textContent = feature.properties.unit_name;
    box.append(title);
    const lines = !row || row.status !== "analysed"
      ? [["Status", row ? row.status : "no data"]]
      : [
        ["Cycle", row.cycle + " (" + row.period_type + ", " + row.reference_label + ")"],
        ["Phase 3+", num(row.phase35) + " people (" + pct(row.share35) + ")"],
        ["Phase class", row.phase_class !== null ? String(row.phase_class) : (row.phase_class_max !== null ? row.phase_class_max + " (worst of its areas)" : "no data")],
        ["Since previous cycle", row.change_prev === null ? "no data" : (row.change_prev > 0 ? "+" : "") + num(row.change_prev)],
        ["Since a year before", row.change_year === null ? "no data" : (row.change_year > 0 ? "+" : "") + num(row.change_year)],
      ];
    const dl = document.createElement("dl");
    for (const [k, v] of lines) {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = k;
      dd.textContent = v;
      dl.append(dt, dd);
    }
    box.append(dl);
    if (row && row.file_id !== null) {
      const link = document.createElement("a");
      link.href = "api/consequences/record/" + row.file_id + "/" + row.row_number;
      link.textContent = "source record (file " + row.file_id + ", row " + row.row_number + ")";
      box.append(link);
    }
    L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(window.SW.map);
  }

  async function loadLayer() {
    const SW = window.SW;
    const wanted = $("q-food").value;
    const codes = countries();
    const key = JSON.stringify([wanted, $("q-period").value, codes, month()]);
    if (key === Q.key) return;
    Q.key = key;
    if (!wanted || !codes.length) {
      if (Q.layer) { SW.map.removeLayer(Q.layer); Q.layer = null; }
      Q.rows = []; Q.byUnit = new Map(); Q.month = month();
      $("q-legend").replaceChildren();
      $("q-note").textContent = wanted ? "The Cadre Harmonisé figures cover Mali, Burkina Faso and Niger." : "";
      exports();
      await loadScatter();
      return;
    }
    await track("Loading the food-insecurity layer", async () => {
      const [shapes, layer] = await Promise.all([
        api("boundaries/admin2", { country: codes.join(",") }),
        api("consequences/food", { month: month(), period: $("q-period").value, country: codes.join(",") }),
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
        if (Q.layer) SW.map.removeLayer(Q.layer);
        Q.layer = L.geoJSON(shapes, {
          pane: "food",
          style: () => ({ weight: 0.6, color: "#6f6656", fillOpacity: 0.8, fillColor: NODATA }),
          onEachFeature: (feature, l) => l.on("click", (e) => popup(feature, e.latlng)),
        }).addTo(SW.map);
        Q.layerCodes = codes.join(",");
      }
      paint();
      note();
      exports();
    });
    await loadScatter();
  }

  // --- violence beside food: a scatter of the units of the cycles shown ----------------------

  async function loadScatter() {
    if (Q.scatter) { Q.scatter.destroy(); Q.scatter = null; }
    $("chart-scatter").replaceChildren();
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
        Q.pairs = { key: key, body: await api("consequences/violence", { country: codes, period: period }) };
      }
      if (!Q.pairs.body) return;
      const rows = Q.pairs.body.rows
        .filter((r) => picked.has(r.country_iso3 + "|" + r.cycle) && r.deaths !== null && r.change !== null)
        .sort((a, b) => a.deaths - b.deaths);
      Q.scatterRows = rows;
      const both = rows.map((r) => (r.both_worse ? r.change : null));
      const other = rows.map((r) => (r.both_worse ? null : r.change));
      const box = $("chart-scatter");
      const width = Math.max(box.clientWidth || box.parentElement.clientWidth || 300, 260);
      const dots = (label, colour) => ({ label: label, stroke: colour, fill: colour, paths: () => null, points: { show: true, size: 6 }, value: (u, v) => num(v) });
      Q.scatter = new uPlot({
        width: width, height: 200, legend: { show: false },
        scales: { x: { time: false } },
        series: [{ label: "deaths, " + Q.pairs.body.months + " months before", value: (u, v) => num(v) },
          dots("both worsened", "#bd0026"), dots("others", "#6f6656")],
        axes: [{}, { size: 60, values: (u, splits) => splits.map((v) => (Math.abs(v) >= 1e3 ? v / 1e3 + "k" : v)) }],
      }, [rows.map((r) => r.deaths), both, other], box);
      const worse = rows.filter((r) => r.both_worse).length;
      $("q-scatter-note").textContent = rows.length + " units (red: both worsened): deaths in the " + Q.pairs.body.months +
        " months before the cycle (x) and the change in people in phase 3+ since the same cycle a year before (y); " +
        worse + " where both worsened. " + Q.pairs.body.note;
    });
  }

  // --- displacement chart --------------------------------------------------------------------

  async function loadDisplacement() {
    const codes = countries();
    const box = $("chart-displacement");
    if (Q.chart) { Q.chart.destroy(); Q.chart = null; }
    box.replaceChildren();
    if (!codes.length) {
      $("q-disp-note").textContent = "UNHCR's IDP figures here cover Mali, Burkina Faso and Niger.";
      return;
    }
    await track("Loading displacement", async () => {
      const body = await api("consequences/displacement", { country: codes.join(",") });
      if (!body) {
        $("q-disp-note").textContent = "The store holds no UNHCR figures (sahelwatch ingest --bundled).";
        return;
      }
      Q.idps = body.rows;
      const years = Array.from(new Set(body.rows.map((r) => r.year))).filter((y) => y >= 2012).sort((a, b) => a - b);
      const data = [years.map((y) => Date.UTC(y, 11, 31) / 1000)];
      const series = [{}];
      const carried = [];
      for (const code of codes) {
        const byYear = new Map(body.rows.filter((r) => r.country_iso3 === code).map((r) => [r.year, r]));
        const measured = years.map((y) => { const r = byYear.get(y); return r && !r.idps_carried_forward ? r.idps : null; });
        // a carried-forward year is drawn dashed, joined to the last measured year
        const repeated = years.map((y) => {
          const r = byYear.get(y);
          const next = byYear.get(y + 1);
          if (r && r.idps_carried_forward) return r.idps;
          return r && next && next.idps_carried_forward ? r.idps : null;
        });
        years.forEach((y) => { const r = byYear.get(y); if (r && r.idps_carried_forward) carried.push(code + " " + y); });
        data.push(measured);
        series.push({ label: code + " IDPs", stroke: LINE[code], width: 2, spanGaps: false, value: (u, v) => num(v) });
        if (repeated.some((v) => v !== null)) {
          data.push(repeated);
          series.push({ label: code + " carried forward", stroke: LINE[code], width: 2, dash: [6, 4], spanGaps: false, value: (u, v) => num(v) });
        }
      }
      const width = Math.max(box.clientWidth || box.parentElement.clientWidth || 300, 260);
      Q.chart = new uPlot({
        width: width, height: 200, series: series, legend: { show: false },
        axes: [{ space: 40, values: (u, splits) => splits.map((v) => new Date(v * 1000).getUTCFullYear()) },
          { size: 60, values: (u, splits) => splits.map((v) => (v >= 1e6 ? v / 1e6 + "M" : v >= 1e3 ? v / 1e3 + "k" : v)) }],
        hooks: { drawClear: [(u) => {
          // the slider's year, as the monthly chart marks its month
          const selected = Number(month().slice(0, 4));
          const x0 = u.valToPos(Date.UTC(selected, 0, 1) / 1000, "x", true);
          const x1 = u.valToPos(Date.UTC(selected, 11, 31) / 1000, "x", true);
          u.ctx.save();
          u.ctx.fillStyle = "rgba(179, 84, 30, 0.14)";
          u.ctx.fillRect(Math.min(x0, x1), u.bbox.top, Math.abs(x1 - x0) || 4, u.bbox.height);
          u.ctx.restore();
        }] },
      }, data, box);
      Q.carried = carried;
      $("q-disp-note").textContent = "UNHCR year-end stocks (" +
        codes.map((c) => c + " " + LINE_NAME[c]).join(", ") + "); a missing year is a gap, not zero." +
        (carried.length ? " Dashed: repeated from the year before, not measured (" + carried.join(", ") + ")." : "");
    });
  }

  // --- exports and wiring -------------------------------------------------------------------

  function exports() {
    const codes = countries().join(",");
    const params = { month: month(), period: $("q-period").value, country: codes };
    $("x-food-csv").href = url("consequences/food", Object.assign({ format: "csv" }, params));
    $("x-food-geojson").href = url("consequences/food", Object.assign({ format: "geojson" }, params));
    $("x-disp-csv").href = url("consequences/displacement", { format: "csv", country: codes });
    $("x-violence-csv").href = url("consequences/violence", { format: "csv", country: codes, period: $("q-period").value });
  }

  function refresh() {
    if (window.SW.state.view !== "map") return;
    loadLayer();
    loadDisplacement();
  }

  function start() {
    const SW = window.SW;
    SW.map.createPane("food").style.zIndex = 355;
    SW.consequences = Q;
    $("q-food").addEventListener("change", () => { Q.key = null; loadLayer(); });
    $("q-period").addEventListener("change", () => { Q.key = null; loadLayer(); });
    // after app.js's own handlers (registered first), which update SW.state
    $("f-month").addEventListener("input", () => { loadLayer(); if (Q.chart) Q.chart.redraw(false); });
    for (const id of ["f-all", "f-country", "f-start", "f-end"]) {
      $(id).addEventListener(id === "f-all" ? "click" : "change", () => setTimeout(refresh, 0));
    }
    window.addEventListener("hashchange", () => setTimeout(refresh, 0));
    refresh();
    Q.ready = true;
  }

  const wait = setInterval(() => {
    if (window.SW && window.SW.ready && window.SW.map) { clearInterval(wait); start(); }
  }, 50);
})();
