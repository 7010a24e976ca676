/**
 * Export to OTLP files: each run as one OTLP/JSON `ExportTraceServiceRequest`
 * on a line of its own, per the OTLP specification's JSON encoding (hex ids,
 * Unix-nanosecond times as strings, typed attribute values). The run is an
 * `invoke_agent` span, its LLM calls `chat` spans under it, each pair of
 * `action_execution_started`/`_completed` events an `execute_tool` span, and
 * its events span events of the run's span. Ids are digests of the run id,
 * so exporting again writes the same ids. The attributes are those of
 * `curio_attributes.ts`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Persistence } from "../persistence.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  RecordCounts,
} from "../types.ts";
import {
  closeRun,
  noRecords,
  readRun,
  withoutId,
} from "../maintenance/run_reader.ts";
import type { TextSink } from "../maintenance/sink.ts";
import {
  callAttributes,
  eventAttributes,
  runAttributes,
} from "./curio_attributes.ts";
import type { AttributeValue } from "./span_shape.ts";

/**
 * An OTLP/JSON `AnyValue`: exactly one of its fields is set.
 *
 * @example
 * ```ts
 * import type { OtlpAnyValue } from "@curio/persistence/otel";
 * const value: OtlpAnyValue = { intValue: "42" };
 * ```
 */
export interface OtlpAnyValue {
  /** A string. */
  stringValue?: string;
  /** A boolean. */
  boolValue?: boolean;
  /** A 64-bit integer, as a decimal string (numbers are read too). */
  intValue?: string | number;
  /** A floating-point number. */
  doubleValue?: number | string;
  /** A list. */
  arrayValue?: { values?: OtlpAnyValue[] };
  /** A map. */
  kvlistValue?: { values?: OtlpKeyValue[] };
  /** Bytes, base64-encoded. */
  bytesValue?: string;
}

/**
 * An OTLP/JSON attribute.
 *
 * @example
 * ```ts
 * import type { OtlpKeyValue } from "@curio/persistence/otel";
 * const attribute: OtlpKeyValue = {
 *   key: "gen_ai.operation.name",
 *   value: { stringValue: "chat" },
 * };
 * ```
 */
export interface OtlpKeyValue {
  /** The attribute's name. */
  key: string;
  /** Its value. */
  value?: OtlpAnyValue;
}

/**
 * An OTLP/JSON span, with the fields this module writes and reads.
 *
 * @example
 * ```ts
 * import type { OtlpSpan } from "@curio/persistence/otel";
 * const span: OtlpSpan = {
 *   traceId: "5b8efff798038103d269b633813fc60c",
 *   spanId: "eee19b7ec3c1b174",
 *   name: "chat gpt-4o",
 *   kind: 3,
 *   startTimeUnixNano: "1750000000000000000",
 *   endTimeUnixNano: "1750000001000000000",
 *   attributes: [{ key: "gen_ai.operation.name", value: { stringValue: "chat" } }],
 *   status: { code: 0 },
 * };
 * ```
 */
export interface OtlpSpan {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** 16 hex digits; absent or empty for a root span. */
  parentSpanId?: string;
  /** The span's name. */
  name: string;
  /** 1 internal, 3 client, … */
  kind?: number;
  /** Unix nanoseconds, as a decimal string. */
  startTimeUnixNano: string | number;
  /** Unix nanoseconds, as a decimal string. */
  endTimeUnixNano: string | number;
  /** The span's attributes. */
  attributes?: OtlpKeyValue[];
  /** The span's events. */
  events?: {
    timeUnixNano: string | number;
    name: string;
    attributes?: OtlpKeyValue[];
  }[];
  /** 0 unset, 1 ok, 2 error. */
  status?: { code?: number | string; message?: string };
}

/**
 * An OTLP/JSON `ExportTraceServiceRequest`: one line of an OTLP file.
 *
 * @example
 * ```ts
 * import type { OtlpTraceRequest } from "@curio/persistence/otel";
 * const request: OtlpTraceRequest = {
 *   resourceSpans: [{ scopeSpans: [{ spans: [] }] }],
 * };
 * ```
 */
export interface OtlpTraceRequest {
  /** The spans, by resource and instrumentation scope. */
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string; version?: string };
      spans?: OtlpSpan[];
    }[];
  }[];
}

/**
 * Which records {@linkcode exportOtlp} writes.
 *
 * @example
 * ```ts
 * import type { OtlpExportOptions } from "@curio/persistence/otel";
 * const options: OtlpExportOptions = { agentId: "researcher" };
 * ```
 */
export interface OtlpExportOptions {
  /** Only this agent's runs, and its LLM calls that belong to no run. */
  agentId?: string;
  /** Only runs (and run-less LLM calls) created at or after this time. */
  since?: Date;
  /** Records read per query; default 1000. */
  pageSize?: number;
  /** Called after each run (or run-less LLM call) written. */
  onProgress?: (done: RecordCounts) => void;
}

const SCOPE = { name: "@curio/persistence", version: "1" };
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;

/**
 * Writes a store to `sink` as an OTLP file: one OTLP/JSON trace request per
 * line, one per run (its LLM calls and tool steps child spans, its events
 * span events), then one per LLM call that belongs to no stored run. The
 * README lists the attributes. Flushes the sink at the end.
 *
 * @param store The store to read.
 * @param sink Where the lines go.
 * @param options Filters and progress.
 * @returns How many runs, events and LLM calls were written.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { exportOtlp } from "@curio/persistence/otel";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a", runId: "r", status: "completed" });
 * await store.logLlmUsage({ agentId: "a", runId: "r", model: "gpt-4o" });
 * let text = "";
 * const counts = await exportOtlp(store, { write: (t) => void (text += t) });
 * assert.deepEqual(counts, { runs: 1, events: 0, llmUsage: 1 });
 * const spans = JSON.parse(text).resourceSpans[0].scopeSpans[0].spans;
 * assert.equal(spans.length, 2);
 * ```
 */
export async function exportOtlp(
  store: Persistence,
  sink: TextSink,
  options: OtlpExportOptions = {},
): Promise<RecordCounts> {
  const counts = noRecords();
  for await (const request of otlpRequests(store, options, counts)) {
    const line = JSON.stringify(request).replace(LINE_SEPARATORS, escaped);
    await sink.write(line + "\n");
    options.onProgress?.(counts);
  }
  await sink.flush?.();
  return counts;
}

/** The two line breaks `JSON.stringify` leaves unescaped. */
const LINE_SEPARATORS = /[\u2028\u2029]/g;
const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16)}`;

/** Runs read ahead of the one being written. */
const READ_AHEAD = 8;

/** The trace requests of a store, counting the records in `counts`. */
async function* otlpRequests(
  store: Persistence,
  options: OtlpExportOptions,
  counts: RecordCounts,
): AsyncGenerator<OtlpTraceRequest, void, undefined> {
  const { agentId, since, pageSize } = options;
  const filter = {
    ...(agentId === undefined ? {} : { agentId }),
    ...(pageSize === undefined ? {} : { pageSize }),
  };
  const ahead: ReturnType<typeof readRun>[] = [];
  const emit = async (reader: ReturnType<typeof readRun>) => {
    const events: AgentRunEvent[] = [];
    for await (const event of iterable(reader.events)) events.push(event);
    const calls: AgentLlmUsage[] = [];
    for await (const call of iterable(reader.usage)) calls.push(call);
    counts.runs++;
    counts.events += events.length;
    counts.llmUsage += calls.length;
    return request(runSpans(reader.run, events, calls));
  };
  try {
    for await (const run of store.iterateAgentRuns(filter)) {
      if (since && run.createdAt < since) break; // newest first
      ahead.push(readRun(store, run, pageSize));
      if (ahead.length > READ_AHEAD) yield await emit(ahead.shift()!);
    }
    while (ahead.length > 0) yield await emit(ahead.shift()!);
  } finally {
    await Promise.all(ahead.map(closeRun));
  }
  const seen = new Map<string, number>();
  for await (
    const call of store.iterateLlmUsage({ ...filter, withoutRun: true })
  ) {
    if (since && call.createdAt < since) break;
    counts.llmUsage++;
    // Identical calls (a retry) get ids of their own.
    const digest = hex(JSON.stringify(withoutId(call)), 64);
    const occurrence = seen.get(digest) ?? 0;
    seen.set(digest, occurrence + 1);
    const traceId = hex(`curio-llm\0${digest}\0${occurrence}`, 32);
    yield request([
      callSpan(call, { traceId, parentSpanId: null, index: occurrence }),
    ]);
  }
}

function iterable<T>(iterator: AsyncIterator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => iterator };
}

/** `length` hex digits of the SHA-256 of `text`. */
function hex(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function request(spans: OtlpSpan[]): OtlpTraceRequest {
  return {
    resourceSpans: [{
      resource: {
        attributes: attributes({ "service.name": "@curio/persistence" }),
      },
      scopeSpans: [{ scope: SCOPE, spans }],
    }],
  };
}

/** A run's span, its LLM calls' and its tool steps'. */
function runSpans(
  run: AgentRun,
  events: AgentRunEvent[],
  calls: AgentLlmUsage[],
): OtlpSpan[] {
  const traceId = hex(`curio-run\0${run.runId}`, 32);
  const spanId = hex(`${run.runId}\0run`, 16);
  const start = (run.startedAt ?? run.createdAt).getTime();
  const end = Math.max(start, (run.finishedAt ?? run.updatedAt).getTime());
  const spans: OtlpSpan[] = [{
    traceId,
    spanId,
    name: `invoke_agent ${run.agentName || run.agentId}`,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: nanos(start),
    endTimeUnixNano: nanos(end),
    attributes: attributes(runAttributes(withoutId(run))),
    events: events.map((event) => ({
      timeUnixNano: nanos(event.timestamp.getTime()),
      name: event.eventType,
      attributes: attributes(eventAttributes(withoutId(event), run.agentId)),
    })),
    status: status(run.status === "error", run.errorMessage, {
      ok: run.status === "completed",
    }),
  }];
  // Oldest first, so that importing assigns ids in the store's order.
  for (const [index, call] of [...calls].reverse().entries()) {
    spans.push(callSpan(call, { traceId, parentSpanId: spanId, index }));
  }
  spans.push(...toolSpans(run, events, { traceId, parentSpanId: spanId }));
  return spans;
}

function callSpan(
  call: AgentLlmUsage,
  where: { traceId: string; parentSpanId: string | null; index: number },
): OtlpSpan {
  const end = call.createdAt.getTime();
  const span: OtlpSpan = {
    traceId: where.traceId,
    spanId: hex(`${where.traceId}\0llm\0${where.index}`, 16),
    name: call.model === "" ? "chat" : `chat ${call.model}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: nanos(end - Math.max(0, call.latencyMs ?? 0)),
    endTimeUnixNano: nanos(end),
    attributes: attributes(
      callAttributes(withoutId(call), {
        underRun: where.parentSpanId !== null,
      }),
    ),
    status: status(call.status === "error", call.errorMessage, { ok: false }),
  };
  if (where.parentSpanId !== null) span.parentSpanId = where.parentSpanId;
  return span;
}

/**
 * An `execute_tool` span per `action_execution_started` event and the next
 * `action_execution_completed` of the same action. The events themselves
 * stay on the run's span: these spans only show the steps.
 */
function toolSpans(
  run: AgentRun,
  events: AgentRunEvent[],
  where: { traceId: string; parentSpanId: string },
): OtlpSpan[] {
  const open = new Map<string, AgentRunEvent[]>();
  const spans: OtlpSpan[] = [];
  for (const event of events) {
    const data = event.data;
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      continue;
    }
    const action = typeof data.action === "string" ? data.action : null;
    if (action === null) continue;
    if (event.eventType === "action_execution_started") {
      const list = open.get(action) ?? [];
      list.push(event);
      open.set(action, list);
    } else if (event.eventType === "action_execution_completed") {
      const started = open.get(action)?.shift();
      if (!started) continue;
      const a: Record<string, AttributeValue> = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": action,
        "gen_ai.agent.id": run.agentId,
      };
      if (data.args !== undefined) {
        a["gen_ai.tool.call.arguments"] = JSON.stringify(data.args);
      }
      if (data.result !== undefined) {
        a["gen_ai.tool.call.result"] = JSON.stringify(data.result);
      }
      spans.push({
        traceId: where.traceId,
        spanId: hex(`${where.traceId}\0tool\0${spans.length}`, 16),
        parentSpanId: where.parentSpanId,
        name: `execute_tool ${action}`,
        kind: SPAN_KIND_INTERNAL,
        startTimeUnixNano: nanos(started.timestamp.getTime()),
        endTimeUnixNano: nanos(event.timestamp.getTime()),
        attributes: attributes(a),
        status: { code: 0 },
      });
    }
  }
  return spans;
}

function status(
  error: boolean,
  message: string | null,
  { ok }: { ok: boolean },
): { code: number; message?: string } {
  if (error) return message === null ? { code: 2 } : { code: 2, message };
  return { code: ok ? 1 : 0 };
}

/** Unix nanoseconds of a time in milliseconds, as a decimal string. */
function nanos(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n).toString();
}

/** Attributes in OTLP/JSON form, typed. */
export function attributes(
  a: Readonly<Record<string, AttributeValue>>,
): OtlpKeyValue[] {
  const list: OtlpKeyValue[] = [];
  for (const [key, value] of Object.entries(a)) {
    if (value === null || value === undefined) continue;
    list.push({ key, value: anyValue(value) });
  }
  return list;
}

function anyValue(value: unknown): OtlpAnyValue {
  switch (typeof value) {
    case "string":
      return { stringValue: value };
    case "boolean":
      return { boolValue: value };
    case "number":
      return Number.isSafeInteger(value)
        ? { intValue: String(value) }
        : { doubleValue: value };
    case "bigint":
      return { intValue: value.toString() };
  }
  if (Array.isArray(value)) {
    return { arrayValue: { values: value.map(anyValue) } };
  }
  if (value !== null && typeof value === "object") {
    return {
      kvlistValue: {
        values: Object.entries(value).map(([key, v]) => ({
          key,
          value: anyValue(v),
        })),
      },
    };
  }
  return {};
}
