// The usage page: for a range of UTC days (default the last 7), run and LLM
// figures, charts per day (cost stacked by model, tokens, p50/p95 latency,
// calls and failures) and the top agents, models and tools, all from the
// analytics API.

import { apiRange } from "./runs.js";
import {
  aborted,
  count,
  duration,
  getJson,
  h,
  money,
  notice,
  replace,
} from "./dom.js";

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a time. @param {number} ms */
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** @param {import("./app.js").View} view */
export function showUsage(view) {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  /** @param {string} name @param {string} label @param {string} fallback */
  const input = (name, label, fallback) =>
    h("input", {
      name,
      type: name === "agent" ? "search" : "date",
      placeholder: name === "agent" ? "Agent id" : undefined,
      value: view.params.get(name) ?? fallback,
      "aria-label": label,
    });
  const agent = input("agent", "Agent", "");
  const from = input("from", "From (UTC)", isoDay(today - 6 * DAY_MS));
  const to = input("to", "To (UTC, inclusive)", isoDay(today));
  const form = h(
    "form",
    { class: "filters" },
    agent,
    from,
    to,
    h("button", { type: "submit" }, "Show"),
  );
  const body = h("div", { class: "usage" }, notice("Loading…"));
  replace(view.main, h("h1", {}, "Usage"), form, body);
  const chosen = () => {
    const next = new URLSearchParams();
    for (
      const [name, element] of [["agent", agent], ["from", from], ["to", to]]
    ) {
      const value = /** @type {HTMLInputElement} */ (element).value.trim();
      if (value) next.set(/** @type {string} */ (name), value);
    }
    return next;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = chosen();
    history.replaceState(null, "", `/usage?${next}`);
    view.params = next;
    load();
  });

  const load = async () => {
    try {
      const usage = await getJson(
        `/api/usage?${apiRange(chosen())}`,
        view.signal,
      );
      draw(body, usage);
    } catch (error) {
      if (!aborted(error)) {
        replace(body, notice(String(error.message ?? error), "error"));
      }
    }
  };
  load();
  view.onChange(load);
}

/**
 * A table of `rows` with a header; numeric columns right-aligned.
 * @param {string} name @param {string[]} labels @param {any[][]} rows
 */
function table(name, labels, rows) {
  if (rows.length === 0) return notice("Nothing in this range.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: `list ${name}` },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...labels.map((label, i) =>
            h("th", { class: i > 0 ? "num" : "" }, label)
          ),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map((cells) =>
          h(
            "tr",
            {},
            ...cells.map((cell, i) =>
              h("td", { class: i > 0 ? "num" : "" }, cell)
            ),
          )
        ),
      ),
    ),
  );
}

/** @param {HTMLElement} body @param {any} usage */
function draw(body, { stats, days, byModel, models, agents, tools }) {
  const cards = [
    ["Runs", count(stats.totalRuns)],
    ["Completed", count(stats.completedRuns)],
    ["Errors", count(stats.errorRuns)],
    ["Running", count(stats.runningRuns)],
    ["Avg. iterations", String(stats.avgIterations)],
    ["LLM calls", count(stats.totalLlmCalls)],
    ["Failed calls", count(stats.failedLlmCalls)],
    ["Input tokens", count(stats.totalInputTokens)],
    ["Output tokens", count(stats.totalOutputTokens)],
    ["Cost", money(stats.totalCostUsd)],
  ].map(([label, value]) =>
    h(
      "div",
      { class: "card" },
      h("span", { class: "card-label" }, label),
      h("span", { class: "card-value" }, value),
    )
  );
  const figure = (
    /** @type {string} */ name,
    /** @type {string} */ caption,
  ) => {
    const target = h("div", { class: "chart", "data-chart": name });
    return {
      target,
      element: h("figure", {}, h("figcaption", {}, caption), target),
    };
  };
  const cost = figure("cost", "Cost per day by model (USD)");
  const tokens = figure("tokens", "Tokens per day");
  const latency = figure("latency", "Latency per day (p50, p95)");
  const calls = figure("calls", "LLM calls and failures per day");
  const toolsByFailures = [...tools].sort((a, b) =>
    b.failures - a.failures || b.calls - a.calls
  );
  replace(
    body,
    h("div", { class: "cards" }, ...cards),
    h(
      "div",
      { class: "charts" },
      cost.element,
      tokens.element,
      latency.element,
      calls.element,
    ),
    h("h2", {}, "Top agents by cost"),
    table(
      "agents",
      ["Agent", "Calls", "Failed", "Cost"],
      agents.slice(0, 10).map((/** @type {any} */ a) => [
        a.agentId ?? "(none)",
        count(a.calls),
        count(a.failedCalls),
        money(a.costUsd),
      ]),
    ),
    h("h2", {}, "Models by cost"),
    table(
      "breakdown",
      ["Model", "Calls", "Failed", "Input tokens", "Output tokens", "Cost"],
      models.map((/** @type {any} */ m) => [
        `${m.provider} ${m.model}`,
        count(m.calls),
        count(m.failedCalls),
        count(m.inputTokens),
        count(m.outputTokens),
        money(m.costUsd),
      ]),
    ),
    h("h2", {}, "Tools by failures"),
    table(
      "tools",
      ["Tool", "Calls", "Failures", "p50", "p95"],
      toolsByFailures.slice(0, 10).map((/** @type {any} */ t) => [
        t.action,
        count(t.calls),
        count(t.failures),
        duration(t.p50DurationMs),
        duration(t.p95DurationMs),
      ]),
    ),
  );
  const x = days.map((/** @type {any} */ d) =>
    Date.parse(d.bucketStart) / 1000
  );
  const index = new Map(x.map((t, i) => [t, i]));
  // Cost stacked by model: each series is the running total up to its
  // model, drawn tallest first so that each model shows as its own band.
  /** @type {Map<string, number[]>} */
  const perModel = new Map();
  for (const row of byModel) {
    const key = `${row.provider} ${row.model}`;
    const values = perModel.get(key) ?? x.map(() => 0);
    const i = index.get(Date.parse(row.bucketStart) / 1000);
    if (i !== undefined) values[i] += row.costUsd;
    perModel.set(key, values);
  }
  const running = x.map(() => 0);
  const stacked = [...perModel].map(([label, values], i) => ({
    label,
    values: values.map((v, d) => (running[d] += v)),
    colour: PALETTE[i % PALETTE.length],
  })).reverse();
  chart(
    cost.target,
    x,
    stacked.length > 0
      ? stacked
      : [{ label: "Cost", values: x.map(() => 0), colour: "--accent" }],
    money,
    { stacked: true },
  );
  const series = (/** @type {string} */ field) =>
    days.map((/** @type {any} */ d) => d[field]);
  chart(tokens.target, x, [
    { label: "Input", values: series("inputTokens"), colour: "--accent" },
    { label: "Output", values: series("outputTokens"), colour: "--good" },
  ], count);
  chart(latency.target, x, [
    { label: "p50", values: series("p50Ms"), colour: "--accent" },
    { label: "p95", values: series("p95Ms"), colour: "--bad" },
  ], duration);
  chart(calls.target, x, [
    { label: "Calls", values: series("calls"), colour: "--accent" },
    { label: "Failed", values: series("failedCalls"), colour: "--bad" },
  ], count);
}

/** Colours of the stacked models, from the theme. */
const PALETTE = ["--accent", "--good", "--warn", "--mark", "--bad", "--muted"];

/**
 * A bar chart of one or more daily series, in the theme's colours.
 * @param {HTMLElement} target
 * @param {number[]} x
 * @param {{ label: string, values: (number | null)[], colour: string }[]} series
 * @param {(value: number) => string} format
 * @param {{ stacked?: boolean }} [options] stacked: bars drawn over each
 *   other, full width, rather than side by side
 */
function chart(target, x, series, format, { stacked = false } = {}) {
  const uPlot = /** @type {any} */ (globalThis).uPlot;
  if (!uPlot) {
    replace(target, notice("The chart library did not load."));
    return;
  }
  const style = getComputedStyle(document.body);
  const colour = (/** @type {string} */ name) =>
    style.getPropertyValue(name).trim() || "#888";
  const ink = colour("--muted");
  const grid = colour("--line");
  const width = Math.max(260, Math.min(target.clientWidth || 600, 900));
  const bars = uPlot.paths.bars({
    size: [stacked ? 0.6 : 0.6 / series.length, 40],
    align: 0,
  });
  const make = () =>
    new uPlot({
      width,
      height: 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } },
        {
          stroke: ink,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          values: (_u, values) => values.map(format),
          size: 70,
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: colour(s.colour),
          fill: colour(s.colour),
          paths: bars,
          points: { show: false },
          value: (_u, v) => v === null ? "–" : format(v),
          ...(series.length > 1 && !stacked
            ? {
              paths: uPlot.paths.bars({
                size: [0.6 / series.length, 40],
                align: i === 0 ? -1 : 1,
              }),
            }
            : {}),
        })),
      ],
    }, [
      x,
      ...series.map((s) => s.values),
    ], target);
  replace(target);
  // One bar (or point) per day: what the tests count.
  target.setAttribute("data-points", String(x.length));
  make();
}
