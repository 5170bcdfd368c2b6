// @ts-check
/* uPlot charts: one per container, kept in app.charts (resized with the window); month axes,
 * and shaded columns for months without data (grey: no data, not zero; blue: totals only). */

import { $, clear } from "./dom.js";
import { fmt, MONTH_NAMES, ts } from "./format.js";
import { app } from "./state.js";

/** The width a chart may take in `box` (at least 260 px). @param {HTMLElement} box */
export function chartWidth(box) {
  return Math.max(box.clientWidth || (box.parentElement ? box.parentElement.clientWidth : 0) || 300, 260);
}

/** Remove a chart and forget it. @param {string} id */
export function dropChart(id) {
  if (app.charts[id]) app.charts[id].destroy();
  delete app.charts[id];
}

/**
 * Draw a chart in the element `id` (replacing what it held) and keep it in app.charts.
 * @param {string | HTMLElement} target an id or an element with an id
 * @param {Record<string, any>} opts uPlot options (height defaults to 220)
 * @param {(number | null)[][]} data
 */
export function makeChart(target, opts, data) {
  const box = typeof target === "string" ? $(target) : target;
  dropChart(box.id);
  clear(box);
  const chart = new uPlot(Object.assign({ width: chartWidth(box), height: opts.height || 220 }, opts), data, box);
  app.charts[box.id] = chart;
  return chart;
}

/** A series' legend value: "no data" for a missing one, never 0.
 * @param {uPlot} u @param {number | null} v @param {number} si @param {number | null} i */
export function legendValue(u, v, si, i) {
  if (i === null || i === undefined) return "—";
  return v === null || v === undefined ? "no data" : fmt(v);
}

/** Tick labels of a time axis (seconds): months with the year at the first tick and where it
 * changes; over more than three years, each year once, at its first tick. @param {number[]} splits */
export function monthTicks(splits) {
  const long = splits.length > 1 && splits[splits.length - 1] - splits[0] > 3 * 365 * 86400;
  return splits.map((v, i) => {
    const d = new Date(v * 1000);
    const year = d.getUTCFullYear();
    const before = i ? new Date(splits[i - 1] * 1000).getUTCFullYear() : null;
    const newYear = i === 0 || year !== before;
    if (long) return newYear ? String(year) : ""; // a year once, where its first tick falls
    return MONTH_NAMES[d.getUTCMonth()] + (newYear ? " " + year : "");
  });
}

/** Years of a time axis (seconds). @param {number[]} splits */
export function yearTicks(splits) {
  return splits.map((v) => String(new Date(v * 1000).getUTCFullYear()));
}

export function monthAxis() {
  return { values: (/** @type {uPlot} */ u, /** @type {number[]} */ splits) => monthTicks(splits), space: 50 };
}

/** A y scale from 0 to a little above the largest value (at least `floor`).
 * @param {number} floor @param {number} [headroom] */
export function fromZero(floor, headroom = 1.1) {
  return { range: (/** @type {uPlot} */ u, /** @type {number} */ min, /** @type {number} */ max) => [0, Math.max(floor, max * headroom)] };
}

/**
 * A drawAxes hook shading each month by what the data hold: `covered[m]` false or "none" grey,
 * "totals" or "unlocated" blue (no map), and the `highlight` month.
 * @param {string[]} months @param {Record<string, boolean | string> | null} covered @param {string | null} highlight
 */
export function bandsHook(months, covered, highlight) {
  return (/** @type {uPlot} */ u) => {
    const ctx = u.ctx;
    const step = months.length > 1 ? u.valToPos(ts(months[1]), "x", true) - u.valToPos(ts(months[0]), "x", true) : 20;
    /** @param {string} fill @param {number} x */
    const column = (fill, x) => {
      ctx.fillStyle = fill;
      ctx.fillRect(x - step / 2, u.bbox.top, step, u.bbox.height);
    };
    ctx.save();
    months.forEach((m) => {
      const x = u.valToPos(ts(m), "x", true);
      const state = covered ? covered[m] : true;
      if (state === false || state === "none") column("rgba(120, 110, 95, 0.16)", x);
      else if (state === "totals" || state === "unlocated") column("rgba(70, 110, 160, 0.10)", x);
      if (highlight && m === highlight) column("rgba(179, 84, 30, 0.18)", x);
    });
    ctx.restore();
  };
}

/** Resize every chart to its container when the window's size settles. */
export function followResize() {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const [id, chart] of Object.entries(app.charts)) {
        const box = $(id);
        if (box && box.clientWidth) chart.setSize({ width: box.clientWidth, height: chart.height });
      }
    }, 150);
  });
}
