/* SahelWatch dashboard: a map of events over the bundled boundaries, choropleths, a country page
 * and a data page, all driven by one set of filters and a time slider.
 *
 * Everything comes from the SahelWatch API on the same origin (relative URLs, so the app works
 * behind a path prefix); the libraries are vendored (Leaflet, Leaflet.markercluster, uPlot), so
 * it runs without internet. Untrusted text is only ever inserted with textContent.
 * `window.SW` exposes the state for the end-to-end tests.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------
  // helpers

  const $ = (id) => document.getElementById(id);
  const TYPES = ["sb", "ns", "os"];
  const TYPE_LABEL = { sb: "state-based", ns: "non-state", os: "one-sided" };
  const CSS = getComputedStyle(document.documentElement);
  const colour = (name) => CSS.getPropertyValue("--" + name).trim() || "#888";
  const RAMP = ["#fff5d6", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  const ZERO = "#f4f1ea";
  const NODATA = "#cfcac0";
  const PRESENCE = {
    "state-dominant": ["p-state", "#2e86c1", "state-dominant"],
    contested: ["p-contested", "#f5b041", "contested"],
    "armed-group-dominant": ["p-armed", "#922b21", "armed-group-dominant"],
    "no clear presence": ["p-quiet", "#e8e4da", "no clear presence"],
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "no data";
    if (typeof value !== "number") return String(value);
    if (digits !== undefined) return value.toLocaleString("en", { maximumFractionDigits: digits });
    return Math.abs(value) < 10 && !Number.isInteger(value)
      ? value.toLocaleString("en", { maximumFractionDigits: 2 })
      : Math.round(value).toLocaleString("en");
  }

  function query(params) {
    const out = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value === null || value === undefined || value === "") continue;
      if (Array.isArray(value)) value.forEach((v) => out.append(key, v));
      else out.append(key, value);
    }
    return out.toString();
  }

  function apiUrl(path, params) {
    const q = query(params);
    return "api/" + path + (q ? "?" + q : "");
  }

  async function api(path, params) {
    const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    if (!response.ok) {
      const error = new Error((body && body.error) || response.status + " " + response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // months are "YYYY-MM" strings
  function monthIndex(m) { return Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1; }
  function monthOf(i) { return String(Math.floor(i / 12)).padStart(4, "0") + "-" + String((i % 12) + 1).padStart(2, "0"); }
  function addMonths(m, n) { return monthOf(monthIndex(m) + n); }
  function monthsBetween(a, b) {
    const out = [];
    for (let i = monthIndex(a); i <= monthIndex(b); i++) out.push(monthOf(i));
    return out;
  }
  function ts(m) { return Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1) / 1000; }
  const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function monthLabel(m) { return MONTH_NAMES[Number(m.slice(5, 7)) - 1] + " " + m.slice(0, 4); }

  // ---------------------------------------------------------------------------------------
  // state, kept in the URL hash so that a view can be shared

  const S = {
    view: "map",
    country: "SAHEL",
    start: null,
    end: null,
    types: TYPES.slice(),
    family: "",
    colour: "type",
    month: null,
    layer: "",
    level: "admin1",
    region: "",
  };
  const SW = {
    state: S,
    ready: false,
    busy: 0,
    meta: null,
    events: [],
    shown: [],
    counts: null,
    map: null,
    markers: null,
    boundaries: {},
    choropleth: null,
    choroplethValues: null,
    charts: {},
    errors: [],
    forecastRendered: false,
    alerts: { seen: new Set(), live: false, source: null },
  };
  window.SW = SW;
  SW.el = el;  // the DOM helpers, shared with trackrecord.js
  SW.clear = clear;

  function readHash() {
    const hash = location.hash.replace(/^#/, "");
    const [view, q] = hash.split("?");
    if (["map", "country", "data"].includes(view)) S.view = view;
    const params = new URLSearchParams(q || "");
    for (const key of ["country", "start", "end", "family", "colour", "month", "layer", "level", "region"]) {
      if (params.has(key)) S[key] = params.get(key) || (key === "month" ? null : "");
    }
    if (params.has("types")) S.types = params.get("types").split(",").filter((t) => TYPES.includes(t));
  }

  function writeHash() {
    const params = {
      country: S.country,
      start: S.start,
      end: S.end,
      types: S.types.length === 3 ? null : S.types.join(","),
      family: S.family,
      colour: S.colour === "type" ? null : S.colour,
      month: S.month,
      layer: S.layer,
      level: S.layer ? S.level : null,
      region: S.view === "country" ? S.region : null,
    };
    const text = "#" + S.view + "?" + query(params);
    if (location.hash !== text) history.replaceState(null, "", text);
  }

  let statusTimer = null;
  function setStatus(text, isError) {
    const node = $("status");
    node.textContent = text || "";
    node.classList.toggle("error", Boolean(isError));
    if (statusTimer) clearTimeout(statusTimer);
    if (text && !isError) statusTimer = setTimeout(() => { node.textContent = ""; }, 4000);
  }

  async function busy(label, work) {
    SW.busy += 1;
    if (label) setStatus(label + "…");
    try {
      return await work();
    } catch (err) {
      SW.errors.push(String(err.message || err));
      setStatus(err.message || String(err), true);
      return null;
    } finally {
      SW.busy -= 1;
      if (SW.busy === 0 && !$("status").classList.contains("error")) setStatus("");
    }
  }

  // ---------------------------------------------------------------------------------------
  // filters

  function countryCodes() {
    if (S.country === "SAHEL") return SW.meta.sahel.slice();
    if (S.country === "ALL") return [];
    const c = SW.meta.countries.find((x) => x.iso3 === S.country);
    return c ? [c.gw] : [];
  }

  function countryName(code) {
    if (code === "SAHEL") return "the Sahel";
    if (code === "ALL") return "all countries";
    const c = SW.meta.countries.find((x) => x.iso3 === code || x.gw === Number(code));
    return c ? c.name : code;
  }

  function eventParams(month) {
    const codes = countryCodes();
    const period = month ? month : S.start + ".." + S.end;
    return {
      country: codes.length ? codes.join(",") : null,
      period: period,
      type: S.types.length === 3 ? null : S.types,
      actor_family: S.family || null,
    };
  }

  function periodMonths() { return monthsBetween(S.start, S.end); }

  function fillSelect(select, options, value) {
    clear(select);
    for (const opt of options) {
      if (opt.group) {
        const group = el("optgroup", { label: opt.group });
        for (const o of opt.options) group.append(el("option", { value: o.value, text: o.label }));
        select.append(group);
      } else {
        select.append(el("option", { value: opt.value, text: opt.label }));
      }
    }
    if (value !== undefined && value !== null) select.value = value;
  }

  function setupFilters() {
    const meta = SW.meta;
    const sahel = meta.countries.filter((c) => c.sahel);
    const others = meta.countries.filter((c) => !c.sahel);
    fillSelect($("f-country"), [
      { value: "SAHEL", label: "Sahel (" + sahel.length + " countries)" },
      { group: "Sahel", options: sahel.map((c) => ({ value: c.iso3, label: c.name })) },
      { group: "Neighbours", options: others.map((c) => ({ value: c.iso3, label: c.name })) },
      { value: "ALL", label: "All countries" },
    ], S.country);
    const ucdp = meta.families.find((f) => f.family === "ucdp") || meta.families.find((f) => f.kind === "event");
    const last = ucdp && ucdp.last_month ? ucdp.last_month : new Date().toISOString().slice(0, 7);
    // by default the newest 14 months; the selectors reach back to the oldest month any
    // family covers (totals included), so that history can be chosen
    const oldest = meta.families.map((f) => f.first_month).filter(Boolean).sort()[0] || addMonths(last, -11);
    const first = [ucdp && ucdp.first_month, addMonths(last, -13)].filter(Boolean).sort().pop();
    const all = monthsBetween(oldest < first ? oldest : addMonths(first, -12), last);
    SW.lastMonth = last;
    SW.firstMonth = first;
    if (!S.start || !all.includes(S.start)) S.start = first;
    if (!S.end || !all.includes(S.end)) S.end = last;
    const options = all.map((m) => ({ value: m, label: m }));
    fillSelect($("f-start"), options, S.start);
    fillSelect($("f-end"), options, S.end);
    const fams = meta.actor_families;
    fillSelect($("f-family"), [{ value: "", label: "All" }].concat(
      Object.keys(fams).map((f) => ({ value: f, label: fams[f] }))), S.family);
    $("f-colour").value = S.colour;
    for (const box of $("f-types").querySelectorAll("input")) box.checked = S.types.includes(box.value);
    $("c-layer").value = S.layer;
    $("c-level").value = S.level;

    $("f-country").addEventListener("change", (e) => { S.country = e.target.value; S.region = ""; filtersChanged(); zoomToCountry(); });
    $("f-start").addEventListener("change", (e) => {
      S.start = e.target.value;
      if (monthIndex(S.end) < monthIndex(S.start)) { S.end = S.start; $("f-end").value = S.end; }
      filtersChanged();
    });
    $("f-end").addEventListener("change", (e) => {
      S.end = e.target.value;
      if (monthIndex(S.end) < monthIndex(S.start)) { S.start = S.end; $("f-start").value = S.start; }
      filtersChanged();
    });
    $("f-types").addEventListener("change", () => {
      S.types = Array.from($("f-types").querySelectorAll("input:checked")).map((b) => b.value);
      filtersChanged();
    });
    $("f-family").addEventListener("change", (e) => { S.family = e.target.value; filtersChanged(); });
    $("f-colour").addEventListener("change", (e) => { S.colour = e.target.value; writeHash(); renderEvents(); renderMonthlyChart(); });
    $("f-month").addEventListener("input", (e) => {
      const months = periodMonths();
      const i = Number(e.target.value);
      S.month = i === 0 ? null : months[i - 1];
      monthChanged();
    });
    $("f-all").addEventListener("click", () => { S.month = null; syncSlider(); monthChanged(); });
    // the period back to 1990 in one choice; the month slider then walks every month of it
    $("f-span").addEventListener("change", (e) => {
      const v = e.target.value;
      if (!v) return;
      S.end = SW.lastMonth;
      S.start = v.includes("-") ? v : addMonths(SW.lastMonth, 1 - Number(v));
      if (!options.some((o) => o.value === S.start)) S.start = options[0].value;
      $("f-start").value = S.start;
      $("f-end").value = S.end;
      S.month = null;
      filtersChanged();
    });
    $("c-layer").addEventListener("change", (e) => { S.layer = e.target.value; writeHash(); loadChoropleth(); });
    $("c-level").addEventListener("change", (e) => { S.level = e.target.value; writeHash(); loadChoropleth(); });
    $("filters-toggle").addEventListener("click", () => {
      const open = $("filters").classList.toggle("open");
      $("filters-toggle").setAttribute("aria-expanded", String(open));
    });
  }

  function syncSlider() {
    const months = periodMonths();
    const slider = $("f-month");
    slider.max = String(months.length);
    if (S.month && !months.includes(S.month)) S.month = null;
    slider.value = S.month ? String(months.indexOf(S.month) + 1) : "0";
    $("f-month-label").textContent = S.month ? monthLabel(S.month) : "Whole period (" + S.start + " – " + S.end + ")";
  }

  function filtersChanged() {
    syncSlider();
    writeHash();
    if (SW.onPeriod) SW.onPeriod();  // corridors.js follows the year
    refreshView(true);
  }

  function monthChanged() {
    syncSlider();
    writeHash();
    if (SW.onPeriod) SW.onPeriod();
    if (S.view === "map") {
      renderEvents();
      renderMonthlyChart();
      paintChoropleth();
      updateExports();
    }
  }

  // ---------------------------------------------------------------------------------------
  // views

  const loaded = { events: null, country: null, data: null };

  function showView(view) {
    S.view = view;
    for (const section of document.querySelectorAll("main > .view")) section.hidden = section.dataset.view !== view;
    for (const link of document.querySelectorAll(".tabs a[data-view]")) link.classList.toggle("active", link.dataset.view === view);
    writeHash();
    refreshView(false);
  }

  function refreshView(changed) {
    if (changed) { loaded.events = null; loaded.country = null; loaded.data = null; }
    if (S.view === "map") {
      if (SW.map) setTimeout(() => SW.map.invalidateSize(), 0);
      if (loaded.events !== key()) loadEvents();
      else { renderMonthlyChart(); }
    } else if (S.view === "country") {
      if (loaded.country !== key()) loadCountry();
    } else if (S.view === "data") {
      if (loaded.data !== key()) loadData();
    }
  }

  function key() {
    return JSON.stringify([S.country, S.start, S.end, S.types, S.family, S.region]);
  }

  // ---------------------------------------------------------------------------------------
  // map

  function setupMap() {
    const map = L.map("map", { zoomSnap: 0.5, minZoom: 3, maxZoom: 12, worldCopyJump: false, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Boundaries: Natural Earth, OCHA COD-AB, geoBoundaries");
    map.createPane("base").style.zIndex = 250;
    map.createPane("choropleth").style.zIndex = 350;
    map.createPane("water").style.zIndex = 365;
    map.createPane("lines").style.zIndex = 380;
    map.createPane("places").style.zIndex = 450;
    map.getPane("places").style.pointerEvents = "none";
    map.fitBounds([[4.0, -17.5], [27.5, 16.0]]);
    L.control.scale({ imperial: false }).addTo(map);
    SW.map = map;
    SW.markers = L.markerClusterGroup({
      maxClusterRadius: 36,
      disableClusteringAtZoom: 8,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      chunkedLoading: true,
      iconCreateFunction: clusterIcon,
    });
    map.addLayer(SW.markers);
  }

  // Fit the map to the chosen country (or the Sahel, or everything).
  function zoomToCountry() {
    if (!SW.map || !SW.baseLayer) return;
    const codes = new Set(S.country === "ALL" ? [] : countryCodes());
    const parts = [];
    SW.baseLayer.eachLayer((layer) => { if (!codes.size || codes.has(layer.feature.properties.country_gw)) parts.push(layer); });
    if (parts.length) SW.map.fitBounds(L.featureGroup(parts).getBounds(), { padding: [12, 12], animate: false });
  }

  // A cluster is a pie of its events' violence types (or actor families when colouring by
  // family); built as DOM with CSSOM styles, which the page's Content-Security-Policy allows.
  function clusterIcon(cluster) {
    const n = cluster.getChildCount();
    const size = n < 10 ? 26 : n < 50 ? 32 : n < 200 ? 38 : 46;
    const counts = new Map();
    cluster.getAllChildMarkers().forEach((m) => counts.set(m.options.kind, (counts.get(m.options.kind) || 0) + 1));
    const stops = [];
    let at = 0;
    Array.from(counts.entries()).sort((a, b) => b[1] - a[1]).forEach(([kind, k]) => {
      const c = colour(S.colour === "family" ? "fam-" + kind : kind);
      stops.push(c + " " + (360 * at / n).toFixed(1) + "deg " + (360 * (at + k) / n).toFixed(1) + "deg");
      at += k;
    });
    const pie = el("div", { class: "cluster-pie", title: Array.from(counts.entries()).map(([kind, k]) => k + " " + (TYPE_LABEL[kind] || SW.meta.actor_families[kind] || kind)).join(", ") },
      el("span", { text: String(n) }));
    pie.style.background = "conic-gradient(" + stops.join(", ") + ")";
    return L.divIcon({ html: pie, className: "cluster", iconSize: L.point(size, size) });
  }

  // The offline basemap (bundled Natural Earth and GeoNames layers) and the layer control.
  // a place near which located events cluster (/api/basemap/clusters) is named from zoom 6
  const PLACE_ZOOM = { capital: 0, cluster: 6, admin1: 6, admin2: 7, town: 8 };
  const placeKey = (p) => p.name + "|" + p.latitude + "|" + p.longitude;
  async function drawBasemap() {
    const [rivers, lakes, urban, places, clusters] = await Promise.all([
      ...["rivers", "lakes", "urban", "places"].map((layer) => api("basemap/" + layer)),
      api("basemap/clusters").catch(() => ({ features: [] })),  // a store without UCDP events
    ]);
    const clustered = new Map(clusters.features.map((f) => [placeKey(f.properties), f.properties]));
    const water = L.layerGroup([
      L.geoJSON(lakes, { pane: "water", interactive: false, style: () => ({ color: "#6f9fc4", weight: 0.8, fillColor: "#a9cbe4", fillOpacity: 0.9 }) }),
      L.geoJSON(rivers, { pane: "water", interactive: false,
        style: (f) => ({ color: "#5b93c2", weight: f.properties.scalerank <= 3 ? 2.2 : f.properties.scalerank <= 6 ? 1.4 : 0.9, opacity: 0.9 }) }),
    ]);
    const towns = L.geoJSON(urban, { pane: "water", interactive: false, style: () => ({ stroke: false, fillColor: "#c9a98a", fillOpacity: 0.65 }) });
    const groups = {};
    Object.keys(PLACE_ZOOM).forEach((kind) => { groups[kind] = L.layerGroup(); });
    places.features.forEach((f) => {
      const p = f.properties;
      const c = clustered.get(placeKey(p));
      const label = el("span", { text: p.name, title: c ? c.events + " located events within 10 km, " + c.first_year + "–" + c.last_year : null });
      const icon = L.divIcon({ html: label, className: "place place-" + p.kind + (c ? " place-cluster" : ""), iconSize: null });
      const kind = c && PLACE_ZOOM[p.kind] > PLACE_ZOOM.cluster ? "cluster" : p.kind;
      groups[kind in groups ? kind : "town"].addLayer(L.marker([p.latitude, p.longitude], { icon: icon, pane: "places", interactive: false, keyboard: false }));
    });
    const names = L.layerGroup();
    const showNames = () => {
      const z = SW.map.getZoom();
      Object.entries(groups).forEach(([kind, group]) => {
        if (z >= PLACE_ZOOM[kind]) names.addLayer(group); else names.removeLayer(group);
      });
    };
    SW.map.on("zoomend", showNames);
    showNames();
    [water, towns, names].forEach((layer) => layer.addTo(SW.map));
    const bases = { "Offline (bundled boundaries)": L.layerGroup().addTo(SW.map) };
    const tiles = SW.meta.tiles;
    if (tiles && tiles.url) {
      bases["Online tiles"] = L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 18 });
    }
    SW.layerControl = L.control.layers(bases, {
      "Rivers and lakes": water, "Urban areas": towns, "Place names": names, "Admin-1 boundaries": SW.admin1Layer,
    }, { collapsed: true, position: "topright" }).addTo(SW.map);
    SW.map.attributionControl.addAttribution("Basemap: Natural Earth; places: Natural Earth, GeoNames (CC BY 4.0)");
    SW.basemap = { water: water, urban: towns, names: names, places: places.features.length };
    if (SW.onBasemap) SW.onBasemap();  // corridors.js: the cross-border corridors layer
  }

  async function boundaries(level, countries) {
    const k = level + ":" + (countries || []).join(",");
    if (!SW.boundaries[k]) {
      SW.boundaries[k] = api("boundaries/" + level, { country: countries && countries.length ? countries.join(",") : null });
    }
    return SW.boundaries[k];
  }

  async function drawBase() {
    const [countries, admin1] = await Promise.all([boundaries("country"), boundaries("admin1")]);
    const sahel = new Set(SW.meta.sahel);
    SW.baseLayer = L.geoJSON(countries, {
      pane: "base",
      interactive: false,
      style: (f) => ({
        color: "#7d7463", weight: 1.1, fillOpacity: 1,
        fillColor: sahel.has(f.properties.country_gw) ? "#efe8d8" : "#f7f4ee",
      }),
    }).addTo(SW.map);
    SW.admin1Layer = L.geoJSON(admin1, {
      pane: "lines", interactive: false,
      style: () => ({ color: "#a89e89", weight: 0.6, fill: false, dashArray: "3 3" }),
    }).addTo(SW.map);
    SW.baseCounts = { country: countries.features.length, admin1: admin1.features.length };
  }

  async function loadEvents() {
    const k = key();
    loaded.events = k;
    await busy("Loading events", async () => {
      const params = Object.assign(eventParams(null), { format: "geojson", fields: "map", limit: 5000 });
      const features = [];
      let cursor = null;
      let total = 0;
      do {
        const page = await api("events", Object.assign({}, params, { cursor: cursor }));
        features.push(...page.features);
        cursor = page.next_cursor;
        total = page.total;
      } while (cursor && features.length < 100000 && loaded.events === k);
      const monthly = await api("months", Object.assign(eventParams(null), { period: S.start + ".." + S.end }));
      if (loaded.events !== k) return;
      SW.events = features;
      SW.eventsTotal = total;
      setMonths(monthly);
      renderEvents();
      renderMonthlyChart();
      updateExports();
    });
    loadChoropleth();
  }

  // What the data hold each month (api/months): "located", "unlocated" (events without places
  // or actor names), "totals" (country-month totals only) or "none" (no data, never zero).
  const HAS_EVENTS = new Set(["located", "unlocated"]);
  function setMonths(monthly) {
    SW.months = Object.fromEntries(monthly.months.map((r) => [r.month, r]));
    SW.monthNotes = monthly.notes;
    SW.coverage = Object.fromEntries(monthly.months.map((r) => [r.month, HAS_EVENTS.has(r.state)]));
  }

  const TOTALS_LABEL = { ucdp_ged_cm: "UCDP totals", ucdp_candidate_cm: "UCDP Candidate totals", views_cm: "VIEWS totals" };
  function totalsLabel(rows) {
    const fam = rows.map((r) => r.totals_family).find(Boolean);
    return TOTALS_LABEL[fam] || "country totals";
  }
  function sumKnown(rows, column) {
    const known = rows.filter((r) => r[column] !== null && r[column] !== undefined);
    return known.length ? known.reduce((a, r) => a + r[column], 0) : null;
  }

  // One month in words: what an analyst may read from it.
  function monthNote(r) {
    const when = monthLabel(r.month);
    if (r.state === "none" && !r.countries_totals) return when + ": no data — no release covers this month (not zero).";
    if (r.state === "totals" || (r.state === "none" && r.countries_totals)) {
      const parts = [];
      if (r.totals_best !== null) parts.push(fmt(r.totals_best) + " deaths");
      if (r.totals_events !== null) parts.push(fmt(r.totals_events) + " events");
      const share = r.countries_totals < r.countries ? " for " + r.countries_totals + " of " + r.countries + " countries" : "";
      return when + ": " + (parts.join(" and ") || "figures") + " in " + totalsLabel([r]) + share + "; no located events.";
    }
    if (r.state === "unlocated") return when + ": events without places or actor names (a reduced release); counted, not on the map.";
    return "";
  }

  function eventClass(p) {
    if (S.colour === "family") return "ev fam-" + (p.actor_family || "unknown");
    return "ev ev-" + (TYPES.includes(p.violence_type) ? p.violence_type : "none");
  }

  function radius(best) { return Math.min(30, 8 + 3.2 * Math.sqrt(Math.max(0, best || 0))); }

  function setCount(id, value, label) {
    $(id).textContent = value;
    $(id).classList.toggle("na", value === "no data" || value === "none");
    $(id + "-label").textContent = label;
  }

  function renderEvents() {
    const selected = S.month ? SW.events.filter((f) => f.properties.date_start.slice(0, 7) === S.month) : SW.events;
    SW.shown = selected;
    const rows = (S.month ? [S.month] : periodMonths()).map((m) => (SW.months || {})[m]).filter(Boolean);
    const counted = rows.filter((r) => HAS_EVENTS.has(r.state) && r.events !== null);
    const totalsOnly = rows.filter((r) => !HAS_EVENTS.has(r.state) && r.countries_totals);
    const markers = [];
    let fatalities = 0;
    for (const f of selected) {
      fatalities += f.properties.best || 0;
      if (!f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const d = Math.round(radius(f.properties.best));
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({ className: eventClass(f.properties), iconSize: [d, d] }),
        kind: S.colour === "family" ? (f.properties.actor_family || "unknown") : f.properties.violence_type,
        title: f.properties.date_start + " · " + (f.properties.location || "") + " · " + (f.properties.best || 0) + " deaths",
        keyboard: false,
      });
      marker.on("click", () => openEvent(marker, f.properties.uid));
      markers.push(marker);
    }
    SW.markers.clearLayers();
    SW.markers.addLayers(markers);
    const place = countryName(S.country);
    const when = S.month ? monthLabel(S.month) : S.start + " – " + S.end;
    let note = place + ", " + when + ".";
    if (counted.length) {
      SW.counts = { events: selected.length, fatalities: fatalities, located: markers.length };
      setCount("count-events", selected.length.toLocaleString("en"), "events");
      setCount("count-fatalities", fatalities.toLocaleString("en"), "fatalities");
      setCount("count-located", markers.length.toLocaleString("en"), "on the map");
    } else if (totalsOnly.length) {
      // only country-month totals: say so, never a 0 of located events
      const best = sumKnown(totalsOnly, "totals_best");
      SW.counts = { events: null, fatalities: best, located: null };
      setCount("count-events", "none", "located events");
      setCount("count-fatalities", best === null ? "no data" : fmt(best), "deaths in " + totalsLabel(totalsOnly));
      setCount("count-located", "none", "on the map");
    } else {
      SW.counts = { events: null, fatalities: null, located: null };
      setCount("count-events", "no data", "events");
      setCount("count-fatalities", "no data", "fatalities");
      setCount("count-located", "no data", "on the map");
    }
    if (selected.length > markers.length) {
      note += " " + (selected.length - markers.length).toLocaleString("en") + " events have no coordinates in their release and are counted but not mapped.";
    }
    const notes = S.month ? rows.map(monthNote).filter(Boolean) : (SW.monthNotes || []).map((n) => n + ".");
    if (notes.length) note += " " + notes.join(" ");
    if (!S.month && counted.length && counted.length < rows.length) {
      note += " The counts above are of the " + counted.length + " months with events.";
    }
    $("count-note").textContent = note;
    renderLegend();
  }

  function renderLegend() {
    const box = clear($("map-legend"));
    if (S.colour === "family") {
      box.append(el("div", { class: "title", text: "Actor family (marker)" }));
      const fams = SW.meta.actor_families;
      const present = new Set(SW.shown.map((f) => f.properties.actor_family));
      Object.keys(fams).filter((f) => present.has(f)).forEach((f) => {
        box.append(el("div", { class: "row" }, el("i", { class: "key fam-" + f }), fams[f]));
      });
    } else {
      box.append(el("div", { class: "title", text: "Violence type (marker)" }));
      TYPES.forEach((t) => box.append(el("div", { class: "row" }, el("i", { class: "key ev-" + t }), TYPE_LABEL[t])));
    }
    box.append(el("div", { class: "row" }, "Size: fatalities; numbers: clusters"));
    if (SW.choroplethLegend) box.append(SW.choroplethLegend);
  }

  function dl(pairs) {
    const list = el("dl");
    for (const [k, v] of pairs) {
      if (v === null || v === undefined || v === "") continue;
      list.append(el("dt", { text: k }), el("dd", { text: String(v) }));
    }
    return list;
  }

  const PREC = {
    1: "exact location", 2: "within 25 km", 3: "second-order admin unit", 4: "first-order admin unit",
    5: "part of a country", 6: "country", 7: "international waters or airspace",
  };

  // UCDP writes its sources as "outlet,date,headline" entries, quoted and joined by ";"
  function sourceList(e) {
    if (e.source_text) {
      const entries = e.source_text.split(/";\s*"/).map((t) => t.replace(/^"|"$/g, "").trim()).filter(Boolean);
      return entries.map((t) => {
        const m = t.match(/^([^,]*),(\d{4}-\d{2}-\d{2}),(.*)$/);
        return m ? m[1] + " (" + m[2] + "): " + m[3] : t;
      });
    }
    return (e.source_headline || "").split(";").map((t) => t.trim()).filter(Boolean);
  }

  async function openEvent(marker, uid) {
    const popup = L.popup({ maxWidth: 340 }).setLatLng(marker.getLatLng()).setContent("Loading…").openOn(SW.map);
    const data = await busy(null, () => api("events/" + encodeURIComponent(uid)));
    if (!data) return;
    const e = data.event;
    const deaths = [["side A", e.deaths_a], ["side B", e.deaths_b], ["civilians", e.deaths_civilians], ["unknown", e.deaths_unknown]]
      .filter((x) => x[1] !== null && x[1] !== undefined).map((x) => x[0] + " " + x[1]).join(", ");
    const content = el("div", { class: "popup" },
      el("h4", { text: (e.location || e.adm_2 || e.adm_1 || e.country_name || "Event") + " — " + e.date_start }),
      dl([
        ["Violence", TYPE_LABEL[e.violence_type] || e.event_type || "—"],
        ["Sides", [e.side_a, e.side_b].filter(Boolean).join(" vs ")],
        ["Actor family", SW.meta.actor_families[e.actor_family] || e.actor_family],
        ["Fatalities", (e.best ?? "—") + (e.low !== null && e.high !== null ? " (" + e.low + "–" + e.high + ")" : "")],
        ["Deaths", deaths],
        ["Place", [e.adm_2, e.adm_1, e.country_name].filter(Boolean).join(", ")],
        ["Precision", PREC[e.where_prec] || e.where_prec],
        ["Dates", e.date_start === e.date_end ? e.date_start : e.date_start + " – " + e.date_end],
        ["Conflict", e.conflict_name],
        ["Release", e.source + " " + e.release + (e.preliminary ? " (preliminary)" : "")],
        ["Versions", data.versions.map((v) => v.release).join(", ")],
        ["From", data.versions.length ? data.versions.at(-1).file + ", row " + data.versions.at(-1).row : "—"],
        ["Event id", e.uid],
      ]),
    );
    const sources = sourceList(e);
    if (sources.length) {
      content.append(el("div", { class: "src" },
        el("b", { text: "Sources" + (e.n_sources ? " (" + e.n_sources + ")" : "") }),
        el("ul", {}, sources.map((s) => el("li", { text: s })))));
    }
    popup.setContent(content);
  }

  // monthly chart ----------------------------------------------------------------------------

  function makeChart(containerId, opts, data) {
    const box = $(containerId);
    if (SW.charts[containerId]) { SW.charts[containerId].destroy(); delete SW.charts[containerId]; }
    clear(box);
    const width = Math.max(box.clientWidth || box.parentElement.clientWidth || 300, 260);
    const chart = new uPlot(Object.assign({ width: width, height: opts.height || 220 }, opts), data, box);
    SW.charts[containerId] = chart;
    return chart;
  }

  function legendValue(u, v, si, i) {
    if (i === null || i === undefined) return "—";
    return v === null || v === undefined ? "no data" : fmt(v);
  }

  function monthAxis() {
    return {
      // months with the year at the first tick and where it changes; over long spans, years only
      values: (u, splits) => {
        const long = splits.length > 1 && splits[splits.length - 1] - splits[0] > 3 * 365 * 86400;
        return splits.map((v, i) => {
          const d = new Date(v * 1000);
          const year = d.getUTCFullYear();
          if (long) return String(year);
          const before = i ? new Date(splits[i - 1] * 1000).getUTCFullYear() : null;
          return MONTH_NAMES[d.getUTCMonth()] + (i === 0 || year !== before ? " " + year : "");
        });
      },
      space: 50,
    };
  }

  function bandsHook(months, covered, highlight) {
    return (u) => {
      const ctx = u.ctx;
      const step = months.length > 1 ? u.valToPos(ts(months[1]), "x", true) - u.valToPos(ts(months[0]), "x", true) : 20;
      ctx.save();
      months.forEach((m) => {
        const x = u.valToPos(ts(m), "x", true);
        const state = covered ? covered[m] : true;
        if (state === false || state === "none") {
          ctx.fillStyle = "rgba(120, 110, 95, 0.16)";
          ctx.fillRect(x - step / 2, u.bbox.top, step, u.bbox.height);
        } else if (state === "totals" || state === "unlocated") {
          ctx.fillStyle = "rgba(70, 110, 160, 0.10)";
          ctx.fillRect(x - step / 2, u.bbox.top, step, u.bbox.height);
        }
        if (highlight && m === highlight) {
          ctx.fillStyle = "rgba(179, 84, 30, 0.18)";
          ctx.fillRect(x - step / 2, u.bbox.top, step, u.bbox.height);
        }
      });
      ctx.restore();
    };
  }

  function renderMonthlyChart() {
    if (S.view !== "map" || !SW.events) return;
    const months = periodMonths();
    const keys = S.colour === "family"
      ? Object.keys(SW.meta.actor_families).filter((f) => SW.events.some((e) => e.properties.actor_family === f))
      : TYPES.filter((t) => S.types.includes(t));
    const counts = {};
    keys.forEach((k) => { counts[k] = Object.fromEntries(months.map((m) => [m, 0])); });
    for (const f of SW.events) {
      const m = f.properties.date_start.slice(0, 7);
      const k = S.colour === "family" ? f.properties.actor_family : f.properties.violence_type;
      if (counts[k] && m in counts[k]) counts[k][m] += 1;
    }
    const info = SW.months || {};
    const usable = (m) => info[m] && HAS_EVENTS.has(info[m].state) && (S.colour !== "family" || info[m].actors);
    const data = [months.map(ts)];
    keys.forEach((k) => data.push(months.map((m) => (usable(m) ? counts[k][m] : null))));
    const series = [{}].concat(keys.map((k) => ({
      label: S.colour === "family" ? SW.meta.actor_families[k] : TYPE_LABEL[k],
      stroke: S.colour === "family" ? colour("fam-" + k) : colour(k),
      width: 2,
      points: { show: true, size: 5 },
      spanGaps: false,
      value: legendValue,
    })));
    const totals = months.map((m) => (info[m] && !HAS_EVENTS.has(info[m].state) ? info[m].totals_events : null));
    if (S.colour !== "family" && totals.some((v) => v !== null && v !== undefined)) {
      data.push(totals);
      series.push({ label: "events in country totals (no places)", stroke: "#6b7f99", width: 1.6, dash: [5, 3],
        points: { show: true, size: 4 }, spanGaps: false, value: legendValue });
    }
    const states = Object.fromEntries(months.map((m) => [m, usable(m) ? "events" : info[m] ? info[m].state : "none"]));
    makeChart("chart-monthly", {
      height: 210,
      series: series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max * 1.1)] } },
      axes: [monthAxis(), { size: 40 }],
      legend: { live: true },
      hooks: { drawAxes: [bandsHook(months, states, S.month)] },
    }, data);
  }

  // choropleths ------------------------------------------------------------------------------

  const LAYER_LABEL = {
    deadliness: "Fatalities", deadliness_r12: "Fatalities, trailing 12 months", events_total: "Events",
    danger_best: "One-sided violence deaths", armed_groups: "Armed groups active",
    attacks_on_state: "Attacks on state forces", diffusion: "Share of grid cells with events",
    border_share: "Share of events near a border", presence: "Armed-group presence",
    forecast: "Forecast P(≥25 deaths)",
  };

  function layerCountries(level) {
    const codes = countryCodes();
    const pool = SW.meta.countries.filter((c) => (codes.length ? codes.includes(c.gw) : c.sahel));
    if (level === "admin1") return pool.filter((c) => c.admin1);
    if (level === "admin2") return pool.filter((c) => c.admin2);
    return pool.filter((c) => c.sahel || codes.includes(c.gw));
  }

  async function loadChoropleth() {
    if (SW.choropleth) { SW.map.removeLayer(SW.choropleth); SW.choropleth = null; }
    SW.choroplethValues = null;
    SW.choroplethLegend = null;
    $("c-note").textContent = "";
    if (!S.layer) { renderLegend(); updateExports(); return; }
    const k = key() + S.layer + S.level;
    SW.choroplethKey = k;
    await busy("Loading layer", async () => {
      if (S.layer === "forecast") return loadForecastLayer(k);
      const level = S.layer === "diffusion" && S.level === "cell" ? "admin1" : S.level;
      const countries = layerCountries(level);
      if (!countries.length) {
        $("c-note").textContent = "No " + level + " units are bundled for " + countryName(S.country) + ".";
        return;
      }
      const codes = countries.map((c) => c.iso3);
      const [shapes, series] = await Promise.all([
        boundaries(level, codes),
        api("indicators/series", { level: level, country: codes.join(","), period: S.start + ".." + S.end, columns: [S.layer, "covered"] }),
      ]);
      if (SW.choroplethKey !== k) return;
      const values = new Map();
      series.rows.forEach((r) => values.set(r.unit_id + "|" + r.month, r[S.layer]));
      SW.choroplethValues = { kind: S.layer === "presence" ? "category" : "number", values: values, level: level, rows: series.rows };
      SW.choropleth = L.geoJSON(shapes, {
        pane: "choropleth",
        style: () => ({ weight: 0.5, color: "#6f6656", fillOpacity: 0.75, fillColor: NODATA }),
        onEachFeature: (feature, layer) => layer.on("click", (e) => unitPopup(feature, e.latlng)),
      }).addTo(SW.map);
      if (level !== S.level) $("c-note").textContent = "Diffusion is defined for admin units: shown by admin-1.";
      paintChoropleth();
    });
    updateExports();
  }

  async function loadForecastLayer(k) {
    const runs = await api("forecasts/runs");
    // the Units selector picks the forecast level; one that is not stored falls back (and says so)
    const wanted = { admin1: "admin1", admin2: "admin2", cell: "grid", country: "country" }[S.level] || "country";
    const have = new Set(runs.runs.filter((r) => !r.benchmark).map((r) => r.level));
    const served = new Set(["country", "admin1", "grid"]);  // the levels /api/forecasts serves
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
    if (SW.choroplethKey !== k) return;
    const unitWord = { country: "country", admin1: "admin-1 region", admin2: "admin-2 unit", grid: "grid cell" };
    SW.forecastNote = level === wanted ? "" : " No forecasts by " + unitWord[wanted] + " are stored: shown by " + unitWord[level] + ".";
    const values = new Map();
    const months = new Set();
    forecast.rows.forEach((r) => { values.set(r.unit_id + "|" + r.month, r.p_ge_25); months.add(r.month); });
    SW.choroplethValues = {
      kind: "probability", values: values, level: shapeLevel, rows: forecast.rows,
      months: Array.from(months).sort(), origin: forecast.origin, model: forecast.model_version,
    };
    SW.choropleth = L.geoJSON(shapes, {
      pane: "choropleth",
      style: () => ({ weight: 0.6, color: "#6f6656", fillOpacity: 0.75, fillColor: NODATA }),
      onEachFeature: (feature, layer) => layer.on("click", (e) => unitPopup(feature, e.latlng)),
    }).addTo(SW.map);
    paintChoropleth();
  }

  function layerMonth() {
    const v = SW.choroplethValues;
    if (!v) return null;
    if (v.kind === "probability") {
      const want = S.month || v.months[0];
      return v.months.includes(want) ? want : v.months[0];
    }
    return S.month || S.end;
  }

  function breaks(values) {
    const positive = values.filter((x) => x !== null && x > 0).sort((a, b) => a - b);
    if (!positive.length) return [];
    const out = [];
    for (const q of [0.2, 0.4, 0.6, 0.8]) {
      const v = positive[Math.min(positive.length - 1, Math.floor(q * positive.length))];
      if (!out.length || v > out[out.length - 1]) out.push(v);
    }
    return out;
  }

  function numberColour(value, cuts, probability) {
    if (value === null || value === undefined) return NODATA;
    if (probability) {
      const i = Math.min(4, Math.floor(value * 5));
      return value === 0 ? ZERO : RAMP[i];
    }
    if (value === 0) return ZERO;
    let i = 0;
    while (i < cuts.length && value > cuts[i]) i++;
    return RAMP[Math.min(i, RAMP.length - 1)];
  }

  function paintChoropleth() {
    const v = SW.choroplethValues;
    if (!SW.choropleth || !v) return;
    const month = layerMonth();
    const get = (f) => {
      const x = v.values.get(f.properties.unit_id + "|" + month);
      return x === undefined ? null : x;
    };
    const all = [];
    SW.choropleth.eachLayer((layer) => all.push(get(layer.feature)));
    const cuts = v.kind === "number" ? breaks(all) : [];
    SW.choropleth.eachLayer((layer) => {
      const x = get(layer.feature);
      let fill = NODATA;
      if (v.kind === "category") fill = x && PRESENCE[x] ? PRESENCE[x][1] : NODATA;
      else fill = numberColour(x, cuts, v.kind === "probability");
      layer.setStyle({ fillColor: fill, dashArray: x === null ? "2 3" : null, fillOpacity: x === null ? 0.45 : 0.78 });
    });
    const legend = el("div", {},
      el("div", { class: "title", text: LAYER_LABEL[S.layer] + " · " + (month ? monthLabel(month) : "") }));
    if (v.kind === "category") {
      Object.values(PRESENCE).forEach(([, c, label]) => {
        const swatch = el("i", { class: "key sq" }); swatch.style.background = c;
        legend.append(el("div", { class: "row" }, swatch, label));
      });
    } else if (v.kind === "probability") {
      ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"].forEach((label, i) => {
        const swatch = el("i", { class: "key sq" }); swatch.style.background = RAMP[i];
        legend.append(el("div", { class: "row" }, swatch, label));
      });
    } else {
      const zero = el("i", { class: "key sq" }); zero.style.background = ZERO;
      legend.append(el("div", { class: "row" }, zero, "0"));
      let lo = 0;
      cuts.concat([Infinity]).forEach((c, i) => {
        const swatch = el("i", { class: "key sq" }); swatch.style.background = RAMP[Math.min(i, RAMP.length - 1)];
        const label = c === Infinity ? "> " + fmt(lo) : (lo === 0 ? "up to " : fmt(lo) + " – ") + fmt(c);
        legend.append(el("div", { class: "row" }, swatch, label));
        lo = c;
      });
    }
    const none = el("i", { class: "key sq" }); none.style.background = NODATA;
    legend.append(el("div", { class: "row" }, none, "no data (gap)"));
    SW.choroplethLegend = legend;
    if (v.kind === "probability") {
      $("c-note").textContent = "Forecast made at " + v.origin + " by " + v.model + " for " + monthLabel(month) +
        (S.month && S.month !== month ? " (the selected month is not forecast)" : "") + "." + (SW.forecastNote || "");
    }
    renderLegend();
  }

  const UNIT_CODE = { country: "Gleditsch-Ward ", admin1: "P-code ", admin2: "P-code ", cell: "PRIO-GRID " };

  function unitPopup(feature, latlng) {
    const v = SW.choroplethValues;
    const p = feature.properties;
    const month = layerMonth();
    const x = v ? v.values.get(p.unit_id + "|" + month) : null;
    const shown = x === null || x === undefined ? "no data" : v.kind === "probability" ? fmt(x * 100, 0) + " %" : fmt(x);
    const link = el("a", { href: "#country?country=" + encodeURIComponent(p.iso3 || "") + (S.level === "admin1" && v && v.level === "admin1" ? "&region=" + encodeURIComponent(p.unit_id) : ""), text: "Open the country page" });
    L.popup().setLatLng(latlng).setContent(el("div", { class: "popup" },
      el("h4", { text: p.unit_name || String(p.unit_id) }),
      dl([[LAYER_LABEL[S.layer], shown], ["Month", month ? monthLabel(month) : ""],
        ["Unit", [p.unit_name, p.admin1_name, countryName(p.iso3 || p.country_gw)].filter((x, i, a) => x && a.indexOf(x) === i).join(", ")],
        ["Code", (UNIT_CODE[v ? v.level : S.level] || "") + p.unit_id]]),
      link)).openOn(SW.map);
  }

  // exports ---------------------------------------------------------------------------------

  function updateExports() {
    const params = eventParams(S.month);
    $("x-events-csv").href = apiUrl("events", Object.assign({}, params, { format: "csv", limit: 5000 }));
    $("x-events-geojson").href = apiUrl("events", Object.assign({}, params, { format: "geojson", limit: 5000 }));
    const v = SW.choroplethValues;
    const layerLink = $("x-layer-csv");
    if (v && S.layer && S.layer !== "forecast") {
      layerLink.href = apiUrl("indicators", { level: v.level, country: layerCountries(v.level).map((c) => c.iso3).join(","), month: layerMonth(), format: "csv" });
      layerLink.removeAttribute("aria-disabled");
    } else if (v && S.layer === "forecast") {
      layerLink.href = apiUrl("forecasts", { target: "total", month: layerMonth(), format: "csv" });
      layerLink.removeAttribute("aria-disabled");
    } else {
      layerLink.href = "#";
      layerLink.setAttribute("aria-disabled", "true");
    }
  }

  // ---------------------------------------------------------------------------------------
  // country page

  function pageCountry() {
    if (S.country && S.country !== "SAHEL" && S.country !== "ALL") return S.country;
    return "MLI";
  }

  async function loadCountry() {
    const k = key();
    loaded.country = k;
    const iso = pageCountry();
    const info = SW.meta.countries.find((c) => c.iso3 === iso) || { iso3: iso, name: iso, admin1: false };
    $("cty-title").textContent = info.name;
    if (SW.yearsRendered && SW.yearsRendered !== iso) {  // another country: its years on request
      clear($("years-grid"));
      clear($("chart-capital"));
      $("capital-note").textContent = "";
      SW.yearsRendered = null;
    }
    $("cty-brief").href = apiUrl("briefs", { country: iso, month: S.end });
    $("cty-brief-pdf").href = apiUrl("briefs", { country: iso, month: S.end, format: "pdf" });
    fillSelect($("cty-country"), SW.meta.countries.map((c) => ({ value: c.iso3, label: c.name })), iso);
    await busy("Loading " + info.name, async () => {
      const admin1 = info.admin1
        ? await api("indicators/series", { level: "admin1", country: iso, period: S.start + ".." + S.end })
        : null;
      const regions = admin1 ? Array.from(new Map(admin1.rows.map((r) => [r.unit_id, r.unit_name])).entries()) : [];
      fillSelect($("cty-region"), [{ value: "", label: "Whole country" }].concat(regions.map(([id, name]) => ({ value: id, label: name }))), S.region);
      if (S.region && !regions.some(([id]) => id === S.region)) S.region = "";
      const [history, national, monthly] = await Promise.all([
        api("history", { country: iso, start: addMonths(S.end, -119) }),
        api("indicators/series", { level: "country", country: iso, period: S.start + ".." + S.end }),
        api("months", { country: iso, period: S.start + ".." + S.end }),
      ]);
      if (loaded.country !== k) return;
      const focus = S.region && admin1 ? admin1.rows.filter((r) => r.unit_id === S.region) : national.rows;
      const regionName = S.region && focus.length ? focus[0].unit_name : "";
      renderCards(info, national.rows, focus, monthly, regionName);
      renderScope(info, regionName);
      renderHistory(history.rows);
      renderFamilies(focus);
      renderIndicatorTable(admin1 ? admin1.rows : national.rows, admin1 ? "admin-1" : "country");
      renderPresence(admin1 ? admin1.rows : national.rows);
      await renderForecast(info, history.rows);
      if (SW.onCountry) await SW.onCountry(info);  // trackrecord.js: the forecasts' record
    });
  }

  function lastWith(rows, column) {
    const ok = rows.filter((r) => r[column] !== null && r[column] !== undefined);
    return ok.length ? ok[ok.length - 1] : null;
  }

  function renderScope(info, regionName) {
    // a region changes the cards and the actor-family chart; the rest exists only nationally
    const national = " — " + info.name + (regionName ? " (national)" : "");
    $("hist-title").textContent = "Fatalities by violence type" + national;
    $("fc-title").textContent = "Forecast of monthly fatalities" + national;
    $("cty-scope").textContent = regionName
      ? "Region " + regionName + ": the cards and the actor-family chart are for " + regionName +
        "; the fatalities chart, the forecast and the state-under-pressure score are national (they exist only for countries)."
      : "";
  }

  function renderCards(info, national, focus, monthly, regionName) {
    const box = clear($("cty-cards"));
    const last = lastWith(focus, "deadliness");
    const lastNat = lastWith(national, "pressure");
    const card = (value, label) => el("div", { class: "card" + (value === "no data" ? " na" : "") }, el("b", { text: value }), el("span", { text: label }));
    const when = last ? " in " + monthLabel(last.month) : "";
    const where = regionName ? ", " + regionName : "";
    const pressure = card(lastNat ? fmt(lastNat.pressure, 2) : "no data", "state under pressure (0–100), " +
      (regionName ? "national" : info.name) + (lastNat ? " in " + monthLabel(lastNat.month) : ""));
    $("cty-data-note").textContent = monthly.notes.length ? "What the data hold, " + S.start + " – " + S.end + ": " + monthly.notes.join(". ") + "." : "";
    // a month known only from country-month totals says so on every card
    const shown = last ? monthly.months.find((r) => r.month === last.month) : null;
    const totalsOnly = Boolean(shown && !HAS_EVENTS.has(shown.state));
    const source = totalsOnly ? " (" + totalsLabel([shown]) + "; no located events)" : "";
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

  function renderHistory(rows) {
    const months = rows.map((r) => r.month);
    const data = [months.map(ts)];
    const keys = ["sb", "ns", "os", "total"];
    keys.forEach((k) => data.push(rows.map((r) => r[k])));
    makeChart("chart-history", {
      height: 230,
      series: [{}].concat(keys.map((k) => ({
        label: k === "total" ? "total" : TYPE_LABEL[k],
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

  function renderFamilies(rows) {
    const fams = Object.keys(SW.meta.actor_families).filter((f) => f !== "unknown" && rows.some((r) => r["events_" + f]));
    const months = rows.map((r) => r.month);
    const data = [months.map(ts)];
    fams.forEach((f) => data.push(rows.map((r) => (r.covered_actors ? r["events_" + f] : null))));
    $("fam-title").textContent = "Events by actor family" + (S.region ? " — " + (rows[0] ? rows[0].unit_name : "") : "");
    makeChart("chart-families", {
      height: 230,
      series: [{}].concat(fams.map((f) => ({
        label: SW.meta.actor_families[f], stroke: colour("fam-" + f), width: 2,
        points: { show: true, size: 5 }, spanGaps: false,
        value: legendValue,
      }))),
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max * 1.1)] } },
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

  function renderIndicatorTable(rows, levelLabel) {
    const table = clear($("ind-table"));
    const last = lastWith(rows, "deadliness");
    if (!last) { $("ind-month").textContent = "— no data in this period"; return; }
    const month = last.month;
    $("ind-month").textContent = "— " + levelLabel + ", " + monthLabel(month);
    const head = el("tr", {}, el("th", { text: "Unit" }), TABLE_COLUMNS.map(([, label]) => el("th", { text: label })));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    rows.filter((r) => r.month === month).sort((a, b) => (b.deadliness || 0) - (a.deadliness || 0)).forEach((r) => {
      const tr = el("tr", {}, el("td", { text: r.unit_name }));
      TABLE_COLUMNS.forEach(([c]) => {
        const v = r[c];
        const text = v === null || v === undefined ? "no data" : (c === "diffusion" || c === "border_share") ? fmt(v * 100, 0) + " %" : fmt(v);
        tr.append(el("td", { class: v === null || v === undefined ? "na" : null, text: text }));
      });
      body.append(tr);
    });
    table.append(body);
  }

  function renderPresence(rows) {
    const box = clear($("presence-grid"));
    const months = Array.from(new Set(rows.map((r) => r.month))).sort();
    const units = Array.from(new Map(rows.map((r) => [r.unit_id, r.unit_name])).entries());
    const values = new Map(rows.map((r) => [r.unit_id + "|" + r.month, r.presence]));
    const axis = el("div", { class: "strip strip-axis" });
    months.forEach((m, i) => axis.append(el("div", { class: "cell", text: i % Math.max(1, Math.ceil(months.length / 8)) === 0 ? m : "" })));
    box.append(el("div", { class: "strip-row" }, el("span", { class: "label" }), axis));
    units.forEach(([id, name]) => {
      const strip = el("div", { class: "strip" });
      months.forEach((m) => {
        const p = values.get(id + "|" + m);
        const cls = p && PRESENCE[p] ? PRESENCE[p][0] : "p-none";
        strip.append(el("div", { class: "cell " + cls, title: name + " " + m + ": " + (p || "no data") }));
      });
      box.append(el("div", { class: "strip-row" }, el("span", { class: "label", title: name, text: name }), strip));
    });
    const legend = el("div", { class: "presence-legend" });
    Object.values(PRESENCE).forEach(([cls, , label]) => legend.append(el("span", {}, el("i", { class: "sw " + cls }), " " + label)));
    legend.append(el("span", {}, el("i", { class: "sw p-none" }), " no data"));
    box.append(legend);
  }

  // Year by year since 1990: each unit's presence at the last covered month of the year,
  // and the nearest jihadist event to the capital; a year without located data stays empty.
  const HISTORY_START = "1990-01";
  async function loadYears() {
    const iso = pageCountry();
    const info = SW.meta.countries.find((c) => c.iso3 === iso) || { iso3: iso, name: iso };
    const level = info.admin2 ? "admin2" : info.admin1 ? "admin1" : null;
    await busy("Computing the years since 1990", async () => {
      const period = HISTORY_START + ".." + S.end;
      const [series, capital] = await Promise.all([
        level ? api("indicators/series", { level: level, country: iso, period: period, columns: ["presence", "covered"] }) : null,
        api("capital/years", { country: iso, period: period }),
      ]);
      renderYears(series ? series.rows : [], level);
      renderCapitalYears(capital.years, info);
      SW.yearsRendered = iso;
    });
  }

  function renderYears(rows, level) {
    const box = clear($("years-grid"));
    if (!rows.length) { box.append(el("p", { class: "note", text: "No admin units are bundled for this country." })); return; }
    const years = Array.from(new Set(rows.map((r) => r.month.slice(0, 4)))).sort();
    const units = Array.from(new Map(rows.map((r) => [r.unit_id, r.unit_name])).entries());
    const atYearEnd = new Map();
    // only months the data cover with locations count (the six-month window of a month without
    // them would otherwise carry older events into a year that has none)
    rows.forEach((r) => { if (r.presence && r.covered) atYearEnd.set(r.unit_id + "|" + r.month.slice(0, 4), r.presence); });
    const axis = el("div", { class: "strip strip-axis" });
    years.forEach((y) => axis.append(el("div", { class: "cell", text: Number(y) % 5 === 0 ? y : "" })));
    box.append(el("div", { class: "strip-row" }, el("span", { class: "label", text: level === "admin2" ? "cercle / unit" : "region" }), axis));
    units.forEach(([id, name]) => {
      const strip = el("div", { class: "strip" });
      years.forEach((y) => {
        const p = atYearEnd.get(id + "|" + y);
        strip.append(el("div", { class: "cell " + (p && PRESENCE[p] ? PRESENCE[p][0] : "p-none"), title: name + " " + y + ": " + (p || "no data") }));
      });
      box.append(el("div", { class: "strip-row" }, el("span", { class: "label", title: name, text: name }), strip));
    });
  }

  function renderCapitalYears(years, info) {
    const x = years.map((y) => Date.UTC(y.year, 6, 1) / 1000);
    const km = years.map((y) => (y.months_located ? y.nearest_km : null));
    makeChart("chart-capital", {
      height: 200,
      series: [{}, { label: "nearest jihadist event to " + (years[0] ? years[0].capital : "the capital") + " (km)",
        stroke: "#922b21", width: 2, points: { show: true, size: 6 }, spanGaps: false, value: legendValue }],
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(100, max * 1.1)] } },
      axes: [{ values: (u, splits) => splits.map((v) => String(new Date(v * 1000).getUTCFullYear())), space: 40 }, { size: 50 }],
    }, [x, km]);
    const none = years.filter((y) => !y.months_located).map((y) => y.year);
    const closest = years.filter((y) => y.nearest_km !== null).sort((a, b) => a.nearest_km - b.nearest_km)[0];
    $("capital-note").textContent = "Distance from " + (years[0] ? years[0].capital : "the capital") + " to the nearest located jihadist event of " +
      info.name + " or a neighbour, per year (the closest month). " +
      (closest ? "Closest: " + fmt(closest.nearest_km, 0) + " km in " + closest.nearest_month + " (" + closest.nearest_uid + "). " : "") +
      (none.length ? "No located data (no point, not far): " + none.join(", ") + "." : "");
  }

  async function renderForecast(info, historyRows) {
    const side = clear($("forecast-side"));
    SW.forecastRendered = false;
    const runs = await api("forecasts/runs");
    const country = runs.runs.filter((r) => r.level === "country");
    if (!country.length) {
      if (SW.charts["chart-forecast"]) { SW.charts["chart-forecast"].destroy(); delete SW.charts["chart-forecast"]; }
      clear($("chart-forecast")).append(el("p", { class: "note", text: "No forecasts are stored in this store yet." }));
      $("forecast-note").textContent = "";
      return;
    }
    let fc;
    try {
      fc = await api("forecasts", { country: info.iso3, target: "total", benchmarks: "true" });
    } catch (err) {
      if (err.status === 404 || err.status === 400) {
        clear($("chart-forecast")).append(el("p", { class: "note", text: err.message }));
        return;
      }
      throw err;
    }
    const mine = fc.rows.filter((r) => r.model_version === fc.model_version);
    if (!mine.length) {
      clear($("chart-forecast")).append(el("p", { class: "note", text: "The stored forecasts do not include " + info.name + "." }));
      return;
    }
    const fMonths = mine.map((r) => r.month);
    const first = addMonths(fc.origin, -35);
    const months = monthsBetween(first, fMonths[fMonths.length - 1]);
    const obs = new Map(historyRows.map((r) => [r.month, r.total]));
    const byMonth = (model) => new Map(fc.rows.filter((r) => r.model_version === model).map((r) => [r.month, r]));
    const main = byMonth(fc.model_version);
    const q = (k) => months.map((m) => (main.has(m) ? main.get(m)[k] : null));
    const data = [months.map(ts), months.map((m) => (obs.has(m) ? obs.get(m) : null)), q("q05"), q("q25"), q("q50"), q("q75"), q("q95")];
    const benchColours = ["#1f618d", "#117a65", "#7d6608", "#6c3483", "#566573"];
    fc.benchmarks.forEach((b) => { const bm = byMonth(b); data.push(months.map((m) => (bm.has(m) ? bm.get(m).q50 : null))); });
    const fill = "rgba(179, 84, 30, ";
    const series = [{},
      { label: "observed", stroke: "#222", width: 1.6, points: { show: true, size: 4 }, spanGaps: false, value: legendValue },
      { label: "5 %", stroke: fill + "0.5)", width: 1, value: legendValue },
      { label: "25 %", stroke: fill + "0.7)", width: 1, value: legendValue },
      { label: "median", stroke: "#b3541e", width: 2.2, value: legendValue },
      { label: "75 %", stroke: fill + "0.7)", width: 1, value: legendValue },
      { label: "95 %", stroke: fill + "0.5)", width: 1, value: legendValue },
    ].concat(fc.benchmarks.map((b, i) => ({
      label: b.replace("benchmark-", "") + " (median)", stroke: benchColours[i % benchColours.length], width: 1.4, dash: [5, 4],
      value: legendValue,
    })));
    makeChart("chart-forecast", {
      height: 280,
      series: series,
      bands: [{ series: [6, 2], fill: fill + "0.14)" }, { series: [5, 3], fill: fill + "0.28)" }],
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(10, max * 1.05)] } },
      axes: [monthAxis(), { size: 55 }],
      hooks: { drawAxes: [bandsHook(months, null, fc.origin)] },
    }, data);
    // the table beside the chart: each model at three horizons, with what was observed
    const picks = [fMonths[0], fMonths[Math.floor((fMonths.length - 1) / 2)], fMonths[fMonths.length - 1]].filter((m, i, a) => a.indexOf(m) === i);
    const table = el("table", { class: "table" });
    table.append(el("thead", {}, el("tr", {}, el("th", { text: "Model" }), picks.map((m) => el("th", { text: monthLabel(m) })), el("th", { text: "P(≥25) " + picks[0] }))));
    const body = el("tbody");
    [fc.model_version].concat(fc.benchmarks).forEach((model) => {
      const rows = byMonth(model);
      const tr = el("tr", { class: model === fc.model_version ? "main" : null }, el("td", { text: model.startsWith("benchmark-") ? model.slice(10) : model }));
      picks.forEach((m) => {
        const r = rows.get(m);
        tr.append(el("td", { text: r ? fmt(r.q50) + " (" + fmt(r.q05) + "–" + fmt(r.q95) + ")" : "—" }));
      });
      const r0 = rows.get(picks[0]);
      tr.append(el("td", { text: r0 ? fmt(r0.p_ge_25 * 100, 0) + " %" : "—" }));
      body.append(tr);
    });
    const observed = el("tr", {}, el("td", { text: "observed" }));
    picks.forEach((m) => observed.append(el("td", { class: obs.get(m) === null || obs.get(m) === undefined ? "na" : null, text: obs.has(m) && obs.get(m) !== null ? fmt(obs.get(m)) : "no data" })));
    observed.append(el("td", { text: "" }));
    body.append(observed);
    table.append(body);
    side.append(el("div", { class: "table-wrap" }, table), el("p", { class: "note", text: "Median (5–95 % interval) of monthly fatalities, all violence types; the rows below the model are the benchmarks." }));
    $("forecast-note").textContent = "Made at " + monthLabel(fc.origin) + " (data up to that month) by " + fc.model_version +
      "; bands: 50 % and 90 % intervals; dashed: benchmarks (medians). Shaded column: the origin.";
    SW.forecastRendered = true;
  }

  // ---------------------------------------------------------------------------------------
  // data page

  async function loadData() {
    const k = key();
    loaded.data = k;
    await busy("Loading coverage", async () => {
      const codes = countryCodes();
      const focus = codes.length ? codes : SW.meta.sahel;
      const [status, cov] = await Promise.all([
        api("status", { country: focus.join(",") }),
        api("coverage", { country: focus.join(","), period: addMonths(SW.lastMonth, -119) + ".." + SW.lastMonth }),
      ]);
      if (loaded.data !== k) return;
      renderSources(status);
      renderCoverage(cov);
      renderReleases(status);
      renderExports();
    });
  }

  function runs(list) { return list.length ? list.map((r) => (r[0] === r[1] ? r[0] : r[0] + " – " + r[1])).join(", ") : "none"; }

  function renderSources(status) {
    const table = clear($("src-table"));
    table.append(el("thead", {}, el("tr", {}, ["Source", "Covers", "Gaps (no data)", "Newest data", "Age"].map((t) => el("th", { text: t })))));
    const body = el("tbody");
    status.sources.forEach((s) => body.append(el("tr", {},
      el("td", { text: s.source }), el("td", { text: runs(s.covered) }),
      el("td", { class: s.gaps.length ? null : "na", text: runs(s.gaps) }),
      el("td", { text: s.newest || "—" }),
      el("td", { text: s.stale_days === null ? "—" : s.stale_days + " days" }))));
    table.append(body);
  }

  function renderCoverage(cov) {
    const box = clear($("cov-grid"));
    $("cov-country").textContent = "— " + countryName(S.country) + ", " + cov.months[0] + " – " + cov.months[cov.months.length - 1];
    const axis = el("div", { class: "strip strip-axis" });
    cov.months.forEach((m, i) => axis.append(el("div", { class: "cell", text: m.endsWith("-01") && Number(m.slice(0, 4)) % 2 === 0 && i < cov.months.length - 10 ? m.slice(0, 4) : "" })));
    box.append(el("div", { class: "strip-row" }, el("span", { class: "label" }), axis));
    cov.coverage.forEach((row) => {
      const strip = el("div", { class: "strip" });
      row.months.forEach((v, i) => strip.append(el("div", { class: "cell " + (v ? "cov-yes" : "cov-no"), title: row.source + " " + cov.months[i] + ": " + (v ? "covered" : "gap (no data)") })));
      const label = (row.country || row.country_gw) + " · " + row.source;
      box.append(el("div", { class: "strip-row", "data-source": row.source }, el("span", { class: "label", title: label + "; gaps: " + runs(row.gaps), text: label }), strip));
    });
  }

  function renderReleases(status) {
    const table = clear($("rel-table"));
    table.append(el("thead", {}, el("tr", {}, ["Source", "Release", "Covers", "Rows", "Rejected", "Ingested"].map((t) => el("th", { text: t })))));
    const body = el("tbody");
    status.releases.forEach((r) => body.append(el("tr", {},
      el("td", { text: r.source }), el("td", { text: r.release + (r.preliminary ? " (prelim.)" : "") }),
      el("td", { text: runs(r.covers) }), el("td", { text: fmt(r.rows_read) }), el("td", { text: fmt(r.rejected) }),
      el("td", { text: (r.ingested_at || "").slice(0, 10) }))));
    table.append(body);
    $("store-note").textContent = status.events.toLocaleString("en") + " current events in " + status.store + "; " + status.quarantined + " rows in quarantine.";
  }

  function renderExports() {
    const list = clear($("export-list"));
    const params = eventParams(S.month);
    const codes = countryCodes();
    const iso = pageCountry();
    const items = [
      ["Events (CSV)", apiUrl("events", Object.assign({}, params, { format: "csv", limit: 5000 }))],
      ["Events (GeoJSON)", apiUrl("events", Object.assign({}, params, { format: "geojson", limit: 5000 }))],
      ["Country panel, " + countryName(iso) + " (CSV)", apiUrl("panels", { level: "country", country: iso, period: S.start + ".." + S.end, format: "csv" })],
      ["Admin-1 indicators, " + S.end + " (GeoJSON)", apiUrl("indicators", { level: "admin1", country: layerCountries("admin1").map((c) => c.iso3).join(","), month: S.end, format: "geojson" })],
      ["Coverage (JSON)", apiUrl("coverage", { country: (codes.length ? codes : SW.meta.sahel).join(",") })],
      ["Forecast, " + countryName(iso) + " (CSV)", apiUrl("forecasts", { country: iso, benchmarks: "true", format: "csv" })],
    ];
    items.forEach(([label, href]) => list.append(el("li", {}, el("a", { href: href, text: label }))));
  }

  // live alerts: the stream replays the newest alerts, then sends each new one once ---------

  const MAX_ALERTS = 30;

  function alertItem(a) {
    const events = (a.evidence && a.evidence.event_ids) || [];
    const when = (a.fired_at || "").slice(0, 16).replace("T", " ");
    return el("li", { class: "alert sev-" + a.severity, "data-seq": a.seq },
      el("div", { class: "alert-head" },
        el("b", { class: "sev", text: a.severity }), " ", el("span", { text: a.title })),
      el("details", {},
        el("summary", { text: when + " UTC · rule " + a.rule }),
        el("p", { class: "alert-body", text: a.body }),
        events.length ? el("p", { class: "alert-events" }, "Events: ",
          events.slice(0, 20).flatMap((uid, i) => [i ? ", " : "",
            el("a", { href: apiUrl("events/" + encodeURIComponent(uid)), target: "_blank", rel: "noopener", text: uid })])) : null));
  }

  function addAlert(a) {
    if (SW.alerts.seen.has(a.seq)) return;
    SW.alerts.seen.add(a.seq);
    const list = $("alerts");
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    const item = alertItem(a);
    const newer = [...list.children].find((li) => Number(li.dataset.seq) < a.seq);
    list.insertBefore(item, newer || null);
    while (list.children.length > MAX_ALERTS) list.lastChild.remove();
    if (SW.alerts.live) item.classList.add("fresh");
  }

  function setLive(state, title) {
    const badge = $("alerts-live");
    badge.textContent = state;
    badge.title = title;
    badge.className = "live " + state;
  }

  function followAlerts() {
    const list = clear($("alerts"));
    list.append(el("li", { class: "empty note", text: "No alerts raised yet." }));
    if (!window.EventSource) { setLive("off", "this browser cannot follow a stream"); return; }
    const source = new EventSource("api/alerts/stream");
    SW.alerts.source = source;
    source.addEventListener("open", () => { SW.alerts.live = true; setLive("live", "following new alerts"); });
    source.addEventListener("error", () => { SW.alerts.live = false; setLive("reconnecting", "the stream dropped; the browser reconnects and resumes"); });
    source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data)));
  }

  // ---------------------------------------------------------------------------------------
  // start

  async function start() {
    readHash();
    const meta = await busy("Loading", () => api("meta"));
    if (!meta) return;
    SW.meta = meta;
    $("version").textContent = "SahelWatch " + meta.version;
    setupFilters();
    syncSlider();
    setupMap();
    followAlerts();
    await busy("Drawing boundaries", drawBase);
    await busy("Drawing the basemap", drawBasemap);
    zoomToCountry();
    for (const link of document.querySelectorAll(".tabs a[data-view]")) {
      link.addEventListener("click", (e) => { e.preventDefault(); showView(link.dataset.view); });
    }
    $("cty-country").addEventListener("change", (e) => {
      S.country = e.target.value; S.region = ""; $("f-country").value = S.country; filtersChanged();
    });
    $("cty-years-load").addEventListener("click", loadYears);
    $("cty-region").addEventListener("change", (e) => { S.region = e.target.value; writeHash(); loaded.country = null; loadCountry(); });
    window.addEventListener("hashchange", () => {
      const before = key();
      readHash();
      setupSelects();
      if (key() !== before) refreshView(true);
      showView(S.view);
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        for (const [id, chart] of Object.entries(SW.charts)) {
          const box = $(id);
          if (box && box.clientWidth) chart.setSize({ width: box.clientWidth, height: chart.height });
        }
      }, 150);
    });
    showView(S.view);
    SW.ready = true;
  }

  function setupSelects() {
    $("f-country").value = S.country;
    $("f-start").value = S.start;
    $("f-end").value = S.end;
    $("f-family").value = S.family;
    $("f-colour").value = S.colour;
    $("c-layer").value = S.layer;
    $("c-level").value = S.level;
    for (const box of $("f-types").querySelectorAll("input")) box.checked = S.types.includes(box.value);
    syncSlider();
  }

  start();
})();
