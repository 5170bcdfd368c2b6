// @ts-check
/* Live alerts: the server-sent stream replays the newest alerts, then sends each new one once;
 * each links to the events behind it. */

import { $, clear, el } from "./dom.js";
import { apiUrl } from "./format.js";
import { app } from "./state.js";

const MAX_ALERTS = 30;

// An alert is raw JSON of /api/alerts (any): its fields are read as the route writes them.

/** @param {any} a an alert of /api/alerts */
function alertItem(a) {
  /** @type {string[]} */
  const events = (a.evidence && a.evidence.event_ids) || [];
  const when = (a.fired_at || "").slice(0, 16).replace("T", " ");
  return el("li", { class: "alert sev-" + a.severity, "data-seq": a.seq },
    el("div", { class: "alert-head" },
      el("b", { class: "sev", text: a.severity }), " ", el("span", { text: a.title })),
    el("details", {},
      el("summary", { text: when + " UTC · rule " + a.rule }),
      el("p", { class: "alert-body", text: a.body }),
      events.length ? el("p", { class: "alert-events" }, "Events: ",
        events.slice(0, 20).flatMap((uid, i) => [i ? ", " : "",
          el("a", { href: apiUrl("events/" + encodeURIComponent(uid)), target: "_blank", rel: "noopener", text: uid })])) : null));
}

/** Show an alert once, newest first. @param {any} a */
function addAlert(a) {
  if (app.alerts.seen.has(a.seq)) return;
  app.alerts.seen.add(a.seq);
  const list = $("alerts");
  const empty = list.querySelector(".empty");
  if (empty) empty.remove();
  const item = alertItem(a);
  const newer = [...list.children].find((li) => Number(li.dataset.seq) < a.seq);
  list.insertBefore(item, newer || null);
  while (list.children.length > MAX_ALERTS) list.lastChild.remove();
  if (app.alerts.live) item.classList.add("fresh");
}

/** @param {string} state @param {string} title */
function setLive(state, title) {
  const badge = $("alerts-live");
  badge.textContent = state;
  badge.title = title;
  badge.className = "live " + state;
}

/** Follow the alert stream. */
export function followAlerts() {
  clear($("alerts")).append(el("li", { class: "empty note", text: "No alerts raised yet." }));
  if (!window.EventSource) { setLive("off", "this browser cannot follow a stream"); return; }
  const source = new EventSource("api/alerts/stream");
  source.addEventListener("open", () => { app.alerts.live = true; setLive("live", "following new alerts"); });
  source.addEventListener("error", () => { app.alerts.live = false; setLive("reconnecting", "the stream dropped; the browser reconnects and resumes"); });
  source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data)));
}
