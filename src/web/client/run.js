// A run: its fields, then a waterfall of its events (marks) and LLM calls
// (bars from createdAt − latencyMs to createdAt) on one time axis, and the
// detail of whatever row is clicked. The waterfall draws only the rows in
// view, and the events arrive page by page, so a run of 10,000 events opens
// as fast as one of ten.

import {
  aborted,
  badge,
  count,
  duration,
  getJson,
  h,
  money,
  notice,
  pretty,
  replace,
  time,
} from "./dom.js";

const ROW_HEIGHT = 30;
/**
 * Events of the first page, which is drawn at once, and of each later one:
 * larger, since every page that arrives redraws the timeline.
 */
const FIRST_EVENT_PAGE = 500;
const EVENT_PAGE = 5000;

/**
 * One row of the waterfall.
 * @typedef {{ kind: "event" | "call", start: number, end: number, item: any }} Row
 */

/** @param {import("./app.js").View} view @param {string} runId */
export function showRun(view, runId) {
  const head = h("div", { class: "run-head" }, notice("Loading…"));
  const timeline = new Timeline();
  const calls = h("section", { class: "calls" });
  replace(
    view.main,
    h("p", { class: "crumbs" }, h("a", { href: "/" }, "← Runs")),
    head,
    h("h2", {}, "Timeline"),
    timeline.element,
    calls,
  );

  let generation = 0;
  const load = async () => {
    const mine = ++generation;
    try {
      const { run, llmCalls } = await getJson(
        `/api/runs/${encodeURIComponent(runId)}`,
        view.signal,
      );
      if (mine !== generation) return;
      drawHead(head, run, llmCalls);
      drawCalls(
        calls,
        llmCalls,
        (call) => timeline.select({ kind: "call", item: call }),
      );
      timeline.setRun(run, llmCalls);
      /** @type {any[]} */
      const events = [];
      let after = "";
      do {
        const page = await getJson(
          `/api/runs/${encodeURIComponent(runId)}/events?limit=${
            after ? EVENT_PAGE : FIRST_EVENT_PAGE
          }${after ? `&after=${encodeURIComponent(after)}` : ""}`,
          view.signal,
        );
        if (mine !== generation) return;
        events.push(...page.items);
        timeline.setEvents(events, { complete: !page.next });
        after = page.next ?? "";
      } while (after);
    } catch (error) {
      if (aborted(error)) return;
      replace(head, notice(String(error.message ?? error), "error"));
    }
  };
  load();
  // A run still going gets new events and calls: read it again on a change.
  view.onChange(() => {
    if (timeline.unfinished) load();
  });
}

/** @param {HTMLElement} head @param {any} run @param {any[]} calls */
function drawHead(head, run, calls) {
  const durationMs = run.startedAt && run.finishedAt
    ? Date.parse(run.finishedAt) - Date.parse(run.startedAt)
    : null;
  let input = 0, output = 0, cost = 0, failed = 0;
  for (const call of calls) {
    input += call.inputTokens ?? 0;
    output += call.outputTokens ?? 0;
    cost += costOf(call) ?? 0;
    if (call.status === "error") failed++;
  }
  /** @type {[string, string | Node][]} */
  const fields = [
    [
      "Agent",
      run.agentName ? `${run.agentName} (${run.agentId})` : run.agentId,
    ],
    ["Status", badge(run.status)],
    ["Started", time(run.startedAt)],
    ["Finished", time(run.finishedAt)],
    ["Duration", duration(durationMs)],
    ["Iterations", count(run.totalIterations)],
    [
      "LLM calls",
      `${count(calls.length)}${failed ? ` (${failed} failed)` : ""}`,
    ],
    ["Tokens", `${count(input)} in · ${count(output)} out`],
    ["Cost", money(cost)],
    ["Created", time(run.createdAt)],
  ];
  replace(
    head,
    h("h1", { class: "run-id" }, run.runId),
    run.objective ? h("p", { class: "objective" }, run.objective) : null,
    h(
      "dl",
      { class: "fields" },
      ...fields.map(([name, value]) =>
        h("div", {}, h("dt", {}, name), h("dd", {}, value))
      ),
    ),
    run.errorMessage
      ? h("p", { class: "notice error" }, run.errorMessage)
      : null,
    run.finalSynthesisOutput
      ? h(
        "details",
        {},
        h("summary", {}, "Final synthesis"),
        h("pre", {}, run.finalSynthesisOutput),
      )
      : null,
    ...[
      ["Additional context", run.additionalContext],
      ["Execution history", run.executionHistory],
      ["Metadata", run.metadata],
    ].filter(([, value]) => value !== null && value !== undefined).map((
      [label, value],
    ) =>
      h("details", {}, h("summary", {}, label), h("pre", {}, pretty(value)))
    ),
  );
}

/** @param {number} n @param {string} noun */
function plural(n, noun) {
  return `${count(n)} ${noun}${n === 1 ? "" : "s"}`;
}

/** The cost of a call: usageMetrics.cost_usd when it is a number. @param {any} call */
function costOf(call) {
  const cost = call.costUsd ?? call.usageMetrics?.cost_usd;
  return typeof cost === "number" && Number.isFinite(cost) ? cost : undefined;
}

/**
 * The share of a call's input tokens read from the prompt cache, which is
 * billed at a fraction of the price: " (40% cached)"; nothing when the
 * provider reported none.
 * @param {any} call
 */
function cachedShare(call) {
  const input = call.inputTokens;
  const cached = call.cacheReadTokens;
  if (!input || !cached) return "";
  return ` (${Math.round((cached / input) * 100)}% cached)`;
}

/** @param {HTMLElement} section @param {any[]} calls @param {(call: any) => void} select */
function drawCalls(section, calls, select) {
  if (calls.length === 0) {
    replace(section);
    return;
  }
  replace(
    section,
    h("h2", {}, "LLM calls"),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Time"),
            h("th", {}, "Model"),
            h("th", { class: "num" }, "In"),
            h("th", { class: "num" }, "Out"),
            h("th", { class: "num" }, "Latency"),
            h("th", { class: "num" }, "Cost"),
            h("th", {}, "Status"),
          ),
        ),
        h(
          "tbody",
          {},
          ...calls.map((call) =>
            h(
              "tr",
              {
                class: "call",
                "data-call-id": call.id,
                tabindex: 0,
                onclick: () => select(call),
              },
              h("td", {}, time(call.createdAt)),
              h("td", {}, `${call.provider}/${call.model}`),
              h(
                "td",
                { class: "num" },
                `${count(call.inputTokens)}${cachedShare(call)}`,
              ),
              h("td", { class: "num" }, count(call.outputTokens)),
              h("td", { class: "num" }, duration(call.latencyMs)),
              h("td", { class: "num" }, money(costOf(call))),
              h("td", {}, badge(call.status)),
            )
          ),
        ),
      ),
    ),
  );
}

/** The waterfall and the detail of its selected row. */
class Timeline {
  constructor() {
    this.axis = h("div", { class: "tl-axis" });
    this.space = h("div", { class: "tl-space" });
    this.scroller = h("div", { class: "tl-scroll", tabindex: 0 }, this.space);
    this.status = h("p", { class: "tl-status" });
    this.detail = h("section", { class: "detail", "aria-live": "polite" });
    this.element = h(
      "div",
      { class: "timeline" },
      this.status,
      this.axis,
      this.scroller,
      this.detail,
    );
    /** @type {Row[]} */
    this.rows = [];
    /** @type {any[]} */
    this.calls = [];
    /** @type {any[]} */
    this.events = [];
    this.run = undefined;
    this.complete = false;
    this.start = 0;
    this.end = 1;
    this.selectedKey = "";
    this.drawn = { from: -1, to: -1 };
    /** The rows drawn, by kind and id. @type {Map<string, HTMLElement>} */
    this.nodes = new Map();
    this.pending = false;
    this.scroller.addEventListener("scroll", () => this.schedule());
    addEventListener("resize", () => this.schedule());
  }

  get unfinished() {
    return !this.run || this.run.status === "pending" ||
      this.run.status === "running";
  }

  /** @param {any} run @param {any[]} calls */
  setRun(run, calls) {
    this.run = run;
    this.calls = calls;
    this.rebuild();
  }

  /** @param {any[]} events @param {{ complete: boolean }} options */
  setEvents(events, { complete }) {
    this.events = events;
    this.complete = complete;
    this.rebuild();
  }

  rebuild() {
    /** @type {Row[]} */
    const rows = this.events.map((event) => {
      const at = Date.parse(event.timestamp);
      return { kind: "event", start: at, end: at, item: event };
    });
    for (const call of this.calls) {
      const end = Date.parse(call.createdAt);
      rows.push({
        kind: "call",
        start: end - (call.latencyMs ?? 0),
        end,
        item: call,
      });
    }
    rows.sort((a, b) =>
      a.start - b.start ||
      (a.kind === b.kind ? a.item.id - b.item.id : a.kind === "event" ? -1 : 1)
    );
    this.rows = rows;
    const times = rows.flatMap((row) => [row.start, row.end]);
    if (this.run?.startedAt) times.push(Date.parse(this.run.startedAt));
    if (this.run?.finishedAt) times.push(Date.parse(this.run.finishedAt));
    this.start = times.length ? Math.min(...times) : 0;
    this.end = times.length ? Math.max(...times) : 1;
    if (this.end <= this.start) this.end = this.start + 1;
    this.element.dataset.start = String(this.start);
    this.element.dataset.end = String(this.end);
    const events = this.events.length;
    replace(
      this.status,
      `${plural(events, "event")}${
        this.complete ? "" : " so far, loading more…"
      } · ${plural(this.calls.length, "LLM call")}`,
    );
    this.drawAxis();
    this.space.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.drawn = { from: -1, to: -1 };
    this.draw();
  }

  drawAxis() {
    const span = this.end - this.start;
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
      const tick = h("span", {
        class: f === 0.25 || f === 0.75 ? "tl-tick minor" : "tl-tick",
      }, `+${duration(span * f)}`);
      tick.style.left = `${f * 100}%`;
      return tick;
    });
    replace(
      this.axis,
      h("span", { class: "tl-axis-label" }, "time from start"),
      h("div", { class: "tl-ticks" }, ...ticks),
    );
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const height = this.scroller.clientHeight || 600;
    const from = Math.max(
      0,
      Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - 10,
    );
    const to = Math.min(
      this.rows.length,
      Math.ceil((this.scroller.scrollTop + height) / ROW_HEIGHT) + 10,
    );
    if (from === this.drawn.from && to === this.drawn.to) return;
    this.drawn = { from, to };
    const span = this.end - this.start;
    /** @type {Map<string, HTMLElement>} */
    const kept = new Map();
    /** @type {HTMLElement[]} */
    const nodes = [];
    for (let i = from; i < to; i++) {
      const row = /** @type {Row} */ (this.rows[i]);
      const key = `${row.kind}:${row.item.id}`;
      const left = `${((row.start - this.start) / span) * 100}%`;
      const width = row.kind === "call"
        ? `${Math.max(((row.end - row.start) / span) * 100, 0.4)}%`
        : "";
      const selected = key === this.selectedKey;
      const sub = row.kind === "call"
        ? `${
          count((row.item.inputTokens ?? 0) + (row.item.outputTokens ?? 0))
        } tok · ${duration(row.item.latencyMs)}`
        : `+${duration(row.start - this.start)}`;
      // A row drawn before the same way stays the same element: the rows
      // in view are not replaced while later pages of events arrive, so a
      // row being clicked or focused meanwhile stays where it is.
      const look = `${i}|${left}|${width}|${selected}|${sub}`;
      const old = this.nodes.get(key);
      const button = old && old.dataset.look === look
        ? old
        : this.drawRow(row, i, { left, width, selected, sub });
      button.dataset.look = look;
      kept.set(key, button);
      nodes.push(button);
    }
    for (const [key, node] of this.nodes) {
      if (kept.get(key) !== node) node.remove();
    }
    this.nodes = kept;
    // In order, moving only the rows out of place.
    let next = this.space.firstChild;
    for (const node of nodes) {
      if (node === next) next = next.nextSibling;
      else this.space.insertBefore(node, next);
    }
  }

  /**
   * One row's button.
   * @param {Row} row @param {number} i
   * @param {{ left: string, width: string, selected: boolean, sub: string }} look
   */
  drawRow(row, i, { left, width, selected, sub }) {
    // The times the mark stands for, in ms since the epoch: what a reader
    // (or a test) checks its place on the axis against.
    const mark = h("span", {
      class: row.kind === "call" ? `tl-bar ${row.item.status}` : "tl-mark",
      "data-start": row.start,
      "data-end": row.end,
    });
    mark.style.left = left;
    if (width) mark.style.width = width;
    const name = row.kind === "call"
      ? row.item.model || row.item.provider || "LLM call"
      : row.item.eventType;
    const button = h(
      "button",
      {
        type: "button",
        class: `tl-row ${row.kind}${selected ? " selected" : ""}`,
        "data-kind": row.kind,
        "data-index": i,
        onclick: () => this.select(row),
      },
      h(
        "span",
        { class: "tl-label" },
        h("span", { class: "tl-name" }, name),
        h("span", { class: "tl-sub" }, sub),
      ),
      h("span", { class: "tl-track" }, mark),
    );
    button.style.top = `${i * ROW_HEIGHT}px`;
    return button;
  }

  /** @param {{ kind: "event" | "call", item: any }} row */
  select(row) {
    this.selectedKey = `${row.kind}:${row.item.id}`;
    this.drawn = { from: -1, to: -1 };
    this.draw();
    const item = row.item;
    if (row.kind === "event") {
      replace(
        this.detail,
        h("h3", {}, item.eventType),
        h(
          "dl",
          { class: "fields" },
          h("div", {}, h("dt", {}, "Time"), h("dd", {}, time(item.timestamp))),
          h(
            "div",
            {},
            h("dt", {}, "Agent"),
            h("dd", {}, item.agentName || item.agentId),
          ),
        ),
        h("h4", {}, "Data"),
        h("pre", { class: "json" }, pretty(item.data)),
      );
    } else {
      const fields = [
        ["Model", `${item.provider}/${item.model}`],
        ["Status", badge(item.status)],
        [
          "Started",
          time(
            new Date(Date.parse(item.createdAt) - (item.latencyMs ?? 0))
              .toISOString(),
          ),
        ],
        ["Latency", duration(item.latencyMs)],
        [
          "Tokens",
          `${count(item.inputTokens)} in${cachedShare(item)} · ${
            count(item.outputTokens)
          } out`,
        ],
        ["Cost", money(costOf(item))],
      ];
      replace(
        this.detail,
        h("h3", {}, "LLM call"),
        h(
          "dl",
          { class: "fields" },
          ...fields.map(([name, value]) =>
            h("div", {}, h("dt", {}, name), h("dd", {}, value))
          ),
        ),
        item.errorMessage
          ? h("p", { class: "notice error" }, item.errorMessage)
          : null,
        h("h4", {}, "Prompt"),
        h("pre", { class: "json" }, pretty(item.prompt)),
        h("h4", {}, "Response"),
        h(
          "pre",
          { class: "json" },
          item.responseContent === null ? "–" : pretty(item.responseContent),
        ),
        ...[["Parameters", item.inputParams], [
          "Usage metrics",
          item.usageMetrics,
        ]]
          .filter(([, value]) => value !== null && value !== undefined)
          .flatMap((
            [label, value],
          ) => [
            h("h4", {}, label),
            h("pre", { class: "json" }, pretty(value)),
          ]),
      );
    }
    this.detail.scrollIntoView?.({ block: "nearest" });
  }
}
