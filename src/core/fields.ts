// What each record holds, described once per field. The checks and
// defaults of new records and patches, the conversion to public records,
// the SQL columns, the redacted fields and the times of the export file are
// all derived from these tables.

import {
  AGENT_RUN_STATUSES,
  type AgentLlmUsage,
  type AgentRun,
  type AgentRunEvent,
  COST_SOURCES,
  type JsonValue,
  LLM_USAGE_STATUSES,
} from "../types.ts";
import { codePointLength } from "./validate.ts";

/**
 * A public record as every backend stores it: without its `id`, and its JSON
 * fields as text.
 */
export type StoredRecord<T> = {
  [K in Exclude<keyof T, "id">]: [JsonValue] extends [T[K]] ? string | null
    : T[K];
};

/** How one field of a record `R` is checked, filled in and stored. */
export interface Field<R> {
  /**
   * `text`, `integer` and `timestamp` are stored as they are; `json` holds
   * any JSON value as text and is always nullable.
   */
  kind: "text" | "json" | "integer" | "real" | "timestamp";
  /** `null` (or a missing value) is stored as `null`. */
  nullable?: boolean;
  /** Text: at most this many characters; the column is `VARCHAR(n)`. */
  maxLength?: number;
  /** Text: the empty string is refused. */
  nonEmpty?: boolean;
  /** Text: only these values are accepted. */
  oneOf?: readonly string[];
  /** The value of a new record when the input gives `null` or nothing. */
  default?: string | number;
  /**
   * The value of a new record when the input leaves the field out, from the
   * fields before it (an explicit `null` is checked as given).
   */
  fill?: (record: R, now: Date) => R[keyof R];
  /** The store's redactor rewrites it. */
  redacted?: boolean;
  /** A patch cannot change it. */
  fixed?: boolean;
  /** The SQL column's constraint and default, as in the specification. */
  constraint?: string;
  /**
   * The schema version that added the column (it is appended to the table
   * then); fields without one are the specification's, of version 1.
   */
  addedIn?: number;
}

/** The description of every field of `R`, in column order. */
export type Fields<R> = { readonly [K in keyof R]-?: Field<R> };

// An identifier: a non-empty text of at most 255 characters.
const ID = { kind: "text", maxLength: 255, nonEmpty: true } as const;

const CREATED_AT = {
  kind: "timestamp",
  fill: (_record: unknown, now: Date) => now,
  fixed: true,
  constraint: "DEFAULT CURRENT_TIMESTAMP",
} as const;

/** The fields of a run, as in `agent_runs`. */
export const RUN_FIELDS: Fields<StoredRecord<AgentRun>> = {
  agentId: { ...ID, fixed: true, constraint: "NOT NULL" },
  runId: { ...ID, fixed: true, constraint: "UNIQUE NOT NULL" },
  agentName: { kind: "text", maxLength: 255, default: "" },
  objective: { kind: "text", default: "", redacted: true },
  additionalContext: { kind: "json", redacted: true },
  startedAt: { kind: "timestamp", nullable: true },
  finishedAt: { kind: "timestamp", nullable: true },
  totalIterations: { kind: "integer", default: 0, constraint: "DEFAULT 0" },
  finalSynthesisOutput: { kind: "text", nullable: true, redacted: true },
  executionHistory: { kind: "json", redacted: true },
  status: {
    kind: "text",
    maxLength: 50,
    oneOf: AGENT_RUN_STATUSES,
    default: "pending",
    constraint: "DEFAULT 'pending'",
  },
  errorMessage: { kind: "text", nullable: true, redacted: true },
  metadata: { kind: "json", redacted: true },
  createdAt: CREATED_AT,
  updatedAt: { ...CREATED_AT, fill: (run) => run.createdAt },
};

/** The fields of an event, as in `agent_run_events`. */
export const EVENT_FIELDS: Fields<StoredRecord<AgentRunEvent>> = {
  agentId: { ...ID, constraint: "NOT NULL" },
  runId: { ...ID, constraint: "NOT NULL" },
  agentName: { kind: "text", maxLength: 255, default: "" },
  timestamp: { kind: "timestamp", fill: (_event, now) => now },
  eventType: { kind: "text", maxLength: 100, nonEmpty: true },
  data: { kind: "json", redacted: true },
  createdAt: CREATED_AT,
};

/** The fields of an LLM call, as in `agent_llm_usage`. */
export const USAGE_FIELDS: Fields<StoredRecord<AgentLlmUsage>> = {
  agentId: { ...ID, nullable: true },
  runId: { ...ID, nullable: true },
  provider: { kind: "text", maxLength: 100, default: "" },
  model: { kind: "text", maxLength: 255, default: "" },
  prompt: { kind: "text", default: "", redacted: true },
  // Lengths are those of the text as given, before any redaction.
  promptLength: {
    kind: "integer",
    fill: (usage) => codePointLength(usage.prompt),
  },
  inputParams: { kind: "json", redacted: true },
  inputTokens: { kind: "integer", nullable: true },
  outputTokens: { kind: "integer", nullable: true },
  responseContent: { kind: "text", nullable: true, redacted: true },
  responseLength: {
    kind: "integer",
    nullable: true,
    fill: (usage) =>
      usage.responseContent === null
        ? null
        : codePointLength(usage.responseContent),
  },
  usageMetrics: { kind: "json", redacted: true },
  status: {
    kind: "text",
    maxLength: 50,
    oneOf: LLM_USAGE_STATUSES,
    default: "success",
    constraint: "DEFAULT 'success'",
  },
  errorMessage: { kind: "text", nullable: true, redacted: true },
  latencyMs: { kind: "integer", nullable: true },
  createdAt: CREATED_AT,
  cacheReadTokens: { kind: "integer", nullable: true, addedIn: 3 },
  cacheWriteTokens: { kind: "integer", nullable: true, addedIn: 3 },
  reasoningTokens: { kind: "integer", nullable: true, addedIn: 3 },
  costUsd: { kind: "real", nullable: true, addedIn: 3 },
  costSource: {
    kind: "text",
    maxLength: 16,
    oneOf: COST_SOURCES,
    nullable: true,
    addedIn: 3,
  },
};

/** The names of the fields of one kind, in column order. */
export function fieldsOfKind<R>(
  fields: Fields<R>,
  kind: Field<R>["kind"],
): (keyof R & string)[] {
  return (Object.keys(fields) as (keyof R & string)[]).filter((name) =>
    fields[name].kind === kind
  );
}
