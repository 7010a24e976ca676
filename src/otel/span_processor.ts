/**
 * {@linkcode CurioSpanProcessor}: an OpenTelemetry `SpanProcessor` that sees
 * spans start as well as end, so that a run is stored `running` from the
 * moment its run span starts.
 *
 * @module
 */

import { SpanIngest, type SpanStore } from "./span_ingest.ts";
import type { CurioSpanExporterOptions } from "./exporter.ts";
import {
  fromReadableSpan,
  hrTimeToMs,
  type ReadableSpanShape,
  type StartedSpanShape,
} from "./span_shape.ts";
import { unref } from "./timers.ts";

/**
 * Options of {@linkcode CurioSpanProcessor}: those of the exporter, and how
 * ended spans are batched (as the SDK's `BatchSpanProcessor` does).
 *
 * @example
 * ```ts
 * import type { CurioSpanProcessorOptions } from "@curio/persistence/otel";
 *
 * const options: CurioSpanProcessorOptions = {
 *   agentId: "support-bot",
 *   scheduledDelayMillis: 200,
 * };
 * ```
 */
export interface CurioSpanProcessorOptions extends CurioSpanExporterOptions {
  /** How long an ended span waits for others to be written with; 1000 ms. */
  scheduledDelayMillis?: number;
  /** Ended spans written together at most; 512. */
  maxExportBatchSize?: number;
  /**
   * Ended spans waiting at most; more are dropped, with a warning, until
   * the store catches up (run spans excepted: their runs would stay
   * running); 2048.
   */
  maxQueueSize?: number;
}

/**
 * An OpenTelemetry span processor (the `SpanProcessor` shape of
 * `@opentelemetry/sdk-trace-base`: `onStart`, `onEnd`, `forceFlush`,
 * `shutdown`) that stores GenAI spans as {@linkcode CurioSpanExporter} does,
 * and earlier: it is told of every span when it starts, with its parent.
 *
 * - A run appears `running` as soon as its run span starts, when the span
 *   names its kind at its start (`@ai-sdk/otel`'s `invoke_agent` and
 *   `ai.generateText` do), else as soon as a span below it ends and the
 *   run span's attributes then name it (Traceloop sets its kind just after
 *   the start); it is completed, or set to `error`, when that span ends.
 * - The steps, tool executions and model calls below it are stored, in
 *   batches, as they end, while the run is still going: their ancestry is
 *   known from their start, nothing waits for the run span. (A span below
 *   an unfinished span that has no GenAI attribute yet waits for that
 *   span's end, which may still make it a run span.)
 * - A run's agent is read when the run is created: an agent attribute set
 *   later is warned of (`agent named late`), since it cannot change.
 * - Ended spans are written in batches, as `BatchSpanProcessor` exports
 *   them: every `scheduledDelayMillis`, or at `maxExportBatchSize` spans.
 *   Unsampled spans are ignored, as that processor does.
 *
 * Use it instead of wrapping the exporter in a `BatchSpanProcessor`. Store
 * failures go to `onWarning` (once per kind); nothing is thrown into the
 * SDK, and nothing of `@opentelemetry/*` is imported.
 *
 * @example Store the spans of a tracer provider as they happen
 * ```ts ignore
 * import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
 * import { createPersistence } from "@curio/persistence";
 * import { CurioSpanProcessor } from "@curio/persistence/otel";
 *
 * const store = await createPersistence("sqlite:agent.db");
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new CurioSpanProcessor(store)],
 * });
 * // … instrumented agent code: each run is listed `running` at once …
 * await provider.shutdown();
 * ```
 */
export class CurioSpanProcessor {
  readonly #ingest: SpanIngest;
  readonly #holdMs: number;
  readonly #delayMs: number;
  readonly #batchSize: number;
  readonly #queueSize: number;
  /** Ended spans not yet handed to the ingestion. */
  #batch: ReturnType<typeof fromReadableSpan>[] = [];
  /** Ended spans handed over, not yet written. */
  #queued = 0;
  /** Batches go in one after another, in the order the spans ended. */
  #chain: Promise<unknown> = Promise.resolve();
  readonly #pending = new Set<Promise<unknown>>();
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #shutDown = false;

  /**
   * A processor writing to `store`.
   *
   * @param store Where to write.
   * @param options The default agent id, batching, hold time, warnings.
   */
  constructor(store: SpanStore, options: CurioSpanProcessorOptions = {}) {
    this.#ingest = new SpanIngest(store, options);
    this.#holdMs = options.holdMs ?? 30_000;
    this.#delayMs = options.scheduledDelayMillis ?? 1000;
    this.#batchSize = Math.max(1, options.maxExportBatchSize ?? 512);
    this.#queueSize = Math.max(
      this.#batchSize,
      options.maxQueueSize ?? 2048,
    );
  }

  /**
   * Keeps the span's parent link; when it is a run span, creates its run,
   * `running`, in the background.
   *
   * @param span The span that started (its attributes as given at start).
   * @param _parentContext Unused: the span names its parent.
   */
  onStart(span: StartedSpanShape, _parentContext?: unknown): void {
    if (this.#shutDown) return;
    try {
      const context = span.spanContext();
      if (!sampled(context)) return;
      const startMs = hrTimeToMs(span.startTime);
      const creation = this.#ingest.started({
        traceId: context.traceId,
        spanId: context.spanId,
        parentSpanId: span.parentSpanContext?.spanId || null,
        name: span.name,
        startMs,
        endMs: startMs,
        attributes: { ...span.attributes },
        statusCode: 0,
        statusMessage: null,
        events: [],
      }, () => span.attributes);
      if (creation) void this.#track(creation);
    } catch (error) {
      this.#ingest.warn("malformed span", `a span was skipped: ${error}`);
    }
  }

  /**
   * Queues the ended span; the batch is written after
   * `scheduledDelayMillis`, or at once when it is full.
   *
   * @param span The ended span.
   */
  onEnd(span: ReadableSpanShape): void {
    if (this.#shutDown) return;
    try {
      if (!sampled(span.spanContext())) return;
      const record = fromReadableSpan(span);
      // Other spans need no write: their parent link is kept here and now.
      if (!this.#ingest.ended(record)) return;
      if (
        this.#queued + this.#batch.length >= this.#queueSize &&
        !this.#ingest.ended(record, true)
      ) {
        this.#ingest.warn(
          "queue full",
          `the store is behind: ended spans beyond ${this.#queueSize} are dropped`,
        );
        return;
      }
      this.#batch.push(record);
    } catch (error) {
      this.#ingest.warn("malformed span", `a span was skipped: ${error}`);
      return;
    }
    if (this.#batch.length >= this.#batchSize) this.#send();
    else if (this.#batchTimer === undefined) {
      this.#batchTimer = setTimeout(() => this.#send(), this.#delayMs);
      unref(this.#batchTimer);
    }
  }

  /**
   * Writes every ended span, and stores the held ones whose ancestry is
   * unknown without a run; spans below a span still open keep waiting.
   */
  async forceFlush(): Promise<void> {
    await this.#flush(false);
  }

  /** Writes everything, then ignores further spans. The store stays open. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    await this.#flush(true);
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#holdTimer);
  }

  async #flush(settle: boolean): Promise<void> {
    this.#send();
    await this.#settled();
    await this.#enqueue([], true, settle);
    await this.#settled();
  }

  /** Resolves when the writes started so far have settled. */
  async #settled(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  /** Hands the current batch to the ingestion. */
  #send(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    if (!this.#batch.length) return;
    const batch = this.#batch;
    this.#batch = [];
    void this.#enqueue(batch, false, false);
  }

  #enqueue(
    batch: ReturnType<typeof fromReadableSpan>[],
    force: boolean,
    settle: boolean,
  ): Promise<unknown> {
    this.#queued += batch.length;
    const work = this.#chain.then(() =>
      this.#ingest.ingest(batch, force, settle)
    ).catch((error) => this.#ingest.warn("store write failed", `${error}`))
      .finally(() => {
        this.#queued -= batch.length;
        this.#scheduleHeld();
      });
    this.#chain = work;
    return this.#track(work);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work)).catch(() => {});
    return work;
  }

  /** Wakes up when held spans are due, without keeping the process alive. */
  #scheduleHeld(): void {
    if (
      this.#holdTimer !== undefined || !this.#ingest.holding || this.#shutDown
    ) {
      return;
    }
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      void this.#enqueue([], false, false);
    }, this.#holdMs + 10);
    unref(this.#holdTimer);
  }
}

/** Whether a span is sampled; spans of no trace flags are. */
function sampled(context: { readonly traceFlags?: number }): boolean {
  return context.traceFlags === undefined || (context.traceFlags & 1) === 1;
}
