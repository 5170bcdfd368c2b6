// @ts-check
/* DOM helpers. Untrusted text only ever goes in as text (textContent, text nodes). */

/** An element by id (the page's elements exist: the scripts run after it is parsed).
 * @param {string} id @returns {any} */
export const $ = (id) => document.getElementById(id);

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * A new element: `text` sets its text, `class` its class, `on<event>` a listener, any other key
 * an attribute (true: present; null, undefined, false: absent).
 * @param {string} tag @param {Record<string, any> | null} [attrs] @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Empty a node. @template {Node} T @param {T} node @returns {T} */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** A definition list of [term, value] pairs; empty values are left out.
 * @param {[string, unknown][]} pairs */
export function dl(pairs) {
  const list = el("dl");
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    list.append(el("dt", { text: k }), el("dd", { text: String(v) }));
  }
  return list;
}

/** A colour swatch (sized by CSS; coloured through the CSSOM, which the page's CSP allows).
 * @param {string} cls @param {string} fill */
export function swatch(cls, fill) {
  const node = el("i", { class: cls });
  node.style.background = fill;
  return node;
}

/**
 * @typedef {{value: string, label: string}} Option
 * @typedef {Option | {group: string, options: Option[]}} OptionOrGroup
 */

/** Fill a select with options (and option groups) and choose `value`.
 * @param {HTMLSelectElement} select @param {OptionOrGroup[]} options @param {string | null} [value] */
export function fillSelect(select, options, value) {
  clear(select);
  for (const opt of options) {
    if ("group" in opt) {
      select.append(el("optgroup", { label: opt.group }, opt.options.map((o) => el("option", { value: o.value, text: o.label }))));
    } else {
      select.append(el("option", { value: opt.value, text: opt.label }));
    }
  }
  if (value !== undefined && value !== null) select.value = value;
}

/** @type {CSSStyleDeclaration | null} */
let rootStyle = null;

/** A colour of the stylesheet (`--name`), grey if it has none. @param {string} name */
export function colour(name) {
  rootStyle = rootStyle || getComputedStyle(document.documentElement);
  return rootStyle.getPropertyValue("--" + name).trim() || "#888";
}
