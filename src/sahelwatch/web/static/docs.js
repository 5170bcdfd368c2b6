/* Renders openapi.json as a readable page, offline (no Swagger UI from a CDN). */
(function () {
  "use strict";
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function schemaText(s) {
    if (!s) return "";
    if (s.anyOf) return s.anyOf.map(schemaText).filter((t) => t !== "null").join(" | ");
    if (s.type === "array") return schemaText(s.items) + "[]";
    let t = s.type || "";
    if (s.enum) t += " (" + s.enum.join(", ") + ")";
    if (s.pattern) t += " " + s.pattern.replace(/^\^\(|\)\$$/g, "").replace(/\|/g, ", ");
    if (s.maximum !== undefined) t += " ≤ " + s.maximum;
    return t;
  }
  fetch("openapi.json").then((r) => r.json()).then((spec) => {
    document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
    document.getElementById("description").textContent = spec.info.description || "";
    const box = document.getElementById("routes");
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const route = el("section", { class: "route", id: (op.operationId || path) });
        route.append(el("h3", {}, el("span", { class: "method " + method, text: method.toUpperCase() }),
          el("code", { text: path }), el("span", { class: "summary", text: op.summary || "" })));
        if (op.description) route.append(el("p", { text: op.description.replace(/\n(?!\n)/g, " ") }));
        const params = op.parameters || [];
        if (params.length) {
          const table = el("table", { class: "table params" });
          table.append(el("thead", {}, el("tr", {}, el("th", { text: "parameter" }), el("th", { text: "type" }), el("th", { text: "description" }))));
          const body = el("tbody");
          params.forEach((p) => body.append(el("tr", {},
            el("td", {}, el("code", { text: p.name }), p.required ? " *" : ""),
            el("td", { text: schemaText(p.schema) + (p.schema && p.schema.default !== undefined ? " = " + p.schema.default : "") }),
            el("td", { text: p.description || "" }))));
          table.append(body);
          route.append(el("div", { class: "table-wrap" }, table));
        }
        if (method === "get" && !path.includes("{")) route.append(el("p", {}, el("a", { href: path.slice(1), text: "try it: " + path })));
        box.append(route);
      }
    }
  });
})();
