/* SahelWatch dashboard: cross-border corridors, an optional layer of the map.
 *
 * From /api/corridors?year=Y: neighbouring admin-2 units on either side of a border of Mali,
 * Burkina Faso and Niger with jihadist violence on both sides in the year; each is a line
 * between the two units' inner points, its width by the deaths of both sides. The year is the
 * month slider's, or the period's last year when it shows the whole period. A year without
 * located data says "no data", never "no corridor".
 *
 * app.js calls `SW.onBasemap()` once the layer control exists and `SW.onPeriod()` when the
 * month or period changes; `window.SW.corridors` exposes the state for the end-to-end tests.
 */
(function () {
  "use strict";

  const SW = window.SW;
  const C = { layer: null, year: null, status: "off", data: null, lines: 0 };
  SW.corridors = C;

  function text(tag, value) {
    const node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function shownYear() {
    const S = SW.state;
    const month = S.month || S.end;
    return month ? Number(month.slice(0, 4)) : null;
  }

  function popup(c) {
    const box = document.createElement("div");
    box.append(text("strong", c.name_a + " (" + c.iso3_a + ") – " + c.name_b + " (" + c.iso3_b + "), " + C.year));
    for (const side of ["a", "b"]) {
      const groups = (c["groups_" + side] || []).join("; ") || "no group named";
      box.append(text("div", c["name_" + side] + ": " + c["events_" + side] + " events, " + c["best_" + side] + " deaths (" + groups + ")"));
    }
    return box;
  }

  function draw(body) {
    C.layer.clearLayers();
    C.data = body;
    C.lines = 0;
    const rows = body.corridors;
    if (rows === null) { C.status = "no data"; return; }
    const most = Math.max(1, ...rows.map((c) => c.best_a + c.best_b));
    for (const c of rows) {
      const weight = 2 + 10 * Math.sqrt((c.best_a + c.best_b) / most);
      L.polyline([[c.lat_a, c.lon_a], [c.lat_b, c.lon_b]], { color: "#1b5e20", weight: weight, opacity: 0.8, className: "corridor" })
        .bindPopup(() => popup(c)).addTo(C.layer);
      C.lines += 1;
    }
    C.status = rows.length ? "drawn" : "none";
  }

  async function load() {
    const year = shownYear();
    if (!C.layer || !SW.map.hasLayer(C.layer) || year === null || year === C.year) return;
    C.year = year;
    C.status = "loading";
    const response = await fetch("api/corridors?year=" + year, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (year !== C.year) return;  // the slider moved on
    if (!response.ok) { C.status = "error: " + ((body && body.error) || response.status); C.layer.clearLayers(); return; }
    draw(body);
  }

  SW.onBasemap = () => {
    C.layer = L.layerGroup();
    C.layer.on("add", () => { C.year = null; load(); });
    C.layer.on("remove", () => { C.status = "off"; });
    SW.layerControl.addOverlay(C.layer, "Cross-border corridors (year)");
  };
  SW.onPeriod = () => { load(); };
})();
