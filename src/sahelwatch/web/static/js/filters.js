// @ts-check
/* The filter controls (country, period, violence types, actor family, colours, the month
 * slider, the layer): each change updates the state, the URL hash, and tells the views. */

import { $, fillSelect } from "./dom.js";
import { addMonths, monthIndex, monthLabel, monthsBetween } from "./format.js";
import { familyLabel } from "./labels.js";
import { zoomToCountry } from "./map.js";
import { app, DEFAULTS, emit, filters, meta, periodMonths, writeHash } from "./state.js";

/** Record a change of the filters and tell the views: "filters", "month", "colour", "layer"
 * or "region". @param {string} topic */
export function changed(topic) {
  if (topic === "filters" || topic === "month") syncSlider();
  writeHash();
  return emit(topic);
}

/** The month slider and its label for the period and month. */
export function syncSlider() {
  const months = periodMonths();
  const slider = $("f-month");
  slider.max = String(months.length);
  if (filters.month && !months.includes(filters.month)) filters.month = null;
  slider.value = filters.month ? String(months.indexOf(filters.month) + 1) : "0";
  $("f-month-label").textContent = filters.month ? monthLabel(filters.month) : "Whole period (" + filters.start + " – " + filters.end + ")";
}

/** The controls as the state says (after the hash changed). */
export function syncControls() {
  filters.country = filters.country.toUpperCase();
  put("f-country", "country", DEFAULTS.country);
  put("f-start", "start", app.firstMonth);
  put("f-end", "end", app.lastMonth);
  put("f-family", "family", DEFAULTS.family);
  put("f-colour", "colour", DEFAULTS.colour);
  put("c-layer", "layer", DEFAULTS.layer);
  put("c-level", "level", DEFAULTS.level);
  for (const box of $("f-types").querySelectorAll("input")) box.checked = filters.types.includes(box.value);
  syncSlider();
}

/**
 * Show a filter in its selector; a value the selector does not offer (a link edited by hand,
 * such as "country=MLI,BFA") falls back to `fallback` rather than to no filter at all.
 * @param {string} id @param {"country" | "start" | "end" | "family" | "colour" | "layer" | "level"} name
 * @param {string} fallback
 */
function put(id, name, fallback) {
  const box = /** @type {HTMLSelectElement} */ ($(id));
  box.value = filters[name];
  if (box.value === filters[name]) return;
  filters[name] = fallback;
  box.value = fallback;
}

/**
 * The months the selectors offer and the default period: by default the newest 14 months of
 * the event data; the selectors reach back to the oldest month any family covers (totals
 * included), so that history can be chosen.
 * @param {import("./state.js").Family[]} families @param {string} today "YYYY-MM"
 * @returns {{all: string[], first: string, last: string}}
 */
export function monthChoices(families, today) {
  const ucdp = families.find((f) => f.family === "ucdp") || families.find((f) => f.kind === "event");
  const last = ucdp && ucdp.last_month ? ucdp.last_month : today;
  const oldest = families.map((f) => f.first_month || "").filter(Boolean).sort()[0] || addMonths(last, -11);
  const newest14 = addMonths(last, -13);
  const first = ucdp && ucdp.first_month && ucdp.first_month > newest14 ? ucdp.first_month : newest14;
  return { all: monthsBetween(oldest < first ? oldest : addMonths(first, -12), last), first: first, last: last };
}

/** Fill the controls from the meta and the state, and follow their changes. */
export function setupFilters() {
  const m = meta();
  const sahel = m.countries.filter((c) => c.sahel);
  const others = m.countries.filter((c) => !c.sahel);
  fillSelect($("f-country"), [
    { value: "SAHEL", label: "Sahel (" + sahel.length + " countries)" },
    { group: "Sahel", options: sahel.map((c) => ({ value: c.iso3, label: c.name })) },
    { group: "Neighbours", options: others.map((c) => ({ value: c.iso3, label: c.name })) },
    { value: "ALL", label: "All countries" },
  ], filters.country);
  const { all, first, last } = monthChoices(m.families, new Date().toISOString().slice(0, 7));
  app.firstMonth = first;
  app.lastMonth = last;
  if (!filters.start || !all.includes(filters.start)) filters.start = first;
  if (!filters.end || !all.includes(filters.end)) filters.end = last;
  const options = all.map((month) => ({ value: month, label: month }));
  fillSelect($("f-start"), options, filters.start);
  fillSelect($("f-end"), options, filters.end);
  fillSelect($("f-family"), [{ value: "", label: "All" }].concat(
    Object.keys(m.actor_families).map((f) => ({ value: f, label: familyLabel(f) }))), filters.family);
  syncControls();

  /** @param {string} id @param {string} type @param {(e: any) => void} fn */
  const follow = (id, type, fn) => $(id).addEventListener(type, fn);
  follow("f-country", "change", (e) => { filters.country = e.target.value; filters.region = ""; changed("filters"); zoomToCountry(); });
  follow("f-start", "change", (e) => {
    filters.start = e.target.value;
    if (monthIndex(filters.end) < monthIndex(filters.start)) { filters.end = filters.start; $("f-end").value = filters.end; }
    changed("filters");
  });
  follow("f-end", "change", (e) => {
    filters.end = e.target.value;
    if (monthIndex(filters.end) < monthIndex(filters.start)) { filters.start = filters.end; $("f-start").value = filters.start; }
    changed("filters");
  });
  follow("f-types", "change", () => {
    filters.types = Array.from($("f-types").querySelectorAll("input:checked")).map((b) => /** @type {HTMLInputElement} */ (b).value);
    changed("filters");
  });
  follow("f-family", "change", (e) => { filters.family = e.target.value; changed("filters"); });
  follow("f-colour", "change", (e) => { filters.colour = e.target.value; changed("colour"); });
  follow("f-month", "input", (e) => {
    const i = Number(e.target.value);
    filters.month = i === 0 ? null : periodMonths()[i - 1];
    changed("month");
  });
  follow("f-all", "click", () => { filters.month = null; changed("month"); });
  // the period back to 1990 in one choice; the month slider then walks every month of it
  follow("f-span", "change", (e) => {
    const v = e.target.value;
    if (!v) return;
    filters.end = app.lastMonth;
    filters.start = v.includes("-") ? v : addMonths(app.lastMonth, 1 - Number(v));
    if (!all.includes(filters.start)) filters.start = all[0];
    $("f-start").value = filters.start;
    $("f-end").value = filters.end;
    filters.month = null;
    changed("filters");
  });
  follow("c-layer", "change", (e) => { filters.layer = e.target.value; changed("layer"); });
  follow("c-level", "change", (e) => { filters.level = e.target.value; changed("layer"); });
  follow("filters-toggle", "click", () => {
    const open = $("filters").classList.toggle("open");
    $("filters-toggle").setAttribute("aria-expanded", String(open));
  });
}
