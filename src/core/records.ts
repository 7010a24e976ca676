// New records, patches and public records, built from the field tables in
// `fields.ts`, so that every backend accepts and rejects exactly the same
// input. A record here holds JSON fields as text, as every backend stores
// them; `toAgentRun` and its siblings parse them on the way out.

import { InvalidInputError } from "../errors.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  AgentRunEventInput,
  AgentRunInput,
  AgentRunPatch,
  AgentRunStatus,
  EventType,
  JsonValue,
  LlmUsageInput,
} from "../types.ts";
import {
  EVENT_FIELDS,
  type Field,
  type Fields,
  RUN_FIELDS,
  type StoredRecord,
  USAGE_FIELDS,
} from "./fields.ts";
import type { Redaction } from "./redaction.ts";
import { costUsd } from "./usage_metrics.ts";
import {
  integer,
  jsonText,
  nonEmptyText,
  nonNegative,
  object,
  oneOf,
  text,
  timestamp,
} from "./validate.ts";

/** An agent run as stored: JSON fields as text. */
export type RunRecord = StoredRecord<AgentRun>;

/** An event as stored: JSON fields as text. */
export type EventRecord = StoredRecord<AgentRunEvent>;

/** An LLM call as stored: JSON fields as text. */
export type UsageRecord = StoredRecord<AgentLlmUsage>;

/** The fields of a run that a patch may set, as stored. */
export type RunChanges = Partial<
  Omit<RunRecord, "agentId" | "runId" | "createdAt">
>;

/** The checked value of one field; `undefined` counts as `null`. */
function check<R>(name: string, field: Field<R>, value: unknown): unknown {
  if (field.kind === "json") return jsonText(name, value);
  if (field.nullable && (value === null || value === undefined)) return null;
  switch (field.kind) {
    case "integer":
      return integer(name, value);
    case "real":
      return nonNegative(name, value);
    case "timestamp":
      return timestamp(name, value);
    case "text":
      if (field.oneOf) return oneOf(name, value, field.oneOf);
      return field.nonEmpty
        ? nonEmptyText(name, value, field.maxLength)
        : text(name, value, field.maxLength);
  }
}

/** A field table's fields in column order, with their names. */
type FieldList<R> = readonly (readonly [name: string, field: Field<R>])[];

/**
 * What building and converting records of one field table reuse: its
 * fields listed once (`Object.entries` of a table costs about 2 µs, more
 * than the rest of building a record), and a record and a public record
 * with every field `null`, to copy. V8 turns an object built empty and
 * given more than a dozen or so properties by computed name into a hash
 * table ("dictionary mode"), slower to build, read and copy: an LLM call
 * has 21 fields. A copy of a finished object (`{ ...blank }`) gets the
 * fixed layout of its fields at once, and assigning to fields it already
 * has keeps it.
 */
interface Shape<R> {
  list: FieldList<R>;
  blank: Record<string, unknown>;
  publicBlank: Record<string, unknown>;
  /** The fields whose stored value the public record does not share. */
  json: readonly string[];
  timestamps: readonly string[];
}

const shapes = new WeakMap<object, Shape<unknown>>();

function shapeOf<R>(fields: Fields<R>): Shape<R> {
  let shape = shapes.get(fields) as Shape<R> | undefined;
  if (shape === undefined) {
    const list = Object.entries<Field<R>>(fields);
    const nulls = list.map(([name]) => [name, null] as const);
    const named = (kind: Field<R>["kind"]) =>
      list.filter(([, field]) => field.kind === kind).map(([name]) => name);
    shape = {
      list,
      blank: Object.fromEntries(nulls),
      publicBlank: Object.fromEntries([["id", 0], ...nulls]),
      json: named("json"),
      timestamps: named("timestamp"),
    };
    shapes.set(fields, shape as Shape<unknown>);
  }
  return shape;
}

/** Validates a new record of `fields` and fills in its defaults. */
function build<R>(
  fields: Fields<R>,
  what: string,
  input: unknown,
  now: Date,
  redaction: Redaction | undefined,
): R {
  const given = object(what, input);
  const shape = shapeOf(fields);
  const record: Record<string, unknown> = { ...shape.blank };
  for (const [name, field] of shape.list) {
    const value = given[name];
    if (value === undefined && field.fill) {
      record[name] = field.fill(record as R, now);
    } else if (
      (value === null || value === undefined) && field.default !== undefined
    ) {
      record[name] = field.default;
    } else {
      record[name] = check(name, field, value);
    }
  }
  return redaction ? redaction.apply(fields, record as R, given) : record as R;
}

/** Validates a new run and fills in its defaults. */
export function runRecord(
  input: AgentRunInput,
  now: Date,
  redaction?: Redaction,
): RunRecord {
  return build(RUN_FIELDS, "run", input, now, redaction);
}

/** Validates a new event and fills in its defaults. */
export function eventRecord(
  input: AgentRunEventInput,
  now: Date,
  redaction?: Redaction,
): EventRecord {
  return build(EVENT_FIELDS, "event", input, now, redaction);
}

/**
 * Validates a new LLM call and fills in its defaults. A cost given (as
 * `costUsd` or `usageMetrics.cost_usd`) is kept as provided; otherwise
 * `costUsd` and `costSource` stay `null` for the pricing to fill in.
 */
export function usageRecord(
  input: LlmUsageInput,
  now: Date,
  redaction?: Redaction,
): UsageRecord {
  const record = build(USAGE_FIELDS, "usage", input, now, undefined);
  checkTokenDetails(record);
  const metricsCost = costUsd(input.usageMetrics as JsonValue);
  if (record.costUsd !== null) {
    if (metricsCost !== undefined && metricsCost !== record.costUsd) {
      throw new InvalidInputError(
        "costUsd",
        `${record.costUsd} differs from usageMetrics.cost_usd ${metricsCost}`,
      );
    }
    record.costSource ??= "provided";
  } else if (metricsCost !== undefined) {
    record.costUsd = metricsCost === 0 ? 0 : metricsCost;
    record.costSource = "provided";
  } else {
    // Only a known cost has a source; pricing decides the rest.
    record.costSource = null;
  }
  return redaction
    ? redaction.apply(USAGE_FIELDS, record, object("usage", input))
    : record;
}

/**
 * Validates an LLM call restored from an export: its cost and cost source
 * are kept as stored, not settled afresh. A cost recomputed over a provided
 * one differs from `usageMetrics.cost_usd`, and a call left unpriced (or
 * another program's, with its cost only in the metrics) stays so, for the
 * restored store to hold what the exported one held.
 */
export function restoredUsageRecord(
  input: LlmUsageInput,
  now: Date,
  redaction?: Redaction,
): UsageRecord {
  const record = build(USAGE_FIELDS, "usage", input, now, undefined);
  checkTokenDetails(record);
  if ((record.costUsd === null) !== (record.costSource === null)) {
    throw new InvalidInputError(
      "costSource",
      record.costUsd === null
        ? `${record.costSource} while costUsd is null`
        : "null while costUsd is given",
    );
  }
  return redaction
    ? redaction.apply(USAGE_FIELDS, record, object("usage", input))
    : record;
}

/** Cached tokens are part of the input, reasoning tokens of the output. */
function checkTokenDetails(record: UsageRecord): void {
  const details = [
    ["cacheReadTokens", "inputTokens"],
    ["cacheWriteTokens", "inputTokens"],
    ["reasoningTokens", "outputTokens"],
  ] as const;
  for (const [detail, total] of details) {
    if (record[detail] !== null && record[total] === null) {
      throw new InvalidInputError(detail, `given while ${total} is null`);
    }
  }
  const cached = (record.cacheReadTokens ?? 0) + (record.cacheWriteTokens ?? 0);
  if (record.inputTokens !== null && cached > record.inputTokens) {
    throw new InvalidInputError(
      record.cacheWriteTokens === null ? "cacheReadTokens" : "cacheWriteTokens",
      `cacheReadTokens + cacheWriteTokens (${cached}) exceed inputTokens (${record.inputTokens}), which include them`,
    );
  }
  if (
    record.outputTokens !== null &&
    (record.reasoningTokens ?? 0) > record.outputTokens
  ) {
    throw new InvalidInputError(
      "reasoningTokens",
      `${record.reasoningTokens} exceed outputTokens (${record.outputTokens}), which include them`,
    );
  }
}

const PATCHABLE = Object.keys(RUN_FIELDS).filter((name) =>
  !RUN_FIELDS[name as keyof RunRecord].fixed
);

/**
 * Validates a patch. Fields left out or `undefined` are not changed;
 * `updatedAt` is always set.
 */
export function runChanges(
  patch: AgentRunPatch,
  now: Date,
  redaction?: Redaction,
): RunChanges {
  const given = object("patch", patch);
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!PATCHABLE.includes(name)) {
      throw new InvalidInputError(
        "patch",
        `${name} cannot be changed; allowed: ${PATCHABLE.join(", ")}`,
      );
    }
    changes[name] = check(name, RUN_FIELDS[name as keyof RunRecord], value);
  }
  changes.updatedAt = now;
  const checked = changes as RunChanges;
  return redaction ? redaction.apply(RUN_FIELDS, checked, given) : checked;
}

/** A run status. */
export function runStatus(value: unknown): AgentRunStatus {
  return check("status", RUN_FIELDS.status, value) as AgentRunStatus;
}

/** The event type: non-empty, at most 100 characters. */
export function eventType(value: unknown): EventType {
  return check("eventType", EVENT_FIELDS.eventType, value) as EventType;
}

/** The JSON value of stored text; text that is not JSON stays a string. */
export function parseJson(stored: string | null): JsonValue {
  if (stored === null) return null;
  try {
    return JSON.parse(stored) as JsonValue;
  } catch {
    return stored;
  }
}

/**
 * The public record of a stored one: JSON parsed, times copied. An `owned`
 * record (`Stored.owned`: decoded for one result, already in the public
 * layout, shared with nobody) becomes the public record itself: its JSON
 * parsed in place and its Dates kept, no second object made. On Bun the
 * copy cost more than reading the row.
 */
function toPublic<R>(
  fields: Fields<R>,
  id: number,
  record: R,
  owned: boolean,
): Record<string, unknown> {
  const shape = shapeOf(fields);
  if (owned) {
    const result = record as Record<string, unknown>;
    result.id = id;
    for (const name of shape.json) {
      result[name] = parseJson(result[name] as string | null);
    }
    return result;
  }
  // One copy of every field in the public layout (`id` first), then the
  // few that must not be shared: JSON parsed, Dates copied.
  const result: Record<string, unknown> = { ...shape.publicBlank, ...record };
  result.id = id;
  for (const name of shape.json) {
    result[name] = parseJson(result[name] as string | null);
  }
  for (const name of shape.timestamps) {
    const value = result[name];
    if (value !== null) result[name] = new Date(value as Date);
  }
  return result;
}

/** The public run of a stored record. */
export function toAgentRun(id: number, record: RunRecord): AgentRun {
  return toPublic(RUN_FIELDS, id, record, false) as unknown as AgentRun;
}

/** The public event of a stored record. */
export function toAgentRunEvent(
  id: number,
  record: EventRecord,
): AgentRunEvent {
  return toPublic(EVENT_FIELDS, id, record, false) as unknown as AgentRunEvent;
}

/**
 * The public LLM call of a stored record; with `owned` (`Stored.owned`),
 * the record itself, turned into it in place.
 */
export function toAgentLlmUsage(
  id: number,
  record: UsageRecord,
  owned = false,
): AgentLlmUsage {
  return toPublic(USAGE_FIELDS, id, record, owned) as unknown as AgentLlmUsage;
}
