// The specification's three tables, with the columns the field tables of
// `core/fields.ts` describe: each column's name, type, constraint and how a
// record's field maps to it and back. The DDL of both dialects and every row
// conversion are derived from these lists.

import {
  EVENT_FIELDS,
  type Field,
  type Fields,
  RUN_FIELDS,
  USAGE_FIELDS,
} from "../core/fields.ts";
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
  | "nullable-real"
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
  /** The schema version that added the column. */
  addedIn: number;
}

/** One table and its columns, the primary key `id` left out. */
export interface Table<R> {
  name: string;
  columns: readonly Column[];
  /** Phantom: the record type of the table. */
  readonly record?: R;
}

function sqlType<R>(field: Field<R>): string {
  switch (field.kind) {
    case "text":
      return field.maxLength === undefined
        ? "TEXT"
        : `VARCHAR(${field.maxLength})`;
    case "json":
      return "TEXT";
    case "integer":
      return "INTEGER";
    // PostgreSQL's REAL has 24 bits; DOUBLE PRECISION is REAL to SQLite.
    case "real":
      return "DOUBLE PRECISION";
    case "timestamp":
      return "TIMESTAMP";
  }
}

function kind<R>(field: Field<R>): Kind {
  if (field.kind === "json") return "nullable-text";
  if (field.kind === "real") return "nullable-real";
  return field.nullable ? `nullable-${field.kind}` : field.kind;
}

function table<R>(name: string, fields: Fields<R>): Table<R> {
  const columns = Object.entries<Field<R>>(fields).map((
    [field, description],
  ) => ({
    field,
    name: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    type: sqlType(description),
    constraint: description.constraint ?? "",
    kind: kind(description),
    addedIn: description.addedIn ?? 1,
  }));
  return { name, columns };
}

/** `agent_runs`. */
export const RUNS: Table<RunRecord> = table("agent_runs", RUN_FIELDS);

/** `agent_run_events`. */
export const EVENTS: Table<EventRecord> = table(
  "agent_run_events",
  EVENT_FIELDS,
);

/** `agent_llm_usage`. */
export const USAGE: Table<UsageRecord> = table("agent_llm_usage", USAGE_FIELDS);

function encode(value: unknown): SqlValue {
  return value instanceof Date ? formatTimestamp(value) : value as SqlValue;
}

/**
 * The parameter values of a record, in column order, appended to `into`
 * (a batch's one parameter list) when given.
 */
export function encodeRecord<R>(
  table: Table<R>,
  record: R,
  into: SqlValue[] = [],
): SqlValue[] {
  const encoder = ENCODERS.get(table as Table<unknown>);
  if (encoder) encoder(record as never, into);
  else encodeColumns(table, record, into);
  return into;
}

/**
 * `encodeRecord` by the table's column list, reading each field by a
 * computed name: the reference the tables' own encoders must match
 * (`tests/records_test.ts`).
 */
export function encodeColumns<R>(
  table: Table<R>,
  record: R,
  into: SqlValue[] = [],
): SqlValue[] {
  const fields = record as Record<string, unknown>;
  for (const { field } of table.columns) into.push(encode(fields[field]));
  return into;
}

// Events and LLM calls are encoded by the thousand in a batch: each field
// named in code, in column order, so that V8 reads it directly instead of
// through its shared cache of computed names.
const ENCODERS = new Map<
  Table<unknown>,
  (record: never, into: SqlValue[]) => void
>([
  [EVENTS, (r: EventRecord, into: SqlValue[]) => {
    into.push(
      r.agentId,
      r.runId,
      r.agentName,
      encode(r.timestamp),
      r.eventType,
      r.data,
      encode(r.createdAt),
    );
  }],
  [USAGE, (r: UsageRecord, into: SqlValue[]) => {
    into.push(
      r.agentId,
      r.runId,
      r.provider,
      r.model,
      r.prompt,
      r.promptLength,
      r.inputParams,
      r.inputTokens,
      r.outputTokens,
      r.responseContent,
      r.responseLength,
      r.usageMetrics,
      r.status,
      r.errorMessage,
      r.latencyMs,
      encode(r.createdAt),
      r.cacheReadTokens,
      r.cacheWriteTokens,
      r.reasoningTokens,
      r.costUsd,
      r.costSource,
    );
  }],
]);

/** Parameter values of record fields by name, for an UPDATE. */
export function encodeFields(
  table: Table<unknown>,
  fields: Record<string, unknown>,
): { column: string; value: SqlValue }[] {
  return table.columns
    .filter(({ field }) => Object.hasOwn(fields, field))
    .map(({ field, name }) => ({ column: name, value: encode(fields[field]) }));
}

// A record of each table with every field `null`, to copy: a copy has the
// fixed layout of all its fields at once, where an object built empty field
// by field becomes a slow hash table past a dozen or so (see `shapeOf` in
// `core/records.ts`).
const blanks = new WeakMap<Table<unknown>, Record<string, unknown>>();

function blankRecord(table: Table<unknown>): Record<string, unknown> {
  let blank = blanks.get(table);
  if (blank === undefined) {
    blank = Object.fromEntries(table.columns.map((c) => [c.field, null]));
    blanks.set(table, blank);
  }
  return blank;
}

const ownedBlanks = new WeakMap<Table<unknown>, Record<string, unknown>>();

/**
 * A blank in the public layout, `id` first (`Stored.owned`): a record
 * decoded into a copy of it can become the public record in place.
 */
export function ownedBlank(table: Table<unknown>): Record<string, unknown> {
  let blank = ownedBlanks.get(table);
  if (blank === undefined) {
    blank = { id: 0, ...blankRecord(table) };
    ownedBlanks.set(table, blank);
  }
  return blank;
}

/** A column's value as its record holds it. */
function decodeValue(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case "text":
      return value === null ? "" : String(value);
    case "nullable-text":
      return value === null ? null : String(value);
    case "integer":
      return value === null ? 0 : Number(value);
    case "nullable-integer":
    case "nullable-real":
      return value === null ? null : Number(value);
    case "timestamp":
      return value === null ? new Date(0) : parseTimestamp(value);
    case "nullable-timestamp":
      return value === null ? null : parseTimestamp(value);
  }
}

/** The record of a result row, in a copy of `blank`. */
export function decodeRow<R>(
  table: Table<R>,
  row: SqlRow,
  blank: Record<string, unknown> = blankRecord(table),
): R {
  const record: Record<string, unknown> = { ...blank };
  for (const { field, name, kind } of table.columns) {
    record[field] = decodeValue(kind, row[name] ?? null);
  }
  return record as R;
}

/**
 * The owned record (`ownedBlank`'s layout, `id` first) of a result row:
 * `decodeRow` into a copy of `ownedBlank(table)`, the reference
 * (`tests/unit/records_test.ts`), by a table's own decoder when it has one.
 */
export function decodeOwnedRow<R>(table: Table<R>, row: SqlRow): R {
  const decoder = OWNED_ROW_DECODERS.get(table as Table<unknown>);
  return decoder ? decoder(row) as R : decodeRow(table, row, ownedBlank(table));
}

/**
 * The owned record (`ownedBlank`'s layout, `id` first) of a result row given
 * as values at `at`: `decodeValues` into a copy of `ownedBlank(table)`,
 * the reference (`tests/unit/records_test.ts`), by a table's own decoder
 * when it has one.
 */
export function decodeOwnedValues<R>(
  table: Table<R>,
  at: readonly number[],
  values: readonly unknown[],
): R {
  const decoder = OWNED_DECODERS.get(table as Table<unknown>);
  return decoder
    ? decoder(at, values) as R
    : decodeValues(table, at, values, ownedBlank(table));
}

// Each kind's decoding as `decodeValue` does it, for the decoders below: a
// missing column (position -1) reads `undefined`, as NULL. A value already
// of the record's type is kept as it is, which String() and Number() would
// return unchanged, without the call.
const text = (value: unknown): string =>
  typeof value === "string" ? value : value == null ? "" : String(value);
const nullableText = (value: unknown): string | null =>
  typeof value === "string" ? value : value == null ? null : String(value);
const integer = (value: unknown): number =>
  typeof value === "number" ? value : value == null ? 0 : Number(value);
const nullableNumber = (value: unknown): number | null =>
  typeof value === "number" ? value : value == null ? null : Number(value);
const timestamp = (value: unknown): Date =>
  value == null ? new Date(0) : parseTimestamp(value);

// A listing of LLM calls decodes every row it returns (`Stored.owned`): one
// object literal, each field named in code, in place of a copy of the blank
// and a store per field by a computed name through `decodeValue`'s switch,
// which took about a fifth of Bun's time for the latest 50 calls. Rows as
// objects (bun:sqlite, PostgreSQL) and as arrays (node:sqlite) each have
// theirs; a column a row lacks (an older schema) reads `undefined`.
const OWNED_ROW_DECODERS = new Map<Table<unknown>, (row: SqlRow) => unknown>([
  [USAGE, (row) => ({
    id: 0,
    agentId: nullableText(row.agent_id),
    runId: nullableText(row.run_id),
    provider: text(row.provider),
    model: text(row.model),
    prompt: text(row.prompt),
    promptLength: integer(row.prompt_length),
    inputParams: nullableText(row.input_params),
    inputTokens: nullableNumber(row.input_tokens),
    outputTokens: nullableNumber(row.output_tokens),
    responseContent: nullableText(row.response_content),
    responseLength: nullableNumber(row.response_length),
    usageMetrics: nullableText(row.usage_metrics),
    status: text(row.status),
    errorMessage: nullableText(row.error_message),
    latencyMs: nullableNumber(row.latency_ms),
    createdAt: timestamp(row.created_at),
    cacheReadTokens: nullableNumber(row.cache_read_tokens),
    cacheWriteTokens: nullableNumber(row.cache_write_tokens),
    reasoningTokens: nullableNumber(row.reasoning_tokens),
    costUsd: nullableNumber(row.cost_usd),
    costSource: nullableText(row.cost_source),
  })],
]);

const OWNED_DECODERS = new Map<
  Table<unknown>,
  (at: readonly number[], values: readonly unknown[]) => unknown
>([
  [USAGE, (at, v) => ({
    id: 0,
    agentId: nullableText(v[at[0]!]),
    runId: nullableText(v[at[1]!]),
    provider: text(v[at[2]!]),
    model: text(v[at[3]!]),
    prompt: text(v[at[4]!]),
    promptLength: integer(v[at[5]!]),
    inputParams: nullableText(v[at[6]!]),
    inputTokens: nullableNumber(v[at[7]!]),
    outputTokens: nullableNumber(v[at[8]!]),
    responseContent: nullableText(v[at[9]!]),
    responseLength: nullableNumber(v[at[10]!]),
    usageMetrics: nullableText(v[at[11]!]),
    status: text(v[at[12]!]),
    errorMessage: nullableText(v[at[13]!]),
    latencyMs: nullableNumber(v[at[14]!]),
    createdAt: timestamp(v[at[15]!]),
    cacheReadTokens: nullableNumber(v[at[16]!]),
    cacheWriteTokens: nullableNumber(v[at[17]!]),
    reasoningTokens: nullableNumber(v[at[18]!]),
    costUsd: nullableNumber(v[at[19]!]),
    costSource: nullableText(v[at[20]!]),
  })],
]);

/**
 * Where each of a table's columns is in rows of `columns` (-1: missing, as
 * in an older schema), by the result's column names: the last of a name,
 * as in the drivers' row objects.
 */
export function columnPositions(
  table: Table<unknown>,
  columns: readonly string[],
): number[] {
  let byTable = positions.get(columns);
  if (byTable === undefined) positions.set(columns, byTable = new Map());
  let found = byTable.get(table);
  if (found === undefined) {
    found = table.columns.map(({ name }) => columns.lastIndexOf(name));
    byTable.set(table, found);
  }
  return found;
}

// Per statement (its column names are one array) and table.
const positions = new WeakMap<
  readonly string[],
  Map<Table<unknown>, number[]>
>();

/**
 * The record of a result row given as values at `at` (`columnPositions`),
 * in a copy of `blank` (default: the record's own layout).
 */
export function decodeValues<R>(
  table: Table<R>,
  at: readonly number[],
  values: readonly unknown[],
  blank: Record<string, unknown> = blankRecord(table),
): R {
  const record: Record<string, unknown> = { ...blank };
  const columns = table.columns;
  for (let i = 0; i < columns.length; i++) {
    const { field, kind } = columns[i]!;
    const position = at[i]!;
    record[field] = decodeValue(
      kind,
      position < 0 ? null : values[position] ?? null,
    );
  }
  return record as R;
}
