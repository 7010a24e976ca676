// The workloads of the benchmark. Each measures the store and, on the
// SQL backends, the raw driver: the fastest correct way to do the same work
// with it (the honest baseline, which the targets apply to) and, where it
// differs, the same SQL the store sends, alternating them in every
// repetition so that noise hits all alike.

import assert from "node:assert/strict";
import process from "node:process";
import type { AgentRunEventInput, Persistence } from "../mod.ts";
import { eventRecord, runRecord, usageRecord } from "../src/core/records.ts";
import type { SqlRow, SqlValue } from "../src/sql/connection.ts";
import { EVENTS, RUNS, type Table, USAGE } from "../src/sql/tables.ts";
import { parseTimestamp } from "../src/sql/timestamps.ts";
import type { BackendName, BenchConfig } from "./config.ts";
import { w8 } from "./pricing.ts";
import {
  agentName,
  eventInput,
  eventParams,
  filler,
  HOT_AGENT,
  runInput,
  runParams,
  usageInput,
  usageParams,
} from "./data.ts";
import {
  type Captured,
  plainInsert,
  type RawDatabase,
  type SqlCapture,
} from "./raw.ts";

/** One backend under test. */
export interface Target {
  readonly backend: BackendName;
  readonly store: Persistence;
  /** The raw driver on a database of the store's schema; none for memory. */
  readonly raw: RawDatabase | undefined;
  /** The raw driver on the specification's schema alone; none for memory. */
  readonly honest: RawDatabase | undefined;
  /** The SQL the store sends, for the raw driver's database. */
  readonly sql: SqlCapture | undefined;
  /** Empties the store's and the raw driver's tables. */
  clear(): Promise<void>;
  /** Updates both databases' planner statistics after a bulk load. */
  analyze(): Promise<void>;
}

/** The timed repetitions of one measurement. */
export interface Measurement {
  workload: number;
  name: string;
  backend: BackendName;
  unit: "ms" | "MB";
  store: number[];
  /** The raw driver's repetitions; none on memory or without a baseline. */
  raw: number[] | undefined;
  /** The raw driver sending the store's own SQL, where that differs. */
  sameSql?: number[] | undefined;
}

/** Where the workloads put what they measured and noticed. */
export interface Sink {
  measurements: Measurement[];
  /** Query plans and other evidence, by backend and name. */
  notes: { backend: BackendName; name: string; text: string }[];
  /** Called when a workload starts, for progress output. */
  progress(message: string): void;
}

type Run = (target: Target, config: BenchConfig, sink: Sink) => Promise<void>;

/** A workload: its number, what it does, and how it runs. */
export interface Workload {
  id: number;
  title: (config: BenchConfig) => string;
  run: Run;
}

const now = () => performance.now();

/** Times `fn` in milliseconds. */
async function time(fn: () => unknown): Promise<number> {
  const start = now();
  await fn();
  return now() - start;
}

/**
 * Runs `repeat` repetitions of the store's and the raw driver's form of one
 * measurement, each after `prepare`, and records them.
 */
async function compare(
  sink: Sink,
  target: Target,
  config: BenchConfig,
  what: { workload: number; name: string },
  forms: {
    /** Repetitions, when more than the configured ones are needed. */
    repeat?: number;
    prepare?: () => Promise<void>;
    store: () => unknown;
    /** The baseline the targets apply to. */
    raw?: ((raw: RawDatabase) => unknown) | undefined;
    /** On the honest baseline's database, not the store-schema one. */
    rawOnSpecification?: boolean;
    /** The store's own SQL through the driver, when `raw` is not that. */
    sameSql?: ((raw: RawDatabase) => unknown) | undefined;
  },
): Promise<Measurement> {
  const measurement: Measurement = {
    ...what,
    backend: target.backend,
    unit: "ms",
    store: [],
    raw: target.raw && forms.raw ? [] : undefined,
    sameSql: target.raw && forms.sameSql ? [] : undefined,
  };
  const rawDatabase = forms.rawOnSpecification ? target.honest : target.raw;
  const store = async () => {
    await forms.prepare?.();
    measurement.store.push(await time(forms.store));
  };
  const raw = async () => {
    if (!measurement.raw) return;
    await forms.prepare?.();
    measurement.raw.push(await time(() => forms.raw!(rawDatabase!)));
  };
  const sameSql = async () => {
    if (!measurement.sameSql) return;
    await forms.prepare?.();
    measurement.sameSql.push(await time(() => forms.sameSql!(target.raw!)));
  };
  for (let i = 0; i < (forms.repeat ?? config.repeat); i++) {
    // Which goes first rotates: a later one pays for what an earlier one
    // left behind (checkpoints, autovacuum, a WAL to fold back), so each
    // pays equally often.
    const order = [store, raw, sameSql];
    for (let k = 0; k < order.length; k++) {
      await order[(i + k) % order.length]!();
    }
  }
  sink.measurements.push(measurement);
  return measurement;
}

/** Runs the statements of a captured batch insert with other rows. */
async function insertBatch(
  raw: RawDatabase,
  plan: Captured,
  rows: SqlValue[][],
): Promise<void> {
  const write = async () => {
    let next = 0;
    for (const { sql, params } of plan.statements) {
      const count = params.length / rows[0]!.length;
      await raw.query(sql, rows.slice(next, next += count).flat());
    }
  };
  if (plan.transaction) await raw.transaction(write);
  else await write();
}

/** Batch inserts through the raw driver, with the plan the store would use. */
function batchWriter<I>(
  target: Target,
  capture: (sql: SqlCapture, count: number) => Promise<Captured>,
  params: (input: I) => SqlValue[],
) {
  const plans = new Map<number, Captured>();
  return async (raw: RawDatabase, inputs: I[]) => {
    let plan = plans.get(inputs.length);
    if (!plan) {
      plans.set(
        inputs.length,
        plan = await capture(target.sql!, inputs.length),
      );
    }
    await insertBatch(raw, plan, inputs.map(params));
  };
}

function eventBatchWriter(target: Target) {
  const record = eventRecord(eventInput("r", 0, true), new Date());
  return batchWriter(
    target,
    (sql, count) =>
      sql.capture((b) => b.insertEvents(Array(count).fill(record))),
    eventParams,
  );
}

async function insertEventStatement(target: Target): Promise<string> {
  const record = eventRecord(eventInput("r", 0, false), new Date());
  return await target.sql!.statement((b) => b.insertEvents([record]));
}

function insertRunStatement(target: Target): Promise<string> {
  const record = runRecord(runInput(0, 1, 1), new Date());
  return target.sql!.statement((b) => b.insertRun(record));
}

/** Creates the run the event workloads write to, on both sides. */
async function createRun(target: Target, runId: string): Promise<void> {
  const input = { ...runInput(0, 1, 1), runId };
  await target.store.createAgentRun(input);
  if (target.raw) {
    const insert = await insertRunStatement(target);
    await target.raw.query(insert, runParams(input));
    await target.honest!.query(honestInsert(target, RUNS), runParams(input));
  }
}

/** The honest single insert: autocommit, no RETURNING, on the specification's schema. */
function honestInsert(target: Target, definition: Table<unknown>): string {
  return plainInsert(target.honest!.table(definition.name), definition, 1);
}

/**
 * The honest batch: one multi-row insert per statement's worth of rows, in
 * one transaction, on the specification's schema.
 */
async function honestBatch(
  raw: RawDatabase,
  definition: Table<unknown>,
  rows: SqlValue[][],
): Promise<void> {
  const perStatement = Math.floor(
    (raw.name === "sqlite" ? 32_000 : 60_000) / definition.columns.length,
  );
  await raw.transaction(async () => {
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      await raw.query(
        plainInsert(raw.table(definition.name), definition, chunk.length),
        chunk.flat(),
      );
    }
  });
}

async function freshRun(target: Target, runId: string): Promise<void> {
  await target.clear();
  await createRun(target, runId);
}

/** Sequential loops over `count` items, `loggers` of them at once. */
async function loggers(
  count: number,
  loggers: number,
  write: (i: number) => unknown,
): Promise<void> {
  const per = Math.ceil(count / loggers);
  await Promise.all(
    Array.from({ length: loggers }, async (_, logger) => {
      const end = Math.min(count, (logger + 1) * per);
      for (let i = logger * per; i < end; i++) {
        const pending = write(i);
        if (pending instanceof Promise) await pending;
      }
    }),
  );
}

/** Passes `make(0)` … `make(count - 1)` to `write`, `size` at a time. */
async function inBatches<T>(
  count: number,
  size: number,
  make: (i: number) => T,
  write: (batch: T[]) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += size) {
    const batch: T[] = [];
    const end = Math.min(count, start + size);
    for (let i = start; i < end; i++) batch.push(make(i));
    await write(batch);
  }
}

/**
 * Workloads 1 and 3: every event written alone, by `concurrency` loggers at
 * once.
 */
function singleWrites(
  id: 1 | 3,
  name: string,
  concurrency: (config: BenchConfig) => number,
  title: Workload["title"],
): Workload {
  const runId = `w${id}`;
  return {
    id,
    title,
    async run(target, config, sink) {
      const insert = target.raw && await insertEventStatement(target);
      const write = (fn: (i: number) => unknown) =>
        loggers(config.events, concurrency(config), fn);
      const honest = target.raw && honestInsert(target, EVENTS);
      await compare(sink, target, config, { workload: id, name }, {
        prepare: () => freshRun(target, runId),
        store: () =>
          write((i) =>
            target.store.logAgentRunEvent(eventInput(runId, i, false))
          ),
        rawOnSpecification: true,
        raw: (raw) =>
          write((i) =>
            raw.query(honest!, eventParams(eventInput(runId, i, false)))
          ),
        sameSql: (raw) =>
          write((i) =>
            raw.query(insert!, eventParams(eventInput(runId, i, false)))
          ),
      });
    },
  };
}

const w1 = singleWrites(
  1,
  "single writes",
  () => 1,
  (c) => `${c.events} events, one awaited logAgentRunEvent each`,
);

const w2: Workload = {
  id: 2,
  title: (c) => `${c.events} events, ${c.batch} per logAgentRunEvents call`,
  async run(target, config, sink) {
    const write = target.raw && eventBatchWriter(target);
    const batches = (fn: (inputs: AgentRunEventInput[]) => Promise<unknown>) =>
      inBatches(
        config.events,
        config.batch,
        (i) => eventInput("w2", i, false),
        fn,
      );
    await compare(sink, target, config, { workload: 2, name: "batch writes" }, {
      prepare: () => freshRun(target, "w2"),
      store: () => batches((inputs) => target.store.logAgentRunEvents(inputs)),
      rawOnSpecification: true,
      raw: (raw) =>
        batches((inputs) => honestBatch(raw, EVENTS, inputs.map(eventParams))),
      sameSql: (raw) => batches((inputs) => write!(raw, inputs)),
    });
  },
};

const w3 = singleWrites(
  3,
  "concurrent writes",
  (c) => c.loggers,
  (c) =>
    `${c.events} events from ${c.loggers} concurrent loggers (group commit)`,
);

const w4: Workload = {
  id: 4,
  title: (c) =>
    `${c.usage} LLM calls with ${c.textBytes}-character prompts and responses`,
  async run(target, config, sink) {
    const texts = Array.from(
      { length: 16 },
      (_, i) => filler(config.textBytes, i),
    );
    const input = (i: number) =>
      usageInput(i, texts[i % texts.length]!, 10, 10, false);
    const insert = target.raw &&
      await target.sql!.statement((b) =>
        b.insertUsage([usageRecord(input(0), new Date())])
      );
    const honest = target.raw && honestInsert(target, USAGE);
    await compare(sink, target, config, { workload: 4, name: "usage writes" }, {
      prepare: () => target.clear(),
      store: () =>
        loggers(config.usage, 1, (i) => target.store.logLlmUsage(input(i))),
      rawOnSpecification: true,
      raw: (raw) =>
        loggers(
          config.usage,
          1,
          (i) => raw.query(honest!, usageParams(input(i))),
        ),
      sameSql: (raw) =>
        loggers(
          config.usage,
          1,
          (i) => raw.query(insert!, usageParams(input(i))),
        ),
    });
  },
};

const MB = 1024 * 1024;

/** Runs `scan`, sampling RSS every `every` calls of the `sample` it is given. */
async function peakRss(
  scan: (sample: () => void) => Promise<void>,
): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  await scan(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  });
  return (peak - before) / MB;
}

const w5: Workload = {
  id: 5,
  title: (c) => `iterate the ${c.scanEvents} events of one run`,
  async run(target, config, sink) {
    const runId = "w5";
    sink.progress(`loading ${config.scanEvents} events`);
    await freshRun(target, runId);
    const write = target.raw && eventBatchWriter(target);
    await inBatches(
      config.scanEvents,
      config.batch,
      (i) => eventInput(runId, i, true),
      async (inputs) => {
        await target.store.logAgentRunEvents(inputs);
        if (target.raw) await write!(target.raw, inputs);
      },
    );
    await target.analyze();
    const pageSize = 1000;
    const { first, after } = target.sql
      ? await keysetStatements(target.sql, runId, pageSize)
      : { first: "", after: "" };
    const rss: Measurement = {
      workload: 5,
      name: "RSS growth",
      backend: target.backend,
      unit: "MB",
      store: [],
      raw: target.raw ? [] : undefined,
    };
    const scan = async (raw: RawDatabase, onPage: (rows: SqlRow[]) => void) => {
      let count = 0;
      let rows = await raw.query(first, [runId, pageSize]);
      while (true) {
        count += rows.length;
        onPage(rows);
        if (rows.length < pageSize) break;
        const last = rows[rows.length - 1]!;
        rows = await raw.query(after, [
          runId,
          last.timestamp as SqlValue,
          last.id as SqlValue,
          pageSize,
        ]);
      }
      assert.equal(count, config.scanEvents);
    };
    const iterate = await compare(sink, target, config, {
      workload: 5,
      name: "iterate",
    }, {
      async store() {
        let count = 0;
        rss.store.push(
          await peakRss(async (sample) => {
            for await (const _ of target.store.iterateAgentRunEvents(runId)) {
              if (++count % pageSize === 0) sample();
            }
          }),
        );
        assert.equal(count, config.scanEvents);
      },
      // The keyset scan turning its rows into what the store returns
      // (Dates, parsed JSON), as a user of the driver must.
      async raw(raw) {
        rss.raw!.push(
          await peakRss((sample) =>
            scan(raw, (rows) => {
              rows.forEach(toEvent);
              sample();
            })
          ),
        );
      },
    });
    if (target.raw) {
      // The same scan handing back the driver's rows unconverted.
      const unconverted: number[] = [];
      for (let i = 0; i < config.repeat; i++) {
        unconverted.push(await time(() => scan(target.raw!, () => {})));
      }
      sink.measurements.push({
        ...iterate,
        name: "iterate, raw rows unconverted",
        raw: unconverted,
      });
    }
    sink.measurements.push(rss);
    await target.clear();
  },
};

/** An event row as the store returns it, converted by hand. */
function toEvent(row: SqlRow) {
  return {
    id: Number(row.id),
    agentId: String(row.agent_id),
    runId: String(row.run_id),
    agentName: String(row.agent_name),
    timestamp: parseTimestamp(row.timestamp),
    eventType: String(row.event_type),
    data: JSON.parse(String(row.data)),
    createdAt: parseTimestamp(row.created_at),
  };
}

/** The SQL of a run's first page of events and of the pages after it. */
async function keysetStatements(
  sql: SqlCapture,
  runId: string,
  limit: number,
): Promise<{ first: string; after: string }> {
  const query = { runId, eventType: undefined, limit };
  const first = await sql.capture((b) =>
    b.listEvents({ ...query, after: undefined })
  );
  const after = await sql.capture((b) =>
    b.listEvents({ ...query, after: ["t", 7] })
  );
  // The raw loops bind these parameters in this order.
  assert.deepEqual(first.statements[0]!.params, [runId, limit]);
  assert.deepEqual(after.statements[0]!.params, [runId, "t", 7, limit]);
  return { first: first.statements[0]!.sql, after: after.statements[0]!.sql };
}

/** How many of the runs belong to the hot agent of workload 7. */
function hotRuns(config: BenchConfig): number {
  return Math.min(config.runs, config.deep + 10 * config.page);
}

/** Loads the runs and LLM calls of workloads 6 and 7. */
async function loadRunsAndUsage(target: Target, config: BenchConfig) {
  await target.clear();
  const hot = hotRuns(config);
  const runs = Array.from(
    { length: config.runs },
    (_, i) => runInput(i, hot, config.agents),
  );
  for (const run of runs) await target.store.createAgentRun(run);
  if (target.raw) {
    const raw = target.raw;
    const insert = await insertRunStatement(target);
    await raw.transaction(async () => {
      for (const run of runs) await raw.query(insert, runParams(run));
    });
  }
  const write = target.raw && batchWriter(
    target,
    (sql, count) =>
      sql.capture((b) =>
        b.insertUsage(
          Array(count).fill(
            usageRecord(usageInput(0, "p", 1, 1, true), new Date()),
          ),
        )
      ),
    usageParams,
  );
  await inBatches(
    config.statsUsage,
    config.batch,
    (i) =>
      usageInput(i, "Summarise the news", config.agents, config.runs, true),
    async (inputs) => {
      await target.store.logLlmUsages(inputs);
      if (target.raw) await write!(target.raw, inputs);
    },
  );
  await target.analyze();
}

/** The agent workload 6 filters by: an ordinary one, not the hot one. */
function statsAgent(config: BenchConfig): string {
  return agentName(config.agents > 1 ? 1 : 0);
}

const w6: Workload = {
  id: 6,
  title: (c) =>
    `getAgentRunStats, and the latest 50 LLM calls of one agent and of one ` +
    `run, over ${c.runs} runs and ${c.statsUsage} LLM calls`,
  async run(target, config, sink) {
    sink.progress(`loading ${config.runs} runs, ${config.statsUsage} calls`);
    await loadRunsAndUsage(target, config);
    for (const agentId of [undefined, statsAgent(config)]) {
      const captured = await target.sql?.capture((b) => b.stats(agentId));
      const name = agentId === undefined ? "stats, all" : "stats, one agent";
      if (captured) {
        sink.notes.push({
          backend: target.backend,
          name: `${name}: round trips`,
          text: String(captured.statements.length),
        });
        const { sql, params } = captured.statements[0]!;
        sink.notes.push({
          backend: target.backend,
          name: `${name}: query plan`,
          text: await explain(target.raw!, sql, params),
        });
      }
      const query = agentId === undefined ? {} : { agentId };
      const stats = await target.store.getAgentRunStats(query);
      await compare(sink, target, config, { workload: 6, name }, {
        store: () => target.store.getAgentRunStats(query),
        raw: captured &&
          (async (raw: RawDatabase) => {
            const { sql, params } = captured.statements[0]!;
            const [row] = await raw.query(sql, params);
            assert.deepEqual(
              [Number(row!.total_runs), Number(row!.calls)],
              [stats.totalRuns, stats.totalLlmCalls],
            );
          }),
      });
    }
    await latestCalls(target, config, sink);
  },
};

/**
 * The latest 50 LLM calls of one agent and of one run, as a web view asks
 * for them, against the same indexed query sent by hand.
 */
async function latestCalls(
  target: Target,
  config: BenchConfig,
  sink: Sink,
): Promise<void> {
  const filters = [
    ["latest 50 calls, one agent", { agentId: statsAgent(config) }],
    ["latest 50 calls, one run", { runId: "run-1" }],
  ] as const;
  for (const [name, filter] of filters) {
    const query = { agentId: undefined, runId: undefined, ...filter };
    const captured = await target.sql?.capture((b) =>
      b.listUsage({ ...query, after: undefined, limit: 50 })
    );
    const statement = captured?.statements[0];
    if (statement) {
      sink.notes.push({
        backend: target.backend,
        name: `${name}: query plan`,
        text: await explain(target.raw!, statement.sql, statement.params),
      });
    }
    const expected = (await target.store.getLlmUsage({ ...filter, limit: 50 }))
      .length;
    await compare(sink, target, config, { workload: 6, name }, {
      repeat: 21,
      store: () => target.store.getLlmUsage({ ...filter, limit: 50 }),
      raw: statement &&
        (async (raw: RawDatabase) => {
          const rows = await raw.query(statement.sql, statement.params);
          assert.equal(rows.length, expected);
        }),
    });
  }
}

/** The query plan of `sql`, one step a line. */
async function explain(
  raw: RawDatabase,
  sql: string,
  params: readonly SqlValue[],
): Promise<string> {
  if (raw.name === "sqlite") {
    const rows = await raw.query(`EXPLAIN QUERY PLAN ${sql}`, params);
    return rows.map((row: SqlRow) => String(row.detail)).join("\n");
  }
  const rows = await raw.query(`EXPLAIN ${sql}`, params);
  return rows.map((row: SqlRow) => String(row["QUERY PLAN"])).join("\n");
}

const w7: Workload = {
  id: 7,
  title: (c) =>
    `getAgentRuns for the agent with ${hotRuns(c)} of ${c.runs} runs ` +
    `(${c.agents} agents): first page, page ${c.deep} rows deep, to the end`,
  async run(target, config, sink) {
    // Uses the runs workload 6 loaded.
    const { page, deep } = config;
    const agentId = HOT_AGENT;
    const deepStart = Math.floor(deep / page) * page;
    // A page takes well under a millisecond: more repetitions steady the
    // median.
    const repeat = Math.max(config.repeat, 21);
    const listSql = async (after: unknown, limit: number, offset: number) =>
      (await target.sql!.capture((b) =>
        b.listRuns({ agentId, status: undefined, after, limit, offset })
      )).statements[0]!;
    const firstPage = target.sql && await listSql(undefined, page, 0);
    const offsetPage = target.sql && await listSql(undefined, page, deepStart);
    const afterPage = target.sql && await listSql(["t", 7], page, 0);
    if (afterPage) {
      assert.deepEqual(afterPage.params, [agentId, "t", 7, page, 0]);
    }
    // The raw keyset cursor of the deep page: the row just before it.
    const [before] = target.raw && deepStart > 0
      ? await target.raw.query(offsetPage!.sql, [agentId, 1, deepStart - 1])
      : [];
    const keyset = before &&
      [agentId, before.created_at, before.id, page, 0] as SqlValue[];

    const first = await compare(sink, target, config, {
      workload: 7,
      name: "first page",
    }, {
      repeat,
      store: () => target.store.getAgentRuns({ agentId, limit: page }),
      raw: firstPage && ((raw) => raw.query(firstPage.sql, firstPage.params)),
    });
    await compare(sink, target, config, {
      workload: 7,
      name: "deep page, OFFSET",
    }, {
      repeat,
      store: () =>
        target.store.getAgentRuns({ agentId, limit: page, offset: deepStart }),
      raw: offsetPage &&
        ((raw) => raw.query(offsetPage.sql, offsetPage.params)),
    });
    // Each pass of the iterator times its first page and its deep page; the
    // raw driver's are the first page's query and the keyset query after
    // the row before the deep page.
    const firstByIterator: Measurement = {
      workload: 7,
      name: "first page, iterator",
      backend: target.backend,
      unit: "ms",
      store: [],
      raw: first.raw,
    };
    const deepByIterator: Measurement = {
      ...firstByIterator,
      name: "deep page, iterator",
      store: [],
      raw: keyset && target.raw ? [] : undefined,
    };
    for (let pass = 0; pass < repeat; pass++) {
      let i = 0;
      let start = now();
      for await (
        const _ of target.store.iterateAgentRuns({ agentId, pageSize: page })
      ) {
        i++;
        if (i === page) firstByIterator.store.push(now() - start);
        if (i === deepStart) start = now();
        if (i === deepStart + page) deepByIterator.store.push(now() - start);
      }
      if (deepByIterator.raw) {
        deepByIterator.raw.push(
          await time(() => target.raw!.query(afterPage!.sql, keyset!)),
        );
      }
    }
    sink.measurements.push(firstByIterator, deepByIterator);
    const total = hotRuns(config);
    await compare(sink, target, config, {
      workload: 7,
      name: "iterator to the end",
    }, {
      async store() {
        let count = 0;
        for await (const _ of target.store.iterateAgentRuns({ agentId })) {
          count++;
        }
        assert.equal(count, total);
      },
      raw: afterPage && (async (raw) => {
        let count = 0;
        let rows = await raw.query(firstPage!.sql, [agentId, 1000, 0]);
        while (true) {
          count += rows.length;
          if (rows.length < 1000) break;
          const last = rows[rows.length - 1]!;
          rows = await raw.query(afterPage.sql, [
            agentId,
            last.created_at as SqlValue,
            last.id as SqlValue,
            1000,
            0,
          ]);
        }
        assert.equal(count, total);
      }),
    });
    await target.clear();
  },
};

/** The eight workloads, in order. */
export const WORKLOADS: readonly Workload[] = [
  w1,
  w2,
  w3,
  w4,
  w5,
  w6,
  w7,
  w8,
];
