// @ts-check
/* The API page: openapi.json rendered as a readable page, offline (no Swagger UI from a CDN). */

import { $, el } from "./dom.js";

/**
 * @typedef {object} Schema a JSON schema of openapi.json, as far as this page reads it
 * @property {Schema[]} [anyOf] @property {string} [type] @property {Schema} [items]
 * @property {unknown[]} [enum] @property {string} [pattern] @property {number} [maximum] @property {unknown} [default]
 */

/**
 * @typedef {object} Operation a route's method in openapi.json
 * @property {string} [operationId] @property {string} [summary] @property {string} [description]
 * @property {{name: string, required?: boolean, schema?: Schema, description?: string}[]} [parameters]
 */

/** A parameter's type in words ("integer ≤ 5000", "string (csv, json)").
 * @param {Schema | undefined} s @returns {string} */
export function schemaText(s) {
  if (!s) return "";
  if (s.anyOf) return s.anyOf.map(schemaText).filter((t) => t !== "null").join(" | ");
  if (s.type === "array") return schemaText(s.items) + "[]";
  let t = s.type || "";
  if (s.enum) t += " (" + s.enum.join(", ") + ")";
  if (s.pattern) t += " " + s.pattern.replace(/^\^\(|\)\$$/g, "").replace(/\|/g, ", ");
  if (s.maximum !== undefined) t += " ≤ " + s.maximum;
  return t;
}

/** @param {string} path @param {string} method @param {Operation} op */
function route(path, method, op) {
  const section = el("section", { class: "route", id: op.operationId || path },
    el("h3", {}, el("span", { class: "method " + method, text: method.toUpperCase() }),
      el("code", { text: path }), el("span", { class: "summary", text: op.summary || "" })));
  if (op.description) section.append(el("p", { text: op.description.replace(/\n(?!\n)/g, " ") }));
  const params = op.parameters || [];
  if (params.length) {
    const rows = params.map((p) => el("tr", {},
      el("td", {}, el("code", { text: p.name }), p.required ? " *" : ""),
      el("td", { text: schemaText(p.schema) + (p.schema && p.schema.default !== undefined ? " = " + p.schema.default : "") }),
      el("td", { text: p.description || "" })));
    section.append(el("div", { class: "table-wrap" }, el("table", { class: "table params" },
      el("thead", {}, el("tr", {}, el("th", { text: "parameter" }), el("th", { text: "type" }), el("th", { text: "description" }))),
      el("tbody", {}, rows))));
  }
  if (method === "get" && !path.includes("{")) section.append(el("p", {}, el("a", { href: path.slice(1), text: "try it: " + path })));
  return section;
}

async function start() {
  const spec = await (await fetch("openapi.json")).json();
  $("title").textContent = spec.info.title + " " + spec.info.version;
  $("description").textContent = spec.info.description || "";
  const box = $("routes");
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) box.append(route(path, method, op));
  }
}

start();
