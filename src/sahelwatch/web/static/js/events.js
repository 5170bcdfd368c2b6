// @ts-check
/* The map's events: markers of the located events, the counters and their note, the legend,
 * an event's details, and the chart of events per month. What the data hold each month
 * (/api/months): "located", "unlocated" (events without places or actor names), "totals"
 * (country-month totals only) or "none" (no data, never zero). */

import { api, busy } from "./api.js";
import { bandsHook, fromZero, legendValue, makeChart, monthAxis } from "./charts.js";
import { $, clear, colour, dl, el } from "./dom.js";
import { apiUrl, fmt, monthLabel, sourceList, sumKnown, ts } from "./format.js";
import { familyLabel, totalsLabel, typeLabel } from "./labels.js";
import { markerKind, theMap, theMarkers } from "./map.js";
import { eventClass, radius } from "./scales.js";
import { app, countryName, eventParams, filters, key, meta, period, periodMonths, TYPES } from "./state.js";

/** @typedef {import("./state.js").MonthRow} MonthRow */

/** Month states with events (located or not). */
export const HAS_EVENTS = new Set(["located", "unlocated"]);

/** Largest number of events the map loads. */
const MAX_EVENTS = 100000;
/** The API's largest page of events: what the map loads a request, and an export link gives. */
export const EXPORT_LIMIT = 5000;


/**
 * Point an events export link at the events of the filters, saying so when it gives only the
 * first EXPORT_LIMIT of them (the API pages; `sahelwatch events` exports them all).
 * @param {HTMLElement} link @param {string} label @param {string} format @param {number} total
 */
export function eventsExport(link, label, format, total) {
  const a = /** @type {HTMLAnchorElement} */ (link);
  a.href = apiUrl("events", Object.assign({}, eventParams(filters.month), { format: format, limit: EXPORT_LIMIT }));
  const cut = total > EXPORT_LIMIT;
  a.textContent = cut ? label + " (first " + EXPORT_LIMIT.toLocaleString("en") + " of " + total.toLocaleString("en") + ")" : label;
  a.title = cut ? "The API gives at most " + EXPORT_LIMIT.toLocaleString("en") + " events a request: follow its next_cursor, or export them all with `sahelwatch events`." : "";
}

/** How many of the loaded events the filters' month (or whole period) holds. */
export function shownEvents() {
  const month = filters.month;
  return month ? app.events.filter((f) => f.properties.date_start.startsWith(month)).length : app.events.length;
}

/** Load the events of the filters (page by page) and what each month holds; then draw. */
export async function loadEvents() {
  const k = key();
  app.loaded.events = k;
  await busy("Loading events", async () => {
    const params = Object.assign(eventParams(null), { format: "geojson", fields: "map", limit: EXPORT_LIMIT });
    const features = [];
    let cursor = null;
    do {
      const page = await api("events", Object.assign({}, params, { cursor: cursor }));
      features.push(...page.features);
      cursor = page.next_cursor;
    } while (cursor && features.length < MAX_EVENTS && app.loaded.events === k);
    /** @type {{months: MonthRow[], notes: string[]}} */
    const monthly = await api("months", Object.assign(eventParams(null), { period: period() }));
    if (app.loaded.events !== k) return;
    app.events = features;
    app.months = Object.fromEntries(monthly.months.map((r) => [r.month, r]));
    app.monthNotes = monthly.notes;
    renderEvents();
    renderMonthlyChart();
  });
}

/** One month in words: what an analyst may read from it ("" for a month with located events).
 * @param {import("./state.js").MonthRow} r */
export function monthNote(r) {
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

/** @param {string} id @param {string} value @param {string} label */
function setCount(id, value, label) {
  $(id).textContent = value;
  $(id).classList.toggle("na", value === "no data" || value === "none");
  $(id + "-label").textContent = label;
}

/** The markers, counters and note of the slider's month (or the whole period). */
export function renderEvents() {
  const month = filters.month;
  const selected = month ? app.events.filter((f) => f.properties.date_start.slice(0, 7) === month) : app.events;
  app.shown = selected;
  const rows = (month ? [month] : periodMonths()).map((m) => (app.months || {})[m]).filter(Boolean);
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
      icon: L.divIcon({ className: eventClass(f.properties, filters.colour, TYPES), iconSize: [d, d] }),
      kind: markerKind(f.properties),
      title: f.properties.date_start + " · " + (f.properties.location || "") + " · " + (f.properties.best || 0) + " deaths",
      keyboard: false,
    });
    marker.on("click", () => openEvent(marker, f.properties.uid));
    markers.push(marker);
  }
  theMarkers().clearLayers();
  theMarkers().addLayers(markers);
  const when = month ? monthLabel(month) : filters.start + " – " + filters.end;
  let note = countryName(filters.country) + ", " + when + ".";
  if (counted.length) {
    setCount("count-events", selected.length.toLocaleString("en"), "events");
    setCount("count-fatalities", fatalities.toLocaleString("en"), "fatalities");
    setCount("count-located", markers.length.toLocaleString("en"), "on the map");
  } else if (totalsOnly.length) {
    // only country-month totals: say so, never a 0 of located events
    const best = sumKnown(totalsOnly, "totals_best");
    setCount("count-events", "none", "located events");
    setCount("count-fatalities", fmt(best), "deaths in " + totalsLabel(totalsOnly));
    setCount("count-located", "none", "on the map");
  } else {
    setCount("count-events", "no data", "events");
    setCount("count-fatalities", "no data", "fatalities");
    setCount("count-located", "no data", "on the map");
  }
  if (selected.length > markers.length) {
    note += " " + (selected.length - markers.length).toLocaleString("en") + " events have no coordinates in their release and are counted but not mapped.";
  }
  const notes = month ? rows.map(monthNote).filter(Boolean) : app.monthNotes.map((n) => n + ".");
  if (notes.length) note += " " + notes.join(" ");
  if (!month && counted.length && counted.length < rows.length) {
    note += " The counts above are of the " + counted.length + " months with events.";
  }
  $("count-note").textContent = note;
  renderLegend();
}

/** The map's legend: the markers' colours, then the choropleth's. */
export function renderLegend() {
  const box = clear($("map-legend"));
  if (filters.colour === "family") {
    box.append(el("div", { class: "title", text: "Actor family (marker)" }));
    const present = new Set(app.shown.map((f) => f.properties.actor_family));
    Object.keys(meta().actor_families).filter((f) => present.has(f)).forEach((f) => {
      box.append(el("div", { class: "row" }, el("i", { class: "key fam-" + f }), familyLabel(f)));
    });
  } else {
    box.append(el("div", { class: "title", text: "Violence type (marker)" }));
    TYPES.forEach((t) => box.append(el("div", { class: "row" }, el("i", { class: "key ev-" + t }), typeLabel(t))));
  }
  box.append(el("div", { class: "row" }, "Size: fatalities; numbers: clusters"));
  if (app.choroplethLegend) box.append(app.choroplethLegend);
}

/** @type {Record<string, string>} */
const PRECISION = {
  1: "exact location", 2: "within 25 km", 3: "second-order admin unit", 4: "first-order admin unit",
  5: "part of a country", 6: "country", 7: "international waters or airspace",
};

/** An event's details in a popup: the release, its versions, its sources.
 * @param {L.Marker} marker @param {string} uid */
async function openEvent(marker, uid) {
  const popup = L.popup({ maxWidth: 340 }).setLatLng(marker.getLatLng()).setContent("Loading…").openOn(theMap());
  // raw JSON of /api/events/{uid} (any): the event's record as its source wrote it
  const data = await busy(null, () => api("events/" + encodeURIComponent(uid)));
  if (!data) return;
  const e = data.event;
  const deaths = [["side A", e.deaths_a], ["side B", e.deaths_b], ["civilians", e.deaths_civilians], ["unknown", e.deaths_unknown]]
    .filter((x) => x[1] !== null && x[1] !== undefined).map((x) => x[0] + " " + x[1]).join(", ");
  const newest = data.versions.at(-1);
  const content = el("div", { class: "popup" },
    el("h4", { text: (e.location || e.adm_2 || e.adm_1 || e.country_name || "Event") + " — " + e.date_start }),
    dl([
      ["Violence", typeLabel(e.violence_type) || e.event_type || "—"],
      ["Sides", [e.side_a, e.side_b].filter(Boolean).join(" vs ")],
      ["Actor family", familyLabel(e.actor_family)],
      ["Fatalities", (e.best ?? "—") + (e.low !== null && e.high !== null ? " (" + e.low + "–" + e.high + ")" : "")],
      ["Deaths", deaths],
      ["Place", [e.adm_2, e.adm_1, e.country_name].filter(Boolean).join(", ")],
      ["Precision", PRECISION[e.where_prec] || e.where_prec],
      ["Dates", e.date_start === e.date_end ? e.date_start : e.date_start + " – " + e.date_end],
      ["Conflict", e.conflict_name],
      ["Release", e.source + " " + e.release + (e.preliminary ? " (preliminary)" : "")],
      ["Versions", data.versions.map((/** @type {{release: string}} */ v) => v.release).join(", ")],
      ["From", newest ? newest.file + ", row " + newest.row : "—"],
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

/** Events per month by violence type (or actor family); a month without events in the data
 * (no release, totals only, or no actor names when colouring by family) has no value. */
export function renderMonthlyChart() {
  if (filters.view !== "map" || !app.events) return;
  const months = periodMonths();
  const byFamily = filters.colour === "family";
  const keys = byFamily
    ? Object.keys(meta().actor_families).filter((f) => app.events.some((e) => e.properties.actor_family === f))
    : TYPES.filter((t) => filters.types.includes(t));
  /** @type {Record<string, Record<string, number>>} */
  const counts = {};
  keys.forEach((k) => { counts[k] = Object.fromEntries(months.map((m) => [m, 0])); });
  for (const f of app.events) {
    const m = f.properties.date_start.slice(0, 7);
    const k = byFamily ? f.properties.actor_family : f.properties.violence_type;
    if (k && counts[k] && m in counts[k]) counts[k][m] += 1;
  }
  const info = app.months || {};
  /** @param {string} m */
  const usable = (m) => info[m] && HAS_EVENTS.has(info[m].state) && (!byFamily || info[m].actors);
  /** @type {(number | null)[][]} */
  const data = [months.map(ts)];
  keys.forEach((k) => data.push(months.map((m) => (usable(m) ? counts[k][m] : null))));
  /** @type {Record<string, any>[]} */
  const series = [{}].concat(keys.map((k) => ({
    label: byFamily ? familyLabel(k) : typeLabel(k),
    stroke: byFamily ? colour("fam-" + k) : colour(k),
    width: 2,
    points: { show: true, size: 5 },
    spanGaps: false,
    value: legendValue,
  })));
  const totals = months.map((m) => (info[m] && !HAS_EVENTS.has(info[m].state) ? info[m].totals_events : null));
  if (!byFamily && totals.some((v) => v !== null && v !== undefined)) {
    data.push(totals);
    series.push({ label: "events in country totals (no places)", stroke: "#6b7f99", width: 1.6, dash: [5, 3],
      points: { show: true, size: 4 }, spanGaps: false, value: legendValue });
  }
  const states = Object.fromEntries(months.map((m) => [m, usable(m) ? "events" : info[m] ? info[m].state : "none"]));
  makeChart("chart-monthly", {
    height: 210,
    series: series,
    scales: { x: { time: true }, y: fromZero(4) },
    axes: [monthAxis(), { size: 40 }],
    legend: { live: true },
    hooks: { drawAxes: [bandsHook(months, states, filters.month)] },
  }, data);
}
