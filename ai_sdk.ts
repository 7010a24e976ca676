/**
 * Stores what the Vercel AI SDK (`ai`, version 7) does, without code at each
 * call: register {@linkcode curioTelemetry} once and every `generateText`,
 * `streamText`, `generateObject` or agent call becomes a run with its steps,
 * tool executions and priced LLM calls.
 *
 * Imports nothing from `ai`: the integration implements the shape of its
 * `Telemetry` interface, so installing this package does not install the SDK.
 *
 * @example Store the calls of one generateText
 * ```ts
 * import { generateText } from "ai";
 * import { MockLanguageModelV4 } from "ai/test";
 * import { createPersistence } from "@curio/persistence";
 * import { curioTelemetry } from "@curio/persistence/ai-sdk";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const telemetry = curioTelemetry(store, { agentId: "helper" });
 * const model = new MockLanguageModelV4({
 *   provider: "openai.chat",
 *   modelId: "gpt-4o-mini",
 *   doGenerate: {
 *     content: [{ type: "text", text: "Hello!" }],
 *     finishReason: { unified: "stop", raw: "stop" },
 *     usage: {
 *       inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
 *       outputTokens: { total: 3, text: 3, reasoning: 0 },
 *     },
 *     warnings: [],
 *   },
 * });
 * await generateText({
 *   model,
 *   prompt: "Say hello",
 *   telemetry: { integrations: [telemetry] },
 * });
 * await telemetry.flush();
 *
 * const [run] = await store.getAgentRuns({ agentId: "helper" });
 * assert.equal(run?.status, "completed");
 * const [call] = await store.getLlmUsage({ runId: run?.runId });
 * assert.equal(call?.provider, "openai");
 * assert.equal(call?.inputTokens, 12);
 * assert.equal(call?.costSource, "computed");
 * ```
 *
 * @module
 */

export {
  type CurioTelemetry,
  curioTelemetry,
  type CurioTelemetryOptions,
  type TelemetryStore,
} from "./src/ai_sdk/curio_telemetry.ts";
export type {
  WriteContext,
  WriteErrorHandler,
} from "./src/ai_sdk/write_queue.ts";
export type * from "./src/ai_sdk/telemetry_shape.ts";
