// @ts-check
/* The dashboard's state, all of it, in one place: the filters (kept in the URL hash so that a
 * view can be shared), what has been loaded, and each view's own part; small functions read
 * it, and views are told of changes through `on` / `emit`. `window.SW` (set by main.js) is
 * `app`, for the end-to-end tests. Nothing here touches the page when imported. */

import { monthsBetween, query } from "./format.js";

/** Violence types, in the order the dashboard shows them. */
export const TYPES = ["sb", "ns", "os"];
export const VIEWS = ["map", "country", "data"];

/**
 * @typedef {object} Filters
 * @property {string} view "map", "country" or "data"
 * @property {string} country ISO3, "SAHEL" or "ALL"
 * @property {string} start first month ("YYYY-MM"; "" until the months are known)
 * @property {string} end last month
 * @property {string[]} types violence types shown
 * @property {string} family actor family ("" for all)
 * @property {string} colour markers coloured by "type" or "family"
 * @property {string | null} month the slider's month; null: the whole period
 * @property {string} layer choropleth layer ("" for none)
 * @property {string} level units of the layer
 * @property {string} region admin-1 unit of the country page ("" for the whole country)
 */

/**
 * @typedef {object} Country
 * @property {number} gw @property {string} iso3 @property {string} name
 * @property {boolean} sahel @property {boolean} admin1 @property {boolean} admin2
 */

/**
 * @typedef {object} Family a release family and the months it covers
 * @property {string} family @property {string} kind
 * @property {string | null} first_month @property {string | null} last_month
 */

/**
 * @typedef {object} Meta what /api/meta says
 * @property {string} version @property {Country[]} countries @property {number[]} sahel
 * @property {Record<string, string>} violence_types @property {Record<string, string>} actor_families
 * @property {Family[]} families @property {{url: string, attribution: string} | null} tiles
 */

/**
 * @typedef {object} Reference what /api/reference says (the gazetteer's facts)
 * @property {{gw: number, iso3: string | null, name: string}[]} countries
 * @property {Record<string, string>} violence_types
 * @property {{event: Record<string, string[]>, country_month: string[]}} source_families
 * @property {{sahel: number[], central_sahel: number[], admin2: number[]}} groups
 */

/**
 * @typedef {object} MonthRow what the data hold in one month (/api/months)
 * @property {string} month @property {string} state "located", "unlocated", "totals" or "none"
 * @property {number | null} events @property {boolean} [actors]
 * @property {number | null} totals_best @property {number | null} totals_events
 * @property {string | null} totals_family @property {number} countries @property {number} countries_totals
 */

/**
 * @typedef {object} EventFeature an event of /api/events?format=geojson&fields=map
 * @property {{type: string, coordinates: [number, number]} | null} geometry
 * @property {{uid: string, date_start: string, best: number | null, violence_type: string | null,
 *   actor_family: string | null, location: string | null}} properties
 */

/**
 * @typedef {object} LayerValues a choropleth's values by "unit|month"
 * @property {"number" | "category" | "probability"} kind
 * @property {Map<string, any>} values @property {string} level @property {object[]} rows
 * @property {string[]} [months] @property {string} [origin] @property {string} [model]
 */

/** @type {Filters} the filters a page opens with */
export const DEFAULTS = Object.freeze({
  view: "map",
  country: "SAHEL",
  start: "",
  end: "",
  types: TYPES.slice(),
  family: "",
  colour: "type",
  month: null,
  layer: "",
  level: "admin1",
  region: "",
});

/** @type {Filters} */
export const filters = { ...DEFAULTS, types: TYPES.slice() };

/** Everything else the page holds. */
export const app = {
  state: filters,
  ready: false,
  /** requests in flight */
  busy: 0,
  /** @type {string[]} messages of failed work */
  errors: [],
  /** @type {Meta | null} */
  meta: null,
  /** @type {Reference | null} */
  reference: null,
  /** first month of the default period (the newest 14 months of the event data) */
  firstMonth: "",
  /** newest month of the event data */
  lastMonth: "",
  /** @type {{events: string | null, country: string | null, data: string | null}} which filter key each view was last loaded for */
  loaded: { events: null, country: null, data: null },
  // map
  /** @type {L.Map | null} */
  map: null,
  /** @type {L.MarkerClusterGroup | null} */
  markers: null,
  /** @type {Record<string, Promise<GeoJSON>>} boundaries by "level:countries" */
  boundaries: {},
  /** @type {L.GeoJSON | null} */
  baseLayer: null,
  /** @type {L.GeoJSON | null} */
  admin1Layer: null,
  /** @type {L.Control | null} */
  layerControl: null,
  // events
  /** @type {EventFeature[]} */
  events: [],
  /** @type {EventFeature[]} the events of the slider's month (or all) */
  shown: [],
  /** @type {Record<string, MonthRow> | null} */
  months: null,
  /** @type {string[]} */
  monthNotes: [],
  // choropleth
  /** @type {L.GeoJSON | null} */
  choropleth: null,
  /** @type {LayerValues | null} */
  choroplethValues: null,
  /** @type {HTMLElement | null} */
  choroplethLegend: null,
  /** @type {string | null} */
  choroplethKey: null,
  forecastNote: "",
  // charts and the country page
  /** @type {Record<string, uPlot>} by container id */
  charts: {},
  forecastRendered: false,
  /** @type {string | null} the country whose years since 1990 are drawn */
  yearsRendered: null,
  /** @type {{seen: Set<number>, live: boolean}} alerts shown (by sequence number); the stream open */
  alerts: { seen: new Set(), live: false },
  // the consequences box (consequences.js)
  consequences: {
    ready: false,
    /** @type {L.GeoJSON | null} */ layer: null,
    /** @type {string | null} */ layerCodes: null,
    /** @type {import("./consequences.js").FoodRow[]} */ rows: [],
    /** @type {string | null} */ month: null,
    /** @type {Map<string, import("./consequences.js").FoodRow>} */ byUnit: new Map(),
    /** @type {string | null} */ key: null,
    /** @type {{key: string, body: import("./consequences.js").Pairs | null} | null} */ pairs: null,
    /** @type {import("./consequences.js").ViolenceRow[]} */ scatterRows: [],
    /** @type {uPlot | null} */ scatter: null,
    /** @type {uPlot | null} */ chart: null,
    /** @type {string[]} */ carried: [],
  },
  // the cross-border corridors layer (corridors.js)
  corridors: {
    /** @type {L.LayerGroup | null} */ layer: null,
    /** @type {number | null} */ year: null,
    status: "off",
  },
  // the forecast track record (trackrecord.js)
  trackRecord: {
    /** @type {import("./trackrecord.js").TrackRecord | null} */ data: null,
    /** @type {string | null} */ window: null,
    rendered: false,
    /** @type {string | null} */ key: null,
    /** @type {Country | null} */ info: null,
    /** @type {uPlot | null} */ chart: null,
  },
};

// --- change notices ------------------------------------------------------------------------

/** @type {Map<string, ((...args: any[]) => unknown)[]>} */
const listeners = new Map();

/**
 * Call `fn` on each notice of `topic`: "filters" (country, period, types or family changed),
 * "month" (the slider), "colour", "layer", "region", "view", "basemap" (the layer control is
 * there), "country" (the country page is drawn; its listeners are awaited).
 * @param {string} topic @param {(...args: any[]) => unknown} fn
 */
export function on(topic, fn) {
  listeners.set(topic, [...(listeners.get(topic) || []), fn]);
}

/** Tell the listeners of `topic`, in the order they listen; resolves when all have.
 * @param {string} topic @param {...any} args */
export function emit(topic, ...args) {
  return Promise.all((listeners.get(topic) || []).map((fn) => fn(...args)));
}

// --- readers -------------------------------------------------------------------------------

/** What a view's data depend on: it reloads when this changes. */
export function key() {
  const s = filters;
  return JSON.stringify([s.country, s.start, s.end, s.types, s.family, s.region]);
}

/** The months of the chosen period. */
export function periodMonths() {
  return monthsBetween(filters.start, filters.end);
}

/** The meta of the app, once loaded. @returns {Meta} */
export function meta() {
  if (!app.meta) throw new Error("the dashboard has not loaded /api/meta yet");
  return app.meta;
}

/** Gleditsch-Ward codes of the chosen countries; empty for all. */
export function countryCodes() {
  const m = meta();
  if (filters.country === "SAHEL") return m.sahel.slice();
  if (filters.country === "ALL") return [];
  const c = m.countries.find((x) => x.iso3 === filters.country);
  return c ? [c.gw] : [];
}

/** A country's name by ISO3 or Gleditsch-Ward code (or "the Sahel", "all countries").
 * @param {string | number} code */
export function countryName(code) {
  if (code === "SAHEL") return "the Sahel";
  if (code === "ALL") return "all countries";
  const c = meta().countries.find((x) => x.iso3 === code || x.gw === Number(code));
  return c ? c.name : String(code);
}

/** The country of the country page: the chosen one, else Mali. */
export function pageCountry() {
  const c = filters.country;
  return c && c !== "SAHEL" && c !== "ALL" ? c : "MLI";
}

/** The period "start..end". */
export function period() {
  return filters.start + ".." + filters.end;
}

/** The /api/events parameters of the filters, for one month or the whole period.
 * @param {string | null} month */
export function eventParams(month) {
  const codes = countryCodes();
  return {
    country: codes.length ? codes.join(",") : null,
    period: month || period(),
    type: filters.types.length === TYPES.length ? null : filters.types,
    actor_family: filters.family || null,
  };
}

/** The countries of a choropleth level: those chosen (else the Sahel) with such units.
 * @param {string} level */
export function layerCountries(level) {
  const codes = countryCodes();
  const pool = meta().countries.filter((c) => (codes.length ? codes.includes(c.gw) : c.sahel));
  if (level === "admin1") return pool.filter((c) => c.admin1);
  if (level === "admin2") return pool.filter((c) => c.admin2);
  return pool.filter((c) => c.sahel || codes.includes(c.gw));
}

// --- the URL hash --------------------------------------------------------------------------

const HASH_KEYS = ["country", "start", "end", "family", "colour", "month", "layer", "level", "region"];

/**
 * The filters a hash ("#country?country=MLI&types=os") sets; the others are left out.
 * @param {string} hash @returns {Partial<Filters>}
 */
export function parseHash(hash) {
  const [view, q] = hash.replace(/^#/, "").split("?");
  /** @type {Record<string, any>} */
  const out = {};
  if (VIEWS.includes(view)) out.view = view;
  const params = new URLSearchParams(q || "");
  for (const k of HASH_KEYS) {
    if (params.has(k)) out[k] = params.get(k) || (k === "month" ? null : "");
  }
  if (params.has("types")) out.types = (params.get("types") || "").split(",").filter((t) => TYPES.includes(t));
  return out;
}

/** The hash of some filters; defaults are left out. @param {Filters} s */
export function hashOf(s) {
  const params = {
    country: s.country,
    start: s.start,
    end: s.end,
    types: s.types.length === TYPES.length ? null : s.types.join(","),
    family: s.family,
    colour: s.colour === "type" ? null : s.colour,
    month: s.month,
    layer: s.layer,
    level: s.layer ? s.level : null,
    region: s.view === "country" ? s.region : null,
  };
  return "#" + s.view + "?" + query(params);
}

/** Set the filters from the page's hash. */
export function readHash() {
  Object.assign(filters, parseHash(location.hash));
}

/** Put the filters in the page's hash (without a new history entry). */
export function writeHash() {
  const text = hashOf(filters);
  if (location.hash !== text) history.replaceState(null, "", text);
}
