// @ts-check
/* Labels shown for codes: violence types (from /api/reference, the gazetteer's), actor
 * families (from /api/meta) and country-month families (written here: the API does not serve
 * them yet). */

import { app } from "./state.js";

/** Country-month families as the counters name them. @type {Record<string, string>} */
export const TOTALS_LABEL = { ucdp_ged_cm: "UCDP totals", ucdp_candidate_cm: "UCDP Candidate totals", views_cm: "VIEWS totals" };

/** A violence type's label ("sb" -> "state-based"); the code when unknown, "" for none.
 * @param {string | null | undefined} code @returns {string} */
export function typeLabel(code) {
  return (code && app.reference && app.reference.violence_types[code]) || code || "";
}

/** An actor family's label; the code when unknown, "" for none.
 * @param {string | null | undefined} code @returns {string} */
export function familyLabel(code) {
  return (code && app.meta && app.meta.actor_families[code]) || code || "";
}

/** The label of the country-month family of some month rows (the first that has one).
 * @param {{totals_family?: string | null}[]} rows */
export function totalsLabel(rows) {
  const family = rows.map((r) => r.totals_family).find(Boolean);
  return (family && TOTALS_LABEL[family]) || "country totals";
}

/** ISO3 codes of a named country group of the gazetteer ("central_sahel": MLI, BFA, NER).
 * @param {"sahel" | "central_sahel" | "admin2"} group */
export function groupIso3(group) {
  const ref = app.reference;
  if (!ref) return [];
  const iso = new Map(ref.countries.map((c) => [c.gw, c.iso3]));
  return ref.groups[group].map((gw) => iso.get(gw) || "").filter(Boolean);
}
