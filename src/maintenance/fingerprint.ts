// Identities of records, which is how import recognises what a store holds
// already and copy checks what arrived. A record's identity is a digest of
// its fields but `id` and those a redactor or a recomputation can rewrite: a
// store that redacts holds other text than the file it was filled from, and
// a store whose costs were recomputed other costs, yet the same records. A
// call of a version-1 file, which has no cost, is priced when imported.
// Identical records may legitimately repeat (a retried LLM call), so stores
// are compared as multisets of identities.

import { createHash } from "node:crypto";
import { eventRecord, runRecord, usageRecord } from "../core/records.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  AgentRunEventInput,
  AgentRunInput,
  LlmUsageInput,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";

/** The kinds of records, as the export file names them. */
export type RecordKind = "run" | "event" | "llm_usage";

/** A record of each kind, with or without its `id`. */
type Records = {
  run: Omit<AgentRun, "id">;
  event: Omit<AgentRunEvent, "id">;
  llm_usage: Omit<AgentLlmUsage, "id">;
};

/**
 * The fields a redactor (see `Redaction`) or `recomputeCosts` may rewrite,
 * per kind.
 */
const REWRITABLE: Record<RecordKind, ReadonlySet<string>> = {
  run: new Set([
    "objective",
    "finalSynthesisOutput",
    "errorMessage",
    "additionalContext",
    "executionHistory",
    "metadata",
  ]),
  event: new Set(["data"]),
  llm_usage: new Set([
    "prompt",
    "responseContent",
    "errorMessage",
    "inputParams",
    "usageMetrics",
    "costUsd",
    "costSource",
  ]),
};

/** A digest of the identity of `record`, a stored one or one of a file. */
export function identity<K extends RecordKind>(
  kind: K,
  record: Records[K],
): string {
  const rewritable = REWRITABLE[kind];
  const fields = Object.entries(stored(kind, record))
    .filter(([key]) => key !== "id" && !rewritable.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [
      key,
      value instanceof Date ? value.toISOString() : value,
    ]);
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64");
}

/**
 * The record as a store would hold it, its defaults filled in: a file may
 * leave out what a store fills in. A record no store would accept is taken
 * as it is.
 */
function stored(kind: RecordKind, record: object): object {
  const input: Record<string, unknown> = { ...record };
  const rewritable = REWRITABLE[kind];
  for (const field of rewritable) {
    // The lengths default to those of the prompt and response.
    const keep = (field === "prompt" && input.promptLength === undefined) ||
      (field === "responseContent" && input.responseLength === undefined);
    if (!keep) delete input[field];
  }
  const now = new Date();
  try {
    switch (kind) {
      case "run":
        return runRecord(input as unknown as AgentRunInput, now);
      case "event":
        return eventRecord(input as unknown as AgentRunEventInput, now);
      case "llm_usage":
        return usageRecord(input as unknown as LlmUsageInput, now);
    }
  } catch {
    return record;
  }
}

/** How many times each identity occurs. */
export class Identities {
  readonly #counts = new Map<string, number>();

  get size(): number {
    return this.#counts.size;
  }

  add(identity: string): void {
    this.#counts.set(identity, (this.#counts.get(identity) ?? 0) + 1);
  }

  /** Takes one occurrence of `identity`: `true` if there was one. */
  take(identity: string): boolean {
    const count = this.#counts.get(identity);
    if (!count) return false;
    if (count === 1) this.#counts.delete(identity);
    else this.#counts.set(identity, count - 1);
    return true;
  }
}

/**
 * The events and LLM calls a store held when this was made, read group by
 * group as records ask for them: a run's events, a run's LLM calls, an
 * agent's LLM calls without a run id. Each group is read once, before any
 * record of it is written, and then kept (only the identities not taken
 * yet), so records written meanwhile are never mistaken for stored ones.
 */
export class StoredIdentities {
  readonly #store: Persistence;
  /** Identities not taken yet, per group; `null` once none are left. */
  readonly #groups = new Map<string, Identities | null>();

  constructor(store: Persistence) {
    this.#store = store;
  }

  /**
   * Takes one stored record with the identity of `record`: `true` if the
   * store held one not taken yet.
   */
  async take<K extends "event" | "llm_usage">(
    kind: K,
    record: Records[K],
  ): Promise<boolean> {
    const key = groupKey(kind, record);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = await this.#load(kind, record);
      this.#groups.set(key, group.size === 0 ? null : group);
    }
    if (group === null || !group.take(identity(kind, record))) return false;
    if (group.size === 0) this.#groups.set(key, null);
    return true;
  }

  async #load(
    kind: "event" | "llm_usage",
    record: Records["event"] | Records["llm_usage"],
  ): Promise<Identities> {
    const group = new Identities();
    const store = this.#store;
    const { runId, agentId } = record;
    if (kind === "event") {
      for await (const event of store.iterateAgentRunEvents(runId!)) {
        group.add(identity("event", event));
      }
      return group;
    }
    const calls = runId !== null
      ? store.iterateLlmUsage({ runId })
      : store.iterateLlmUsage({
        ...(agentId === null ? {} : { agentId }),
        withoutRun: true,
      });
    for await (const usage of calls) {
      // Without a run id, the group is one agent's calls without one.
      if (
        runId === null && (usage.runId !== null || usage.agentId !== agentId)
      ) {
        continue;
      }
      group.add(identity("llm_usage", usage));
    }
    return group;
  }
}

/**
 * The group a record belongs to: the groups are disjoint, so reading one
 * never counts a record that another has had written.
 */
function groupKey(
  kind: "event" | "llm_usage",
  record: Records["event"] | Records["llm_usage"],
): string {
  return JSON.stringify(
    kind === "event" || record.runId !== null
      ? [kind, record.runId]
      : [kind, null, record.agentId],
  );
}
