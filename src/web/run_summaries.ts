// One page of the runs list with each run's figures. Until the store has
// getAgentRunSummaries (one query per page), the page is read with the
// store's keyset iterator and each run's LLM calls summed one run at a
// time: this file is the one to replace when that API lands.

import { getCostUsd } from "../accessors.ts";
import type { Persistence } from "../persistence.ts";
import type { AgentRun, AgentRunStatus } from "../types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

/** Which runs a page lists. */
export interface RunSummaryQuery {
  agentId?: string | undefined;
  status?: AgentRunStatus | undefined;
  /** A run-id prefix or an objective substring, ASCII case-insensitive. */
  search?: string | undefined;
  /** The `next` of the page before. */
  after?: string | undefined;
  limit: number;
}

/** A run with the figures the runs list shows. */
export type RunSummary = AgentRun & {
  durationMs: number | null;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
};

/** One page, and the cursor of the next when there is one. */
export interface RunSummaryPage {
  items: RunSummary[];
  next?: string;
}

/**
 * How many runs a search may read to fill a page: without an index on the
 * objective a rare match would otherwise read the whole table.
 */
const SEARCH_SCAN_LIMIT = 20_000;

/** A page of runs, newest first, starting after the `after` cursor. */
export async function getRunSummaryPage(
  store: Persistence,
  query: RunSummaryQuery,
): Promise<RunSummaryPage> {
  const position = query.after === undefined
    ? undefined
    : decodeCursor(query.after);
  const matches = searchMatcher(query.search);
  const runs: AgentRun[] = [];
  // The last run read and passed over: the next page starts after it.
  let last: AgentRun | undefined;
  let scanned = 0;
  let more = false;
  const iterator = store.iterateAgentRuns({
    ...(query.agentId === undefined ? {} : { agentId: query.agentId }),
    ...(query.status === undefined ? {} : { status: query.status }),
    // Keyset: start at the cursor's time, and skip the rows of that same
    // millisecond that the page before already listed.
    ...(position === undefined
      ? {}
      : { createdBefore: new Date(position.time + 1) }),
    pageSize: Math.min(query.limit + 1, 1000),
  });
  for await (const run of iterator) {
    if (
      position !== undefined && run.createdAt.getTime() === position.time &&
      run.id >= position.id
    ) continue;
    if (matches(run)) {
      if (runs.length === query.limit) {
        more = true;
        break;
      }
      runs.push(run);
    } else if (++scanned >= SEARCH_SCAN_LIMIT) {
      more = true;
      last = run;
      break;
    }
    last = run;
  }
  const items = await Promise.all(runs.map((run) => summarise(store, run)));
  return more && last
    ? {
      items,
      next: encodeCursor({ time: last.createdAt.getTime(), id: last.id }),
    }
    : { items };
}

/** ASCII-only lower case, as SQL's LOWER does on every backend. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function searchMatcher(search: string | undefined): (run: AgentRun) => boolean {
  const needle = asciiLower(search?.trim() ?? "");
  if (needle === "") return () => true;
  return (run) =>
    asciiLower(run.runId).startsWith(needle) ||
    asciiLower(run.objective).includes(needle);
}

async function summarise(
  store: Persistence,
  run: AgentRun,
): Promise<RunSummary> {
  const summary: RunSummary = {
    ...run,
    durationMs: run.startedAt && run.finishedAt
      ? run.finishedAt.getTime() - run.startedAt.getTime()
      : null,
    llmCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };
  for await (const call of store.iterateLlmUsage({ runId: run.runId })) {
    summary.llmCalls++;
    summary.inputTokens += call.inputTokens ?? 0;
    summary.outputTokens += call.outputTokens ?? 0;
    summary.costUsd += getCostUsd(call) ?? 0;
  }
  return summary;
}
