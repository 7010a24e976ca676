// The backend of both SQL databases: every query written once, with `?`
// placeholders, over a dialect's hooks and a connection. Paging, statement
// texts, statistics, migrations and error mapping live in their own files;
// this one composes them into the `Backend` primitives.

import type {
  Backend,
  ContentChange,
  ContentQuery,
  ContentTable,
  DeleteRunsOptions,
  EventListQuery,
  RunListQuery,
  RunSeriesCell,
  RunSeriesQuery,
  RunSummaryListQuery,
  RunSummaryRow,
  Stored,
  TimeRange,
  TimeSpan,
  ToolStatsFilter,
  UsageCost,
  UsageListQuery,
  UsageSeriesCell,
  UsageSeriesQuery,
} from "../core/backend.ts";
import type {
  EventRecord,
  RunChanges,
  RunRecord,
  UsageRecord,
} from "../core/records.ts";
import { DuplicateRunError, RunNotFoundError } from "../errors.ts";
import type {
  AgentRunStats,
  LlmUsageBreakdown,
  RecordCounts,
  SpaceReport,
  StoreIdentity,
  StoreInfo,
  ToolStats,
} from "../types.ts";
import type {
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { mapDriverErrors } from "./driver_errors.ts";
import type { ExistingSchema } from "./existing_schema.ts";
import { appliedVersion, migrate } from "./migrate.ts";
import { type TableSource, tableSource } from "./readable_tables.ts";
import { selectPage, storedRow, Where } from "./paging.ts";
import { chunks, insertSql, placeholders } from "./statements.ts";
import {
  coveringToolsIndexVersion,
  MIGRATIONS_TABLE,
  TOOLS_INDEX_NAME,
  USAGE_DATE_INDEX_NAME,
  usageDateIndexVersion,
} from "./schema.ts";
import { SqlSeries } from "./series.ts";
import { SqlStatistics, usageStats } from "./statistics.ts";
import { totalsByDay, UsageRollup } from "./usage_rollup.ts";
import { USAGE_DAILY_TABLE, USAGE_DAYS_TABLE } from "./usage_rollup_schema.ts";
import { pacingFor, yieldTurn } from "../core/pace.ts";
import { MAX_BUCKETS } from "../core/buckets.ts";
import { selectRunSummaries } from "./run_summaries.ts";
import {
  encodeFields,
  encodeRecord,
  EVENTS,
  RUNS,
  type Table,
  USAGE,
} from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";
import { sqlIdentity } from "./identity.ts";
import {
  contentFilter,
  maintenanceLock,
  sessionConnection,
} from "./maintenance.ts";
import {
  checkpoint,
  reclaimStep,
  spaceReport,
  switchToIncremental,
} from "./space.ts";

const DAY_MS = 86_400_000;

/** SQL storage over a dialect and a connection. */
export class SqlBackend implements Backend {
  readonly name: SqlDialect["name"];
  readonly #dialect: SqlDialect;
  readonly #driver: SqlConnection;
  readonly #statistics: SqlStatistics;
  readonly #series: SqlSeries;
  /** The tables written to. */
  readonly #runs: string;
  readonly #events: string;
  readonly #usage: string;
  /** The tables read from: themselves, or as an older schema has them. */
  readonly #read: {
    runs: TableSource;
    events: TableSource;
    usage: TableSource;
  };
  readonly #existing: ExistingSchema | undefined;
  /** Whether the dialect's functions exist in the database. */
  readonly #functions: boolean;
  /** The daily roll-up, where the schema has it. */
  readonly #rollup: UsageRollup | undefined;

  /**
   * @param existing The schema as found, for a store that reads the
   * database without migrating it; its queries then read only the columns
   * that schema has. Absent when the schema is current.
   */
  constructor(
    dialect: SqlDialect,
    driver: SqlConnection,
    existing?: ExistingSchema,
  ) {
    this.name = dialect.name;
    this.#dialect = dialect;
    this.#driver = driver;
    this.#existing = existing;
    this.#runs = dialect.table(RUNS.name);
    this.#events = dialect.table(EVENTS.name);
    this.#usage = dialect.table(USAGE.name);
    this.#read = {
      runs: tableSource(dialect, RUNS, existing),
      events: tableSource(dialect, EVENTS, existing),
      usage: tableSource(dialect, USAGE, existing),
    };
    // The dialect's functions come with schema version 1: an older schema
    // read as it is has none, and its costs are summed here instead.
    this.#functions = dialect.functions.length === 0 || !existing ||
      (existing.version ?? 0) >= 1;
    // Where the usage table is itself, costs other programs wrote are
    // looked up in their own row, so a date range reads the date index.
    const usageTable = this.#read.usage.from === this.#read.usage.ref
      ? this.#read.usage.from
      : undefined;
    this.#statistics = new SqlStatistics(dialect, {
      runs: this.#read.runs.from,
      usage: this.#read.usage.from,
      functions: this.#functions,
      usageTable,
    });
    this.#series = new SqlSeries(dialect, {
      runs: this.#read.runs.from,
      events: this.#read.events.from,
      usage: this.#read.usage.from,
      functions: this.#functions,
      usageTable,
      // A current schema has it; one read as it is (read-only, the web
      // view) has it from the version that built it.
      usageDateIndex: holdsUsageDateIndex(dialect, existing)
        ? USAGE_DATE_INDEX_NAME
        : undefined,
      toolsIndex: holdsToolCalls(dialect, existing)
        ? TOOLS_INDEX_NAME
        : undefined,
    });
    // Its tables come in one schema version with the date index and the
    // trigger that marks updated days stale.
    const rolledUp = !existing ||
      (existing.columns.has(USAGE_DAILY_TABLE) &&
        existing.columns.has(USAGE_DAYS_TABLE));
    this.#rollup = rolledUp
      ? new UsageRollup(dialect, this.#usage, USAGE_DATE_INDEX_NAME)
      : undefined;
  }

  insertRun(record: RunRecord): Promise<number> {
    return this.#guard(async () => {
      try {
        const [id] = await this.#driver.insert(
          insertSql(this.#runs, RUNS, 1),
          encodeRecord(RUNS, record),
          1,
        );
        return id!;
      } catch (error) {
        if (this.#driver.classify(error) === "unique") {
          throw new DuplicateRunError(record.runId, { cause: error });
        }
        throw error;
      }
    });
  }

  updateRun(
    runId: string,
    changes: RunChanges,
  ): Promise<Stored<RunRecord> | undefined> {
    const fields = encodeFields(RUNS, changes);
    return this.#guard(async () => {
      const [row] = await this.#driver.query(
        `UPDATE ${this.#runs} SET ${
          fields.map((f) => `${f.column} = ?`).join(", ")
        } WHERE run_id = ? RETURNING *`,
        [...fields.map((f) => f.value), runId],
      );
      return row && storedRun(row);
    });
  }

  findRun(runId: string): Promise<Stored<RunRecord> | undefined> {
    return this.#guard(async () => {
      const [row] = await this.#driver.query(
        `SELECT * FROM ${this.#read.runs.from} WHERE run_id = ?`,
        [runId],
      );
      return row && storedRun(row);
    });
  }

  listRuns(query: RunListQuery): Promise<Stored<RunRecord>[]> {
    const filters = new Where()
      .add("agent_id = ?", query.agentId)
      .add("agent_name = ?", query.agentName);
    statusFilter(filters, query.status);
    timeFilter(filters, "created_at", query);
    return this.#guard(() =>
      selectPage(this.#driver, this.#dialect, {
        table: this.#read.runs.from,
        definition: RUNS,
        sortColumn: "created_at",
        direction: "descending",
        filters,
      }, query)
    );
  }

  listRunSummaries(query: RunSummaryListQuery): Promise<RunSummaryRow[]> {
    return this.#guard(() =>
      selectRunSummaries(this.#driver, this.#dialect, {
        runs: this.#read.runs.from,
        usage: this.#read.usage.from,
        functions: this.#functions,
      }, query)
    );
  }

  deleteRun(runId: string): Promise<boolean> {
    return this.#guard(() =>
      this.#driver.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${this.#events} WHERE run_id = ?`, [runId]);
        const deleted = await tx.query(
          `DELETE FROM ${this.#runs} WHERE run_id = ? RETURNING id`,
          [runId],
        );
        return deleted.length > 0;
      })
    );
  }

  insertEvents(records: readonly EventRecord[]): Promise<number[]> {
    return this.#guard(async () => {
      try {
        return await this.#insertAll(this.#events, EVENTS, records);
      } catch (error) {
        if (this.#driver.classify(error) !== "foreign-key") throw error;
        const missing = await this.#missingRun(records.map((r) => r.runId));
        throw new RunNotFoundError(missing ?? records[0]!.runId, {
          cause: error,
        });
      }
    });
  }

  listEvents(query: EventListQuery): Promise<Stored<EventRecord>[]> {
    const filters = new Where()
      .add("run_id = ?", query.runId)
      .add("event_type = ?", query.eventType);
    timeFilter(filters, "timestamp", query);
    return this.#guard(() =>
      selectPage(this.#driver, this.#dialect, {
        table: this.#read.events.from,
        definition: EVENTS,
        sortColumn: "timestamp",
        direction: "ascending",
        filters,
      }, query)
    );
  }

  insertUsage(records: readonly UsageRecord[]): Promise<number[]> {
    return this.#guard(() => this.#insertAll(this.#usage, USAGE, records));
  }

  listUsage(query: UsageListQuery): Promise<Stored<UsageRecord>[]> {
    const filters = new Where()
      .add("agent_id = ?", query.agentId)
      .add("run_id = ?", query.runId)
      .add("provider = ?", query.provider)
      .add("model = ?", query.model)
      .add("status = ?", query.status);
    timeFilter(filters, "created_at", query);
    if (query.withoutRun) {
      const { runs, usage } = this.#read;
      filters.add(
        `(run_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${runs.from} ` +
          `WHERE ${runs.ref}.run_id = ${usage.ref}.run_id))`,
      );
    }
    return this.#guard(() =>
      selectPage(this.#driver, this.#dialect, {
        table: this.#read.usage.from,
        definition: USAGE,
        sortColumn: "created_at",
        direction: "descending",
        filters,
        owned: true,
      }, query)
    );
  }

  updateUsageCosts(costs: readonly UsageCost[]): Promise<void> {
    if (costs.length === 0) return Promise.resolve();
    const sql =
      `UPDATE ${this.#usage} SET cost_usd = ?, cost_source = ? WHERE id = ?`;
    return this.#guard(() =>
      this.#driver.transaction(async (tx) => {
        for (const { id, costUsd, costSource } of costs) {
          await tx.query(sql, [costUsd, costSource, id]);
        }
      })
    );
  }

  stats(
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<AgentRunStats> {
    const rollup = this.#rollup;
    // A range of more days than a series may have buckets is summed from
    // the rows: the roll-up's look-up would cost more than it saves.
    const days = range.since && range.until &&
      range.until.getTime() - range.since.getTime() <= MAX_BUCKETS * DAY_MS &&
      { ...totalsByDay(range.since, range.until), agentId };
    if (!rollup || !days || !rollup.serves(days)) {
      return this.#guard(() =>
        this.#statistics.runStats(this.#driver, agentId, range)
      );
    }
    // The calls of whole closed days from the roll-up, as the series read
    // them; the runs, and the calls of other days, from the rows: several
    // statements, where the rows alone are summed in one (one snapshot).
    return this.#guard(async () => {
      const runs = await this.#statistics.runCounts(
        this.#driver,
        agentId,
        range,
      );
      const cells = await rollup.usage(
        this.#driver,
        days,
        async (part) => [
          await this.#statistics.usageCell(this.#driver, agentId, part),
        ],
        () => Promise.resolve([]),
      );
      return { ...runs, ...usageStats(cells) };
    });
  }

  usageBreakdown(
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<LlmUsageBreakdown[]> {
    return this.#guard(() =>
      this.#statistics.usageBreakdown(this.#driver, agentId, range)
    );
  }

  usageSeries(query: UsageSeriesQuery): Promise<UsageSeriesCell[]> {
    const rollup = this.#rollup;
    if (rollup?.serves(query)) {
      return this.#guard(() =>
        rollup.usage(
          this.#driver,
          query,
          (part) => this.#series.usage(this.#driver, part),
          (part) => this.#series.latencies(this.#driver, part),
        )
      );
    }
    return this.#guard(() => this.#series.usage(this.#driver, query));
  }

  refreshUsageRollup(
    options: { now: Date; stopped: () => boolean },
  ): Promise<number> {
    const rollup = this.#rollup;
    if (!rollup) return Promise.resolve(0);
    const pacing = pacingFor(this.name);
    return this.#guard(() =>
      rollup.refresh(this.#driver, {
        ...options,
        pause: (heldMs) => yieldTurn(pacing.pauseAfter(heldMs)),
      })
    );
  }

  runSeries(query: RunSeriesQuery): Promise<RunSeriesCell[]> {
    return this.#guard(() => this.#series.runs(this.#driver, query));
  }

  toolStats(query: ToolStatsFilter): Promise<ToolStats[]> {
    return this.#guard(() => this.#series.tools(this.#driver, query));
  }

  deleteRuns(
    runIds: readonly string[],
    { withUsage, dryRun }: DeleteRunsOptions,
  ): Promise<RecordCounts> {
    // A dry run only reads, as a read-only store may: from the tables as
    // they are read.
    const [runs, events, usage] = dryRun
      ? [this.#read.runs.from, this.#read.events.from, this.#read.usage.from]
      : [this.#runs, this.#events, this.#usage];
    const tables = [events, ...withUsage ? [usage] : []];
    const work = async (session: SqlSession) => {
      const counts: RecordCounts = { runs: 0, events: 0, llmUsage: 0 };
      for (const chunk of chunks(runIds, this.#dialect.maxParameters)) {
        const where = `WHERE run_id IN ${placeholders(chunk)}`;
        const affected = async (table: string) => {
          if (dryRun) {
            const [row] = await session.query(
              `SELECT COUNT(*) AS n FROM ${table} ${where}`,
              chunk,
            );
            return Number(row!.n);
          }
          const rows = await session.query(
            `DELETE FROM ${table} ${where} RETURNING id`,
            chunk,
          );
          return rows.length;
        };
        // Events first: they reference the runs.
        counts.events += await affected(tables[0]!);
        if (withUsage) counts.llmUsage += await affected(tables[1]!);
        counts.runs += await affected(runs);
      }
      return counts;
    };
    return this.#guard(() =>
      dryRun ? work(this.#driver) : this.#driver.transaction(work)
    );
  }

  info(): Promise<Omit<StoreInfo, "backend">> {
    return this.#guard(async () => {
      const { runs, events, usage } = this.#read;
      const [counts] = await this.#driver.query(
        `SELECT (SELECT COUNT(*) FROM ${runs.from}) AS runs, ` +
          `(SELECT COUNT(*) FROM ${events.from}) AS events, ` +
          `(SELECT COUNT(*) FROM ${usage.from}) AS llm_usage`,
      );
      // Without a version table, the version found on opening: a read-only
      // store never creates one.
      const schemaVersion =
        this.#existing?.columns.has(MIGRATIONS_TABLE) === false
          ? this.#existing.version
          : await appliedVersion(this.#driver, this.#dialect);
      const [size] = await this.#driver.query(this.#dialect.sizeQuery);
      return {
        schemaVersion,
        sizeBytes: Number(size?.size ?? 0),
        runs: Number(counts!.runs),
        events: Number(counts!.events),
        llmUsage: Number(counts!.llm_usage),
      };
    });
  }

  compact(): Promise<void> {
    return this.#guard(async () => {
      for (const statement of this.#dialect.compact) {
        await this.#driver.query(statement);
      }
    });
  }

  switchToIncrementalVacuum(): Promise<boolean> {
    return this.#guard(() => switchToIncremental(this.#driver, this.#dialect));
  }

  reclaim(options: { maxPages: number }): Promise<number> {
    return this.#guard(() =>
      reclaimStep(this.#driver, this.#dialect, options.maxPages)
    );
  }

  checkpoint(): Promise<void> {
    return this.#guard(() => checkpoint(this.#driver, this.#dialect));
  }

  space(since: Date): Promise<SpaceReport> {
    const { runs, events, usage } = this.#read;
    return this.#guard(() =>
      spaceReport(this.#driver, this.#dialect, since, [
        { name: RUNS.name, table: runs.from },
        { name: EVENTS.name, table: events.from },
        { name: USAGE.name, table: usage.from },
      ])
    );
  }

  initializeSchema(): Promise<void> {
    return this.#guard(() =>
      this.#driver.transaction((tx) => migrate(tx, this.#dialect))
    );
  }

  maintenanceBatch<T>(fn: (backend: Backend) => Promise<T>): Promise<T> {
    return this.#guard(() =>
      this.#driver.transaction(async (tx) => {
        const lock = maintenanceLock(this.name, this.#runs);
        if (lock) await tx.query(lock.sql, lock.params);
        return await fn(
          new SqlBackend(this.#dialect, sessionConnection(tx, this.#driver)),
        );
      })
    );
  }

  lockRuns(runIds: readonly string[]): Promise<Stored<RunRecord>[]> {
    // SQLite's write transaction keeps every other writer out already.
    const lock = this.name === "postgres";
    return this.#guard(async () => {
      const runs: Stored<RunRecord>[] = [];
      for (const chunk of chunks(runIds, this.#dialect.maxParameters)) {
        const rows = await this.#driver.query(
          lock
            ? `SELECT * FROM ${this.#runs} WHERE run_id IN ${
              placeholders(chunk)
            } ORDER BY id FOR UPDATE`
            : `SELECT * FROM ${this.#runs} WHERE run_id IN ${
              placeholders(chunk)
            } ORDER BY id`,
          chunk,
        );
        runs.push(...rows.map(storedRun));
      }
      return runs;
    });
  }

  deleteByIds(
    table: ContentTable,
    ids: readonly number[],
    within?: TimeSpan,
  ): Promise<number> {
    const name = table === "events" ? this.#events : this.#usage;
    // Only PostgreSQL partitions, and its created_at is a timestamp; SQLite
    // compares text, and files written by other tools may hold another
    // format, which a bound in ours could leave out.
    const bounded = within !== undefined && this.name === "postgres";
    const span = bounded
      ? [formatTimestamp(within.from), formatTimestamp(within.to)]
      : [];
    return this.#guard(async () => {
      let deleted = 0;
      const size = this.#dialect.maxParameters - span.length;
      for (const chunk of chunks(ids, size)) {
        const rows = await this.#driver.query(
          `DELETE FROM ${name} WHERE id IN ${placeholders(chunk)}` +
            (bounded ? " AND created_at >= ? AND created_at <= ?" : "") +
            " RETURNING id",
          [...chunk, ...span],
        );
        deleted += rows.length;
      }
      return deleted;
    });
  }

  deleteEmptyRuns(runIds: readonly string[]): Promise<string[]> {
    return this.#guard(async () => {
      const deleted: string[] = [];
      for (const chunk of chunks(runIds, this.#dialect.maxParameters)) {
        const rows = await this.#driver.query(
          `DELETE FROM ${this.#runs} WHERE run_id IN ${placeholders(chunk)} ` +
            `AND NOT EXISTS (SELECT 1 FROM ${this.#events} e ` +
            `WHERE e.run_id = ${this.#runs}.run_id) ` +
            `AND NOT EXISTS (SELECT 1 FROM ${this.#usage} u ` +
            `WHERE u.run_id = ${this.#runs}.run_id) RETURNING run_id`,
          chunk,
        );
        deleted.push(...rows.map((row) => String(row.run_id)));
      }
      return deleted;
    });
  }

  listContent(
    table: ContentTable,
    query: ContentQuery,
  ): Promise<Stored<EventRecord | UsageRecord>[]> {
    const [name, definition] = table === "events"
      ? [this.#events, EVENTS as Table<EventRecord | UsageRecord>]
      : [this.#usage, USAGE as Table<EventRecord | UsageRecord>];
    // A constant condition on the table's own columns.
    const filter = contentFilter(table);
    return this.#guard(async () => {
      const rows = await this.#driver.query(
        `SELECT * FROM ${name} WHERE created_at < ? AND id > ? AND ${filter} ORDER BY id LIMIT ?`,
        [formatTimestamp(query.createdBefore), query.afterId, query.limit],
      );
      return rows.map((row) => storedRow(definition, row, "created_at"));
    });
  }

  setContent(
    table: ContentTable,
    changes: readonly ContentChange[],
  ): Promise<number> {
    const [name, definition] = table === "events"
      ? [this.#events, EVENTS as Table<unknown>]
      : [this.#usage, USAGE as Table<unknown>];
    return this.#guard(async () => {
      let changed = 0;
      // Cleared rows all get the same values: one statement per chunk.
      const groups = new Map<string, ContentChange[]>();
      for (const change of changes) {
        const key = JSON.stringify(change.fields);
        let group = groups.get(key);
        if (!group) groups.set(key, group = []);
        group.push(change);
      }
      for (const group of groups.values()) {
        const fields = encodeFields(definition, group[0]!.fields);
        if (fields.length === 0) continue;
        const room = this.#dialect.maxParameters - fields.length;
        for (const chunk of chunks(group.map((c) => c.id), room)) {
          const rows = await this.#driver.query(
            `UPDATE ${name} SET ${
              fields.map((f) => `${f.column} = ?`).join(", ")
            } WHERE id IN ${placeholders(chunk)} RETURNING id`,
            [...fields.map((f) => f.value), ...chunk],
          );
          changed += rows.length;
        }
      }
      return changed;
    });
  }

  identity(): Promise<StoreIdentity> {
    return this.#guard(() => sqlIdentity(this.#driver, this.name, this.#runs));
  }

  ping(): Promise<void> {
    return this.#guard(async () => {
      await this.#driver.query("SELECT 1");
    });
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  /** Inserts every record in one transaction, as few statements as fit. */
  #insertAll<R>(
    table: string,
    definition: Table<R>,
    records: readonly R[],
  ): Promise<number[]> {
    const perStatement = Math.floor(
      this.#dialect.maxParameters / definition.columns.length,
    );
    if (records.length <= perStatement) {
      // One statement, atomic by itself: no transaction around it (a lone
      // write is one autocommit INSERT, as a driver user writes it).
      const params: SqlValue[] = [];
      for (const record of records) encodeRecord(definition, record, params);
      return this.#driver.insert(
        insertSql(table, definition, records.length),
        params,
        records.length,
      );
    }
    return this.#driver.transaction(async (session) => {
      const ids: number[] = [];
      for (const chunk of chunks(records, perStatement)) {
        const params: SqlValue[] = [];
        for (const record of chunk) encodeRecord(definition, record, params);
        ids.push(
          ...await session.insert(
            insertSql(table, definition, chunk.length),
            params,
            chunk.length,
          ),
        );
      }
      return ids;
    });
  }

  /** The first of `runIds` that has no run, if any. */
  async #missingRun(runIds: string[]): Promise<string | undefined> {
    const unique = [...new Set(runIds)];
    const found = new Set<string>();
    for (const chunk of chunks(unique, this.#dialect.maxParameters)) {
      const rows = await this.#driver.query(
        `SELECT run_id FROM ${this.#runs} WHERE run_id IN ${
          placeholders(chunk)
        }`,
        chunk,
      );
      for (const row of rows) found.add(String(row.run_id));
    }
    return unique.find((id) => !found.has(id));
  }

  /** Runs `operation`, turning driver errors into the module's errors. */
  #guard<T>(operation: () => Promise<T>): Promise<T> {
    return mapDriverErrors(this.name, this.#driver, operation);
  }
}

function storedRun(row: SqlRow): Stored<RunRecord> {
  return storedRow(RUNS, row, "created_at");
}

/** Keeps rows whose `column` lies in the range. */
function timeFilter(filters: Where, column: string, range: TimeRange): void {
  filters
    .add(`${column} >= ?`, range.since && formatTimestamp(range.since))
    .add(`${column} < ?`, range.until && formatTimestamp(range.until));
}

/** Keeps runs of one status, or of any of several (none of an empty list). */
function statusFilter(filters: Where, status: RunListQuery["status"]): void {
  if (status === undefined) return;
  if (typeof status === "string") filters.add("status = ?", status);
  else if (status.length === 0) filters.add("1 = 0");
  else filters.add(`status IN ${placeholders(status)}`, ...status);
}

/**
 * Whether the tool events' index holds the tool statistics' expressions:
 * always in a current schema; in one read as it is (read-only), from the
 * version that brought them. A read-only store of the web view reads such
 * a schema as often as a current one.
 */
function holdsToolCalls(
  dialect: SqlDialect,
  existing: ExistingSchema | undefined,
): boolean {
  return holdsFrom(coveringToolsIndexVersion(dialect), existing);
}

/** Whether the LLM calls' date index carries the usage series' columns. */
function holdsUsageDateIndex(
  dialect: SqlDialect,
  existing: ExistingSchema | undefined,
): boolean {
  return holdsFrom(usageDateIndexVersion(dialect), existing);
}

/** Whether a schema has what version `since` brought. */
function holdsFrom(
  since: number | undefined,
  existing: ExistingSchema | undefined,
): boolean {
  if (since === undefined) return false;
  return !existing || (existing.version ?? 0) >= since;
}
