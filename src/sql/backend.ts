// The backend of both SQL databases: every query written once, with `?`
// placeholders, over a dialect's hooks and a driver.

import type {
  Backend,
  Cursor,
  EventListQuery,
  RunListQuery,
  Stored,
  UsageListQuery,
} from "../core/backend.ts";
import type {
  EventRecord,
  RunChanges,
  RunRecord,
  UsageRecord,
} from "../core/records.ts";
import {
  ConnectionError,
  DuplicateRunError,
  PersistenceError,
  RunNotFoundError,
  SchemaVersionError,
} from "../errors.ts";
import type {
  AgentRunStats,
  LlmUsageBreakdown,
  RecordCounts,
  StoreInfo,
} from "../types.ts";
import type { SqlDialect } from "./dialect.ts";
import type {
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "./connection.ts";
import {
  createMigrationsTable,
  migrations,
  MIGRATIONS_TABLE,
  SCHEMA_VERSION,
} from "./schema.ts";
import { LruCache } from "./lru_cache.ts";
import {
  decodeRow,
  encodeFields,
  encodeRecord,
  EVENTS,
  RUNS,
  type Table,
  USAGE,
} from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";

/** Conditions joined by AND, and their parameters. */
class Where {
  readonly #conditions: string[] = [];
  readonly params: SqlValue[] = [];

  /** Adds `condition` with its parameters, unless `value` is undefined. */
  add(condition: string, ...values: (SqlValue | undefined)[]): this {
    if (values.some((value) => value === undefined)) return this;
    this.#conditions.push(condition);
    this.params.push(...values as SqlValue[]);
    return this;
  }

  /** A copy, to add conditions to without changing this one. */
  clone(): Where {
    const copy = new Where();
    copy.#conditions.push(...this.#conditions);
    copy.params.push(...this.params);
    return copy;
  }

  toString(): string {
    return this.#conditions.length === 0
      ? ""
      : `WHERE ${this.#conditions.join(" AND ")}`;
  }
}

/** SQL storage over a dialect and a driver. */
export class SqlBackend implements Backend {
  readonly name: SqlDialect["name"];
  readonly #dialect: SqlDialect;
  readonly #driver: SqlConnection;
  readonly #runs: string;
  readonly #events: string;
  readonly #usage: string;

  constructor(dialect: SqlDialect, driver: SqlConnection) {
    this.name = dialect.name;
    this.#dialect = dialect;
    this.#driver = driver;
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
    const where = new Where()
      .add("agent_id = ?", query.agentId)
      .add("status = ?", query.status)
      .add(
        "created_at < ?",
        query.createdBefore && formatTimestamp(query.createdBefore),
      );
    return this.#guard(() =>
      this.#page(this.#runs, RUNS, "created_at", true, where, query)
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
    const where = new Where()
      .add("run_id = ?", query.runId)
      .add("event_type = ?", query.eventType);
    return this.#guard(() =>
      this.#page(this.#events, EVENTS, "timestamp", false, where, query)
    );
  }

  insertUsage(records: readonly UsageRecord[]): Promise<number[]> {
    return this.#guard(() => this.#insertAll(this.#usage, USAGE, records));
  }

  listUsage(query: UsageListQuery): Promise<Stored<UsageRecord>[]> {
    const where = new Where()
      .add("agent_id = ?", query.agentId)
      .add("run_id = ?", query.runId);
    if (query.withoutRun) {
      where.add(
        `(run_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${this.#runs} r ` +
          `WHERE r.run_id = ${this.#usage}.run_id))`,
      );
    }
    return this.#guard(() =>
      this.#page(this.#usage, USAGE, "created_at", true, where, query)
    );
  }

  stats(agentId: string | undefined): Promise<AgentRunStats> {
    const filter = agentId === undefined ? "" : "WHERE agent_id = ?";
    const params = agentId === undefined ? [] : [agentId, agentId];
    const byStatus = (status: string) =>
      `COALESCE(SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END), 0)`;
    const sql = `SELECT * FROM (
  SELECT COUNT(*) AS total_runs,
    ${byStatus("pending")} AS pending_runs,
    ${byStatus("running")} AS running_runs,
    ${byStatus("completed")} AS completed_runs,
    ${byStatus("error")} AS error_runs,
    ${byStatus("cancelled")} AS cancelled_runs,
    COALESCE(AVG(total_iterations), 0) AS avg_iterations
  FROM ${this.#runs} ${filter}
) AS runs CROSS JOIN (
  SELECT COUNT(*) AS total_llm_calls,
    ${byStatus("error")} AS failed_llm_calls,
    COALESCE(SUM(input_tokens), 0) AS total_input_tokens,
    COALESCE(SUM(output_tokens), 0) AS total_output_tokens,
    COALESCE(SUM(${
      this.#dialect.jsonNumber("usage_metrics", "cost_usd")
    }), 0) AS total_cost_usd
  FROM ${this.#usage} ${filter}
) AS usage`;
    return this.#guard(async () => {
      const [row] = await this.#driver.query(sql, params);
      const figure = (name: string) => Number(row![name] ?? 0);
      return {
        totalRuns: figure("total_runs"),
        pendingRuns: figure("pending_runs"),
        runningRuns: figure("running_runs"),
        completedRuns: figure("completed_runs"),
        errorRuns: figure("error_runs"),
        cancelledRuns: figure("cancelled_runs"),
        avgIterations: figure("avg_iterations"),
        totalLlmCalls: figure("total_llm_calls"),
        failedLlmCalls: figure("failed_llm_calls"),
        totalInputTokens: figure("total_input_tokens"),
        totalOutputTokens: figure("total_output_tokens"),
        totalCostUsd: figure("total_cost_usd"),
      };
    });
  }

  usageBreakdown(agentId: string | undefined): Promise<LlmUsageBreakdown[]> {
    const sql = `SELECT provider, model, COUNT(*) AS calls,
    COALESCE(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 0) AS failed,
    COALESCE(SUM(input_tokens), 0) AS input_tokens,
    COALESCE(SUM(output_tokens), 0) AS output_tokens,
    COALESCE(SUM(${
      this.#dialect.jsonNumber("usage_metrics", "cost_usd")
    }), 0) AS cost_usd
  FROM ${this.#usage} ${agentId === undefined ? "" : "WHERE agent_id = ?"}
  GROUP BY provider, model
  ORDER BY cost_usd DESC, calls DESC, provider, model`;
    return this.#guard(async () => {
      const rows = await this.#driver.query(
        sql,
        agentId === undefined ? [] : [agentId],
      );
      return rows.map((row) => ({
        provider: String(row.provider ?? ""),
        model: String(row.model ?? ""),
        calls: Number(row.calls),
        failedCalls: Number(row.failed),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costUsd: Number(row.cost_usd),
      }));
    });
  }

  deleteRuns(
    runIds: readonly string[],
    withUsage: boolean,
    dryRun: boolean,
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
    const dialect = this.#dialect;
    return this.#guard(async () => {
      const [counts] = await this.#driver.query(
        `SELECT (SELECT COUNT(*) FROM ${this.#runs}) AS runs, ` +
          `(SELECT COUNT(*) FROM ${this.#events}) AS events, ` +
          `(SELECT COUNT(*) FROM ${this.#usage}) AS llm_usage`,
      );
      const [version] = await this.#driver.query(
        `SELECT MAX(version) AS version FROM ${
          dialect.table(MIGRATIONS_TABLE)
        }`,
      );
      const [size] = await this.#driver.query(dialect.sizeQuery);
      return {
        schemaVersion: version?.version == null
          ? null
          : Number(version.version),
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
    const dialect = this.#dialect;
    return this.#guard(() =>
      this.#driver.transaction(async (tx) => {
        if (dialect.schemaLock) await tx.query(dialect.schemaLock);
        for (const statement of dialect.preamble) await tx.query(statement);
        await tx.query(createMigrationsTable(dialect));
        const [row] = await tx.query(
          `SELECT MAX(version) AS version FROM ${
            dialect.table(MIGRATIONS_TABLE)
          }`,
        );
        const version = Number(row?.version ?? 0);
        if (version > SCHEMA_VERSION) {
          throw new SchemaVersionError(
            `The database has schema version ${version}, newer than ${SCHEMA_VERSION}, the newest this version of @curio/persistence knows; upgrade the module`,
          );
        }
        const steps = migrations(dialect);
        for (let next = version + 1; next <= SCHEMA_VERSION; next++) {
          for (const statement of steps[next - 1]!) await tx.query(statement);
          await tx.query(
            `INSERT INTO ${
              dialect.table(MIGRATIONS_TABLE)
            } (version) VALUES (?)`,
            [next],
          );
        }
      })
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

  /**
   * One page of a table in `sort` order, then id, starting after the cursor.
   * The common case is one indexed row-value comparison. Rows that other
   * programs wrote with a NULL sort key stay where the database sorts them
   * (SQLite: before every value; PostgreSQL: after) and are paged by id, so
   * that a NULL at a page boundary cannot end the iteration early.
   */
  async #page<R>(
    table: string,
    definition: Table<R>,
    column: string,
    descending: boolean,
    filters: Where,
    query: { after: Cursor | undefined; limit: number; offset?: number },
  ): Promise<Stored<R>[]> {
    const order = descending ? "DESC" : "ASC";
    const beyond = descending ? "<" : ">";
    const select = async (where: Where, limit: number, offset?: number) => {
      const rows = await this.#driver.query(
        `SELECT * FROM ${table} ${where} ` +
          `ORDER BY ${column} ${order}, id ${order} LIMIT ?` +
          (offset === undefined ? "" : " OFFSET ?"),
        [...where.params, limit, ...(offset === undefined ? [] : [offset])],
      );
      return rows.map((row) => stored(definition, row, column));
    };
    if (query.after === undefined) {
      return await select(filters, query.limit, query.offset);
    }
    const [value, id] = query.after as [SqlValue, SqlValue];
    const nullsLast = descending === this.#dialect.nullsFirst;
    const page = value === null
      ? await select(
        filters.clone().add(`${column} IS NULL AND id ${beyond} ?`, id),
        query.limit,
        query.offset,
      )
      : await select(
        filters.clone().add(`(${column}, id) ${beyond} (?, ?)`, value, id),
        query.limit,
        query.offset,
      );
    // Past the last NULL when NULLs come first, past the last value when
    // they come last: the other kind follows from its beginning.
    if (page.length === query.limit || (value === null) === nullsLast) {
      return page;
    }
    const rest = filters.clone().add(
      `${column} IS ${value === null ? "NOT " : ""}NULL`,
    );
    return [
      ...page,
      ...await select(rest, query.limit - page.length, query.offset),
    ];
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
  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof PersistenceError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (this.#driver.classify(error) === "connection") {
        throw new ConnectionError(
          `Cannot reach the ${this.name} database: ${message}`,
          { cause: error },
        );
      }
      throw new PersistenceError(`${this.name} query failed: ${message}`, {
        cause: error,
      });
    }
  }
}

// Every single write would build its INSERT again: keep the texts, which a
// table name and a row count determine.
const insertTexts = new LruCache<string>(1000);

function insertSql(table: string, definition: Table<unknown>, rows: number) {
  return insertTexts.get(`${table} ${rows}`, () => {
    const columns = definition.columns.map((c) => c.name).join(", ");
    const tuple = placeholders(definition.columns);
    return `INSERT INTO ${table} (${columns}) VALUES ${
      Array(rows).fill(tuple).join(", ")
    } RETURNING id`;
  });
}

/** `values` in slices of at most `size`, one statement's worth each. */
function* chunks<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) {
    yield values.slice(i, i + size);
  }
}

/** `(?, ?, …)`, a placeholder for each value. */
function placeholders(values: readonly unknown[]): string {
  return `(${values.map(() => "?").join(", ")})`;
}

function stored<R>(
  table: Table<R>,
  row: SqlRow,
  sortColumn: string,
): Stored<R> {
  return {
    id: Number(row.id),
    record: decodeRow(table, row),
    cursor: [row[sortColumn], row.id],
  };
}

function storedRun(row: SqlRow): Stored<RunRecord> {
  return stored(RUNS, row, "created_at");
}
