// The specification's three tables, defined once: each column's name, type,
// constraint and how a record's field maps to it and back. The DDL of both
// dialects and every row conversion are derived from these lists.

import type { EventRecord, RunRecord, UsageRecord } from "../core/records.ts";
import type { SqlRow, SqlValue } from "./connection.ts";
import { formatTimestamp, parseTimestamp } from "./timestamps.ts";

/**
 * How a field is stored and read back. Reading is lenient, since rows
 * written by other programs may hold NULL where this module never writes it.
 */
type Kind =
  | "text" // NOT NULL in our records; NULL reads as ""
  | "nullable-text"
  | "integer" // NULL reads as 0
  | "nullable-integer"
  | "timestamp"
  | "nullable-timestamp";

/** One column of a table. */
export interface Column {
  /** The record's field. */
  field: string;
  /** The column's name. */
  name: string;
  /** SQL type, the same on every dialect. */
  type: string;
  /** Constraint and default, as in the specification. */
  constraint: string;
  kind: Kind;
}

/** One table and its columns, the primary key `id` left out. */
export interface Table<R> {
  name: string;
  columns: readonly Column[];
  /** Phantom: the record type of the table. */
  readonly record?: R;
}

function column(
  field: string,
  type: string,
  kind: Kind,
  constraint = "",
): Column {
  const name = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return { field, name, type, constraint, kind };
}

/** `agent_runs`. */
export const RUNS: Table<RunRecord> = {
  name: "agent_runs",
  columns: [
    column("agentId", "VARCHAR(255)", "text", "NOT NULL"),
    column("runId", "VARCHAR(255)", "text", "UNIQUE NOT NULL"),
    column("agentName", "VARCHAR(255)", "text"),
    column("objective", "TEXT", "text"),
    column("additionalContext", "TEXT", "nullable-text"),
    column("startedAt", "TIMESTAMP", "nullable-timestamp"),
    column("finishedAt", "TIMESTAMP", "nullable-timestamp"),
    column("totalIterations", "INTEGER", "integer", "DEFAULT 0"),
    column("finalSynthesisOutput", "TEXT", "nullable-text"),
    column("executionHistory", "TEXT", "nullable-text"),
    column("status", "VARCHAR(50)", "text", "DEFAULT 'pending'"),
    column("errorMessage", "TEXT", "nullable-text"),
    column("metadata", "TEXT", "nullable-text"),
    column("createdAt", "TIMESTAMP", "timestamp", "DEFAULT CURRENT_TIMESTAMP"),
    column("updatedAt", "TIMESTAMP", "timestamp", "DEFAULT CURRENT_TIMESTAMP"),
  ],
};

/** `agent_run_events`. */
export const EVENTS: Table<EventRecord> = {
  name: "agent_run_events",
  columns: [
    column("agentId", "VARCHAR(255)", "text", "NOT NULL"),
    column("runId", "VARCHAR(255)", "text", "NOT NULL"),
    column("agentName", "VARCHAR(255)", "text"),
    column("timestamp", "TIMESTAMP", "timestamp"),
    column("eventType", "VARCHAR(100)", "text"),
    column("data", "TEXT", "nullable-text"),
    column("createdAt", "TIMESTAMP", "timestamp", "DEFAULT CURRENT_TIMESTAMP"),
  ],
};

/** `agent_llm_usage`. */
export const USAGE: Table<UsageRecord> = {
  name: "agent_llm_usage",
  columns: [
    column("agentId", "VARCHAR(255)", "nullable-text"),
    column("runId", "VARCHAR(255)", "nullable-text"),
    column("provider", "VARCHAR(100)", "text"),
    column("model", "VARCHAR(255)", "text"),
    column("prompt", "TEXT", "text"),
    column("promptLength", "INTEGER", "integer"),
    column("inputParams", "TEXT", "nullable-text"),
    column("inputTokens", "INTEGER", "nullable-integer"),
    column("outputTokens", "INTEGER", "nullable-integer"),
    column("responseContent", "TEXT", "nullable-text"),
    column("responseLength", "INTEGER", "nullable-integer"),
    column("usageMetrics", "TEXT", "nullable-text"),
    column("status", "VARCHAR(50)", "text", "DEFAULT 'success'"),
    column("errorMessage", "TEXT", "nullable-text"),
    column("latencyMs", "INTEGER", "nullable-integer"),
    column("createdAt", "TIMESTAMP", "timestamp", "DEFAULT CURRENT_TIMESTAMP"),
  ],
};

function encode(value: unknown): SqlValue {
  return value instanceof Date ? formatTimestamp(value) : value as SqlValue;
}

/** The parameter values of a record, in column order. */
export function encodeRecord<R>(table: Table<R>, record: R): SqlValue[] {
  const fields = record as Record<string, unknown>;
  return table.columns.map(({ field }) => encode(fields[field]));
}

/** Parameter values of record fields by name, for an UPDATE. */
export function encodeFields(
  table: Table<unknown>,
  fields: Record<string, unknown>,
): { column: string; value: SqlValue }[] {
  return table.columns
    .filter(({ field }) => Object.hasOwn(fields, field))
    .map(({ field, name }) => ({ column: name, value: encode(fields[field]) }));
}

/** The record of a result row. */
export function decodeRow<R>(table: Table<R>, row: SqlRow): R {
  const record: Record<string, unknown> = {};
  for (const { field, name, kind } of table.columns) {
    const value = row[name] ?? null;
    switch (kind) {
      case "text":
        record[field] = value === null ? "" : String(value);
        break;
      case "nullable-text":
        record[field] = value === null ? null : String(value);
        break;
      case "integer":
        record[field] = value === null ? 0 : Number(value);
        break;
      case "nullable-integer":
        record[field] = value === null ? null : Number(value);
        break;
      case "timestamp":
        record[field] = value === null ? new Date(0) : parseTimestamp(value);
        break;
      case "nullable-timestamp":
        record[field] = value === null ? null : parseTimestamp(value);
        break;
    }
  }
  return record as R;
}
