/**
 * Import of OTLP files: OTLP/JSON trace requests, one per line, as this
 * store writes them and as other tools do (the OpenTelemetry Collector's
 * file exporter among them), taken in through the same mapping as the span
 * exporter. Importing a file twice adds nothing: a run already stored is
 * skipped with its events and LLM calls, and an LLM call without a stored
 * run is skipped when the store holds one like it (as the JSON Lines import
 * recognises records).
 *
 * @module
 */

import { PersistenceError } from "../errors.ts";
import type { Persistence } from "../persistence.ts";
import type { LlmUsageInput, RecordCounts } from "../types.ts";
import { StoredIdentities } from "../maintenance/fingerprint.ts";
import { noRecords } from "../maintenance/run_reader.ts";
import type {
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpSpan,
  OtlpTraceRequest,
} from "./otlp_json.ts";
import { SpanIngest, type SpanStore } from "./span_ingest.ts";
import type { AttributeValue, SpanRecord } from "./span_shape.ts";

/**
 * Options of {@linkcode importOtlp}.
 *
 * @example
 * ```ts
 * import type { OtlpImportOptions } from "@curio/persistence/otel";
 * const options: OtlpImportOptions = {
 *   agentId: "imported",
 *   onWarning: (kind, message) => console.error(kind, message),
 * };
 * ```
 */
export interface OtlpImportOptions {
  /** The agent of runs whose spans name none; default `"otel"`. */
  agentId?: string;
  /** Called once per kind of problem; default a console warning. */
  onWarning?: (kind: string, message: string) => void;
}

/**
 * What {@linkcode importOtlp} did.
 *
 * @example
 * ```ts
 * import type { OtlpImportResult } from "@curio/persistence/otel";
 * const result: OtlpImportResult = {
 *   spans: 12,
 *   added: { runs: 1, events: 4, llmUsage: 3 },
 *   skippedRuns: 0,
 * };
 * ```
 */
export interface OtlpImportResult {
  /** Spans read. */
  spans: number;
  /** Records written to the store. */
  added: RecordCounts;
  /** Runs the store held already (their events and LLM calls skipped). */
  skippedRuns: number;
}

/**
 * Imports the lines of an OTLP file (OTLP/JSON trace requests, one per
 * line; empty lines are ignored) through the mapping of the span exporter.
 * Spans written by {@linkcode exportOtlp} come back as the records they were.
 *
 * @param store The store to write to.
 * @param lines The file's lines, such as `splitLines` yields.
 * @param options The default agent and the warning handler.
 * @returns Spans read and records added.
 * @throws {PersistenceError} For a line that is not a JSON object, naming
 * its number.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { exportOtlp, importOtlp } from "@curio/persistence/otel";
 * import assert from "node:assert/strict";
 *
 * await using from = await createPersistence("memory:");
 * await from.createAgentRun({ agentId: "a", runId: "r", status: "completed" });
 * let text = "";
 * await exportOtlp(from, { write: (t) => void (text += t) });
 *
 * await using to = await createPersistence("memory:");
 * const first = await importOtlp(to, text.split("\n"));
 * assert.equal(first.added.runs, 1);
 * const again = await importOtlp(to, text.split("\n"));
 * assert.equal(again.added.runs, 0);
 * ```
 */
export async function importOtlp(
  store: Persistence,
  lines: AsyncIterable<string> | Iterable<string>,
  options: OtlpImportOptions = {},
): Promise<OtlpImportResult> {
  const added = noRecords();
  const counting = countingStore(store, added);
  const ingest = new SpanIngest(counting.store, {
    ...options,
    holdMs: Infinity,
  });
  let spans = 0;
  let number = 0;
  let ok = true;
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    let request: OtlpTraceRequest;
    try {
      request = JSON.parse(line);
    } catch (error) {
      throw new PersistenceError(
        `Line ${number} is not OTLP/JSON: ${(error as Error).message}`,
      );
    }
    if (request === null || typeof request !== "object") {
      throw new PersistenceError(`Line ${number} is not an OTLP/JSON request`);
    }
    const records = spanRecords(
      request,
      (message) => ingest.warn("malformed span", message),
    );
    spans += records.length;
    ok = await ingest.ingest(records) && ok;
  }
  ok = await ingest.ingest([], true) && ok;
  if (!ok) {
    throw new PersistenceError(
      `Importing the OTLP file failed: a write failed (${counting.failure})`,
    );
  }
  return { spans, added, skippedRuns: ingest.existingRuns };
}

/**
 * The store as the ingestion sees it: records counted as written, and LLM
 * calls of runs not created by this import skipped when the store held one
 * like them.
 */
function countingStore(store: Persistence, added: RecordCounts) {
  const created = new Set<string>();
  const stored = new StoredIdentities(store);
  const counting = { failure: "", store: null as unknown as SpanStore };
  const failed = <T>(work: Promise<T>) =>
    work.catch((error) => {
      counting.failure ||= error instanceof Error ? error.message : `${error}`;
      throw error;
    });
  const seen = async (input: LlmUsageInput) => {
    if (input.runId && created.has(input.runId)) return false;
    const record = { agentId: null, runId: null, ...input };
    return await stored.take("llm_usage", record as never);
  };
  counting.store = {
    createAgentRun: async (input) => {
      const run = await store.createAgentRun(input);
      created.add(run.runId);
      added.runs++;
      return run;
    },
    updateAgentRun: (runId, patch) =>
      failed(store.updateAgentRun(runId, patch)),
    logAgentRunEvent: async (input) => {
      const event = await failed(store.logAgentRunEvent(input));
      added.events++;
      return event;
    },
    logAgentRunEvents: async (inputs) => {
      const events = await failed(store.logAgentRunEvents(inputs));
      added.events += events.length;
      return events;
    },
    logLlmUsage: async (input) => {
      if (await seen(input)) return undefined as never;
      const call = await failed(store.logLlmUsage(input));
      added.llmUsage++;
      return call;
    },
  };
  return counting;
}

/** The spans of a request in plain form; a malformed span is skipped. */
export function spanRecords(
  request: OtlpTraceRequest,
  onMalformed: (message: string) => void,
): SpanRecord[] {
  const records: SpanRecord[] = [];
  for (const resource of list(request.resourceSpans)) {
    for (const scope of list(resource?.scopeSpans)) {
      for (const span of list(scope?.spans)) {
        try {
          records.push(spanRecord(span));
        } catch (error) {
          onMalformed(`a span was skipped: ${(error as Error).message}`);
        }
      }
    }
  }
  return records;
}

function list<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function spanRecord(span: OtlpSpan): SpanRecord {
  const traceId = id(span.traceId, 16);
  const spanId = id(span.spanId, 8);
  if (traceId === null || spanId === null) {
    throw new Error("no valid trace or span id");
  }
  const parent = span.parentSpanId ? id(span.parentSpanId, 8) : null;
  const code = span.status?.code;
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name: typeof span.name === "string" ? span.name : "",
    startMs: ms(span.startTimeUnixNano),
    endMs: ms(span.endTimeUnixNano),
    attributes: attributeMap(span.attributes),
    statusCode: code === 2 || code === "STATUS_CODE_ERROR" ? 2 : 0,
    statusMessage: span.status?.message || null,
    events: list(span.events).map((event) => ({
      name: typeof event?.name === "string" ? event.name : "",
      timeMs: ms(event?.timeUnixNano),
      attributes: attributeMap(event?.attributes),
    })),
  };
}

/**
 * An id in lower-case hex: the JSON encoding's hex, or the base64 some
 * older writers used.
 */
function id(value: unknown, bytes: number): string | null {
  if (typeof value !== "string") return null;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    return value.toLowerCase();
  }
  try {
    const raw = atob(value);
    if (raw.length !== bytes) return null;
    return [...raw].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0"))
      .join("");
  } catch {
    return null;
  }
}

/** Milliseconds of Unix nanoseconds (a string or a number). */
function ms(nanos: unknown): number {
  if (typeof nanos === "number") return nanos / 1e6;
  if (typeof nanos !== "string" || !/^\d+$/.test(nanos)) {
    throw new Error(`not a time: ${JSON.stringify(nanos)}`);
  }
  const value = BigInt(nanos);
  return Number(value / 1_000_000n) + Number(value % 1_000_000n) / 1e6;
}

function attributeMap(
  attributes: OtlpKeyValue[] | undefined,
): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const attribute of list(attributes)) {
    if (typeof attribute?.key !== "string") continue;
    map[attribute.key] = value(attribute.value) as AttributeValue;
  }
  return map;
}

/** A typed OTLP value as a plain one; a map as its JSON text. */
function value(any: OtlpAnyValue | undefined, depth = 0): unknown {
  if (any === null || typeof any !== "object") return undefined;
  if ("stringValue" in any) return any.stringValue;
  if ("boolValue" in any) return any.boolValue;
  if ("intValue" in any) return Number(any.intValue);
  if ("doubleValue" in any) return Number(any.doubleValue);
  if ("bytesValue" in any) return any.bytesValue;
  if (depth > 32) return undefined;
  if ("arrayValue" in any) {
    return list(any.arrayValue?.values).map((v) => value(v, depth + 1));
  }
  if ("kvlistValue" in any) {
    const object: Record<string, unknown> = {};
    for (const kv of list(any.kvlistValue?.values)) {
      if (typeof kv?.key === "string") {
        object[kv.key] = value(kv.value, depth + 1);
      }
    }
    return depth === 0 ? JSON.stringify(object) : object;
  }
  return undefined;
}
