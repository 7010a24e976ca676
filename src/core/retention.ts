// Applies a checked retention policy to a backend, one batch per
// transaction: runs with their events and LLM calls, LLM calls without a
// run, and content. Only records read and archived in the batch are deleted
// (by id), and a run only once nothing of it is left, so a record written
// during a batch is either archived and removed, or kept. Where a batch
// keeps other writers out (SQLite, memory), batches are sized to hold the
// lock a few milliseconds, archiving included, and writers get the lock
// between them (pace.ts).

import type {
  Backend,
  ContentTable,
  Cursor,
  DueRules,
  Stored,
  TimeSpan,
} from "./backend.ts";
import {
  type EventRecord,
  type RunRecord,
  toAgentLlmUsage,
  toAgentRun,
  toAgentRunEvent,
  type UsageRecord,
} from "./records.ts";
import { EVENT_FIELDS, USAGE_FIELDS } from "./fields.ts";
import { BatchPace, type Pacing, pacingFor, yieldTurn } from "./pace.ts";
import { RECLAIM_STEP_PAGES, reclaimInSteps } from "./reclaim.ts";
import type { Redaction } from "./redaction.ts";
import type { CheckedPolicy } from "./retention_policy.ts";
import { InvalidInputError } from "../errors.ts";
import type {
  AgentRunStatus,
  RecordCounts,
  RetentionResult,
  RetentionRuleResult,
} from "../types.ts";

/** How one application goes. */
export interface RetentionRun {
  dryRun: boolean;
  now: Date;
  /** Checked before each batch: `true` ends the run there (the store closes). */
  stopped: () => boolean;
  onProgress?: ((removed: RecordCounts) => void) | undefined;
  /** Give freed pages back in bounded steps as the batches go. */
  reclaimSpace?: boolean;
}

/** Rounds for records written to a run while its batch was being archived. */
const STRAGGLER_ROUNDS = 3;

/** Applies `policy` to `backend`; see the module comment. */
export async function applyPolicy(
  backend: Backend,
  policy: CheckedPolicy,
  redaction: Redaction,
  run: RetentionRun,
): Promise<RetentionResult> {
  if (policy.content !== undefined && policy.contentAction === "redact") {
    if (!redaction.active) {
      throw new InvalidInputError(
        "retention.contentAction",
        '"redact" needs the store to have a redact function',
      );
    }
  }
  const engine = new Engine(backend, policy, redaction, run);
  if (!run.dryRun && backend.maintainPartitions) {
    // An archive must hold every record removed: those are read and
    // deleted by the rules, never dropped unseen with their partition.
    engine.partitionsDropped(
      await backend.maintainPartitions(
        policy.archive ? undefined : dueRules(policy, run.now),
      ),
    );
  }
  const statuses = [...policy.runs.entries()].sort(([a], [b]) =>
    a.localeCompare(b)
  );
  for (const [status, age] of statuses) {
    await engine.removeRuns(status, age);
  }
  if (policy.orphanLlmCalls !== undefined) {
    await engine.removeOrphans(policy.orphanLlmCalls);
  }
  if (policy.content !== undefined) await engine.clearContent(policy.content);
  if (!run.dryRun && run.reclaimSpace !== false) {
    // What the batches' steps left: given back now, still step by step.
    await reclaimInSteps((maxPages) =>
      run.stopped() ? Promise.resolve(0) : backend.reclaim({ maxPages })
    );
  }
  if (!run.dryRun) await backend.checkpoint();
  return engine.result();
}

/** The policy's cut-off instants as of `now`. */
function dueRules(policy: CheckedPolicy, now: Date): DueRules {
  const before = (age: number) => new Date(now.getTime() - age);
  return {
    runs: new Map(
      [...policy.runs].map(([status, age]) => [status, before(age)]),
    ),
    orphanLlmCalls: policy.orphanLlmCalls === undefined
      ? undefined
      : before(policy.orphanLlmCalls),
    now,
  };
}

class Engine {
  readonly #backend: Backend;
  readonly #policy: CheckedPolicy;
  readonly #redaction: Redaction;
  readonly #run: RetentionRun;
  readonly #rules: RetentionRuleResult[] = [];
  readonly #pacing: Pacing;
  readonly #reclaimPace: BatchPace;
  #batches = 0;

  constructor(
    backend: Backend,
    policy: CheckedPolicy,
    redaction: Redaction,
    run: RetentionRun,
  ) {
    this.#backend = backend;
    this.#policy = policy;
    this.#redaction = redaction;
    this.#run = run;
    this.#pacing = pacingFor(backend.name);
    this.#reclaimPace = new BatchPace(RECLAIM_STEP_PAGES, this.#pacing);
  }

  async removeRuns(status: AgentRunStatus, age: number): Promise<void> {
    const rule = this.#rule(`runs:${status}`, age);
    let after: Cursor | undefined;
    const pace = this.#pace();
    while (!this.#run.stopped()) {
      const limit = pace.size;
      const page = await this.#batch(pace, async (tx) => {
        const runs = await tx.listRuns({
          agentId: undefined,
          status,
          until: rule.before,
          after,
          limit,
          offset: 0,
        });
        if (runs.length === 0) return runs;
        const ids = runs.map((row) => row.record.runId);
        const counts = this.#run.dryRun
          ? await tx.deleteRuns(ids, { withUsage: true, dryRun: true })
          : await this.#removeRunBatch(tx, ids);
        add(rule.removed, counts);
        return runs;
      });
      if (page.length < limit) break;
      after = page[page.length - 1]!.cursor;
    }
  }

  async removeOrphans(age: number): Promise<void> {
    const rule = this.#rule("orphanLlmCalls", age);
    let after: Cursor | undefined;
    const pace = this.#pace();
    while (!this.#run.stopped()) {
      const limit = pace.size;
      const page = await this.#batch(pace, async (tx) => {
        const rows = await tx.listUsage({
          agentId: undefined,
          runId: undefined,
          withoutRun: true,
          until: rule.before,
          after,
          limit,
        });
        if (rows.length === 0 || this.#run.dryRun) {
          rule.removed.llmUsage += rows.length;
          return rows;
        }
        await this.#archive([], [], rows);
        rule.removed.llmUsage += await tx.deleteByIds(
          "usage",
          rows.map(id),
          span(rows),
        );
        return rows;
      });
      if (page.length < limit) break;
      after = page[page.length - 1]!.cursor;
    }
  }

  async clearContent(age: number): Promise<void> {
    const rule = this.#rule("content", age);
    for (const table of ["events", "usage"] as const) {
      let afterId = 0;
      const pace = this.#pace();
      while (!this.#run.stopped()) {
        const limit = pace.size;
        const rows = await this.#batch(pace, async (tx) => {
          const rows = await tx.listContent(table, {
            createdBefore: rule.before,
            afterId,
            limit,
          });
          if (rows.length === 0 || this.#run.dryRun) return rows;
          if (table === "events") {
            const events = rows as Stored<EventRecord>[];
            const runIds = [...new Set(events.map((e) => e.record.runId))];
            const runs: Stored<RunRecord>[] = [];
            for (const runId of runIds) {
              const found = await tx.findRun(runId);
              if (found) runs.push(found);
            }
            await this.#archive(runs, events, []);
          } else {
            await this.#archive([], [], rows as Stored<UsageRecord>[]);
          }
          await tx.setContent(
            table,
            rows.map((row) => ({
              id: row.id,
              fields: this.#newContent(table, row.record),
            })),
          );
          return rows;
        });
        rule.cleared[table === "events" ? "events" : "llmUsage"] += rows.length;
        if (rows.length < limit) break;
        afterId = rows[rows.length - 1]!.id;
      }
    }
  }

  /** Counts what whole partitions held, as a rule of its own. */
  partitionsDropped(removed: RecordCounts): void {
    if (removed.events + removed.llmUsage === 0) return;
    this.#rules.push({
      rule: "partitions",
      before: this.#run.now,
      removed,
      cleared: { events: 0, llmUsage: 0 },
    });
  }

  result(): RetentionResult {
    const removed = { runs: 0, events: 0, llmUsage: 0 };
    const cleared = { events: 0, llmUsage: 0 };
    for (const rule of this.#rules) {
      add(removed, rule.removed);
      cleared.events += rule.cleared.events;
      cleared.llmUsage += rule.cleared.llmUsage;
    }
    return {
      removed,
      cleared,
      batches: this.#batches,
      rules: this.#rules,
      dryRun: this.#run.dryRun,
    };
  }

  /**
   * Archives and removes runs: their events and LLM calls by the ids read,
   * then each run that has nothing left; records written meanwhile are
   * archived and removed in another round.
   */
  async #removeRunBatch(
    tx: Backend,
    runIds: readonly string[],
  ): Promise<RecordCounts> {
    const removed = { runs: 0, events: 0, llmUsage: 0 };
    const runs = await tx.lockRuns(runIds);
    let pending = runs.map((row) => row.record.runId);
    for (let round = 0; round < STRAGGLER_ROUNDS; round++) {
      if (pending.length === 0) break;
      const events: Stored<EventRecord>[] = [];
      const usage: Stored<UsageRecord>[] = [];
      for (const runId of pending) {
        events.push(
          ...await pages((after, limit) =>
            tx.listEvents({ runId, eventType: undefined, after, limit })
          ),
        );
        usage.push(
          ...await pages((after, limit) =>
            tx.listUsage({ agentId: undefined, runId, after, limit })
          ),
        );
      }
      await this.#archive(round === 0 ? runs : [], events, usage);
      removed.events += await tx.deleteByIds(
        "events",
        events.map(id),
        span(events),
      );
      removed.llmUsage += await tx.deleteByIds(
        "usage",
        usage.map(id),
        span(usage),
      );
      const gone = new Set(await tx.deleteEmptyRuns(pending));
      removed.runs += gone.size;
      pending = pending.filter((runId) => !gone.has(runId));
    }
    return removed;
  }

  async #archive(
    runs: readonly Stored<RunRecord>[],
    events: readonly Stored<EventRecord>[],
    usage: readonly Stored<UsageRecord>[],
  ): Promise<void> {
    const archive = this.#policy.archive;
    if (!archive) return;
    if (runs.length + events.length + usage.length === 0) return;
    await archive.write({
      runs: runs.map((row) => toAgentRun(row.id, row.record)),
      events: events.map((row) => toAgentRunEvent(row.id, row.record)),
      llmUsage: usage.map((row) => toAgentLlmUsage(row.id, row.record)),
    });
  }

  #newContent(
    table: ContentTable,
    record: EventRecord | UsageRecord,
  ): Partial<EventRecord> | Partial<UsageRecord> {
    const redact = this.#policy.contentAction === "redact";
    if (table === "events") {
      const event = record as EventRecord;
      if (!redact) return { data: null };
      return this.#redaction.apply(EVENT_FIELDS, { data: event.data });
    }
    const usage = record as UsageRecord;
    if (!redact) {
      return { prompt: "", responseContent: null, inputParams: null };
    }
    return this.#redaction.apply(USAGE_FIELDS, {
      prompt: usage.prompt,
      responseContent: usage.responseContent,
      inputParams: usage.inputParams,
    });
  }

  #rule(name: string, age: number): RetentionRuleResult {
    const rule: RetentionRuleResult = {
      rule: name,
      before: new Date(this.#run.now.getTime() - age),
      removed: { runs: 0, events: 0, llmUsage: 0 },
      cleared: { events: 0, llmUsage: 0 },
    };
    this.#rules.push(rule);
    return rule;
  }

  /** The sizes of one rule's batches, from 1 to the policy's `batchSize`. */
  #pace(): BatchPace {
    return new BatchPace(this.#policy.batchSize, this.#pacing);
  }

  /**
   * One batch: a write transaction, or in a dry run plain reads. A batch
   * that found nothing to do is not counted. Timed from inside the
   * transaction (not while waiting for the lock) to its commit: the next
   * batch's size and the pause after it follow from that time.
   */
  async #batch<T extends unknown[]>(
    pace: BatchPace,
    fn: (tx: Backend) => Promise<T>,
  ): Promise<T> {
    let started = performance.now();
    const timed = (tx: Backend) => {
      started = performance.now();
      return fn(tx);
    };
    const rows = this.#run.dryRun
      ? await timed(this.#backend)
      : await this.#backend.maintenanceBatch(timed);
    const held = performance.now() - started;
    pace.took(rows.length, held);
    if (this.#run.dryRun) {
      // Reads hold no lock, but SQLite's hold this process's event loop.
      await yieldTurn();
      return rows;
    }
    await yieldTurn(this.#pacing.pauseAfter(held));
    if (rows.length > 0) {
      this.#batches++;
      this.#run.onProgress?.(this.result().removed);
      // One bounded step per batch keeps the free pages from piling up.
      if (this.#run.reclaimSpace !== false) await this.#reclaimStep();
      await this.#checkpoint();
    }
    return rows;
  }

  /**
   * Copies the batch's pages from the log into the file now, a few hundred
   * at a time, instead of a thousand inside whichever commit (perhaps a
   * logger's) crosses SQLite's threshold. It takes no lock writers wait
   * for; a turn lets this process's writers in after it.
   */
  async #checkpoint(): Promise<void> {
    await this.#backend.checkpoint();
    await yieldTurn();
  }

  /** One incremental_vacuum step, its own short write, paced as batches. */
  async #reclaimStep(): Promise<void> {
    const pages = this.#reclaimPace.size;
    const started = performance.now();
    const bytes = await this.#backend.reclaim({ maxPages: pages });
    if (bytes === 0) return;
    const held = performance.now() - started;
    this.#reclaimPace.took(pages, held);
    await yieldTurn(this.#pacing.pauseAfter(held));
  }
}

function id(row: { id: number }): number {
  return row.id;
}

/**
 * The span of the rows' `createdAt`, a millisecond wider each side: a
 * timestamp stored finer than a millisecond (PostgreSQL keeps microseconds)
 * stays inside it.
 */
function span(
  rows: readonly Stored<{ createdAt: Date }>[],
): TimeSpan | undefined {
  if (rows.length === 0) return undefined;
  let from = Infinity;
  let to = -Infinity;
  for (const row of rows) {
    const time = row.record.createdAt.getTime();
    if (time < from) from = time;
    if (time > to) to = time;
  }
  return { from: new Date(from - 1), to: new Date(to + 1) };
}

function add(into: RecordCounts, counts: RecordCounts): void {
  into.runs += counts.runs;
  into.events += counts.events;
  into.llmUsage += counts.llmUsage;
}

/** Every row, reading keyset pages of 1000. */
async function pages<R>(
  read: (after: Cursor | undefined, limit: number) => Promise<Stored<R>[]>,
): Promise<Stored<R>[]> {
  const limit = 1000;
  const rows: Stored<R>[] = [];
  let after: Cursor | undefined;
  while (true) {
    const page = await read(after, limit);
    rows.push(...page);
    if (page.length < limit) return rows;
    after = page[page.length - 1]!.cursor;
  }
}
