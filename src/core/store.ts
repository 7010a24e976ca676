// The one implementation of `Persistence`, over any backend's primitives.

import type { Backend, Cursor, Stored } from "./backend.ts";
import { GroupCommit } from "./group_commit.ts";
import { Pricing } from "./prices.ts";
import { recomputeCosts } from "./recompute.ts";
import { Redaction } from "./redaction.ts";
import {
  type EventRecord,
  eventRecord,
  eventType,
  runChanges,
  runRecord,
  runStatus,
  toAgentLlmUsage,
  toAgentRun,
  toAgentRunEvent,
  type UsageRecord,
  usageRecord,
} from "./records.ts";
import { count, identifier, pageSize, timestamp } from "./validate.ts";
import {
  InvalidInputError,
  RunNotFoundError,
  StoreClosedError,
} from "../errors.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  AgentRunEventInput,
  AgentRunInput,
  AgentRunPatch,
  AgentRunQuery,
  AgentRunStats,
  DeleteAgentRunsOptions,
  EventType,
  LlmUsageBreakdown,
  LlmUsageInput,
  LlmUsageQuery,
  PageOptions,
  RecomputeCostsOptions,
  RecomputeCostsResult,
  RecordCounts,
  StoreInfo,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";
import type { StoreOptions } from "../types.ts";

/** Validation, defaults, iteration and batching, shared by every backend. */
export class Store implements Persistence {
  readonly #backend: Backend;
  readonly #events: GroupCommit<EventRecord>;
  readonly #usage: GroupCommit<UsageRecord>;
  readonly #redaction: Redaction;
  readonly #pricing: Pricing;
  #closing: Promise<void> | undefined;

  constructor(backend: Backend, options: StoreOptions = {}) {
    this.#backend = backend;
    this.#redaction = new Redaction(options);
    this.#pricing = new Pricing(options.prices);
    this.#events = new GroupCommit((records) => backend.insertEvents(records));
    this.#usage = new GroupCommit((records) => backend.insertUsage(records));
  }

  get backend(): Backend["name"] {
    return this.#backend.name;
  }

  /** The backend; throws `StoreClosedError` once the store is closing. */
  protected assertOpen(): Backend {
    if (this.#closing) throw new StoreClosedError();
    return this.#backend;
  }

  async createAgentRun(input: AgentRunInput): Promise<AgentRun> {
    const record = runRecord(input, new Date(), this.#redaction);
    return toAgentRun(await this.assertOpen().insertRun(record), record);
  }

  async updateAgentRun(runId: string, patch: AgentRunPatch): Promise<AgentRun> {
    const id = identifier("runId", runId);
    const changes = runChanges(patch, new Date(), this.#redaction);
    const stored = await this.assertOpen().updateRun(id, changes);
    if (!stored) throw new RunNotFoundError(id);
    return toAgentRun(stored.id, stored.record);
  }

  async getAgentRun(runId: string): Promise<AgentRun | undefined> {
    const stored = await this.assertOpen().findRun(identifier("runId", runId));
    return stored && toAgentRun(stored.id, stored.record);
  }

  async getAgentRuns(query: AgentRunQuery = {}): Promise<AgentRun[]> {
    const rows = await this.assertOpen().listRuns({
      ...runFilter(query),
      after: undefined,
      limit: count("limit", query.limit, 10),
      offset: count("offset", query.offset, 0),
    });
    return rows.map((row) => toAgentRun(row.id, row.record));
  }

  iterateAgentRuns(
    query: Omit<AgentRunQuery, "limit" | "offset"> & PageOptions = {},
  ): AsyncIterableIterator<AgentRun> {
    const filter = runFilter(query);
    return this.#pages(
      pageSize(query.pageSize),
      (after, limit) =>
        this.assertOpen().listRuns({ ...filter, after, limit, offset: 0 }),
      toAgentRun,
    );
  }

  async deleteAgentRun(runId: string): Promise<boolean> {
    return await this.assertOpen().deleteRun(identifier("runId", runId));
  }

  async logAgentRunEvent(input: AgentRunEventInput): Promise<AgentRunEvent> {
    const record = eventRecord(input, new Date(), this.#redaction);
    this.assertOpen(); // fail fast when closed, before queueing
    return toAgentRunEvent(await this.#events.write(record), record);
  }

  logAgentRunEvents(inputs: AgentRunEventInput[]): Promise<AgentRunEvent[]> {
    return this.#logBatch(
      "events",
      inputs,
      (input, now) => eventRecord(input, now, this.#redaction),
      (records) => this.assertOpen().insertEvents(records),
      toAgentRunEvent,
    );
  }

  async getAgentRunEvents(
    runId: string,
    options: { eventType?: EventType } = {},
  ): Promise<AgentRunEvent[]> {
    const events: AgentRunEvent[] = [];
    for await (const event of this.iterateAgentRunEvents(runId, options)) {
      events.push(event);
    }
    return events;
  }

  iterateAgentRunEvents(
    runId: string,
    options: { eventType?: EventType } & PageOptions = {},
  ): AsyncIterableIterator<AgentRunEvent> {
    const id = identifier("runId", runId);
    const type = optional(options.eventType, eventType);
    return this.#pages(
      pageSize(options.pageSize),
      (after, limit) =>
        this.assertOpen().listEvents({
          runId: id,
          eventType: type,
          after,
          limit,
        }),
      toAgentRunEvent,
    );
  }

  async logLlmUsage(input: LlmUsageInput): Promise<AgentLlmUsage> {
    const record = usageRecord(input, new Date(), this.#redaction);
    this.assertOpen(); // fail fast when closed, before queueing
    // Only the first call that needs the price table waits for it to load.
    const pricing = this.#pricing.price([record]);
    if (pricing) {
      await pricing;
      this.assertOpen();
    }
    return toAgentLlmUsage(await this.#usage.write(record), record);
  }

  logLlmUsages(inputs: LlmUsageInput[]): Promise<AgentLlmUsage[]> {
    return this.#logBatch(
      "usage",
      inputs,
      (input, now) => usageRecord(input, now, this.#redaction),
      async (records) => {
        const pricing = this.#pricing.price(records);
        if (pricing) await pricing;
        return await this.assertOpen().insertUsage(records);
      },
      toAgentLlmUsage,
    );
  }

  async getLlmUsage(query: LlmUsageQuery = {}): Promise<AgentLlmUsage[]> {
    const rows = await this.assertOpen().listUsage({
      ...usageFilter(query),
      after: undefined,
      limit: count("limit", query.limit, 100),
    });
    return rows.map((row) => toAgentLlmUsage(row.id, row.record));
  }

  iterateLlmUsage(
    query: Omit<LlmUsageQuery, "limit"> & PageOptions = {},
  ): AsyncIterableIterator<AgentLlmUsage> {
    const filter = usageFilter(query);
    return this.#pages(
      pageSize(query.pageSize),
      (after, limit) =>
        this.assertOpen().listUsage({ ...filter, after, limit }),
      toAgentLlmUsage,
    );
  }

  recomputeCosts(
    options: RecomputeCostsOptions = {},
  ): Promise<RecomputeCostsResult> {
    return recomputeCosts(() => this.assertOpen(), this.#pricing, options);
  }

  async getAgentRunStats(
    query: { agentId?: string } = {},
  ): Promise<AgentRunStats> {
    const agentId = optionalId("agentId", query.agentId);
    const stats = await this.assertOpen().stats(agentId);
    return {
      ...stats,
      avgIterations: Math.round(stats.avgIterations * 100) / 100,
    };
  }

  async getLlmUsageBreakdown(
    query: { agentId?: string } = {},
  ): Promise<LlmUsageBreakdown[]> {
    const agentId = optionalId("agentId", query.agentId);
    return await this.assertOpen().usageBreakdown(agentId);
  }

  async deleteAgentRuns(
    runIds: string[],
    options: DeleteAgentRunsOptions = {},
  ): Promise<RecordCounts> {
    const ids = list("runIds", runIds).map((id) => identifier("runId", id));
    if (ids.length === 0) return { runs: 0, events: 0, llmUsage: 0 };
    return await this.assertOpen().deleteRuns([...new Set(ids)], {
      withUsage: options.withLlmUsage === true,
      dryRun: options.dryRun === true,
    });
  }

  async getStoreInfo(): Promise<StoreInfo> {
    const backend = this.assertOpen();
    return { backend: backend.name, ...await backend.info() };
  }

  async compact(): Promise<void> {
    await this.assertOpen().compact();
  }

  async initializeSchema(): Promise<void> {
    await this.assertOpen().initializeSchema();
  }

  async healthCheck(): Promise<boolean> {
    if (this.#closing) return false;
    try {
      await this.#backend.ping();
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([this.#events.idle(), this.#usage.idle()]);
      await this.#backend.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Validates every input before writing any, then stores them all in one
   * transaction: a batch is written whole or not at all.
   */
  async #logBatch<I, R, T>(
    field: string,
    inputs: I[],
    prepare: (input: I, now: Date) => R,
    insert: (records: R[]) => Promise<number[]>,
    convert: (id: number, record: R) => T,
  ): Promise<T[]> {
    const now = new Date();
    const records = list(field, inputs).map((input) => prepare(input, now));
    if (records.length === 0) return [];
    const ids = await insert(records);
    return records.map((record, i) => convert(ids[i]!, record));
  }

  /** Yields every record, one keyset page at a time. */
  async *#pages<R, T>(
    size: number,
    read: (after: Cursor | undefined, limit: number) => Promise<Stored<R>[]>,
    convert: (id: number, record: R) => T,
  ): AsyncGenerator<T, undefined, undefined> {
    let after: Cursor | undefined;
    while (true) {
      const page = await read(after, size);
      for (const row of page) yield convert(row.id, row.record);
      if (page.length < size) return;
      after = page[page.length - 1]!.cursor;
    }
  }
}

function runFilter(
  query: { agentId?: string; status?: string; createdBefore?: Date },
) {
  return {
    agentId: optionalId("agentId", query.agentId),
    status: optional(query.status, runStatus),
    createdBefore: optional(
      query.createdBefore,
      (v) => timestamp("createdBefore", v),
    ),
  };
}

function usageFilter(
  query: { agentId?: string; runId?: string; withoutRun?: boolean },
) {
  return {
    agentId: optionalId("agentId", query.agentId),
    runId: optionalId("runId", query.runId),
    withoutRun: query.withoutRun === true,
  };
}

function list<T>(field: string, values: T[]): T[] {
  if (!Array.isArray(values)) {
    throw new InvalidInputError(field, "expected an array");
  }
  return values;
}

/** `check(value)`, or `undefined` when no value is given. */
function optional<T, R>(
  value: T | undefined,
  check: (value: T) => R,
): R | undefined {
  return value === undefined ? undefined : check(value);
}

/** A validated identifier, or `undefined` when none is given. */
function optionalId(field: string, value: unknown): string | undefined {
  return optional(value, (v) => identifier(field, v));
}
