// The backend of both SQL databases: every query written once, with `?`
// placeholders, over a dialect's hooks and a connection. Paging, statement
// texts, statistics, migrations and error mapping live in their own files;
// this one composes them into the `Backend` primitives.

import type {
  Backend,
  DeleteRunsOptions,
  EventListQuery,
  RunListQuery,
  RunSeriesCell,
  RunSeriesQuery,
  Stored,
  TimeRange,
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
  StoreInfo,
  ToolStats,
} from "../types.ts";
import type { SqlConnection, SqlRow, SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { mapDriverErrors } from "./driver_errors.ts";
import { appliedVersion, migrate } from "./migrate.ts";
import { selectPage, storedRow, Where } from "./paging.ts";
import { chunks, insertSql, placeholders } from "./statements.ts";
import { SqlSeries } from "./series.ts";
import { SqlStatistics } from "./statistics.ts";
import {
  encodeFields,
  encodeRecord,
  EVENTS,
  RUNS,
  type Table,
  USAGE,
} from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";

/** SQL storage over a dialect and a connection. */
export class SqlBackend implements Backend {
  readonly name: SqlDialect["name"];
  readonly #dialect: SqlDialect;
  readonly #driver: SqlConnection;
  readonly #statistics: SqlStatistics;
  readonly #series: SqlSeries;
  readonly #runs: string;
  readonly #events: string;
  readonly #usage: string;

  constructor(dialect: SqlDialect, driver: SqlConnection) {
    this.name = dialect.name;
    this.#dialect = dialect;
    this.#driver = driver;
    this.#statistics = new SqlStatistics(dialect);
    this.#series = new SqlSeries(dialect);
    this.#runs = dialect.table(RUNS.name);
    this.#events = dialect.table(EVENTS.name);
    this.#usage = dialect.table(USAGE.name);
  }

  insertRun(record: RunRecord): Promise<number> {
    return this.#guard(async () => {
      try {
        const [row] = await this.#driver.query(
          insertSql(this.#runs, RUNS, 1),
          encodeRecord(RUNS, record),
        );
        return Number(row!.id);
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
        `SELECT * FROM ${this.#runs} WHERE run_id = ?`,
        [runId],
      );
      return row && storedRun(row);
    });
  }

  listRuns(query: RunListQuery): Promise<Stored<RunRecord>[]> {
    const filters = new Where()
      .add("agent_id = ?", query.agentId)
      .add("agent_name = ?", query.agentName)
      .add(
        "created_at < ?",
        query.createdBefore && formatTimestamp(query.createdBefore),
      );
    statusFilter(filters, query.status);
    timeFilter(filters, "created_at", query);
    return this.#guard(() =>
      selectPage(this.#driver, this.#dialect, {
        table: this.#runs,
        definition: RUNS,
        sortColumn: "created_at",
        direction: "descending",
        filters,
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
        table: this.#events,
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
      filters.add(
        `(run_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${this.#runs} r ` +
          `WHERE r.run_id = ${this.#usage}.run_id))`,
      );
    }
    return this.#guard(() =>
      selectPage(this.#driver, this.#dialect, {
        table: this.#usage,
        definition: USAGE,
        sortColumn: "created_at",
        direction: "descending",
        filters,
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
    return this.#guard(() =>
      this.#statistics.runStats(this.#driver, agentId, range)
    );
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
    return this.#guard(() => this.#series.usage(this.#driver, query));
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
    const tables = [this.#events, ...withUsage ? [this.#usage] : []];
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
        counts.runs += await affected(this.#runs);
      }
      return counts;
    };
    return this.#guard(() =>
      dryRun ? work(this.#driver) : this.#driver.transaction(work)
    );
  }

  info(): Promise<Omit<StoreInfo, "backend">> {
    return this.#guard(async () => {
      const [counts] = await this.#driver.query(
        `SELECT (SELECT COUNT(*) FROM ${this.#runs}) AS runs, ` +
          `(SELECT COUNT(*) FROM ${this.#events}) AS events, ` +
          `(SELECT COUNT(*) FROM ${this.#usage}) AS llm_usage`,
      );
      const schemaVersion = await appliedVersion(this.#driver, this.#dialect);
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

  initializeSchema(): Promise<void> {
    return this.#guard(() =>
      this.#driver.transaction((tx) => migrate(tx, this.#dialect))
    );
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
    const insert = async (session: SqlSession) => {
      const ids: number[] = [];
      for (const chunk of chunks(records, perStatement)) {
        const rows = await session.query(
          insertSql(table, definition, chunk.length),
          chunk.flatMap((record) => encodeRecord(definition, record)),
        );
        // Ids rise in the order rows are inserted, which is VALUES order;
        // RETURNING itself promises no order.
        ids.push(...rows.map((row) => Number(row.id)).sort((a, b) => a - b));
      }
      return ids;
    };
    return records.length <= perStatement
      ? insert(this.#driver)
      : this.#driver.transaction(insert);
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
