// Validation and defaults for every record, shared by all backends so that
// each one accepts and rejects exactly the same input. A record here holds
// JSON fields as text, as every backend stores them; `toAgentRun` and its
// siblings parse them on the way out.

import { InvalidInputError } from "../errors.ts";
import {
  AGENT_RUN_STATUSES,
  type AgentLlmUsage,
  type AgentRun,
  type AgentRunEvent,
  type AgentRunEventInput,
  type AgentRunInput,
  type AgentRunPatch,
  type AgentRunStatus,
  type JsonValue,
  LLM_USAGE_STATUSES,
  type LlmUsageInput,
  type LlmUsageStatus,
} from "../types.ts";

/** An agent run as stored: JSON fields as text. */
export interface RunRecord {
  agentId: string;
  runId: string;
  agentName: string;
  objective: string;
  additionalContext: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  totalIterations: number;
  finalSynthesisOutput: string | null;
  executionHistory: string | null;
  status: AgentRunStatus;
  errorMessage: string | null;
  metadata: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An event as stored: JSON fields as text. */
export interface EventRecord {
  agentId: string;
  runId: string;
  agentName: string;
  timestamp: Date;
  eventType: string;
  data: string | null;
  createdAt: Date;
}

/** An LLM call as stored: JSON fields as text. */
export interface UsageRecord {
  agentId: string | null;
  runId: string | null;
  provider: string;
  model: string;
  prompt: string;
  promptLength: number;
  inputParams: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  responseContent: string | null;
  responseLength: number | null;
  usageMetrics: string | null;
  status: LlmUsageStatus;
  errorMessage: string | null;
  latencyMs: number | null;
  createdAt: Date;
}

/** The fields of a run that a patch may set, as stored. */
export type RunChanges = Partial<
  Omit<RunRecord, "agentId" | "runId" | "createdAt">
>;

// PostgreSQL's INTEGER is 32-bit; every backend holds the same range.
const MAX_INTEGER = 2_147_483_647;
// Years outside 1..9999 do not sort as ISO text and PostgreSQL rejects some.
const MIN_TIME = Date.UTC(1, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const SURROGATE = /[\uD800-\uDFFF]/;

/** Number of Unicode code points in `text`, as Python's `len` counts. */
export function codePointLength(text: string): number {
  // Most text has no surrogates; the regex scans it natively.
  if (!SURROGATE.test(text)) return text.length;
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

// deno-lint-ignore no-control-regex
const NUL = /\u0000/;

/**
 * Every backend must store a text exactly; PostgreSQL cannot hold NUL and no
 * backend can hold a lone surrogate, so both are refused everywhere.
 */
export function text(
  field: string,
  value: unknown,
  maxLength?: number,
): string {
  if (typeof value !== "string") {
    throw new InvalidInputError(field, `expected a string, got ${kind(value)}`);
  }
  if (NUL.test(value)) {
    throw new InvalidInputError(field, "NUL characters cannot be stored");
  }
  if (!value.isWellFormed()) {
    throw new InvalidInputError(field, "contains a lone surrogate");
  }
  if (maxLength !== undefined && value.length > maxLength) {
    const length = codePointLength(value);
    if (length > maxLength) {
      throw new InvalidInputError(
        field,
        `at most ${maxLength} characters, got ${length}`,
      );
    }
  }
  return value;
}

function nullableText(
  field: string,
  value: unknown,
  maxLength?: number,
): string | null {
  return value === null || value === undefined
    ? null
    : text(field, value, maxLength);
}

/** A non-empty identifier of at most 255 characters. */
export function identifier(field: string, value: unknown): string {
  const id = text(field, value, 255);
  if (id.length === 0) throw new InvalidInputError(field, "must not be empty");
  return id;
}

function integer(field: string, value: unknown): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 0 ||
    value > MAX_INTEGER
  ) {
    throw new InvalidInputError(
      field,
      `expected a whole number from 0 to ${MAX_INTEGER}, got ${
        describe(value)
      }`,
    );
  }
  // -0 is a whole number too, but SQL stores it as 0: store 0 everywhere.
  return value === 0 ? 0 : value;
}

function nullableInteger(field: string, value: unknown): number | null {
  return value === null || value === undefined ? null : integer(field, value);
}

/** A valid Date within the years 1 to 9999, copied. */
export function timestamp(field: string, value: unknown): Date {
  if (!(value instanceof Date)) {
    throw new InvalidInputError(field, `expected a Date, got ${kind(value)}`);
  }
  const time = value.getTime();
  if (Number.isNaN(time)) {
    throw new InvalidInputError(field, "invalid Date");
  }
  if (time < MIN_TIME || time > MAX_TIME) {
    throw new InvalidInputError(
      field,
      `must lie within the years 1 to 9999, got ${value.toISOString()}`,
    );
  }
  return new Date(time);
}

function nullableTimestamp(field: string, value: unknown): Date | null {
  return value === null || value === undefined ? null : timestamp(field, value);
}

function oneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidInputError(
      field,
      `expected one of ${allowed.join(", ")}, got ${describe(value)}`,
    );
  }
  return value as T;
}

/** JSON text of `value`, or `null` for `null` and `undefined`. */
export function jsonText(field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(
      field,
      `cannot be serialized as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (json === undefined) {
    throw new InvalidInputError(
      field,
      `cannot be serialized as JSON: ${kind(value)}`,
    );
  }
  return json;
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

/** The event type: non-empty, at most 100 characters. */
export function eventType(value: unknown): string {
  const type = text("eventType", value, 100);
  if (type.length === 0) {
    throw new InvalidInputError("eventType", "must not be empty");
  }
  return type;
}

/** A run status. */
export function runStatus(value: unknown): AgentRunStatus {
  return oneOf("status", value, AGENT_RUN_STATUSES);
}

/** A `limit`, `offset` or `pageSize`: a whole number from 0. */
export function count(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 0
  ) {
    throw new InvalidInputError(
      field,
      `expected a whole number from 0, got ${describe(value)}`,
    );
  }
  return value;
}

/** A `pageSize`: a whole number from 1. */
export function pageSize(value: unknown): number {
  const size = count("pageSize", value, 1000);
  if (size === 0) throw new InvalidInputError("pageSize", "must be at least 1");
  return size;
}

function object(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      field,
      `expected an object, got ${kind(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Validates a new run and fills in its defaults. */
export function runRecord(input: AgentRunInput, now: Date): RunRecord {
  const run = object("run", input) as Partial<AgentRunInput>;
  const createdAt = run.createdAt === undefined
    ? now
    : timestamp("createdAt", run.createdAt);
  return {
    agentId: identifier("agentId", run.agentId),
    runId: identifier("runId", run.runId),
    agentName: text("agentName", run.agentName ?? "", 255),
    objective: text("objective", run.objective ?? ""),
    additionalContext: jsonText("additionalContext", run.additionalContext),
    startedAt: nullableTimestamp("startedAt", run.startedAt),
    finishedAt: nullableTimestamp("finishedAt", run.finishedAt),
    totalIterations: integer("totalIterations", run.totalIterations ?? 0),
    finalSynthesisOutput: nullableText(
      "finalSynthesisOutput",
      run.finalSynthesisOutput,
    ),
    executionHistory: jsonText("executionHistory", run.executionHistory),
    status: runStatus(run.status ?? "pending"),
    errorMessage: nullableText("errorMessage", run.errorMessage),
    metadata: jsonText("metadata", run.metadata),
    createdAt,
    updatedAt: run.updatedAt === undefined
      ? createdAt
      : timestamp("updatedAt", run.updatedAt),
  };
}

const PATCHERS: {
  [K in keyof AgentRunPatch]-?: (value: unknown) => RunChanges[K];
} = {
  agentName: (v) => text("agentName", v, 255),
  objective: (v) => text("objective", v),
  additionalContext: (v) => jsonText("additionalContext", v),
  startedAt: (v) => nullableTimestamp("startedAt", v),
  finishedAt: (v) => nullableTimestamp("finishedAt", v),
  totalIterations: (v) => integer("totalIterations", v),
  finalSynthesisOutput: (v) => nullableText("finalSynthesisOutput", v),
  executionHistory: (v) => jsonText("executionHistory", v),
  status: runStatus,
  errorMessage: (v) => nullableText("errorMessage", v),
  metadata: (v) => jsonText("metadata", v),
};

/**
 * Validates a patch. Fields left out or `undefined` are not changed;
 * `updatedAt` is always set.
 */
export function runChanges(patch: AgentRunPatch, now: Date): RunChanges {
  const fields = object("patch", patch);
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const patcher = PATCHERS[key as keyof AgentRunPatch];
    if (patcher === undefined || !Object.hasOwn(PATCHERS, key)) {
      throw new InvalidInputError(
        "patch",
        `${key} cannot be changed; allowed: ${
          Object.keys(PATCHERS).join(", ")
        }`,
      );
    }
    changes[key] = patcher(value);
  }
  changes.updatedAt = now;
  return changes as RunChanges;
}

/** Validates a new event and fills in its defaults. */
export function eventRecord(input: AgentRunEventInput, now: Date): EventRecord {
  const event = object("event", input) as Partial<AgentRunEventInput>;
  return {
    agentId: identifier("agentId", event.agentId),
    runId: identifier("runId", event.runId),
    agentName: text("agentName", event.agentName ?? "", 255),
    timestamp: event.timestamp === undefined
      ? now
      : timestamp("timestamp", event.timestamp),
    eventType: eventType(event.eventType),
    data: jsonText("data", event.data),
    createdAt: event.createdAt === undefined
      ? now
      : timestamp("createdAt", event.createdAt),
  };
}

/** Validates a new LLM call and fills in its defaults. */
export function usageRecord(input: LlmUsageInput, now: Date): UsageRecord {
  const usage = object("usage", input) as Partial<LlmUsageInput>;
  const prompt = text("prompt", usage.prompt ?? "");
  const responseContent = nullableText(
    "responseContent",
    usage.responseContent,
  );
  return {
    agentId: usage.agentId == null
      ? null
      : identifier("agentId", usage.agentId),
    runId: usage.runId == null ? null : identifier("runId", usage.runId),
    provider: text("provider", usage.provider ?? "", 100),
    model: text("model", usage.model ?? "", 255),
    prompt,
    promptLength: usage.promptLength === undefined
      ? codePointLength(prompt)
      : integer("promptLength", usage.promptLength),
    inputParams: jsonText("inputParams", usage.inputParams),
    inputTokens: nullableInteger("inputTokens", usage.inputTokens),
    outputTokens: nullableInteger("outputTokens", usage.outputTokens),
    responseContent,
    responseLength: usage.responseLength === undefined
      ? (responseContent === null ? null : codePointLength(responseContent))
      : nullableInteger("responseLength", usage.responseLength),
    usageMetrics: jsonText("usageMetrics", usage.usageMetrics),
    status: oneOf("status", usage.status ?? "success", LLM_USAGE_STATUSES),
    errorMessage: nullableText("errorMessage", usage.errorMessage),
    latencyMs: nullableInteger("latencyMs", usage.latencyMs),
    createdAt: usage.createdAt === undefined
      ? now
      : timestamp("createdAt", usage.createdAt),
  };
}

/** The public run of a stored record. */
export function toAgentRun(id: number, record: RunRecord): AgentRun {
  return {
    id,
    agentId: record.agentId,
    runId: record.runId,
    agentName: record.agentName,
    objective: record.objective,
    additionalContext: parseJson(record.additionalContext),
    startedAt: copyDate(record.startedAt),
    finishedAt: copyDate(record.finishedAt),
    totalIterations: record.totalIterations,
    finalSynthesisOutput: record.finalSynthesisOutput,
    executionHistory: parseJson(record.executionHistory),
    status: record.status,
    errorMessage: record.errorMessage,
    metadata: parseJson(record.metadata),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}

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
    timestamp: new Date(record.timestamp),
    eventType: record.eventType,
    data: parseJson(record.data),
    createdAt: new Date(record.createdAt),
  };
}

/** The public LLM call of a stored record. */
export function toAgentLlmUsage(
  id: number,
  record: UsageRecord,
): AgentLlmUsage {
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
    createdAt: new Date(record.createdAt),
  };
}

function copyDate(date: Date | null): Date | null {
  return date === null ? null : new Date(date);
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value;
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.slice(0, 50));
  if (typeof value === "bigint") return `${value}n`;
  return kind(value);
}
