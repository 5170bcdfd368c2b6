// @ts-check
/* The three pages (map, country, data): which one shows, and loading each when the filters
 * it depends on have changed since it was last drawn. */

import { loadCountry } from "./country.js";
import { loadData } from "./data.js";
import { loadEvents, renderEvents, renderMonthlyChart } from "./events.js";
import { loadChoropleth, paintChoropleth, updateExports } from "./layers.js";
import { app, emit, filters, key, on, writeHash } from "./state.js";

/** Show a page, loading it if needed. @param {string} view */
export function showView(view) {
  filters.view = view;
  for (const section of document.querySelectorAll("main > .view")) {
    /** @type {HTMLElement} */ (section).hidden = /** @type {HTMLElement} */ (section).dataset.view !== view;
  }
  for (const link of document.querySelectorAll(".tabs a[data-view]")) {
    link.classList.toggle("active", /** @type {HTMLElement} */ (link).dataset.view === view);
  }
  writeHash();
  refreshView(false);
  emit("view", view);
}

/** Load the page shown if the filters changed since it was drawn (`changed`: they did). @param {boolean} changed */
export function refreshView(changed) {
  const loaded = app.loaded;
  if (changed) { loaded.events = null; loaded.country = null; loaded.data = null; }
  if (filters.view === "map") {
    const map = app.map;
    if (map) setTimeout(() => map.invalidateSize(), 0);
    if (loaded.events !== key()) loadEvents().then(loadChoropleth);
    else renderMonthlyChart();
  } else if (filters.view === "country") {
    if (loaded.country !== key()) loadCountry();
  } else if (filters.view === "data") {
    if (loaded.data !== key()) loadData();
  }
}

/** Follow the changes of the filters. */
export function listen() {
  on("filters", () => refreshView(true));
  on("month", () => {
    if (filters.view !== "map") return;
    renderEvents();
    renderMonthlyChart();
    paintChoropleth();
    updateExports();
  });
  on("colour", () => { renderEvents(); renderMonthlyChart(); });
  on("layer", loadChoropleth);
  on("region", () => { app.loaded.country = null; loadCountry(); });
}
