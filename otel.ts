/**
 * Stores the GenAI spans of OpenTelemetry: the spans of `@ai-sdk/otel`,
 * OpenLLMetry/Traceloop, OpenInference and any emitter of the GenAI semantic
 * conventions become runs, events and priced LLM calls. Two forms:
 *
 * - {@linkcode CurioSpanProcessor}, a span processor: it sees spans start,
 *   so each run is listed `running` from its run span's start, and its
 *   steps, tool executions and model calls appear as they end.
 * - {@linkcode CurioSpanExporter}, a span exporter (behind the SDK's
 *   `BatchSpanProcessor`, or any pipeline of ended spans): it sees spans
 *   only once they end, children before parents, so a run is stored when
 *   its run span arrives, completed, with everything below it.
 *
 * Imports nothing from `@opentelemetry/*`: both have the shape of the SDK's
 * interfaces, so installing this package does not install the SDK.
 *
 * @example Store a hand-made span
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { CurioSpanExporter } from "@curio/persistence/otel";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const exporter = new CurioSpanExporter(store);
 * const span = {
 *   name: "chat gpt-4o",
 *   spanContext: () => ({ traceId: "a".repeat(32), spanId: "b".repeat(16) }),
 *   startTime: [1_750_000_000, 0] as const,
 *   endTime: [1_750_000_001, 500_000_000] as const,
 *   status: { code: 0 },
 *   attributes: {
 *     "gen_ai.operation.name": "chat",
 *     "gen_ai.provider.name": "openai",
 *     "gen_ai.request.model": "gpt-4o",
 *     "gen_ai.usage.input_tokens": 100,
 *     "gen_ai.usage.output_tokens": 20,
 *   },
 *   events: [],
 * };
 * await new Promise((done) => exporter.export([span], done));
 * await exporter.shutdown();
 *
 * const [call] = await store.getLlmUsage();
 * assert.equal(call?.model, "gpt-4o");
 * assert.equal(call?.latencyMs, 1500);
 * ```
 *
 * @module
 */

export {
  CurioSpanExporter,
  type CurioSpanExporterOptions,
} from "./src/otel/exporter.ts";
export {
  CurioSpanProcessor,
  type CurioSpanProcessorOptions,
} from "./src/otel/span_processor.ts";
export type { SpanIngestOptions, SpanStore } from "./src/otel/span_ingest.ts";
export {
  exportOtlp,
  type OtlpAnyValue,
  type OtlpExportOptions,
  type OtlpKeyValue,
  type OtlpSpan,
  type OtlpTraceRequest,
} from "./src/otel/otlp_json.ts";
export {
  importOtlp,
  type OtlpImportOptions,
  type OtlpImportResult,
} from "./src/otel/otlp_read.ts";
export type {
  AttributeValue,
  ExportResult,
  HrTime,
  ReadableSpanShape,
  StartedSpanShape,
} from "./src/otel/span_shape.ts";
