/**
 * Reads the token counts of an LLM call from a provider's response (OpenAI,
 * Anthropic, Gemini, Bedrock and every provider `@pydantic/genai-prices`
 * knows) or from OpenTelemetry `gen_ai.*` attributes into one shape, where
 * input counts all input, cache included, and output all output, reasoning
 * included.
 *
 * A separate entry point because it loads the library's bundled price table
 * (about 0.8 MB of JavaScript) when imported; the main entry stays light.
 *
 * @example Log an OpenAI call with its cached and reasoning tokens
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { normalizeUsage } from "@curio/persistence/usage";
 * import assert from "node:assert/strict";
 *
 * const response = {
 *   model: "o4-mini-2025-04-16",
 *   usage: {
 *     prompt_tokens: 2000,
 *     completion_tokens: 700,
 *     prompt_tokens_details: { cached_tokens: 1536 },
 *     completion_tokens_details: { reasoning_tokens: 512 },
 *   },
 * };
 * const usage = normalizeUsage("openai", response);
 * assert.equal(usage.cacheReadTokens, 1536);
 * assert.equal(usage.reasoningTokens, 512);
 *
 * await using store = await createPersistence("memory:");
 * const logged = await store.logLlmUsage({
 *   provider: "openai",
 *   model: usage.model ?? "o4-mini",
 *   inputTokens: usage.inputTokens,
 *   outputTokens: usage.outputTokens,
 * });
 * assert.equal(logged.inputTokens, 2000);
 * ```
 *
 * @module
 */

export {
  type NormalizedUsage,
  normalizeUsage,
  type NormalizeUsageOptions,
} from "./src/normalize_usage.ts";
