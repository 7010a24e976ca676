/**
 * One shape for the token counts of any provider's response, so that what is
 * stored means the same whoever reported it: input counts all input (cache
 * reads and writes included), output all output (reasoning included).
 *
 * What each provider's fields mean comes from `@pydantic/genai-prices`
 * (its extractors and `extractUsage`, which sums, for example, Anthropic's
 * uncached input and its cache reads and writes). This file adds what the
 * library leaves to its callers: choosing the API flavour from the body,
 * reading the OpenTelemetry attribute names, and turning a missing or
 * malformed field into `null` for that field alone instead of an exception
 * for the whole response.
 *
 * @module
 */

import {
  extractUsage,
  findProvider,
  type Provider,
  type UsageExtractor,
} from "@pydantic/genai-prices";
import { InvalidInputError } from "./errors.ts";

/**
 * The token counts of one LLM call in one shape, whatever the provider. Every
 * count is a whole number, or `null` when the response did not say (never 0
 * for unknown). `inputTokens` is all input, cache reads and writes included;
 * `outputTokens` all output, reasoning included.
 *
 * @example
 * ```ts
 * import type { NormalizedUsage } from "@curio/persistence/usage";
 *
 * const usage: NormalizedUsage = {
 *   model: "claude-sonnet-4-5",
 *   inputTokens: 1150,
 *   outputTokens: 300,
 *   cacheReadTokens: 1000,
 *   cacheWriteTokens: 50,
 *   reasoningTokens: null,
 * };
 * ```
 */
export interface NormalizedUsage {
  /** The model the response names, if it names one. */
  model: string | null;
  /** All input tokens: uncached, cache reads and cache writes. */
  inputTokens: number | null;
  /** All output tokens, reasoning included. */
  outputTokens: number | null;
  /** Input tokens read from the provider's prompt cache. */
  cacheReadTokens: number | null;
  /** Input tokens written to the provider's prompt cache. */
  cacheWriteTokens: number | null;
  /** Output tokens spent on reasoning (thinking). */
  reasoningTokens: number | null;
}

/**
 * Options of {@linkcode normalizeUsage}.
 *
 * @example
 * ```ts
 * import type { NormalizeUsageOptions } from "@curio/persistence/usage";
 *
 * const options: NormalizeUsageOptions = { apiFlavor: "responses" };
 * ```
 */
export interface NormalizeUsageOptions {
  /**
   * Which of the provider's APIs produced the body, as `@pydantic/genai-prices`
   * names them: for OpenAI `"chat"`, `"responses"`, `"realtime"`, `"images"`
   * or `"embeddings"`; for Google `"default"` (Gemini), `"anthropic"` or
   * `"chat"`; for Bedrock (`"aws"`) `"default"` (Converse) or `"anthropic"`.
   * Without it the flavour whose fields the body fills best is used (OpenAI
   * chat completions have `prompt_tokens`, the Responses API `input_tokens`).
   */
  apiFlavor?: string;
}

/** The provider name for a map of OpenTelemetry `gen_ai.*` attributes. */
const OTEL = "otel";

/**
 * The OpenTelemetry GenAI attribute names of each count, the current
 * convention first, then older or alternative spellings still emitted.
 */
const OTEL_ATTRIBUTES = {
  inputTokens: ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
  outputTokens: [
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
  ],
  cacheReadTokens: [
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
  ],
  cacheWriteTokens: [
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
  ],
  reasoningTokens: [
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
  ],
} as const;

/** The response's model first: the request's may be an alias. */
const OTEL_MODEL_ATTRIBUTES = ["gen_ai.response.model", "gen_ai.request.model"];

type Count = Exclude<keyof NormalizedUsage, "model">;

/** The library's usage key behind each count. */
const LIBRARY_KEYS: Readonly<Record<Count, string>> = {
  inputTokens: "input_tokens",
  outputTokens: "output_tokens",
  cacheReadTokens: "cache_read_tokens",
  cacheWriteTokens: "cache_write_tokens",
  reasoningTokens: "output_reasoning_tokens",
};

const COUNTS = Object.keys(LIBRARY_KEYS) as Count[];

/**
 * The shapes tried for a provider the library does not know: OpenAI chat
 * completions and Responses, Anthropic Messages, Gemini and Bedrock Converse.
 * Their fields do not overlap in a way that makes two of them fit one body
 * equally well while disagreeing.
 */
const GENERIC_SHAPES: readonly [string, string][] = [
  ["openai", "chat"],
  ["openai", "responses"],
  ["anthropic", "default"],
  ["google", "default"],
  ["aws", "default"],
];

/**
 * Reads the token counts of an LLM call from a provider's response into one
 * shape ({@linkcode NormalizedUsage}), ready for `logLlmUsage`.
 *
 * `provider` names the provider as `@pydantic/genai-prices` knows it (case
 * and aliases as it accepts them: `"openai"`, `"anthropic"`, `"google"` or
 * `"gemini"`, `"aws"` or `"bedrock"`, `"azure"`, `"mistral"`, …), or is
 * `"otel"` for a map of OpenTelemetry `gen_ai.*` span attributes. `response`
 * is the whole parsed response body (not only its `usage`).
 *
 * - Anthropic and Bedrock report input without the cache; their cache reads
 *   and writes are added, so `inputTokens` is always all input.
 * - A count the response does not give, or gives as something other than a
 *   whole number ≥ 0, is `null`, and so is a total that would be built from
 *   such a field. Details that cannot belong to their total (cache reads
 *   plus writes above the input, reasoning above the output, or a detail of
 *   a `null` total) are `null` too, so the result is always accepted by
 *   `logLlmUsage`.
 * - For a provider the library does not know, the OpenAI, Anthropic, Gemini
 *   and Bedrock shapes are tried; when none fits, every count is `null`.
 * - OpenTelemetry: `gen_ai.usage.input_tokens` and `output_tokens` (or the
 *   older `prompt_tokens` and `completion_tokens`),
 *   `gen_ai.usage.cache_read.input_tokens`,
 *   `gen_ai.usage.cache_creation.input_tokens` (or `cache_write`),
 *   `gen_ai.usage.reasoning.output_tokens`; the model from
 *   `gen_ai.response.model`, else `gen_ai.request.model`. As the conventions
 *   say, the input total is taken to include the cache.
 *
 * Nothing is fetched from the network.
 *
 * @param provider The provider's name, or `"otel"`.
 * @param response The parsed response body, or the attribute map.
 * @param options The API flavour, when the body's fields do not tell it.
 * @returns The counts and the model; `null` where unknown.
 * @throws {InvalidInputError} When `apiFlavor` names no flavour of the
 * provider.
 *
 * @example Anthropic with a cache hit and a cache write
 * ```ts
 * import { normalizeUsage } from "@curio/persistence/usage";
 * import assert from "node:assert/strict";
 *
 * const response = {
 *   model: "claude-sonnet-4-5",
 *   usage: {
 *     input_tokens: 100,
 *     cache_read_input_tokens: 1000,
 *     cache_creation_input_tokens: 50,
 *     output_tokens: 300,
 *   },
 * };
 * assert.deepEqual(normalizeUsage("anthropic", response), {
 *   model: "claude-sonnet-4-5",
 *   inputTokens: 1150,
 *   outputTokens: 300,
 *   cacheReadTokens: 1000,
 *   cacheWriteTokens: 50,
 *   reasoningTokens: null,
 * });
 * ```
 *
 * @example OpenTelemetry attributes
 * ```ts
 * import { normalizeUsage } from "@curio/persistence/usage";
 * import assert from "node:assert/strict";
 *
 * const usage = normalizeUsage("otel", {
 *   "gen_ai.request.model": "gpt-4o",
 *   "gen_ai.usage.input_tokens": 1200,
 *   "gen_ai.usage.output_tokens": 80,
 *   "gen_ai.usage.cache_read.input_tokens": 1024,
 * });
 * assert.equal(usage.inputTokens, 1200);
 * assert.equal(usage.cacheReadTokens, 1024);
 * assert.equal(usage.cacheWriteTokens, null);
 * ```
 */
export function normalizeUsage(
  provider: string,
  response: unknown,
  options: NormalizeUsageOptions = {},
): NormalizedUsage {
  const read = provider.trim().toLowerCase() === OTEL
    ? fromOtelAttributes(response)
    : fromResponseBody(provider, response, options.apiFlavor);
  return consistent(read);
}

/** Nothing known. */
function unknown(model: string | null = null): NormalizedUsage {
  return {
    model,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A token count: a whole number, not negative. */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function fromOtelAttributes(attributes: unknown): NormalizedUsage {
  if (!isRecord(attributes)) return unknown();
  // The first name that is set decides, so a malformed current attribute is
  // not papered over by an older one.
  const first = (names: readonly string[]): unknown =>
    names.map((name) => ownValue(attributes, name)).find((value) =>
      value !== undefined && value !== null
    );
  const model = first(OTEL_MODEL_ATTRIBUTES);
  const usage = unknown(typeof model === "string" && model ? model : null);
  for (const count of COUNTS) {
    const value = first(OTEL_ATTRIBUTES[count]);
    usage[count] = isCount(value) ? value : null;
  }
  return usage;
}

// ---------------------------------------------------------------------------
// Provider response bodies, through the library's extractors.

/** One way to read a body: a provider's extractor for one API flavour. */
interface Shape {
  extractor: UsageExtractor;
  /**
   * The same extractor with every field optional and its usage at `usage`,
   * fed a cleaned copy of the body's usage: the library then neither throws
   * for a missing field nor for a malformed one, which this file nulls itself.
   */
  lenient: Provider;
}

/** The shapes of each library provider, built once per provider. */
const shapesOfProvider = new WeakMap<Provider, Shape[]>();
let genericShapes: Shape[] | undefined;

function shapesOf(provider: Provider): Shape[] {
  let shapes = shapesOfProvider.get(provider);
  if (!shapes) {
    shapes = (provider.extractors ?? []).map((extractor) => ({
      extractor,
      lenient: {
        ...provider,
        extractors: [{
          ...extractor,
          root: "usage",
          model_path: "model",
          mappings: extractor.mappings.map((mapping) => ({
            ...mapping,
            required: false,
          })),
        }],
      },
    }));
    shapesOfProvider.set(provider, shapes);
  }
  return shapes;
}

function shapesFor(provider: string, apiFlavor: string | undefined): Shape[] {
  const known = findProvider({ providerId: provider });
  const shapes = known?.extractors?.length ? shapesOf(known) : (
    genericShapes ??= GENERIC_SHAPES.flatMap(([id, flavour]) => {
      const generic = findProvider({ providerId: id });
      return generic
        ? shapesOf(generic).filter((s) => s.extractor.api_flavor === flavour)
        : [];
    })
  );
  if (apiFlavor === undefined) return shapes;
  const chosen = shapes.filter((s) => s.extractor.api_flavor === apiFlavor);
  if (!chosen.length) {
    const flavours = [...new Set(shapes.map((s) => s.extractor.api_flavor))];
    throw new InvalidInputError(
      "apiFlavor",
      `"${apiFlavor}" is not a flavour of provider "${provider}": use one ` +
        `of ${flavours.map((f) => `"${f}"`).join(", ")}`,
    );
  }
  return chosen;
}

/** A path of the library's extractors that is only property names. */
type PlainPath = readonly string[];

function plainPath(path: UsageExtractor["root"]): PlainPath | undefined {
  const steps = Array.isArray(path) ? path : [path];
  return steps.every((step) => typeof step === "string")
    ? steps as string[]
    : undefined;
}

function valueAt(value: unknown, path: PlainPath): unknown {
  let current = value;
  for (const step of path) {
    if (!isRecord(current)) return undefined;
    current = ownValue(current, step);
  }
  return current;
}

/** How well a shape fits a body, and what of it cannot be trusted. */
interface Fit {
  shape: Shape;
  usage: Record<string, unknown> | undefined;
  /** Every required field is a count. */
  complete: boolean;
  /** How many of its fields are counts. */
  present: number;
  /** Library keys built from a malformed field or lacking a required one. */
  untrusted: Set<string>;
}

function fitOf(shape: Shape, body: Record<string, unknown>): Fit {
  const root = plainPath(shape.extractor.root);
  const usage = root ? valueAt(body, root) : undefined;
  const fit: Fit = {
    shape,
    usage: isRecord(usage) ? usage : undefined,
    complete: isRecord(usage),
    present: 0,
    untrusted: new Set(),
  };
  if (!fit.usage) return fit;
  for (const mapping of shape.extractor.mappings) {
    const path = plainPath(mapping.path);
    // Paths that pick from arrays (Gemini's per-modality details) feed no
    // count of ours; the library reads them.
    if (!path) continue;
    const value = valueAt(fit.usage, path);
    // null is how some SDKs say "not reported" (Anthropic's cache fields).
    const absent = value === undefined || value === null;
    if (isCount(value)) {
      fit.present++;
    } else if (!absent || mapping.required) {
      if (mapping.required) fit.complete = false;
      fit.untrusted.add(mapping.dest);
    }
  }
  return fit;
}

/** Whether `a` fits better than `b`; on a tie the earlier shape stays. */
function fitsBetter(a: Fit, b: Fit): boolean {
  if (a.complete !== b.complete) return a.complete;
  return a.present > b.present;
}

/**
 * A copy of a usage object without the numbers that are no token count,
 * which the library would reject. Usage objects are small and shallow;
 * deeper levels than any provider uses are dropped.
 */
function withoutMalformedCounts(value: unknown, depth = 0): unknown {
  if (typeof value === "number") return isCount(value) ? value : undefined;
  if (depth > 6) return undefined;
  if (Array.isArray(value)) {
    return value.map((item) => withoutMalformedCounts(item, depth + 1));
  }
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const kept = withoutMalformedCounts(item, depth + 1);
    if (kept !== undefined) copy[key] = kept;
  }
  return copy;
}

function fromResponseBody(
  provider: string,
  body: unknown,
  apiFlavor: string | undefined,
): NormalizedUsage {
  const shapes = shapesFor(provider, apiFlavor);
  if (!isRecord(body) || !shapes.length) return unknown();
  let best = fitOf(shapes[0]!, body);
  for (const shape of shapes.slice(1)) {
    const fit = fitOf(shape, body);
    if (fitsBetter(fit, best)) best = fit;
  }
  const modelPath = plainPath(best.shape.extractor.model_path);
  const model = modelPath ? valueAt(body, modelPath) : undefined;
  const result = unknown(typeof model === "string" && model ? model : null);
  if (!best.usage || best.present === 0) return result;

  let usage: Record<string, number | undefined>;
  try {
    ({ usage } = extractUsage(
      best.shape.lenient,
      { usage: withoutMalformedCounts(best.usage) },
      best.shape.extractor.api_flavor,
    ));
  } catch {
    // Only fields that feed none of our counts were present.
    return result;
  }
  for (const count of COUNTS) {
    const key = LIBRARY_KEYS[count];
    const value = usage[key];
    result[count] = !best.untrusted.has(key) && isCount(value) ? value : null;
  }
  return result;
}

/**
 * Drops details that cannot belong to their totals, which `logLlmUsage`
 * would reject: the response contradicts itself there, and the totals are
 * what is billed.
 */
function consistent(usage: NormalizedUsage): NormalizedUsage {
  const { inputTokens, outputTokens } = usage;
  const cached = (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
  if (inputTokens === null || cached > inputTokens) {
    usage.cacheReadTokens = null;
    usage.cacheWriteTokens = null;
  }
  if (outputTokens === null || (usage.reasoningTokens ?? 0) > outputTokens) {
    usage.reasoningTokens = null;
  }
  return usage;
}
