// The usage page: run and LLM figures, calls and cost per day as charts
// (uPlot), and the calls summed per provider and model.

import { aborted, count, getJson, h, money, notice, replace } from "./dom.js";

/** @param {import("./app.js").View} view */
export function showUsage(view) {
  const agent = h("input", {
    name: "agent",
    type: "search",
    placeholder: "Agent id",
    value: view.params.get("agent") ?? "",
    "aria-label": "Agent",
  });
  const form = h(
    "form",
    { class: "filters" },
    agent,
    h("button", { type: "submit" }, "Filter"),
  );
  const body = h("div", { class: "usage" }, notice("Loading…"));
  replace(view.main, h("h1", {}, "Usage"), form, body);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = /** @type {HTMLInputElement} */ (agent).value.trim();
    const query = value ? `?agent=${encodeURIComponent(value)}` : "";
    history.replaceState(null, "", `/usage${query}`);
    view.params = new URLSearchParams(query);
    load();
  });

  const load = async () => {
    const agentId = view.params.get("agent");
    try {
      const usage = await getJson(
        `/api/usage?days=7${
          agentId ? `&agent=${encodeURIComponent(agentId)}` : ""
        }`,
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

/** @param {HTMLElement} body @param {any} usage */
function draw(body, { stats, breakdown, days }) {
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
  const costChart = h("div", { class: "chart", "data-chart": "cost" });
  const callsChart = h("div", { class: "chart", "data-chart": "calls" });
  replace(
    body,
    h("div", { class: "cards" }, ...cards),
    h("h2", {}, "Last 7 days"),
    h(
      "div",
      { class: "charts" },
      h("figure", {}, h("figcaption", {}, "Cost per day (USD)"), costChart),
      h("figure", {}, h("figcaption", {}, "LLM calls per day"), callsChart),
    ),
    h("h2", {}, "By provider and model"),
    breakdown.length === 0 ? notice("No LLM calls yet.") : h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list breakdown" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...[
              "Provider",
              "Model",
              "Calls",
              "Failed",
              "Input tokens",
              "Output tokens",
              "Cost",
            ].map((label, i) => h("th", { class: i > 1 ? "num" : "" }, label)),
          ),
        ),
        h(
          "tbody",
          {},
          ...breakdown.map((row) =>
            h(
              "tr",
              {},
              h("td", {}, row.provider),
              h("td", {}, row.model),
              h("td", { class: "num" }, count(row.calls)),
              h("td", { class: "num" }, count(row.failedCalls)),
              h("td", { class: "num" }, count(row.inputTokens)),
              h("td", { class: "num" }, count(row.outputTokens)),
              h("td", { class: "num" }, money(row.costUsd)),
            )
          ),
        ),
      ),
    ),
  );
  const x = days.map((/** @type {any} */ d) => d.day / 1000);
  chart(costChart, x, [{
    label: "Cost",
    values: days.map((/** @type {any} */ d) => d.costUsd),
    colour: "--accent",
  }], (v) => money(v));
  chart(callsChart, x, [
    {
      label: "Calls",
      values: days.map((/** @type {any} */ d) => d.calls),
      colour: "--accent",
    },
    {
      label: "Failed",
      values: days.map((/** @type {any} */ d) => d.failedCalls),
      colour: "--bad",
    },
  ], (v) => count(v));
}

/**
 * A bar chart of one or more daily series, in the theme's colours.
 * @param {HTMLElement} target
 * @param {number[]} x
 * @param {{ label: string, values: number[], colour: string }[]} series
 * @param {(value: number) => string} format
 */
function chart(target, x, series, format) {
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
  const bars = uPlot.paths.bars({ size: [0.6 / series.length, 40], align: 0 });
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
          ...(series.length > 1
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
  make();
}
