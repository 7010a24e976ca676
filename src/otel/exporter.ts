/**
 * {@linkcode CurioSpanExporter}: an OpenTelemetry `SpanExporter` that stores
 * GenAI spans as runs, events and LLM calls and ignores the rest.
 *
 * @module
 */

import {
  SpanIngest,
  type SpanIngestOptions,
  type SpanStore,
} from "./span_ingest.ts";
import {
  type ExportResult,
  fromReadableSpan,
  type ReadableSpanShape,
} from "./span_shape.ts";
import { unref } from "./timers.ts";

/**
 * Options of {@linkcode CurioSpanExporter}.
 *
 * @example
 * ```ts
 * import type { CurioSpanExporterOptions } from "@curio/persistence/otel";
 *
 * const options: CurioSpanExporterOptions = {
 *   agentId: "support-bot",
 *   onWarning: (kind, message) => console.error(kind, message),
 * };
 * ```
 */
export type CurioSpanExporterOptions = SpanIngestOptions;

/**
 * An OpenTelemetry span exporter (the `SpanExporter` shape of
 * `@opentelemetry/sdk-trace-base`: `export`, `forceFlush`, `shutdown`) that
 * stores GenAI spans, from `@ai-sdk/otel`, OpenLLMetry/Traceloop,
 * OpenInference or any emitter of the GenAI conventions, and ignores the
 * others. The README lists the mapping.
 *
 * An exporter sees a span only once it has ended, children before their
 * parents, and a child names only its parent's span id. So spans wait for
 * their run span, and the run is created when it arrives, completed or
 * failed; spans whose ancestry stays unknown are stored without a run
 * after 30 s or at `forceFlush()` / `shutdown()`. No family makes a
 * running run certain from a child: in `@ai-sdk/otel`'s spans a `chat`
 * span's parent is a `step` span (the root for object calls), and a `step`
 * span, always under `invoke_agent`, carries neither `gen_ai.agent.name`
 * nor what `enrichSpan` adds to the root, while a run's agent and creation
 * time cannot change once stored; the AI SDK's older `ai.*` spans put
 * `ai.generateText.doGenerate` right under `ai.generateText`, but other
 * libraries emit the same names (xsAI's telemetry) with no such promise,
 * and a wrong guess would leave a run `running` for ever. To list runs
 * `running` from their start, use `CurioSpanProcessor`.
 *
 * Bad spans are stored as far as they are valid, or skipped, with one
 * warning per kind of problem; the rest of the batch is stored. Nothing of
 * `@opentelemetry/*` is imported.
 *
 * @example Store the spans of a tracer provider
 * ```ts ignore
 * import {
 *   BasicTracerProvider,
 *   BatchSpanProcessor,
 * } from "@opentelemetry/sdk-trace-base";
 * import { createPersistence } from "@curio/persistence";
 * import { CurioSpanExporter } from "@curio/persistence/otel";
 *
 * const store = await createPersistence("sqlite:agent.db");
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new BatchSpanProcessor(new CurioSpanExporter(store))],
 * });
 * // … instrumented agent code …
 * await provider.shutdown();
 * ```
 */
export class CurioSpanExporter {
  readonly #ingest: SpanIngest;
  #pending = new Set<Promise<unknown>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #shutDown = false;
  readonly #holdMs: number;

  /**
   * An exporter writing to `store`.
   *
   * @param store Where to write.
   * @param options The default agent id, the hold time, the warning handler.
   */
  constructor(store: SpanStore, options: CurioSpanExporterOptions = {}) {
    this.#ingest = new SpanIngest(store, options);
    this.#holdMs = options.holdMs ?? 30_000;
  }

  /**
   * Stores a batch; `resultCallback` gets `{ code: 0 }` once it is written,
   * `{ code: 1 }` when a write failed or the exporter is shut down.
   *
   * @param spans The ended spans.
   * @param resultCallback Told how the export went.
   */
  export(
    spans: readonly ReadableSpanShape[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    if (this.#shutDown) {
      resultCallback({ code: 1, error: new Error("exporter is shut down") });
      return;
    }
    const records = [];
    for (const span of spans) {
      try {
        records.push(fromReadableSpan(span));
      } catch (error) {
        this.#ingest.warn("malformed span", `a span was skipped: ${error}`);
      }
    }
    this.#track(this.#ingest.ingest(records)).then(
      (ok) =>
        resultCallback(
          ok ? { code: 0 } : { code: 1, error: new Error("a write failed") },
        ),
      (error) => resultCallback({ code: 1, error }),
    );
  }

  /** Stores every held span (without a run when its ancestry is unknown). */
  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.#track(this.#ingest.ingest([], true));
  }

  /** Flushes, then refuses further spans. The store stays open. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    await this.forceFlush();
    this.#shutDown = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => {
      this.#pending.delete(work);
      this.#schedule();
    }).catch(() => {});
    return work;
  }

  /** Wakes up when held spans are due, without keeping the process alive. */
  #schedule(): void {
    if (this.#timer !== undefined || !this.#ingest.holding || this.#shutDown) {
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#track(this.#ingest.ingest([])).catch(() => {});
    }, this.#holdMs + 10);
    unref(this.#timer);
  }
}
