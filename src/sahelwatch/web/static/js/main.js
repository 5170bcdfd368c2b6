// @ts-check
/* SahelWatch dashboard: a map of events over the bundled boundaries, choropleths, a country page
 * and a data page, all driven by one set of filters and a time slider (state.js holds them).
 *
 * Everything comes from the SahelWatch API on the same origin (relative URLs, so the app works
 * behind a path prefix); the libraries are vendored (Leaflet, Leaflet.markercluster, uPlot,
 * loaded as classic scripts before this module), so it runs without internet. Untrusted text
 * is only ever inserted as text. `window.SW` exposes the state for the end-to-end tests. */

import { followAlerts } from "./alerts.js";
import { api, busy } from "./api.js";
import { followResize } from "./charts.js";
import * as consequences from "./consequences.js";
import * as corridors from "./corridors.js";
import { loadYears } from "./country.js";
import { $ } from "./dom.js";
import { changed, setupFilters, syncControls } from "./filters.js";
import { drawBase, drawBasemap, setupMap, zoomToCountry } from "./map.js";
import { app, emit, filters, key, readHash } from "./state.js";
import * as trackRecord from "./trackrecord.js";
import { listen, showView } from "./views.js";

window.SW = app;

async function start() {
  readHash();
  await busy("Loading", async () => {
    [app.meta, app.reference] = await Promise.all([api("meta"), api("reference")]);
  });
  if (!app.meta) return;
  $("version").textContent = "SahelWatch " + app.meta.version;
  setupFilters();
  setupMap();
  followAlerts();
  listen();
  corridors.listen();
  trackRecord.listen();
  await busy("Drawing boundaries", drawBase);
  await busy("Drawing the basemap", drawBasemap);
  zoomToCountry();
  for (const link of document.querySelectorAll(".tabs a[data-view]")) {
    link.addEventListener("click", (e) => { e.preventDefault(); showView(/** @type {HTMLElement} */ (link).dataset.view || "map"); });
  }
  $("cty-country").addEventListener("change", (/** @type {any} */ e) => {
    filters.country = e.target.value;
    filters.region = "";
    $("f-country").value = filters.country;
    changed("filters");
  });
  $("cty-years-load").addEventListener("click", loadYears);
  $("cty-region").addEventListener("change", (/** @type {any} */ e) => { filters.region = e.target.value; changed("region"); });
  window.addEventListener("hashchange", () => {
    const before = key();
    const country = filters.country;
    readHash();
    syncControls();
    if (key() !== before) emit("filters");
    showView(filters.view);
    if (filters.country !== country) zoomToCountry();  // as choosing it in the selector does
  });
  followResize();
  showView(filters.view);
  app.ready = true;
  consequences.start();
}

start();
