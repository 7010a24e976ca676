// The reading commands: runs, run, events, usage (stats has its own file).

import { PersistenceError } from "../errors.ts";
import { getCostUsd, getTotalTokens } from "../accessors.ts";
import type { AgentLlmUsage, AgentRun } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { parseCount, parseId, parseStatus } from "./args.ts";
import { type Context, openStore, output } from "./context.ts";
import {
  cachedShare,
  callCost,
  clip,
  duration,
  fields,
  formatCount,
  isUnpriced,
  money,
  offset,
  summary,
  table,
  time,
  unpricedNote,
} from "./display.ts";

/** Token and cost totals of some LLM calls. */
interface UsageTotals {
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  latencyMs: number;
  costUsd: number;
  /** Calls with a token count but no cost: left out of `costUsd`. */
  unpricedCalls: number;
}

function totals(calls: Iterable<AgentLlmUsage>): UsageTotals {
  const sum: UsageTotals = {
    llmCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    cacheReadTokens: 0,
    latencyMs: 0,
    costUsd: 0,
    unpricedCalls: 0,
  };
  for (const usage of calls) {
    sum.llmCalls++;
    sum.inputTokens += usage.inputTokens ?? 0;
    sum.outputTokens += usage.outputTokens ?? 0;
    sum.totalTokens += getTotalTokens(usage) ?? 0;
    sum.cacheReadTokens += usage.cacheReadTokens ?? 0;
    sum.latencyMs += usage.latencyMs ?? 0;
    sum.costUsd += getCostUsd(usage) ?? 0;
    if (isUnpriced(usage)) sum.unpricedCalls++;
  }
  return sum;
}

async function runUsage(
  store: Persistence,
  runId: string,
): Promise<AgentLlmUsage[]> {
  const calls: AgentLlmUsage[] = [];
  for await (const usage of store.iterateLlmUsage({ runId })) {
    calls.push(usage);
  }
  return calls.reverse(); // oldest first
}

/** The columns of an LLM call in the `run` and `usage` tables. */
const CALL_COLUMNS = [
  "PROVIDER",
  "MODEL",
  "IN",
  "OUT",
  "LATENCY",
  "COST",
  "STATUS",
  "CACHED",
];

function callCells(call: AgentLlmUsage): string[] {
  return [
    call.provider,
    call.model,
    formatCount(call.inputTokens),
    formatCount(call.outputTokens),
    duration(call.latencyMs),
    callCost(call),
    call.status,
    cachedShare(call.cacheReadTokens, call.inputTokens),
  ];
}

function runDuration(run: AgentRun): number | undefined {
  return run.startedAt && run.finishedAt
    ? run.finishedAt.getTime() - run.startedAt.getTime()
    : undefined;
}

/** `runs`: a table of runs, newest first. */
export async function runs(ctx: Context): Promise<void> {
  const { agent, status, limit } = ctx.values;
  const query = {
    ...(typeof agent === "string"
      ? { agentId: parseId("--agent", agent) }
      : {}),
    ...(typeof status === "string" ? { status: parseStatus(status) } : {}),
    limit: typeof limit === "string" ? parseCount("limit", limit) : 20,
  };
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const rows: (AgentRun & UsageTotals & { durationMs: number | null })[] = [];
  for (const run of await store.getAgentRuns(query)) {
    const sum = totals(await runUsage(store, run.runId));
    rows.push({ ...run, durationMs: runDuration(run) ?? null, ...sum });
  }
  await output(ctx, rows, () =>
    table(
      [
        "RUN ID",
        "AGENT",
        "STATUS",
        "ITER",
        "STARTED",
        "DURATION",
        "TOKENS",
        "COST",
      ],
      rows.map((run) => [
        run.runId,
        run.agentId,
        run.status,
        run.totalIterations,
        time(run.startedAt),
        duration(run.durationMs),
        formatCount(run.totalTokens),
        money(run.costUsd),
      ]),
      new Set([5, 6, 7]),
    ));
}

/** `run RUN_ID`: the run, its timeline and its LLM calls. */
export async function run(ctx: Context): Promise<void> {
  const runId = parseId("RUN_ID", ctx.positionals[0]!);
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const found = await store.getAgentRun(runId);
  if (!found) throw new PersistenceError(`No run has this id: ${runId}`);
  const events = await store.getAgentRunEvents(runId);
  const calls = await runUsage(store, runId);
  const sum = totals(calls);
  const start = found.startedAt ?? events[0]?.timestamp ?? found.createdAt;
  await output(
    ctx,
    { run: found, events, llmUsage: calls, totals: sum },
    () => {
      const info: [string, string | number][] = [
        [
          "agent",
          `${found.agentId}${found.agentName ? ` (${found.agentName})` : ""}`,
        ],
        ["status", found.status],
        ["objective", clip(found.objective, 100) || "-"],
        ["started", time(found.startedAt)],
        ["finished", time(found.finishedAt)],
        ["duration", duration(runDuration(found))],
        ["iterations", found.totalIterations],
      ];
      if (found.errorMessage) {
        info.push([
          "error",
          clip(found.errorMessage, 100),
        ]);
      }
      if (found.finalSynthesisOutput) {
        info.push(["output", clip(found.finalSynthesisOutput, 100)]);
      }
      let previous: Date | undefined;
      const timeline = table(
        ["OFFSET", "EVENT", "DATA", "SINCE PREVIOUS"],
        events.map((event) => {
          const since = previous
            ? duration(event.timestamp.getTime() - previous.getTime())
            : "-";
          previous = event.timestamp;
          return [
            offset(start, event.timestamp),
            event.eventType,
            summary(event.data, 56),
            since,
          ];
        }),
        new Set([0, 3]),
      );
      const llm = table(
        ["OFFSET", ...CALL_COLUMNS],
        calls.map((
          usage,
        ) => [offset(start, usage.createdAt), ...callCells(usage)]),
        new Set([0, 3, 4, 5, 6, 8]),
      );
      return `Run ${found.runId}\n${fields(info)}\n` +
        `Timeline (${events.length} events)\n${timeline}\n` +
        `LLM calls (${calls.length})\n${llm}\n` +
        `Total: ${sum.llmCalls} LLM calls, ${
          formatCount(sum.inputTokens)
        } input + ${formatCount(sum.outputTokens)} output tokens (${
          cachedShare(sum.cacheReadTokens, sum.inputTokens)
        } of input cached), ${duration(sum.latencyMs)} in LLM calls, ${
          money(sum.costUsd)
        }${unpricedNote(sum.unpricedCalls)}\n`;
    },
  );
}

/** `events RUN_ID [--type T]`: a run's events in order. */
export async function events(ctx: Context): Promise<void> {
  const runId = parseId("RUN_ID", ctx.positionals[0]!);
  const type = ctx.values.type;
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  if (!await store.getAgentRun(runId)) {
    throw new PersistenceError(`No run has this id: ${runId}`);
  }
  const list = await store.getAgentRunEvents(
    runId,
    typeof type === "string" ? { eventType: parseId("--type", type) } : {},
  );
  const start = list[0]?.timestamp ?? null;
  await output(ctx, list, () =>
    table(
      ["TIME", "OFFSET", "EVENT", "DATA"],
      list.map((event) => [
        time(event.timestamp),
        offset(start, event.timestamp),
        event.eventType,
        summary(event.data, 80),
      ]),
      new Set([1]),
    ));
}

/** `usage [--agent ID] [--run ID] [--limit N]`: LLM calls, newest first. */
export async function usage(ctx: Context): Promise<void> {
  const { agent, run: runId, limit } = ctx.values;
  const query = {
    ...(typeof agent === "string"
      ? { agentId: parseId("--agent", agent) }
      : {}),
    ...(typeof runId === "string" ? { runId: parseId("--run", runId) } : {}),
    limit: typeof limit === "string" ? parseCount("limit", limit) : 20,
  };
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const list = await store.getLlmUsage(query);
  await output(ctx, list, () =>
    table(
      ["TIME", "AGENT", "RUN", ...CALL_COLUMNS],
      list.map((call) => [
        time(call.createdAt),
        call.agentId ?? "-",
        call.runId ?? "-",
        ...callCells(call),
      ]),
      new Set([5, 6, 7, 8, 10]),
    ));
}
