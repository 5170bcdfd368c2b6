// @ts-check
/* The Leaflet map: panes, the bundled boundaries, the offline basemap (Natural Earth and
 * GeoNames layers) with its layer control, and the clusters of event markers. */

import { api } from "./api.js";
import { colour, el } from "./dom.js";
import { familyLabel, typeLabel } from "./labels.js";
import { clusterSize, pieStops } from "./scales.js";
import { app, countryCodes, emit, filters, meta } from "./state.js";

/** The map, or an error if it is not drawn yet. @returns {L.Map} */
export function theMap() {
  if (!app.map) throw new Error("the map is not drawn yet");
  return app.map;
}

export function setupMap() {
  const map = L.map("map", { zoomSnap: 0.5, minZoom: 3, maxZoom: 12, worldCopyJump: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries: Natural Earth, OCHA COD-AB, geoBoundaries");
  for (const [pane, z] of [["base", 250], ["choropleth", 350], ["food", 355], ["water", 365], ["lines", 380], ["places", 450], ["capitals", 650]]) {
    map.createPane(String(pane)).style.zIndex = String(z);
  }
  // capitals above the event markers (600), so that a cluster never hides Bamako or Niamey
  for (const pane of ["places", "capitals"]) map.getPane(pane).style.pointerEvents = "none";
  map.fitBounds([[4.0, -17.5], [27.5, 16.0]]);
  L.control.scale({ imperial: false }).addTo(map);
  app.map = map;
  app.markers = L.markerClusterGroup({
    maxClusterRadius: 36,
    disableClusteringAtZoom: 8,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: clusterIcon,
  });
  map.addLayer(app.markers);
}

/** The event markers' cluster group, or an error if the map is not drawn yet.
 * @returns {L.MarkerClusterGroup} */
export function theMarkers() {
  if (!app.markers) throw new Error("the map is not drawn yet");
  return app.markers;
}

/** Fit the map to the chosen country (or the Sahel, or everything). */
export function zoomToCountry() {
  if (!app.map || !app.baseLayer) return;
  const codes = new Set(filters.country === "ALL" ? [] : countryCodes());
  /** @type {L.Layer[]} */
  const parts = [];
  app.baseLayer.eachLayer((layer) => { if (!codes.size || codes.has(layer.feature.properties.country_gw)) parts.push(layer); });
  if (parts.length) app.map.fitBounds(L.featureGroup(parts).getBounds(), { padding: [12, 12], animate: false });
}

/** The kind a marker is counted by in its cluster: its violence type or actor family.
 * @param {{violence_type: string | null, actor_family: string | null}} p */
export function markerKind(p) {
  return filters.colour === "family" ? (p.actor_family || "unknown") : p.violence_type;
}

/** A cluster is a pie of its events' violence types (or actor families when colouring by
 * family), built as DOM with CSSOM styles, which the page's Content-Security-Policy allows.
 * @param {L.MarkerCluster} cluster */
function clusterIcon(cluster) {
  const n = cluster.getChildCount();
  const size = clusterSize(n);
  /** @type {Map<string, number>} */
  const counts = new Map();
  cluster.getAllChildMarkers().forEach((m) => counts.set(m.options.kind, (counts.get(m.options.kind) || 0) + 1));
  const stops = pieStops(counts, (kind) => colour(filters.colour === "family" ? "fam-" + kind : kind));
  const title = Array.from(counts.entries()).map(([kind, k]) => k + " " + (filters.colour === "family" ? familyLabel(kind) : typeLabel(kind))).join(", ");
  const pie = el("div", { class: "cluster-pie", title: title }, el("span", { text: String(n) }));
  pie.style.background = "conic-gradient(" + stops.join(", ") + ")";
  return L.divIcon({ html: pie, className: "cluster", iconSize: L.point(size, size) });
}

/** The minimum zoom at which each kind of place is named; a place near which located events
 * cluster (/api/basemap/clusters) is named from zoom 6.
 * @type {Record<string, number>} */
const PLACE_ZOOM = { capital: 0, cluster: 6, admin1: 6, admin2: 7, town: 8 };
/** @param {Record<string, any>} p */
const placeKey = (p) => p.name + "|" + p.latitude + "|" + p.longitude;

/** The offline basemap (bundled Natural Earth and GeoNames layers) and the layer control. */
export async function drawBasemap() {
  const map = theMap();
  const [rivers, lakes, urban, places, clusters] = /** @type {GeoJSON[]} */ (await Promise.all([
    ...["rivers", "lakes", "urban", "places"].map((layer) => api("basemap/" + layer)),
    api("basemap/clusters").catch(() => ({ features: [] })),  // a store without UCDP events
  ]));
  const clustered = new Map(clusters.features.map((f) => [placeKey(f.properties), f.properties]));
  const water = L.layerGroup([
    L.geoJSON(lakes, { pane: "water", interactive: false, style: () => ({ color: "#6f9fc4", weight: 0.8, fillColor: "#a9cbe4", fillOpacity: 0.9 }) }),
    L.geoJSON(rivers, { pane: "water", interactive: false,
      style: (f) => ({ color: "#5b93c2", weight: f.properties.scalerank <= 3 ? 2.2 : f.properties.scalerank <= 6 ? 1.4 : 0.9, opacity: 0.9 }) }),
  ]);
  const towns = L.geoJSON(urban, { pane: "water", interactive: false, style: () => ({ stroke: false, fillColor: "#c9a98a", fillOpacity: 0.65 }) });
  /** @type {Record<string, L.LayerGroup>} */
  const groups = {};
  Object.keys(PLACE_ZOOM).forEach((kind) => { groups[kind] = L.layerGroup(); });
  places.features.forEach((f) => {
    const p = f.properties;
    const c = clustered.get(placeKey(p));
    const label = el("span", { text: p.name, title: c ? c.events + " located events within 10 km, " + c.first_year + "–" + c.last_year : null });
    const icon = L.divIcon({ html: label, className: "place place-" + p.kind + (c ? " place-cluster" : ""), iconSize: null });
    const kind = c && PLACE_ZOOM[p.kind] > PLACE_ZOOM.cluster ? "cluster" : p.kind;
    groups[kind in groups ? kind : "town"].addLayer(L.marker([p.latitude, p.longitude], { icon: icon, pane: p.kind === "capital" ? "capitals" : "places", interactive: false, keyboard: false }));
  });
  const names = L.layerGroup();
  const showNames = () => {
    const z = map.getZoom();
    Object.entries(groups).forEach(([kind, group]) => {
      if (z >= PLACE_ZOOM[kind]) names.addLayer(group); else names.removeLayer(group);
    });
  };
  map.on("zoomend", showNames);
  showNames();
  [water, towns, names].forEach((layer) => layer.addTo(map));
  /** @type {Record<string, L.Layer>} */
  const bases = { "Offline (bundled boundaries)": L.layerGroup().addTo(map) };
  const tiles = meta().tiles;
  if (tiles && tiles.url) {
    bases["Online tiles"] = L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 18 });
  }
  /** @type {Record<string, L.Layer>} */
  const overlays = { "Rivers and lakes": water, "Urban areas": towns, "Place names": names };
  if (app.admin1Layer) overlays["Admin-1 boundaries"] = app.admin1Layer;
  app.layerControl = L.control.layers(bases, overlays, { collapsed: true, position: "topright" }).addTo(map);
  map.attributionControl.addAttribution("Basemap: Natural Earth; places: Natural Earth, GeoNames (CC BY 4.0)");
  emit("basemap", app.layerControl);
}

/** Unit boundaries of a level (GeoJSON), fetched once per level and countries.
 * @param {string} level @param {string[] | null} [countries] ISO3 codes; none: all
 * @returns {Promise<GeoJSON>} */
export function boundaries(level, countries) {
  const k = level + ":" + (countries || []).join(",");
  if (!app.boundaries[k]) {
    app.boundaries[k] = api("boundaries/" + level, { country: countries && countries.length ? countries.join(",") : null });
  }
  return app.boundaries[k];
}

/** The countries (the Sahel's shaded) and the admin-1 boundaries under everything. */
export async function drawBase() {
  const map = theMap();
  const [countries, admin1] = await Promise.all([boundaries("country"), boundaries("admin1")]);
  const sahel = new Set(meta().sahel);
  app.baseLayer = L.geoJSON(countries, {
    pane: "base",
    interactive: false,
    style: (f) => ({
      color: "#7d7463", weight: 1.1, fillOpacity: 1,
      fillColor: sahel.has(f.properties.country_gw) ? "#efe8d8" : "#f7f4ee",
    }),
  }).addTo(map);
  app.admin1Layer = L.geoJSON(admin1, {
    pane: "lines", interactive: false,
    style: () => ({ color: "#a89e89", weight: 0.6, fill: false, dashArray: "3 3" }),
  }).addTo(map);
}
