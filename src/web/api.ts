// The JSON API behind the pages: GET only, every answer a JSON body. Bad
// parameters are 400 with a message, an unknown run 404.

import { schemaAdvice } from "../maintenance/doctor.ts";
import { InvalidInputError } from "../errors.ts";
import type { Persistence } from "../persistence.ts";
import {
  AGENT_RUN_STATUSES,
  type AgentLlmUsage,
  type AgentRunStatus,
} from "../types.ts";
import { getEventPage } from "./run_events.ts";
import { BadRequest } from "./bad_request.ts";
import { getUsagePage } from "./usage_page.ts";

/** What an API route answers. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

const ok = (body: unknown): ApiAnswer => ({ status: 200, body });

/**
 * The store's answer to `/api/store`, asked once per store: every page
 * load asks for it, and `getStoreInfo` counts every table's rows, which on
 * a large SQLite file holds its one connection for tens of milliseconds
 * before the page's own data. What it answers (the backend and the schema
 * version the store reads) stays as it was found for as long as the store
 * is open.
 */
const storeAnswers = new WeakMap<Persistence, Promise<unknown>>();

async function storeAnswer(store: Persistence): Promise<unknown> {
  const info = await store.getStoreInfo();
  return {
    backend: info.backend,
    schemaVersion: info.schemaVersion,
    advice: schemaAdvice(info) ?? null,
  };
}

/** Answers `GET /api/<path…>`; `undefined` when no route matches. */
export async function answerApi(
  store: Persistence,
  segments: string[],
  params: URLSearchParams,
): Promise<ApiAnswer | undefined> {
  try {
    return await route(store, segments, params);
  } catch (error) {
    if (error instanceof BadRequest || error instanceof InvalidInputError) {
      return { status: 400, body: { error: error.message } };
    }
    throw error;
  }
}

async function route(
  store: Persistence,
  segments: string[],
  params: URLSearchParams,
): Promise<ApiAnswer | undefined> {
  const [resource, id, part, ...rest] = segments;
  if (rest.length > 0) return undefined;
  if (resource === "store" && id === undefined) {
    let answer = storeAnswers.get(store);
    if (!answer) {
      answer = storeAnswer(store);
      storeAnswers.set(store, answer);
      // A failure is not kept: the next page load asks again.
      answer.catch(() => storeAnswers.delete(store));
    }
    return ok(await answer);
  }
  if (resource === "runs" && id === undefined) {
    return ok(
      await store.getAgentRunSummaries({
        agentId: text(params, "agent"),
        status: status(params),
        since: date(params, "since"),
        until: date(params, "until"),
        search: text(params, "search"),
        after: text(params, "after"),
        limit: limit(params, 50, 200),
      }),
    );
  }
  if (resource === "runs" && id !== undefined && part === undefined) {
    const run = await store.getAgentRun(id);
    if (!run) return { status: 404, body: { error: "no such run" } };
    return ok({ run, llmCalls: await runCalls(store, id) });
  }
  if (resource === "runs" && id !== undefined && part === "events") {
    return ok(
      await getEventPage(store, id, {
        after: text(params, "after"),
        limit: limit(params, 500, 5000),
      }),
    );
  }
  if (resource === "usage" && id === undefined) {
    const until = date(params, "until");
    const since = date(params, "since");
    const days = params.has("days") ? limit(params, 7, 366, "days") : undefined;
    if (since && days !== undefined) {
      throw new BadRequest("give since or days, not both");
    }
    return ok(
      await getUsagePage(store, {
        agentId: text(params, "agent"),
        since,
        until,
        days,
      }),
    );
  }
  return undefined;
}

/** A run's LLM calls, oldest first. */
async function runCalls(
  store: Persistence,
  runId: string,
): Promise<AgentLlmUsage[]> {
  const calls: AgentLlmUsage[] = [];
  for await (const call of store.iterateLlmUsage({ runId, pageSize: 1000 })) {
    calls.push(call);
  }
  return calls.reverse();
}

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** A time given as ISO 8601 (a bare date is midnight UTC). */
function date(params: URLSearchParams, name: string): Date | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime())) {
    throw new BadRequest(`${name} must be an ISO 8601 date or time`);
  }
  return time;
}

function status(params: URLSearchParams): AgentRunStatus | undefined {
  const value = text(params, "status");
  if (value === undefined) return undefined;
  if (!(AGENT_RUN_STATUSES as readonly string[]).includes(value)) {
    throw new BadRequest(
      `status must be one of ${AGENT_RUN_STATUSES.join(", ")}`,
    );
  }
  return value as AgentRunStatus;
}

function limit(
  params: URLSearchParams,
  fallback: number,
  max: number,
  name = "limit",
): number {
  const value = text(params, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw new BadRequest(`${name} must be a whole number from 1 to ${max}`);
  }
  return n;
}
