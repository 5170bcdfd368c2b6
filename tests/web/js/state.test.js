// The dashboard's state: the URL hash, and what the filters ask of the API.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import {
  app, countryCodes, countryName, emit, eventParams, filters, hashOf, key, layerCountries, on,
  pageCountry, parseHash, periodMonths,
} from "../../../src/sahelwatch/web/static/js/state.js";

const DEFAULTS = { ...filters, types: filters.types.slice() };

beforeEach(() => {
  Object.assign(filters, DEFAULTS, { types: DEFAULTS.types.slice(), start: "2025-01", end: "2026-02" });
  app.meta = {
    version: "test",
    sahel: [432, 439, 436],
    countries: [
      { gw: 432, iso3: "MLI", name: "Mali", sahel: true, admin1: true, admin2: true },
      { gw: 439, iso3: "BFA", name: "Burkina Faso", sahel: true, admin1: true, admin2: true },
      { gw: 436, iso3: "NER", name: "Niger", sahel: true, admin1: true, admin2: false },
      { gw: 433, iso3: "SEN", name: "Senegal", sahel: false, admin1: false, admin2: false },
    ],
    violence_types: {}, actor_families: {}, families: [], tiles: null,
  };
});

test("a hash sets only the filters it names", () => {
  assert.deepEqual(parseHash("#country?country=MLI&types=os,xx&month="), { view: "country", country: "MLI", types: ["os"], month: null });
  assert.deepEqual(parseHash("#nowhere?family="), { family: "" });
  assert.deepEqual(parseHash(""), {});
});

test("the hash of the filters leaves defaults out and reads back the same", () => {
  assert.equal(hashOf(filters), "#map?country=SAHEL&start=2025-01&end=2026-02");
  Object.assign(filters, { view: "country", country: "MLI", types: ["sb", "os"], colour: "family", month: "2025-06", layer: "presence", region: "ML05" });
  const hash = hashOf(filters);
  assert.equal(hash, "#country?country=MLI&start=2025-01&end=2026-02&types=sb%2Cos&colour=family&month=2025-06&layer=presence&level=admin1&region=ML05");
  const back = parseHash(hash);
  for (const [k, v] of Object.entries(back)) assert.deepEqual(filters[k], v, k);
});

test("the filters as API parameters", () => {
  assert.deepEqual(eventParams(null), { country: "432,439,436", period: "2025-01..2026-02", type: null, actor_family: null });
  Object.assign(filters, { country: "MLI", types: ["os"], family: "jihadist" });
  assert.deepEqual(eventParams("2026-01"), { country: "432", period: "2026-01", type: ["os"], actor_family: "jihadist" });
  filters.country = "ALL";
  assert.equal(eventParams(null).country, null);
  assert.deepEqual(countryCodes(), []);
});

test("countries by code and the pages' country", () => {
  assert.equal(countryName("SAHEL"), "the Sahel");
  assert.equal(countryName("NER"), "Niger");
  assert.equal(countryName(439), "Burkina Faso");
  assert.equal(countryName("XYZ"), "XYZ");
  assert.equal(pageCountry(), "MLI");
  filters.country = "NER";
  assert.equal(pageCountry(), "NER");
  assert.deepEqual(layerCountries("admin2").map((c) => c.iso3), []);
  filters.country = "SAHEL";
  assert.deepEqual(layerCountries("admin2").map((c) => c.iso3), ["MLI", "BFA"]);
  assert.deepEqual(layerCountries("country").map((c) => c.iso3), ["MLI", "BFA", "NER"]);
  filters.country = "SEN";
  assert.deepEqual(layerCountries("country").map((c) => c.iso3), ["SEN"]);
  assert.deepEqual(layerCountries("admin1"), []);
});

test("the key changes with what the data depend on, not with the month", () => {
  const before = key();
  filters.month = "2025-06";
  filters.colour = "family";
  assert.equal(key(), before);
  filters.family = "jihadist";
  assert.notEqual(key(), before);
  assert.equal(periodMonths().length, 14);
});

test("notices reach their listeners in order and can be awaited", async () => {
  const heard = [];
  on("test-topic", (x) => heard.push("a" + x));
  on("test-topic", async (x) => { await Promise.resolve(); heard.push("b" + x); });
  await emit("test-topic", 1);
  assert.deepEqual(heard, ["a1", "b1"]);
  assert.deepEqual(await emit("nobody-listens"), []);
});
