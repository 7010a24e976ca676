// The runs list: newest first, filtered by agent, status and a search, one
// page at a time with the API's cursors; the first page refreshes itself
// when new runs are written.

import { navigate } from "./app.js";
import {
  aborted,
  badge,
  count,
  duration,
  getJson,
  h,
  money,
  notice,
  replace,
  time,
} from "./dom.js";

const STATUSES = ["pending", "running", "completed", "error", "cancelled"];

/** @param {import("./app.js").View} view */
export function showRuns(view) {
  const { params } = view;
  const agent = h("input", {
    name: "agent",
    type: "search",
    placeholder: "Agent id",
    value: params.get("agent") ?? "",
    "aria-label": "Agent",
  });
  const status = h(
    "select",
    { name: "status", "aria-label": "Status" },
    h("option", { value: "" }, "Any status"),
    ...STATUSES.map((s) =>
      h("option", { value: s, selected: params.get("status") === s }, s)
    ),
  );
  const search = h("input", {
    name: "search",
    type: "search",
    placeholder: "Run id or objective",
    value: params.get("search") ?? "",
    "aria-label": "Search",
  });
  const from = h("input", {
    name: "from",
    type: "date",
    value: params.get("from") ?? "",
    "aria-label": "Created from (UTC)",
  });
  const to = h("input", {
    name: "to",
    type: "date",
    value: params.get("to") ?? "",
    "aria-label": "Created to (UTC, inclusive)",
  });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    agent,
    status,
    search,
    from,
    to,
    h("button", { type: "submit" }, "Filter"),
  );
  const body = h("div", { class: "runs" });
  const pager = h("nav", { class: "pager" });
  replace(view.main, h("h1", {}, "Runs"), form, body, pager);

  const filterParams = () => {
    const next = new URLSearchParams();
    for (
      const [name, input] of [
        ["agent", agent],
        ["status", status],
        ["search", search],
        ["from", from],
        ["to", to],
      ]
    ) {
      const value = /** @type {HTMLInputElement} */ (input).value.trim();
      if (value) next.set(/** @type {string} */ (name), value);
    }
    return next;
  };
  const apply = () => {
    const next = filterParams();
    const query = next.toString();
    navigate(query ? `/?${query}` : "/", { replaceEntry: true });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  status.addEventListener("change", apply);

  const load = async () => {
    const query = apiRange(params);
    try {
      const page = await getJson(`/api/runs?${query}`, view.signal);
      drawRows(body, page.items);
      drawPager(pager, params, page.next);
    } catch (error) {
      if (!aborted(error)) {
        replace(body, notice(String(error.message ?? error), "error"));
      }
    }
  };
  load();
  // Only the first page changes when runs are written: later pages keep
  // their rows, as a cursor pins them.
  if (!params.has("after")) view.onChange(load);
}

/** @param {HTMLElement} body @param {any[]} runs */
function drawRows(body, runs) {
  if (runs.length === 0) {
    replace(body, notice("No runs match."));
    return;
  }
  const header = h(
    "tr",
    {},
    ...[
      ["Run", ""],
      ["Agent", "wide"],
      ["Status", ""],
      ["Objective", "wide"],
      ["Started", "wide"],
      ["Duration", "num"],
      ["Iter.", "num wide"],
      ["LLM calls", "num"],
      ["Tokens", "num wide"],
      ["Cost", "num"],
    ].map(([label, kind]) => h("th", { class: kind }, label)),
  );
  const rows = runs.map((run) =>
    h(
      "tr",
      { "data-run-id": run.runId },
      h(
        "td",
        { class: "id" },
        h("a", { href: `/runs/${encodeURIComponent(run.runId)}` }, run.runId),
      ),
      h("td", { class: "wide" }, run.agentName || run.agentId),
      h("td", {}, badge(run.status)),
      h("td", { class: "wide obj", title: run.objective }, run.objective),
      h("td", { class: "wide" }, time(run.startedAt ?? run.createdAt)),
      h("td", { class: "num" }, duration(run.durationMs)),
      h("td", { class: "num wide" }, count(run.totalIterations)),
      h("td", { class: "num" }, count(run.llmCalls)),
      h("td", { class: "num wide" }, count(run.inputTokens + run.outputTokens)),
      h("td", { class: "num" }, money(run.costUsd)),
    )
  );
  replace(
    body,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list" },
        h("thead", {}, header),
        h("tbody", {}, ...rows),
      ),
    ),
  );
}

/** @param {HTMLElement} pager @param {URLSearchParams} params @param {string | undefined} next */
function drawPager(pager, params, next) {
  const first = new URLSearchParams(params);
  first.delete("after");
  const firstQuery = first.toString();
  const older = new URLSearchParams(params);
  if (next) older.set("after", next);
  replace(
    pager,
    params.has("after")
      ? h(
        "a",
        { href: firstQuery ? `/?${firstQuery}` : "/", class: "first" },
        "← Newest",
      )
      : null,
    next ? h("a", { href: `/?${older}`, class: "older" }, "Older →") : null,
  );
}

/**
 * The page's parameters as the API takes them: the inclusive UTC days
 * `from` and `to` as `since` and the exclusive `until`.
 * @param {URLSearchParams} params
 */
export function apiRange(params) {
  const query = new URLSearchParams(params);
  const from = query.get("from");
  const to = query.get("to");
  query.delete("from");
  query.delete("to");
  if (from) query.set("since", from);
  if (to) {
    const end = new Date(`${to}T00:00:00Z`);
    if (!Number.isNaN(end.getTime())) {
      end.setUTCDate(end.getUTCDate() + 1);
      query.set("until", end.toISOString().slice(0, 10));
    }
  }
  return query;
}
