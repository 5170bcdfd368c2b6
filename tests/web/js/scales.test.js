// Colour scales and classes: a missing value is grey NODATA, never the colour of 0.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  breaks, clusterSize, eventClass, foodColour, foodLegend, NODATA, numberColour, PHASE, pieStops,
  presenceClass, presenceFill, PROBABILITY_LEGEND, radius, RAMP, rampLegend, ZERO,
} from "../../../src/sahelwatch/web/static/js/scales.js";

test("class breaks are quantiles of the positive values", () => {
  assert.deepEqual(breaks([null, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [3, 5, 7, 9]);
  assert.deepEqual(breaks([null, 0]), []);
  assert.deepEqual(breaks([5, 5, 5]), [5]);
});

test("numbers: no data grey, zero its own colour, then the ramp", () => {
  const cuts = [3, 5, 7, 9];
  assert.equal(numberColour(null, cuts), NODATA);
  assert.equal(numberColour(undefined, cuts), NODATA);
  assert.equal(numberColour(0, cuts), ZERO);
  assert.notEqual(ZERO, NODATA);
  assert.equal(numberColour(1, cuts), RAMP[0]);
  assert.equal(numberColour(3, cuts), RAMP[0]);
  assert.equal(numberColour(4, cuts), RAMP[1]);
  assert.equal(numberColour(100, cuts), RAMP[4]);
  assert.equal(numberColour(0.1, [], true), RAMP[0]);
  assert.equal(numberColour(0.55, [], true), RAMP[2]);
  assert.equal(numberColour(1, [], true), RAMP[4]);
  assert.equal(numberColour(0, [], true), ZERO);
  assert.equal(numberColour(null, [], true), NODATA);
});

test("legends name each class", () => {
  assert.deepEqual(rampLegend([3, 5]), [[ZERO, "0"], [RAMP[0], "up to 3"], [RAMP[1], "3 – 5"], [RAMP[2], "> 5"]]);
  assert.deepEqual(rampLegend([]), [[ZERO, "0"], [RAMP[0], "> 0"]]);
  assert.equal(PROBABILITY_LEGEND.length, 5);
  assert.deepEqual(PROBABILITY_LEGEND[4], [RAMP[4], "80–100 %"]);
});

test("presence categories and their gaps", () => {
  assert.equal(presenceClass("armed-group-dominant"), "p-armed");
  assert.equal(presenceClass("contested"), "p-contested");
  assert.equal(presenceClass(null), "p-none");
  assert.equal(presenceClass("something else"), "p-none");
  assert.equal(presenceFill("state-dominant"), "#2e86c1");
  assert.equal(presenceFill(undefined), NODATA);
});

test("food insecurity: only analysed units have a colour", () => {
  const row = (fields) => ({ status: "analysed", phase_class: null, phase_class_max: null, share35: null, ...fields });
  assert.equal(foodColour(undefined, "share35"), NODATA);
  assert.equal(foodColour(row({ status: "no analysis covers this month", share35: 0.4 }), "share35"), NODATA);
  assert.equal(foodColour(row({ share35: null }), "share35"), NODATA);
  assert.equal(foodColour(row({ share35: 0 }), "share35"), ZERO);
  assert.equal(foodColour(row({ share35: 0.05 }), "share35"), RAMP[0]);
  assert.equal(foodColour(row({ share35: 0.15 }), "share35"), RAMP[2]);
  assert.equal(foodColour(row({ share35: 0.5 }), "share35"), RAMP[4]);
  assert.equal(foodColour(row({ phase_class: 3 }), "phase"), PHASE[3]);
  assert.equal(foodColour(row({ phase_class_max: 4 }), "phase"), PHASE[4]);
  assert.equal(foodColour(row({}), "phase"), NODATA);
  const legend = foodLegend("share35");
  assert.deepEqual(legend[0], [ZERO, "0"]);
  assert.deepEqual(legend.at(-1), [NODATA, "no data (not analysed)"]);
  assert.deepEqual(legend.map((r) => r[1]).slice(1, -1), ["≤ 5 %", "≤ 10 %", "≤ 20 %", "≤ 30 %", "> 30 %"]);
  assert.deepEqual(foodLegend("phase")[4], [PHASE[5], "5 famine"]);
});

test("event markers: class by type or family, size by deaths", () => {
  const types = ["sb", "ns", "os"];
  assert.equal(eventClass({ violence_type: "os", actor_family: "jihadist" }, "type", types), "ev ev-os");
  assert.equal(eventClass({ violence_type: null }, "type", types), "ev ev-none");
  assert.equal(eventClass({ actor_family: "jihadist" }, "family", types), "ev fam-jihadist");
  assert.equal(eventClass({ actor_family: null }, "family", types), "ev fam-unknown");
  assert.equal(radius(null), 8);
  assert.equal(radius(0), 8);
  assert.equal(radius(25), 24);
  assert.equal(radius(10000), 30);
  assert.deepEqual([1, 10, 50, 200].map(clusterSize), [26, 32, 38, 46]);
});

test("a cluster pie shares its circle by count, largest first", () => {
  const stops = pieStops(new Map([["sb", 1], ["os", 3]]), (kind) => "#" + kind);
  assert.deepEqual(stops, ["#os 0.0deg 270.0deg", "#sb 270.0deg 360.0deg"]);
});
