// @ts-check
/* Pure formatting: numbers, percentages, months ("YYYY-MM" strings), query strings.
 * A missing value (null, undefined, NaN) is always written "no data", never 0. */

export const NO_DATA = "no data";
export const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** @param {unknown} value @returns {value is null | undefined} */
export function missing(value) {
  return value === null || value === undefined || (typeof value === "number" && Number.isNaN(value));
}

/**
 * A number for people: whole numbers with thousands separators, small fractions with up to two
 * decimals, or at most `digits` decimals when given.
 * @param {unknown} value
 * @param {number} [digits]
 * @returns {string}
 */
export function fmt(value, digits) {
  if (missing(value)) return NO_DATA;
  if (typeof value !== "number") return String(value);
  if (digits !== undefined) return value.toLocaleString("en", { maximumFractionDigits: digits });
  return Math.abs(value) < 10 && !Number.isInteger(value)
    ? value.toLocaleString("en", { maximumFractionDigits: 2 })
    : Math.round(value).toLocaleString("en");
}

/** A count rounded half up, with thousands separators. @param {number | null | undefined} value */
export function count(value) {
  return missing(value) ? NO_DATA : Math.round(value).toLocaleString("en");
}

/** A number with exactly `digits` decimals. @param {number | null | undefined} value @param {number} digits */
export function fixed(value, digits) {
  return missing(value) ? NO_DATA : Number(value).toFixed(digits);
}

/** A share (0-1) as a percentage: whole (rounded half up) or with `digits` decimals.
 * @param {number | null | undefined} share @param {number} [digits] */
export function percent(share, digits = 0) {
  if (missing(share)) return NO_DATA;
  return (digits ? (100 * share).toFixed(digits) : String(Math.round(100 * share))) + " %";
}

/** A signed change ("+12", "-3"). @param {number | null | undefined} value */
export function signed(value) {
  return missing(value) ? NO_DATA : (value > 0 ? "+" : "") + fmt(value, 0);
}

/** Thousands and millions as "12k", "1.5M" (chart axes). @param {number} value */
export function compact(value) {
  const size = Math.abs(value);
  return size >= 1e6 ? value / 1e6 + "M" : size >= 1e3 ? value / 1e3 + "k" : String(value);
}

/**
 * A query string; empty values are left out and arrays repeat their key.
 * @param {Record<string, unknown>} [params]
 */
export function query(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => out.append(key, String(v)));
    else out.append(key, String(value));
  }
  return out.toString();
}

/** A relative API URL ("api/events?..."), so the app works behind a path prefix.
 * @param {string} path @param {Record<string, unknown>} [params] */
export function apiUrl(path, params) {
  const q = query(params);
  return "api/" + path + (q ? "?" + q : "");
}

// --- months --------------------------------------------------------------------------------

/** @param {string} m "YYYY-MM" */
export function monthIndex(m) {
  return Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
}

/** @param {number} i months since year 0 */
export function monthOf(i) {
  return String(Math.floor(i / 12)).padStart(4, "0") + "-" + String((i % 12) + 1).padStart(2, "0");
}

/** @param {string} m @param {number} n */
export function addMonths(m, n) {
  return monthOf(monthIndex(m) + n);
}

/** Every month from `a` to `b`, both included. @param {string} a @param {string} b */
export function monthsBetween(a, b) {
  const out = [];
  for (let i = monthIndex(a); i <= monthIndex(b); i++) out.push(monthOf(i));
  return out;
}

/** The month's first second (UTC) in seconds, uPlot's time unit. @param {string} m */
export function ts(m) {
  return Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1) / 1000;
}

/** "2026-01" -> "Jan 2026". @param {string} m */
export function monthLabel(m) {
  return MONTH_NAMES[Number(m.slice(5, 7)) - 1] + " " + m.slice(0, 4);
}

/** Runs of months ([first, last] pairs) in words; none is "none".
 * @param {[string, string][]} list */
export function runsText(list) {
  return list.length ? list.map((r) => (r[0] === r[1] ? r[0] : r[0] + " – " + r[1])).join(", ") : "none";
}

// --- rows ----------------------------------------------------------------------------------

/** The sum of the known values of a column; null when none is known (no data, not 0).
 * @param {Record<string, any>[]} rows @param {string} column @returns {number | null} */
export function sumKnown(rows, column) {
  const known = rows.filter((r) => !missing(r[column]));
  return known.length ? known.reduce((a, r) => a + r[column], 0) : null;
}

/** The last row with a value in `column`, or null.
 * @template {Record<string, any>} T @param {T[]} rows @param {string} column @returns {T | null} */
export function lastWith(rows, column) {
  const ok = rows.filter((r) => !missing(r[column]));
  return ok.length ? ok[ok.length - 1] : null;
}

/**
 * An event's sources as lines: UCDP writes "outlet,date,headline" entries, quoted and joined by
 * ";"; other releases a ";"-separated headline list.
 * @param {{source_text?: string | null, source_headline?: string | null}} e
 */
export function sourceList(e) {
  if (e.source_text) {
    const entries = e.source_text.split(/";\s*"/).map((t) => t.replace(/^"|"$/g, "").trim()).filter(Boolean);
    return entries.map((t) => {
      const m = t.match(/^([^,]*),(\d{4}-\d{2}-\d{2}),(.*)$/);
      return m ? m[1] + " (" + m[2] + "): " + m[3] : t;
    });
  }
  return (e.source_headline || "").split(";").map((t) => t.trim()).filter(Boolean);
}
