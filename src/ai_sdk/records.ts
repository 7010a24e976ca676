/**
 * What the AI SDK's events say, in this store's terms: the pieces of runs,
 * events and LLM calls the integration writes. Pure functions, no I/O.
 *
 * @module
 */

import { normalizeUsage } from "../normalize_usage.ts";
import type {
  LanguageModelCallStartEvent,
  LanguageModelUsageShape,
  TelemetryEventBase,
} from "./telemetry_shape.ts";

/**
 * The run an event belongs to: the durable run's identity when the SDK runs
 * durably (its events come from several processes and call ids), else the
 * call id.
 */
export function runKeyOf(event: TelemetryEventBase): string {
  const durable = event.durableContext?.run;
  return durable ? `${durable.traceId}-${durable.rootSpanId}` : event.callId;
}

/** When the event happened: the SDK's timestamp of a replay, else now. */
export function timeOf(event: TelemetryEventBase): Date {
  return typeof event.timestamp === "number" && Number.isFinite(event.timestamp)
    ? new Date(event.timestamp)
    : new Date();
}

/** The provider as prices know it: `openai.chat` is `openai`. */
export function providerOf(providerId: string): string {
  return providerId.split(".")[0] ?? providerId;
}

/** JSON that survives the binary parts (images, files) of messages. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => {
    if (item instanceof Uint8Array) return `[${item.byteLength} bytes]`;
    if (item instanceof ArrayBuffer) return `[${item.byteLength} bytes]`;
    if (typeof item === "bigint") return item.toString();
    return item;
  }) ?? "";
}

/**
 * The messages sent to the model as JSON, the instructions (system prompt)
 * first as the model saw them.
 */
export function promptOf(
  instructions: unknown,
  messages: readonly unknown[] | undefined,
): string {
  const system = instructions === undefined || instructions === null
    ? []
    : typeof instructions === "string"
    ? [{ role: "system", content: instructions }]
    : Array.isArray(instructions)
    ? instructions
    : [instructions];
  return toJson([...system, ...(messages ?? [])]);
}

/** The text of the first user message: the run's objective. */
export function objectiveOf(messages: readonly unknown[] | undefined): string {
  for (const message of messages ?? []) {
    if (!isRecord(message) || message.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) {
      return message.content
        .filter((part) => isRecord(part) && part.type === "text")
        .map((part) => String((part as Record<string, unknown>).text ?? ""))
        .join("");
    }
  }
  return "";
}

/** The text parts of a model's response, joined. */
export function textOf(content: readonly unknown[] | undefined): string {
  return (content ?? [])
    .filter((part) => isRecord(part) && part.type === "text")
    .map((part) => String((part as Record<string, unknown>).text ?? ""))
    .join("");
}

const CALL_SETTINGS = [
  "maxOutputTokens",
  "temperature",
  "topP",
  "topK",
  "presencePenalty",
  "frequencyPenalty",
  "stopSequences",
  "seed",
] as const;

/** The settings the caller gave, or `null` when none. */
export function inputParamsOf(
  event: LanguageModelCallStartEvent,
): Record<string, unknown> | null {
  const params: Record<string, unknown> = {};
  for (const name of CALL_SETTINGS) {
    if (event[name] !== undefined) params[name] = event[name];
  }
  return Object.keys(params).length ? params : null;
}

/** The token columns of an LLM call. */
export interface Tokens {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

/**
 * The SDK's usage as token columns. The SDK's totals already count cache and
 * reasoning, as the store's do; what is missing or contradictory is `null`
 * (by the same rules as `normalizeUsage`), never 0.
 */
export function tokensOf(usage: LanguageModelUsageShape | undefined): Tokens {
  const { model: _, ...tokens } = normalizeUsage("otel", {
    "gen_ai.usage.input_tokens": usage?.inputTokens,
    "gen_ai.usage.output_tokens": usage?.outputTokens,
    "gen_ai.usage.cache_read.input_tokens": usage?.inputTokenDetails
      ?.cacheReadTokens,
    "gen_ai.usage.cache_creation.input_tokens": usage?.inputTokenDetails
      ?.cacheWriteTokens,
    "gen_ai.usage.reasoning.output_tokens": usage?.outputTokenDetails
      ?.reasoningTokens,
  });
  return tokens;
}

/** A whole number of milliseconds, or `null`. */
export function milliseconds(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : null;
}

/** An error's message, whatever was thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (isRecord(error) && typeof error.message === "string") {
    return error.message;
  }
  return String(error);
}

/** Whether an error (or one it wraps) is an abort. */
export function isAbort(error: unknown): boolean {
  for (let depth = 0; depth < 5 && isRecord(error); depth++) {
    if (error.name === "AbortError") return true;
    error = error.cause;
  }
  return false;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
