// Labels from the API's reference and meta, and the pure helpers of the views.
import assert from "node:assert/strict";
import { test } from "node:test";

import { monthTicks, yearTicks } from "../../../src/sahelwatch/web/static/js/charts.js";
import { idpSeries } from "../../../src/sahelwatch/web/static/js/consequences.js";
import { corridorWeight } from "../../../src/sahelwatch/web/static/js/corridors.js";
import { monthNote } from "../../../src/sahelwatch/web/static/js/events.js";
import { monthChoices } from "../../../src/sahelwatch/web/static/js/filters.js";
import { horizonPicks, modelShort } from "../../../src/sahelwatch/web/static/js/forecasts.js";
import { familyLabel, groupIso3, totalsLabel, typeLabel } from "../../../src/sahelwatch/web/static/js/labels.js";
import { app } from "../../../src/sahelwatch/web/static/js/state.js";
import { shownModels, windowCrps } from "../../../src/sahelwatch/web/static/js/trackrecord.js";

test("labels come from the API's reference and meta", () => {
  app.reference = {
    countries: [{ gw: 432, iso3: "MLI", name: "Mali" }, { gw: 439, iso3: "BFA", name: "Burkina Faso" }, { gw: 436, iso3: "NER", name: "Niger" }],
    violence_types: { sb: "state-based", os: "one-sided" },
    source_families: { event: { ucdp: ["ucdp_ged"] }, country_month: ["views_cm"] },
    groups: { sahel: [432, 439, 436], central_sahel: [432, 439, 436], admin2: [432] },
  };
  app.meta = { actor_families: { jihadist: "Jihadist groups" } };
  assert.equal(typeLabel("os"), "one-sided");
  assert.equal(typeLabel("xx"), "xx");
  assert.equal(familyLabel("jihadist"), "Jihadist groups");
  assert.deepEqual(groupIso3("central_sahel"), ["MLI", "BFA", "NER"]);
  assert.deepEqual(groupIso3("admin2"), ["MLI"]);
  assert.equal(totalsLabel([{ totals_family: null }, { totals_family: "ucdp_ged_cm" }]), "UCDP totals");
  assert.equal(totalsLabel([]), "country totals");
});

const month = (fields) => ({ month: "2025-06", state: "none", events: null, totals_best: null, totals_events: null,
  totals_family: null, countries: 3, countries_totals: 0, ...fields });

test("a month in words never turns no data into zero", () => {
  assert.equal(monthNote(month({})), "Jun 2025: no data — no release covers this month (not zero).");
  assert.equal(monthNote(month({ state: "totals", totals_best: 0, totals_events: null, totals_family: "views_cm", countries_totals: 2 })),
    "Jun 2025: 0 deaths in VIEWS totals for 2 of 3 countries; no located events.");
  assert.equal(monthNote(month({ state: "totals", countries_totals: 3 })), "Jun 2025: figures in country totals; no located events.");
  assert.match(monthNote(month({ state: "unlocated", events: 4 })), /counted, not on the map/);
  assert.equal(monthNote(month({ state: "located", events: 4 })), "");
});

test("the selectors reach back to the oldest month any family covers", () => {
  const families = [
    { family: "ucdp", kind: "event", first_month: "1989-01", last_month: "2026-02" },
    { family: "views_cm", kind: "country_month", first_month: "1990-01", last_month: "2026-03" },
  ];
  const { all, first, last } = monthChoices(families, "2026-12");
  assert.equal(last, "2026-02");
  assert.equal(first, "2025-01");
  assert.equal(all[0], "1989-01");
  assert.equal(all.at(-1), "2026-02");
  assert.deepEqual(monthChoices([], "2026-12").all.slice(-1), ["2026-12"]);
});

test("chart axes: months with their year, years over long spans", () => {
  const s = (m) => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5)) - 1, 1) / 1000;
  assert.deepEqual(monthTicks([s("2024-11"), s("2024-12"), s("2025-01")]), ["Nov 2024", "Dec", "Jan 2025"]);
  assert.deepEqual(monthTicks([s("2010-01"), s("2020-01")]), ["2010", "2020"]);
  // over years, ticks a few months apart name each year once
  assert.deepEqual(monthTicks([s("2022-01"), s("2022-04"), s("2022-07"), s("2023-01"), s("2025-10")]),
    ["2022", "", "", "2023", "2025"]);
  assert.deepEqual(yearTicks([s("2013-01")]), ["2013"]);
});

test("displacement: carried-forward years are dashed, joined to the last measured year", () => {
  const rows = [
    { year: 2022, idps: 100, idps_carried_forward: false },
    { year: 2023, idps: 200, idps_carried_forward: false },
    { year: 2024, idps: 200, idps_carried_forward: true },
  ];
  const s = idpSeries(rows, [2021, 2022, 2023, 2024]);
  assert.deepEqual(s.measured, [null, 100, 200, null]);
  assert.deepEqual(s.repeated, [null, null, 200, 200]);
  assert.deepEqual(s.carried, [2024]);
});

test("forecast table and track record helpers", () => {
  assert.deepEqual(horizonPicks(["2025-03", "2025-04", "2025-05"]), ["2025-03", "2025-04", "2025-05"]);
  assert.deepEqual(horizonPicks(["2025-03"]), ["2025-03"]);
  assert.equal(modelShort("benchmark-zero"), "zero");
  assert.equal(modelShort("blend-1.2"), "blend-1.2");
  const data = { summary: [{ model: "conflictology" }, { model: "blend" }, { model: "lgbm" }], headline: { model: "lgbm" } };
  assert.deepEqual(shownModels(data), ["lgbm", "blend", "conflictology"]);
  const win = { months: [{ models: { blend: { crps: 2 } } }, { models: { blend: { crps: 4 } } }, { models: {} }] };
  assert.equal(windowCrps(win, "blend"), 3);
  assert.equal(windowCrps(win, "zero"), null);
  assert.equal(corridorWeight(50, 50), 12);
  assert.equal(corridorWeight(0, 0), 2);
});
