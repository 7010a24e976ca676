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
export function check<R>(
  name: string,
  field: Field<R>,
  value: unknown,
): unknown {
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

/**
 * One field of a new record: its check, default or fill, as `build` applies
 * them; `record` holds the fields before it.
 */
type Step = (
  value: unknown,
  record: Record<string, unknown>,
  now: Date,
) => unknown;

/**
 * `check` of one field as a function of its value, the choice among the
 * kinds made once (`tests/records_test.ts` holds it to `check`).
 */
export function checker<R>(
  name: string,
  field: Field<R>,
): (value: unknown) => unknown {
  const { kind, nullable, oneOf: allowed, nonEmpty, maxLength } = field;
  if (kind === "json") return (value) => jsonText(name, value);
  const checkValue: (value: unknown) => unknown = kind === "integer"
    ? (value) => integer(name, value)
    : kind === "real"
    ? (value) => nonNegative(name, value)
    : kind === "timestamp"
    ? (value) => timestamp(name, value)
    : allowed
    ? (value) => oneOf(name, value, allowed)
    : nonEmpty
    ? (value) => nonEmptyText(name, value, maxLength)
    : (value) => text(name, value, maxLength);
  return nullable
    ? (value) =>
      value === null || value === undefined ? null : checkValue(value)
    : checkValue;
}

function step<R>(name: string, field: Field<R>): Step {
  const { fill, default: fallback } = field;
  const checkValue = checker(name, field);
  if (fill) {
    return (value, record, now) =>
      value === undefined
        ? fill(record as R, now)
        : value === null && fallback !== undefined
        ? fallback
        : checkValue(value);
  }
  if (fallback !== undefined) {
    return (value) =>
      value === null || value === undefined ? fallback : checkValue(value);
  }
  return checkValue;
}

/** Every field's step, by name. */
function steps<R>(fields: Fields<R>): { readonly [K in keyof R]: Step } {
  return Object.fromEntries(
    Object.entries<Field<R>>(fields).map(([name, field]) => [
      name,
      step(name, field),
    ]),
  ) as { [K in keyof R]: Step };
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

/**
 * Validates a new record of `fields` and fills in its defaults: each field
 * in column order, the first invalid one throwing. The reference that the
 * builders of events and LLM calls (`buildEvent`, `buildUsage`) must match
 * (`tests/records_test.ts` compares them).
 */
export function build<R>(
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

// The builders of the two records written in batches of thousands. `build`
// reads and writes each field by a computed name, which V8 serves from a
// shared (megamorphic) cache; naming each field in code makes every access
// a direct one, about half of a record's validation. The checks, defaults
// and fills stay those of the field table (`steps`), in its column order.

const EVENT_STEPS = steps(EVENT_FIELDS);
const EVENT_BLANK = shapeOf(EVENT_FIELDS).blank;

function buildEvent(input: unknown, now: Date): EventRecord {
  const given = object("event", input);
  const s = EVENT_STEPS;
  const r = { ...EVENT_BLANK };
  r.agentId = s.agentId(given.agentId, r, now);
  r.runId = s.runId(given.runId, r, now);
  r.agentName = s.agentName(given.agentName, r, now);
  r.timestamp = s.timestamp(given.timestamp, r, now);
  r.eventType = s.eventType(given.eventType, r, now);
  r.data = s.data(given.data, r, now);
  r.createdAt = s.createdAt(given.createdAt, r, now);
  return r as unknown as EventRecord;
}

const USAGE_STEPS = steps(USAGE_FIELDS);
const USAGE_BLANK = shapeOf(USAGE_FIELDS).blank;

function buildUsage(input: unknown, now: Date): UsageRecord {
  const given = object("usage", input);
  const s = USAGE_STEPS;
  const r = { ...USAGE_BLANK };
  r.agentId = s.agentId(given.agentId, r, now);
  r.runId = s.runId(given.runId, r, now);
  r.provider = s.provider(given.provider, r, now);
  r.model = s.model(given.model, r, now);
  r.prompt = s.prompt(given.prompt, r, now);
  r.promptLength = s.promptLength(given.promptLength, r, now);
  r.inputParams = s.inputParams(given.inputParams, r, now);
  r.inputTokens = s.inputTokens(given.inputTokens, r, now);
  r.outputTokens = s.outputTokens(given.outputTokens, r, now);
  r.responseContent = s.responseContent(given.responseContent, r, now);
  r.responseLength = s.responseLength(given.responseLength, r, now);
  r.usageMetrics = s.usageMetrics(given.usageMetrics, r, now);
  r.status = s.status(given.status, r, now);
  r.errorMessage = s.errorMessage(given.errorMessage, r, now);
  r.latencyMs = s.latencyMs(given.latencyMs, r, now);
  r.createdAt = s.createdAt(given.createdAt, r, now);
  r.cacheReadTokens = s.cacheReadTokens(given.cacheReadTokens, r, now);
  r.cacheWriteTokens = s.cacheWriteTokens(given.cacheWriteTokens, r, now);
  r.reasoningTokens = s.reasoningTokens(given.reasoningTokens, r, now);
  r.costUsd = s.costUsd(given.costUsd, r, now);
  r.costSource = s.costSource(given.costSource, r, now);
  return r as unknown as UsageRecord;
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
  const record = buildEvent(input, now);
  return redaction
    ? redaction.apply(EVENT_FIELDS, record, object("event", input))
    : record;
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
  const record = buildUsage(input, now);
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
  const record = buildUsage(input, now);
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

/** Each token detail and the total that includes it. */
const TOKEN_DETAILS = [
  ["cacheReadTokens", "inputTokens"],
  ["cacheWriteTokens", "inputTokens"],
  ["reasoningTokens", "outputTokens"],
] as const;

/** Cached tokens are part of the input, reasoning tokens of the output. */
function checkTokenDetails(record: UsageRecord): void {
  for (const [detail, total] of TOKEN_DETAILS) {
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
 * The public record of a stored one: JSON parsed, times copied. The
 * reference that the converters of events and LLM calls must match
 * (`tests/records_test.ts`). An `owned` record (`Stored.owned`: decoded for
 * one result, already in the public layout, shared with nobody) becomes the
 * public record itself: its JSON parsed in place and its Dates kept, no
 * second object made. On Bun the copy cost more than reading the row.
 */
export function toPublic<R>(
  fields: Fields<R>,
  id: number,
  record: R,
  owned = false,
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

/** A stored time as the public record's own copy. */
function copyTime(value: Date | null): Date | null {
  return value === null ? null : new Date(value);
}

// Events and LLM calls are converted by the thousand (a batch's returned
// records, every page of a listing): each field named in code, as the
// builders above, not copied by computed name.

/** The public event of a stored record. */
export function toAgentRunEvent(
  id: number,
  record: EventRecord,
): AgentRunEvent {
  return {
    id,
    agentId: record.agentId,
    runId: record.runId,
    agentName: record.agentName,
    timestamp: copyTime(record.timestamp)!,
    eventType: record.eventType,
    data: parseJson(record.data),
    createdAt: copyTime(record.createdAt)!,
  };
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
  if (owned) {
    // As toPublic does it in place, its two JSON fields named in code.
    const result = record as unknown as Record<string, unknown>;
    result.id = id;
    result.inputParams = parseJson(record.inputParams);
    result.usageMetrics = parseJson(record.usageMetrics);
    return result as unknown as AgentLlmUsage;
  }
  return {
    id,
    agentId: record.agentId,
    runId: record.runId,
    provider: record.provider,
    model: record.model,
    prompt: record.prompt,
    promptLength: record.promptLength,
    inputParams: parseJson(record.inputParams),
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    responseContent: record.responseContent,
    responseLength: record.responseLength,
    usageMetrics: parseJson(record.usageMetrics),
    status: record.status,
    errorMessage: record.errorMessage,
    latencyMs: record.latencyMs,
    createdAt: copyTime(record.createdAt)!,
    cacheReadTokens: record.cacheReadTokens,
    cacheWriteTokens: record.cacheWriteTokens,
    reasoningTokens: record.reasoningTokens,
    costUsd: record.costUsd,
    costSource: record.costSource,
  };
}
