/**
 * The part of OpenTelemetry's `ReadableSpan` and `SpanExporter` that the
 * exporter uses, declared here so that nothing of `@opentelemetry/*` is
 * imported at run time; and {@linkcode SpanRecord}, the plain form every
 * source of spans (the SDK, OTLP files) is turned into before mapping.
 *
 * @module
 */

/** An attribute value as OpenTelemetry allows it. */
export type AttributeValue =
  | string
  | number
  | boolean
  | readonly (string | number | boolean | null | undefined)[]
  | null
  | undefined;

/** Seconds and nanoseconds, as OpenTelemetry's `HrTime`. */
export type HrTime = readonly [number, number];

/**
 * The fields of a started `Span` of `@opentelemetry/sdk-trace-base` read
 * (what a span processor's `onStart` gets).
 */
export interface StartedSpanShape {
  /** The span's name. */
  readonly name: string;
  /** Its trace and span ids (hex); bit 1 of `traceFlags`: sampled. */
  spanContext(): {
    readonly traceId: string;
    readonly spanId: string;
    readonly traceFlags?: number;
  };
  /** Its parent's ids, when it has a parent. */
  readonly parentSpanContext?: { readonly spanId: string } | undefined;
  /** When it started. */
  readonly startTime: HrTime;
  /** Its attributes (at start: those given to `startSpan`). */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** The fields of a `ReadableSpan` of `@opentelemetry/sdk-trace-base` read. */
export interface ReadableSpanShape extends StartedSpanShape {
  /** When it ended. */
  readonly endTime: HrTime;
  /** `code` 2 is an error; `message` says why. */
  readonly status: { readonly code: number; readonly message?: string };
  /** Its events (exceptions among them). */
  readonly events: readonly {
    readonly name: string;
    readonly time: HrTime;
    readonly attributes?: Readonly<Record<string, AttributeValue>>;
  }[];
}

/** What an exporter reports back: `code` 0 is success, 1 failure. */
export interface ExportResult {
  /** 0: exported; 1: failed. */
  code: 0 | 1;
  /** Why it failed. */
  error?: Error;
}

/** A span in plain form: ids, times in ms, attributes, status, events. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** `null` for a root span. */
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Readonly<Record<string, AttributeValue>>;
  /** 2 is an error. */
  statusCode: number;
  statusMessage: string | null;
  events: {
    name: string;
    timeMs: number;
    attributes: Record<string, unknown>;
  }[];
}

/** Milliseconds since the epoch, fractions kept. */
export function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/** The plain form of an SDK span. */
export function fromReadableSpan(span: ReadableSpanShape): SpanRecord {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId || null,
    name: span.name,
    startMs: hrTimeToMs(span.startTime),
    endMs: hrTimeToMs(span.endTime),
    attributes: span.attributes ?? {},
    statusCode: span.status?.code ?? 0,
    statusMessage: span.status?.message || null,
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      timeMs: hrTimeToMs(event.time),
      attributes: { ...event.attributes },
    })),
  };
}
