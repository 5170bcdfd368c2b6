// The dashboard's pure formatting: numbers, "no data", query strings, months.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addMonths, apiUrl, compact, count, fixed, fmt, lastWith, monthIndex, monthLabel, monthOf,
  monthsBetween, percent, query, runsText, signed, sourceList, sumKnown, ts,
} from "../../../src/sahelwatch/web/static/js/format.js";

test("a missing value is 'no data', never 0", () => {
  for (const f of [fmt, count, signed, (v) => fixed(v, 2), (v) => percent(v), (v) => percent(v, 1)]) {
    for (const missing of [null, undefined, NaN]) assert.equal(f(missing), "no data");
  }
  assert.equal(fmt(0), "0");
  assert.equal(count(0), "0");
  assert.equal(percent(0), "0 %");
});

test("numbers are written for people", () => {
  assert.equal(fmt(1234567), "1,234,567");
  assert.equal(fmt(1234.6), "1,235");
  assert.equal(fmt(2.345), "2.35");
  assert.equal(fmt(3), "3");
  assert.equal(fmt(12.3456, 1), "12.3");
  assert.equal(fmt("Mali"), "Mali");
  assert.equal(count(2.5), "3");
  assert.equal(count(12345.4), "12,345");
  assert.equal(fixed(0.5, 2), "0.50");
  assert.equal(percent(0.905), "91 %");
  assert.equal(percent(0.1234, 1), "12.3 %");
  assert.equal(signed(12), "+12");
  assert.equal(signed(-3), "-3");
  assert.equal(signed(0), "0");
  assert.equal(compact(2500000), "2.5M");
  assert.equal(compact(-4000), "-4k");
  assert.equal(compact(999), "999");
});

test("query strings leave out empty values and repeat arrays", () => {
  assert.equal(query({ country: "432,439", type: ["sb", "os"], family: "", month: null, x: undefined }),
    "country=432%2C439&type=sb&type=os");
  assert.equal(query({ limit: 0 }), "limit=0");
  assert.equal(query(), "");
  assert.equal(apiUrl("events", { period: "2025-01..2026-02" }), "api/events?period=2025-01..2026-02");
  assert.equal(apiUrl("meta"), "api/meta");
  assert.equal(apiUrl("events/" + encodeURIComponent("ucdp:1/2")), "api/events/ucdp%3A1%2F2");
});

test("month arithmetic crosses years", () => {
  assert.equal(monthIndex("2025-01") - monthIndex("2024-12"), 1);
  assert.equal(monthOf(monthIndex("1990-01")), "1990-01");
  assert.equal(addMonths("2025-01", -1), "2024-12");
  assert.equal(addMonths("2024-11", 14), "2026-01");
  assert.equal(addMonths("2026-02", -119), "2016-03");
  assert.deepEqual(monthsBetween("2024-11", "2025-02"), ["2024-11", "2024-12", "2025-01", "2025-02"]);
  assert.deepEqual(monthsBetween("2025-02", "2025-01"), []);
  assert.equal(monthsBetween("1990-01", "2026-02").length, 36 * 12 + 2);
  assert.equal(ts("2025-06"), Date.UTC(2025, 5, 1) / 1000);
  assert.equal(monthLabel("2013-01"), "Jan 2013");
  assert.equal(monthLabel("2025-12"), "Dec 2025");
});

test("runs of months in words", () => {
  assert.equal(runsText([["2025-03", "2025-11"], ["2026-01", "2026-01"]]), "2025-03 – 2025-11, 2026-01");
  assert.equal(runsText([]), "none");
});

test("sums and last values skip what is unknown, and none known is null", () => {
  const rows = [{ month: "2025-01", best: 0 }, { month: "2025-02", best: null }, { month: "2025-03", best: 7 }, { month: "2025-04" }];
  assert.equal(sumKnown(rows, "best"), 7);
  assert.equal(sumKnown([{ best: 0 }], "best"), 0);
  assert.equal(sumKnown([{ best: null }, {}], "best"), null);
  assert.equal(lastWith(rows, "best").month, "2025-03");
  assert.equal(lastWith([{ best: null }], "best"), null);
});

test("an event's sources as lines", () => {
  const ucdp = '"Reuters,2025-01-02,Attack near Mopti"; "AFP,2025-01-03,Soldiers killed"';
  assert.deepEqual(sourceList({ source_text: ucdp }), [
    "Reuters (2025-01-02): Attack near Mopti", "AFP (2025-01-03): Soldiers killed",
  ]);
  assert.deepEqual(sourceList({ source_text: null, source_headline: "One; Two ;" }), ["One", "Two"]);
  assert.deepEqual(sourceList({}), []);
});
