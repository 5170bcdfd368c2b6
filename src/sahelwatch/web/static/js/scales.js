// @ts-check
/* Pure colour scales and CSS classes of the map and charts. A missing value gets the grey
 * NODATA colour (drawn hatched or dashed), never the colour of 0. */

import { fmt } from "./format.js";

export const RAMP = ["#fff5d6", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
export const ZERO = "#f4f1ea";
export const NODATA = "#cfcac0";

/** Armed-group presence: CSS class, fill colour and label of each category.
 * @type {Record<string, {cls: string, fill: string, label: string}>} */
export const PRESENCE = {
  "state-dominant": { cls: "p-state", fill: "#2e86c1", label: "state-dominant" },
  contested: { cls: "p-contested", fill: "#f5b041", label: "contested" },
  "armed-group-dominant": { cls: "p-armed", fill: "#922b21", label: "armed-group-dominant" },
  "no clear presence": { cls: "p-quiet", fill: "#e8e4da", label: "no clear presence" },
};

/** The CSS class of a presence category; "p-none" (no data) for anything else.
 * @param {string | null | undefined} category */
export function presenceClass(category) {
  return (category && PRESENCE[category] ? PRESENCE[category].cls : "p-none");
}

/** The fill of a presence category; NODATA for anything else. @param {string | null | undefined} category */
export function presenceFill(category) {
  return category && PRESENCE[category] ? PRESENCE[category].fill : NODATA;
}

/** Class breaks of a numeric layer: the 20/40/60/80 % quantiles of its positive values (0 and
 * missing values have colours of their own). @param {(number | null)[]} values */
export function breaks(values) {
  const positive = /** @type {number[]} */ (values.filter((x) => x !== null && x > 0)).sort((a, b) => a - b);
  if (!positive.length) return [];
  const out = [];
  for (const q of [0.2, 0.4, 0.6, 0.8]) {
    const v = positive[Math.min(positive.length - 1, Math.floor(q * positive.length))];
    if (!out.length || v > out[out.length - 1]) out.push(v);
  }
  return out;
}

/**
 * The fill of a value: NODATA when missing, ZERO for 0, else the ramp by `cuts` (or by fifths
 * for a probability).
 * @param {number | null | undefined} value @param {number[]} cuts @param {boolean} [probability]
 */
export function numberColour(value, cuts, probability) {
  if (value === null || value === undefined) return NODATA;
  if (value === 0) return ZERO;
  if (probability) return RAMP[Math.min(4, Math.floor(value * 5))];
  let i = 0;
  while (i < cuts.length && value > cuts[i]) i++;
  return RAMP[Math.min(i, RAMP.length - 1)];
}

/** Legend rows of a numeric layer: [colour, label] from 0 through each break to the top.
 * @param {number[]} cuts @returns {[string, string][]} */
export function rampLegend(cuts) {
  /** @type {[string, string][]} */
  const rows = [[ZERO, "0"]];
  let lo = 0;
  cuts.concat([Infinity]).forEach((c, i) => {
    const label = c === Infinity ? "> " + fmt(lo) : (lo === 0 ? "up to " : fmt(lo) + " – ") + fmt(c);
    rows.push([RAMP[Math.min(i, RAMP.length - 1)], label]);
    lo = c;
  });
  return rows;
}

/** Legend rows of a probability layer, by fifths. @type {[string, string][]} */
export const PROBABILITY_LEGEND = ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"].map((label, i) => [RAMP[i], label]);

/** The marker's CSS class of an event: by violence type or by actor family.
 * @param {{violence_type?: string | null, actor_family?: string | null}} p
 * @param {string} colourBy "type" or "family" @param {readonly string[]} types */
export function eventClass(p, colourBy, types) {
  if (colourBy === "family") return "ev fam-" + (p.actor_family || "unknown");
  return "ev ev-" + (p.violence_type && types.includes(p.violence_type) ? p.violence_type : "none");
}

/** A marker's radius in pixels by its deaths (none or unknown: the smallest).
 * @param {number | null | undefined} best */
export function radius(best) {
  return Math.min(30, 8 + 3.2 * Math.sqrt(Math.max(0, best || 0)));
}

/** A cluster's icon size by its number of events. @param {number} n */
export function clusterSize(n) {
  return n < 10 ? 26 : n < 50 ? 32 : n < 200 ? 38 : 46;
}

/** The conic-gradient stops of a cluster pie: each kind's share of `total`, largest first.
 * @param {Map<string, number>} counts @param {(kind: string) => string} colourOf */
export function pieStops(counts, colourOf) {
  const total = Array.from(counts.values()).reduce((a, b) => a + b, 0);
  /** @type {string[]} */
  const stops = [];
  let at = 0;
  Array.from(counts.entries()).sort((a, b) => b[1] - a[1]).forEach(([kind, k]) => {
    stops.push(colourOf(kind) + " " + (360 * at / total).toFixed(1) + "deg " + (360 * (at + k) / total).toFixed(1) + "deg");
    at += k;
  });
  return stops;
}

// --- Cadre Harmonisé food insecurity ---------------------------------------------------------

/** The Cadre Harmonisé's own phase colours and names. @type {Record<string, string>} */
export const PHASE = { 1: "#cdfacd", 2: "#fae61e", 3: "#e67800", 4: "#c80000", 5: "#640000" };
/** @type {Record<string, string>} */
export const PHASE_NAME = { 1: "minimal", 2: "stressed", 3: "crisis", 4: "emergency", 5: "famine" };
export const SHARE_CUTS = [0.05, 0.1, 0.2, 0.3];

/**
 * The fill of a unit of the food layer: NODATA unless analysed; by phase class (the worst of
 * its areas when it has none of its own) or by the share of people in phase 3+.
 * @param {{status: string, phase_class: number | null, phase_class_max: number | null, share35: number | null} | undefined} row
 * @param {string} mode "phase" or "share35"
 */
export function foodColour(row, mode) {
  if (!row || row.status !== "analysed") return NODATA;
  if (mode === "phase") {
    const phase = row.phase_class !== null ? row.phase_class : row.phase_class_max;
    return (phase !== null && PHASE[phase]) || NODATA;
  }
  if (row.share35 === null) return NODATA;
  if (row.share35 === 0) return ZERO;
  let i = 0;
  while (i < SHARE_CUTS.length && row.share35 > SHARE_CUTS[i]) i++;
  return RAMP[i];
}

/** Legend rows of the food layer, "no data" last. @param {string} mode @returns {[string, string][]} */
export function foodLegend(mode) {
  /** @type {[string, string][]} */
  const items = mode === "phase"
    ? Object.entries(PHASE).map(([p, c]) => [c, p + " " + PHASE_NAME[p]])
    : [[ZERO, "0"], ...RAMP.map((c, i) => /** @type {[string, string]} */ ([c, i === 0 ? "≤ 5 %"
      : i < SHARE_CUTS.length ? "≤ " + 100 * SHARE_CUTS[i] + " %" : "> 30 %"]))];
  items.push([NODATA, "no data (not analysed)"]);
  return items;
}
