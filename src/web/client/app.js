// The page's router: one HTML shell, and a view per path (/ the runs,
// /runs/ID a run, /usage the usage). Links within the view change the
// address without a reload; the live stream tells the view of new records.

import { replace } from "./dom.js";
import { showRun } from "./run.js";
import { showRuns } from "./runs.js";
import { showUsage } from "./usage.js";

/**
 * What a view gets: where to draw, a signal that aborts when the page is
 * left, and a way to hear of new records.
 * @typedef {{ main: HTMLElement, signal: AbortSignal, params: URLSearchParams, onChange: (listener: () => void) => void }} View
 */

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {AbortController | undefined} */
let leaving;
/** @type {(() => void) | undefined} */
let changeListener;

function render() {
  leaving?.abort();
  leaving = new AbortController();
  changeListener = undefined;
  replace(main);
  const path = location.pathname;
  /** @type {View} */
  const view = {
    main,
    signal: leaving.signal,
    params: new URLSearchParams(location.search),
    onChange: (listener) => (changeListener = listener),
  };
  const runMatch = /^\/runs\/([^/]+)$/.exec(path);
  let section = "runs";
  if (runMatch) showRun(view, decodeURIComponent(runMatch[1]));
  else if (path === "/usage") {
    section = "usage";
    showUsage(view);
  } else showRuns(view);
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.classList.toggle("current", link.getAttribute("data-nav") === section);
  }
}

/** Goes to `href` (a path of this site) without a reload. @param {string} href */
export function navigate(href, { replaceEntry = false } = {}) {
  if (replaceEntry) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  // The store is opened read-only and never migrated: when its schema is
  // missing or older, say so, since some figures may then be empty.
  fetch("/api/store")
    .then((reply) => reply.ok ? reply.json() : undefined)
    .then((info) => {
      const advice = document.getElementById("advice");
      if (!advice || !info?.advice) return;
      advice.textContent = `This database's ${info.advice}.`;
      advice.hidden = false;
    })
    .catch(() => {});

  render();
}

document.addEventListener("click", (event) => {
  const target = /** @type {Element} */ (event.target);
  const link = target.closest?.("a[href]");
  if (
    !link || event.defaultPrevented || event.button !== 0 || event.metaKey ||
    event.ctrlKey || event.shiftKey || event.altKey
  ) return;
  const href = link.getAttribute("href") ?? "";
  if (!href.startsWith("/") || href.startsWith("//")) return;
  event.preventDefault();
  navigate(href);
});
addEventListener("popstate", render);

const liveBadge = document.getElementById("live");
const stream = new EventSource("/api/live");
stream.addEventListener("open", () => liveBadge?.classList.add("on"));
stream.addEventListener("error", () => liveBadge?.classList.remove("on"));
stream.addEventListener("change", () => changeListener?.());
addEventListener("pagehide", () => stream.close());

// The store is opened read-only and never migrated: when its schema is
// missing or older, say so, since some figures may then be empty.
fetch("/api/store")
  .then((reply) => reply.ok ? reply.json() : undefined)
  .then((info) => {
    const advice = document.getElementById("advice");
    if (!advice || !info?.advice) return;
    advice.textContent = `This database's ${info.advice}.`;
    advice.hidden = false;
  })
  .catch(() => {});

render();
