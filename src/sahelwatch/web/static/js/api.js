// @ts-check
/* Fetching from the SahelWatch API (same origin, relative URLs), and running work so that the
 * page shows it: `busy` counts it in app.busy (the tests wait for 0) and reports failures. */

import { $ } from "./dom.js";
import { apiUrl } from "./format.js";
import { app } from "./state.js";

/** An API error with the HTTP status. */
export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * The JSON of an API route; a failure throws the API's own message.
 * @param {string} path @param {Record<string, unknown>} [params] @returns {Promise<any>}
 */
export async function api(path, params) {
  const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError((body && body.error) || response.status + " " + response.statusText, response.status);
  return body;
}

/** As `api`, but null when the store holds no such figures (404): a note, not an error.
 * @param {string} path @param {Record<string, unknown>} [params] @returns {Promise<any>} */
export async function apiOrNull(path, params) {
  try {
    return await api(path, params);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** The message of a thrown value: an Error's, else the value in words. @param {unknown} err */
export function errorMessage(err) {
  return String((err instanceof Error && err.message) || err);
}

/** @type {ReturnType<typeof setTimeout> | null} */
let statusTimer = null;

/** Show a short message in the top bar (an error stays). @param {string} text @param {boolean} [isError] */
export function setStatus(text, isError) {
  const node = $("status");
  node.textContent = text || "";
  node.classList.toggle("error", Boolean(isError));
  if (statusTimer) clearTimeout(statusTimer);
  if (text && !isError) statusTimer = setTimeout(() => { node.textContent = ""; }, 4000);
}

/**
 * Run `work`, counted in app.busy; a failure is recorded in app.errors and reported by
 * `report` (by default in the top bar), and gives null.
 * @template T
 * @param {string | null} label shown in the top bar while it runs (null: nothing)
 * @param {() => Promise<T>} work
 * @param {(message: string) => void} [report]
 * @returns {Promise<T | null>}
 */
export async function busy(label, work, report) {
  app.busy += 1;
  if (label && !report) setStatus(label + "…");
  try {
    return await work();
  } catch (err) {
    const message = errorMessage(err);
    if (report) {
      app.errors.push((label ? label + ": " : "") + message);
      report(message);
    } else {
      app.errors.push(message);
      setStatus(message, true);
    }
    return null;
  } finally {
    app.busy -= 1;
    if (!report && app.busy === 0 && !$("status").classList.contains("error")) setStatus("");
  }
}
