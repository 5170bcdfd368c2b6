// @ts-check
/* Cross-border corridors, an optional layer of the map. From /api/corridors?year=Y:
 * neighbouring admin-2 units on either side of a border of Mali, Burkina Faso and Niger with
 * jihadist violence on both sides in the year; each is a line between the two units' inner
 * points, its width by the deaths of both sides. The year is the month slider's, or the
 * period's last year when it shows the whole period. A year without located data says
 * "no data", never "no corridor". */

import { api, errorMessage } from "./api.js";
import { el } from "./dom.js";
import { theMap } from "./map.js";
import { app, filters, on } from "./state.js";

const C = app.corridors;

/** The year shown: the slider's month's, or the period's last. */
function shownYear() {
  const month = filters.month || filters.end;
  return month ? Number(month.slice(0, 4)) : null;
}

/** A corridor's line width: 2 px, up to 12 px for the deadliest of the year.
 * @param {number} deaths @param {number} most */
export function corridorWeight(deaths, most) {
  return 2 + 10 * Math.sqrt(deaths / Math.max(1, most));
}

// A corridor is raw JSON of /api/corridors (any): its two sides are read by name ("name_a", "groups_b").

/** @param {any} c a corridor */
function popup(c) {
  const box = el("div", {}, el("strong", { text: c.name_a + " (" + c.iso3_a + ") – " + c.name_b + " (" + c.iso3_b + "), " + C.year }));
  for (const side of ["a", "b"]) {
    const groups = (c["groups_" + side] || []).join("; ") || "no group named";
    box.append(el("div", { text: c["name_" + side] + ": " + c["events_" + side] + " events, " + c["best_" + side] + " deaths (" + groups + ")" }));
  }
  return box;
}

/** @param {L.LayerGroup} layer @param {{corridors: any[] | null}} body */
function draw(layer, body) {
  layer.clearLayers();
  const rows = body.corridors;
  if (rows === null) { C.status = "no data"; return; }
  const most = Math.max(0, ...rows.map((c) => c.best_a + c.best_b));
  for (const c of rows) {
    L.polyline([[c.lat_a, c.lon_a], [c.lat_b, c.lon_b]], { color: "#1b5e20", weight: corridorWeight(c.best_a + c.best_b, most), opacity: 0.8, className: "corridor" })
      .bindPopup(() => popup(c)).addTo(layer);
  }
  C.status = rows.length ? "drawn" : "none";
}

async function load() {
  const year = shownYear();
  const layer = C.layer;
  if (!layer || !theMap().hasLayer(layer) || year === null || year === C.year) return;
  C.year = year;
  C.status = "loading";
  let body;
  try {
    body = await api("corridors", { year: year });
  } catch (err) {
    if (year === C.year) { C.status = "error: " + errorMessage(err); layer.clearLayers(); }
    return;
  }
  if (year === C.year) draw(layer, body);  // else the slider moved on
}

/** Offer the layer in the layer control, and follow the year. */
export function listen() {
  on("basemap", (/** @type {L.Control.Layers} */ control) => {
    C.layer = L.layerGroup();
    C.layer.on("add", () => { C.year = null; load(); });
    C.layer.on("remove", () => { C.status = "off"; });
    control.addOverlay(C.layer, "Cross-border corridors (year)");
  });
  on("filters", load);
  on("month", load);
}
