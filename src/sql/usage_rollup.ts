// The daily roll-up of LLM calls: usage series and ranged statistics read
// the counts and sums of each closed UTC day from a few roll-up rows
// instead of every call (percentiles still come from the rows), when
// the day's fingerprint (its calls' count and highest id, read from the
// date index) still equals the one stored when the day was built; every
// other day is summed from the rows as before. A writable store builds
// days in the background, one per short transaction (`refresh`); a
// read-only one reads what is there.

import type { UsageSeriesCell, UsageSeriesQuery } from "../core/backend.ts";
import type {
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { Where } from "./paging.ts";
import {
  fence,
  halfNanos,
  USAGE_CELL_SUMS,
  USAGE_GROUP_VALUES,
  usageTotals,
} from "./statistics.ts";
import { formatTimestamp } from "./timestamps.ts";
import {
  DAILY_COLUMNS,
  USAGE_DAILY_TABLE,
  USAGE_DAYS_TABLE,
} from "./usage_rollup_schema.ts";
import { usageGroup, usageGroupColumns } from "./series.ts";
import { addUsageCounts, emptyUsageCell } from "../core/series.ts";

const DAY_MS = 86_400_000;

/**
 * Most days one statement fingerprints or names: three parameters a day
 * stay under the 999 of SQLite before 3.32, and the arms under SQLite's
 * 500 of a compound SELECT.
 */
const DAYS_PER_STATEMENT = 300;

/** Days a refresh checks in one statement. */
const CHECKED_DAYS = 7;

/** A day's LLM calls as the fingerprint sees them. */
interface Fingerprint {
  calls: number;
  maxId: number | null;
}

/** What a refresh is told: the time, and when to stop early. */
export interface RefreshOptions {
  now: Date;
  /** Checked before each day: `true` stops the refresh there. */
  stopped: () => boolean;
  /**
   * Resolves when the next day may start, after one that took `heldMs`:
   * the lock and the event loop left to writers.
   */
  pause: (heldMs: number) => Promise<void>;
}

/** The UTC day of the instant `ms` (a multiple of a day) as stored. */
function dayText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The cells `read` gives for the buckets `buckets` of `query`, asked once
 * per run of consecutive buckets with that part of the range, renumbered
 * as buckets of `query`.
 */
async function byRuns(
  query: UsageSeriesQuery,
  buckets: readonly number[],
  read: (query: UsageSeriesQuery) => Promise<UsageSeriesCell[]>,
): Promise<UsageSeriesCell[]> {
  const cells: UsageSeriesCell[] = [];
  for (const [first, end] of runsOf(buckets)) {
    const start = query.boundaries[first]!;
    const stop = query.boundaries[end]!;
    const part = await read({
      ...query,
      boundaries: query.boundaries.slice(first, end + 1),
      since: start > query.since ? start : query.since,
      until: stop < query.until ? stop : query.until,
    });
    for (const cell of part) {
      cells.push({ ...cell, bucket: cell.bucket + first });
    }
  }
  return cells;
}

/** A cell's bucket and group, as one key. */
function cellKey(cell: UsageSeriesCell): string {
  return JSON.stringify([
    cell.bucket,
    cell.provider ?? null,
    cell.model ?? null,
    cell.agentId ?? null,
  ]);
}

/** Runs of consecutive bucket indexes, as `[first, end)` pairs. */
function runsOf(buckets: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const bucket of buckets) {
    const last = runs[runs.length - 1];
    if (last && last[1] === bucket) last[1]++;
    else runs.push([bucket, bucket + 1]);
  }
  return runs;
}

function chunked<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += DAYS_PER_STATEMENT) {
    chunks.push(items.slice(i, i + DAYS_PER_STATEMENT));
  }
  return chunks;
}

/**
 * `[since, until)` cut at each UTC midnight inside it, as the buckets of a
 * usage series of all calls without percentiles: the whole days among them
 * are what the roll-up may serve, the partial first and last what the rows
 * must.
 */
export function totalsByDay(since: Date, until: Date): UsageSeriesQuery {
  const boundaries = [since];
  const first = Math.floor(since.getTime() / DAY_MS + 1) * DAY_MS;
  for (let day = first; day < until.getTime(); day += DAY_MS) {
    boundaries.push(new Date(day));
  }
  boundaries.push(until);
  return {
    boundaries,
    since,
    until,
    groupBy: undefined,
    agentId: undefined,
    runId: undefined,
    provider: undefined,
    model: undefined,
    percentiles: false,
  };
}

/** The daily roll-up of one database's LLM calls. */
export class UsageRollup {
  readonly #dialect: SqlDialect;
  /** The LLM usage table, written by this module's schema. */
  readonly #usage: string;
  /** The usage table as a fingerprint reads it: from its date index. */
  readonly #byDate: string;
  readonly #daily: string;
  readonly #days: string;

  /**
   * @param usage The LLM usage table.
   * @param dateIndex Its covering date index, named for SQLite's INDEXED
   * BY: a statistics-led plan could read a day from another index and
   * every call's row.
   */
  constructor(dialect: SqlDialect, usage: string, dateIndex?: string) {
    this.#dialect = dialect;
    this.#usage = usage;
    this.#byDate = dialect.name === "sqlite" && dateIndex !== undefined
      ? `${usage} INDEXED BY ${dateIndex}`
      : usage;
    this.#daily = dialect.table(USAGE_DAILY_TABLE);
    this.#days = dialect.table(USAGE_DAYS_TABLE);
  }

  /**
   * Whether the roll-up may answer part of `query`: its counts and sums
   * (percentiles always come from the rows), not of one run (the roll-up
   * keeps no runs), for some bucket made of whole UTC days.
   */
  serves(query: UsageSeriesQuery): boolean {
    return query.runId === undefined && this.#wholeDays(query).size > 0;
  }

  /**
   * The cells of `query`: the counts and sums of its buckets of whole UTC
   * days whose every day has a valid roll-up from there, every other bucket
   * from `fromRows` (asked once per run of consecutive buckets, with that
   * part of the range). With percentiles, those of the served buckets come
   * from `latencies`, asked alike, whose cells carry only the percentiles
   * (their counts are not read). The same cells as `fromRows(query)`
   * alone, in another order.
   */
  async usage(
    session: SqlSession,
    query: UsageSeriesQuery,
    fromRows: (query: UsageSeriesQuery) => Promise<UsageSeriesCell[]>,
    latencies: (query: UsageSeriesQuery) => Promise<UsageSeriesCell[]>,
  ): Promise<UsageSeriesCell[]> {
    const wholeDays = this.#wholeDays(query);
    const days = [...new Set([...wholeDays.values()].flat())];
    const valid = await this.#validDays(session, days);
    const served = new Map<number, string[]>();
    for (const [bucket, bucketDays] of wholeDays) {
      if (bucketDays.every((day) => valid.has(day))) {
        served.set(bucket, bucketDays);
      }
    }
    const cells = await this.#read(session, query, served, valid);
    if (query.percentiles && cells.length > 0) {
      const byKey = new Map(cells.map((cell) => [cellKey(cell), cell]));
      for (const ranked of await byRuns(query, [...served.keys()], latencies)) {
        const cell = byKey.get(cellKey(ranked));
        if (!cell) continue;
        cell.p50Ms = ranked.p50Ms;
        cell.p95Ms = ranked.p95Ms;
        cell.p99Ms = ranked.p99Ms;
        cell.maxMs = ranked.maxMs;
      }
    }
    const buckets = query.boundaries.length - 1;
    const rest = Array.from({ length: buckets }, (_, i) => i).filter((i) =>
      !served.has(i)
    );
    return [...cells, ...await byRuns(query, rest, fromRows)];
  }

  /**
   * The buckets of `query` that are whole UTC days once clamped to its
   * range, each with its days.
   */
  #wholeDays(query: UsageSeriesQuery): Map<number, string[]> {
    const whole = new Map<number, string[]>();
    const since = query.since.getTime();
    const until = query.until.getTime();
    for (let i = 0; i + 1 < query.boundaries.length; i++) {
      const start = Math.max(query.boundaries[i]!.getTime(), since);
      const end = Math.min(query.boundaries[i + 1]!.getTime(), until);
      if (end <= start || start % DAY_MS !== 0 || end % DAY_MS !== 0) continue;
      const days: string[] = [];
      for (let day = start; day < end; day += DAY_MS) days.push(dayText(day));
      whole.set(i, days);
    }
    return whole;
  }

  /**
   * The days, of `days`, whose stored fingerprint equals the one their
   * rows give now, with their count of calls. Only days with a stored
   * fingerprint are fingerprinted (a store never built pays one small
   * query), unless `all`: then every day is, and those without calls are
   * valid too, built or not (nothing to sum).
   */
  async #validDays(
    session: SqlSession,
    days: readonly string[],
    all = false,
  ): Promise<Map<string, number>> {
    const stored = await this.#stored(session, days);
    const valid = new Map<string, number>();
    const fresh = await this.#fingerprints(
      session,
      all ? days : [...stored.keys()],
    );
    for (const [day, now] of fresh) {
      const print = stored.get(day);
      if (
        print
          ? now.calls === print.calls && now.maxId === print.maxId
          : now.calls === 0
      ) valid.set(day, now.calls);
    }
    return valid;
  }

  /** The stored fingerprints of those of `days` that have one. */
  async #stored(
    session: SqlSession,
    days: readonly string[],
  ): Promise<Map<string, Fingerprint>> {
    const stored = new Map<string, Fingerprint>();
    for (const chunk of chunked(days)) {
      const rows = await session.query(
        `SELECT day, calls, max_id FROM ${this.#days} WHERE day IN (${
          chunk.map(() => "?").join(", ")
        })`,
        chunk,
      );
      for (const row of rows) stored.set(String(row.day), fingerprint(row));
    }
    return stored;
  }

  /**
   * Each day's fingerprint from its calls now: one aggregate per day over
   * its range of the date index, joined by UNION ALL (no GROUP BY, which
   * would make SQLite sort every row).
   */
  async #fingerprints(
    session: SqlSession,
    days: readonly string[],
  ): Promise<Map<string, Fingerprint>> {
    const prints = new Map<string, Fingerprint>();
    for (const chunk of chunked(days)) {
      const params: SqlValue[] = [];
      const arms = chunk.map((day) => {
        const start = Date.parse(`${day}T00:00:00Z`);
        params.push(
          day,
          formatTimestamp(new Date(start)),
          formatTimestamp(new Date(start + DAY_MS)),
        );
        return `SELECT ? AS day, COUNT(*) AS calls, MAX(id) AS max_id
  FROM ${this.#byDate} WHERE created_at >= ? AND created_at < ?`;
      });
      const rows = await session.query(arms.join("\nUNION ALL\n"), params);
      for (const row of rows) prints.set(String(row.day), fingerprint(row));
    }
    return prints;
  }

  /**
   * The cells of the buckets `served` (each with its days) from the
   * roll-up, summed per bucket and the query's group. Days without calls
   * are not read.
   */
  async #read(
    session: SqlSession,
    query: UsageSeriesQuery,
    served: ReadonlyMap<number, readonly string[]>,
    valid: ReadonlyMap<string, number>,
  ): Promise<UsageSeriesCell[]> {
    const bucketOf = new Map<string, number>();
    for (const [bucket, days] of served) {
      for (const day of days) {
        if (valid.get(day)! > 0) bucketOf.set(day, bucket);
      }
    }
    const group = usageGroupColumns(query.groupBy);
    // Rows built before NULL names were grouped as empty ones may hold both.
    const values = group.map((column) => `, ${USAGE_GROUP_VALUES[column]}`)
      .join("");
    const selected = group.map((column) =>
      `, ${USAGE_GROUP_VALUES[column]} AS ${column}`
    ).join("");
    const cells = new Map<string, UsageSeriesCell>();
    for (const chunk of chunked([...bucketOf.keys()])) {
      const where = new Where()
        .add(`day IN (${chunk.map(() => "?").join(", ")})`, ...chunk)
        .add("agent_id = ?", query.agentId)
        .add("provider = ?", query.provider)
        .add("model = ?", query.model);
      const rows = await session.query(
        `SELECT day${selected}, SUM(calls) AS calls,
    SUM(failed_calls) AS failed_calls, SUM(input_tokens) AS input_tokens,
    SUM(output_tokens) AS output_tokens,
    SUM(cache_read_tokens) AS cache_read_tokens,
    SUM(cache_write_tokens) AS cache_write_tokens,
    SUM(reasoning_tokens) AS reasoning_tokens, SUM(nanos) AS nanos,
    SUM(unpriced_calls) AS unpriced_calls
  FROM ${this.#daily} ${where}
  GROUP BY day${values}`,
        where.params,
      );
      for (const row of rows) {
        const bucket = bucketOf.get(String(row.day))!;
        const values = group.map((column) => row[column] ?? null);
        const key = JSON.stringify([bucket, ...values]);
        const cell = cells.get(key) ??
          emptyUsageCell(bucket, usageGroup(row, query.groupBy));
        const day = usageTotals(row);
        addUsageCounts(cell, day);
        cell.nanos += day.nanos;
        cells.set(key, cell);
      }
    }
    return [...cells.values()];
  }

  /**
   * Builds the roll-up of every closed UTC day (before `now`'s) whose
   * roll-up is missing or stale, newest first, one day per transaction,
   * and drops that of days before the first call. Returns the days built.
   */
  async refresh(
    driver: SqlConnection,
    { now, stopped, pause }: RefreshOptions,
  ): Promise<number> {
    const [first] = await driver.query(
      `SELECT MIN(created_at) AS first FROM ${this.#usage}`,
    );
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    const firstDay = first?.first == null
      ? dayText(today)
      : String(first.first).slice(0, 10);
    await driver.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${this.#daily} WHERE day < ?`, [firstDay]);
      await tx.query(`DELETE FROM ${this.#days} WHERE day < ?`, [firstDay]);
    });
    const start = Date.parse(`${firstDay}T00:00:00Z`);
    if (Number.isNaN(start)) return 0;
    const closed: string[] = [];
    for (let day = today - DAY_MS; day >= start; day -= DAY_MS) {
      closed.push(dayText(day));
    }
    let built = 0;
    // Checked a week at a time: one statement of about 20 ms on a million
    // calls over 90 days, short enough to leave the event loop to writers.
    for (let i = 0; i < closed.length; i += CHECKED_DAYS) {
      if (stopped()) break;
      const week = closed.slice(i, i + CHECKED_DAYS);
      const valid = await this.#validDays(driver, week, true);
      for (const day of week) {
        if (valid.has(day)) continue;
        if (stopped()) return built;
        const began = performance.now();
        if (await this.#build(driver, day)) built++;
        await pause(performance.now() - began);
      }
      await pause(0);
    }
    return built;
  }

  /**
   * Builds one day's roll-up and fingerprint without holding the write
   * lock while the day's calls are summed: a short transaction stores a
   * pending mark of this build; the sums and the fingerprint are read in
   * one statement (one snapshot); a second short transaction stores them
   * only if the mark is still there. An update of one of the day's calls
   * committed after the mark deletes it (the trigger), so a build that
   * could have missed an update stores nothing; inserts and deletes after
   * the snapshot change the fingerprint, so the day reads as stale. On
   * PostgreSQL the mark is stored under a SHARE lock, which waits for the
   * writes under way: an update whose trigger ran before the mark existed
   * is committed, and seen by the snapshot. Returns whether it stored.
   */
  async #build(driver: SqlConnection, day: string): Promise<boolean> {
    const start = Date.parse(`${day}T00:00:00Z`);
    const range = [
      formatTimestamp(new Date(start)),
      formatTimestamp(new Date(start + DAY_MS)),
    ];
    // Tells this build's mark from another process's building the day.
    const mark = 1 + Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1));
    await driver.transaction(async (tx) => {
      if (this.#dialect.name === "postgres") {
        await tx.query(`LOCK TABLE ${this.#usage} IN SHARE MODE`);
      }
      await tx.query(
        `INSERT INTO ${this.#days} (day, calls, max_id) VALUES (?, ?, ?)
  ON CONFLICT (day) DO UPDATE SET calls = excluded.calls,
    max_id = excluded.max_id`,
        [day, PENDING, mark],
      );
    });
    const cellSums = Object.entries(USAGE_CELL_SUMS)
      .map(([name, sum]) => `${sum} AS ${name}`).join(",\n    ");
    const rows = await driver.query(
      `SELECT 0 AS whole_day, provider, model, agent_id, ${cellSums},
    NULL AS max_id
  FROM (
    SELECT ${USAGE_GROUP_VALUES.provider} AS provider,
      ${USAGE_GROUP_VALUES.model} AS model, agent_id, status, input_tokens, output_tokens,
      cache_read_tokens, cache_write_tokens, reasoning_tokens,
      ${halfNanos(this.#dialect, true, this.#usage)} AS half_nanos
    FROM ${this.#byDate} WHERE created_at >= ? AND created_at < ?
    ${fence(this.#dialect)}
  ) AS calls
  GROUP BY provider, model, agent_id
UNION ALL
SELECT 1, NULL, NULL, NULL, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, MAX(id)
  FROM ${this.#byDate} WHERE created_at >= ? AND created_at < ?`,
      [...range, ...range],
    );
    const whole = rows.find((row) => Number(row.whole_day) === 1)!;
    const cells = rows.filter((row) => Number(row.whole_day) === 0);
    return await driver.transaction(async (tx) => {
      const stored = await tx.query(
        `UPDATE ${this.#days} SET calls = ?, max_id = ?
  WHERE day = ? AND calls = ? AND max_id = ? RETURNING day`,
        [
          Number(whole.calls),
          whole.max_id == null ? null : Number(whole.max_id),
          day,
          PENDING,
          mark,
        ],
      );
      if (stored.length === 0) return false;
      await tx.query(`DELETE FROM ${this.#daily} WHERE day = ?`, [day]);
      const perStatement = Math.floor(
        this.#dialect.maxParameters / DAILY_COLUMNS.length,
      );
      for (let i = 0; i < cells.length; i += perStatement) {
        const chunk = cells.slice(i, i + perStatement);
        const params = chunk.flatMap((row) =>
          DAILY_COLUMNS.map((column) =>
            column === "day" ? day : (row[column] ?? null) as SqlValue
          )
        );
        const tuple = `(${DAILY_COLUMNS.map(() => "?").join(", ")})`;
        await tx.query(
          `INSERT INTO ${this.#daily} (${DAILY_COLUMNS.join(", ")}) VALUES ${
            chunk.map(() => tuple).join(", ")
          }`,
          params,
        );
      }
      return true;
    });
  }
}

/** The `calls` of a day whose build is under way: no count matches it. */
const PENDING = -1;

function fingerprint(row: SqlRow): Fingerprint {
  return {
    calls: Number(row.calls),
    maxId: row.max_id == null ? null : Number(row.max_id),
  };
}
