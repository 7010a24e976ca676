// The AI SDK integration against the real `ai` package and its test models:
// what a generateText, streamText, failing, aborted, cached-and-reasoning,
// embedding and reranking call leaves in each backend, record by record.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  embed,
  generateObject,
  generateText,
  rerank,
  stepCountIs,
  streamText,
  tool,
} from "ai";
import {
  convertArrayToReadableStream,
  MockEmbeddingModelV4,
  MockLanguageModelV4,
  MockRerankingModelV4,
} from "ai/test";
import { z } from "zod";
import { curioTelemetry } from "../../ai_sdk.ts";
import type { Persistence } from "../../mod.ts";
import { BACKENDS, withoutClock } from "./_backends.ts";
import { STOP, toolCallingModel, usage } from "./_models.ts";

// The SDK's deprecation notice for generateObject is not this test's output.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

async function everything(store: Persistence) {
  const runs = await store.getAgentRuns({ limit: 100 });
  const events = [];
  for (const run of runs) {
    events.push(...await store.getAgentRunEvents(run.runId));
  }
  const calls = (await store.getLlmUsage({ limit: 100 })).reverse();
  return {
    runs: runs.map((r) => withoutClock(r)),
    events: events.map((e) => withoutClock(e)),
    calls: calls.map((c) => withoutClock(c)),
    raw: { runs, events, calls },
  };
}

/** The cost the store computes for these tokens, for an exact comparison. */
async function priceOf(
  store: Persistence,
  input: Parameters<Persistence["logLlmUsage"]>[0],
): Promise<number | null> {
  const probe = await store.logLlmUsage({ ...input, agentId: "probe" });
  return probe.costUsd;
}

for (const [name, open] of BACKENDS) {
  describe(`AI SDK integration: ${name}`, () => {
    it("stores a multi-step tool-calling run", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store, { agentName: "Calculator" });
      const model = toolCallingModel({
        toolCallId: "call-1",
        answer: "1 + 2 = 3",
        first: usage(50, 10),
        second: usage(70, 8),
      });
      const result = await generateText({
        model,
        instructions: "You add numbers.",
        prompt: "What is 1 + 2?",
        temperature: 0,
        tools: {
          add: tool({
            inputSchema: z.object({ a: z.number(), b: z.number() }),
            execute: ({ a, b }) => ({ sum: a + b }),
          }),
        },
        stopWhen: stepCountIs(5),
        telemetry: { integrations: [telemetry], functionId: "calculator" },
      });
      assert.equal(result.text, "1 + 2 = 3");
      await telemetry.flush();

      const { runs, events, calls, raw } = await everything(store);
      const runId = raw.runs[0]!.runId;
      assert.match(runId, /^call-/);
      assert.equal(runId, result.steps[0]!.callId);
      assert.deepEqual(runs, [{
        agentId: "calculator",
        runId,
        agentName: "Calculator",
        objective: "What is 1 + 2?",
        additionalContext: null,
        startedAt: "<date>",
        finishedAt: "<date>",
        totalIterations: 2,
        finalSynthesisOutput: "1 + 2 = 3",
        executionHistory: null,
        status: "completed",
        errorMessage: null,
        metadata: {
          operation: "ai.generateText",
          provider: "openai.chat",
          model: "gpt-4o-mini",
          functionId: "calculator",
        },
        createdAt: "<date>",
        updatedAt: "<date>",
      }]);
      const common = { agentId: "calculator", runId, agentName: "Calculator" };
      const toolDuration = raw.events[2]!.data as { duration_ms: unknown };
      assert.ok(Number.isSafeInteger(toolDuration.duration_ms));
      assert.deepEqual(events, [
        {
          ...common,
          eventType: "iteration_started",
          data: { iteration: 1 },
          timestamp: "<date>",
          createdAt: "<date>",
        },
        {
          ...common,
          eventType: "action_execution_started",
          data: { action: "add", args: { a: 1, b: 2 } },
          timestamp: "<date>",
          createdAt: "<date>",
        },
        {
          ...common,
          eventType: "action_execution_completed",
          data: {
            action: "add",
            args: { a: 1, b: 2 },
            result: { sum: 3 },
            duration_ms: toolDuration.duration_ms,
          },
          timestamp: "<date>",
          createdAt: "<date>",
        },
        {
          ...common,
          eventType: "iteration_completed",
          data: { iteration: 1 },
          timestamp: "<date>",
          createdAt: "<date>",
        },
        {
          ...common,
          eventType: "iteration_started",
          data: { iteration: 2 },
          timestamp: "<date>",
          createdAt: "<date>",
        },
        {
          ...common,
          eventType: "iteration_completed",
          data: { iteration: 2 },
          timestamp: "<date>",
          createdAt: "<date>",
        },
      ]);
      for (const [i, event] of raw.events.entries()) {
        if (i === 0) continue;
        assert.ok(event.timestamp >= raw.events[i - 1]!.timestamp);
      }

      const system = { role: "system", content: "You add numbers." };
      const user = { role: "user", content: "What is 1 + 2?" };
      const firstPrompt = JSON.stringify([system, user]);
      assert.equal(calls.length, 2);
      const secondPrompt = raw.calls[1]!.prompt;
      const sent = JSON.parse(secondPrompt);
      assert.deepEqual(sent.slice(0, 2), [system, user]);
      assert.equal(sent.length, 4, "the tool call and its result follow");
      assert.equal(sent[2].role, "assistant");
      assert.equal(sent[3].role, "tool");
      const call = (
        prompt: string,
        input: number,
        output: number,
        response: string,
        finish: string,
        cost: number | null,
      ) => ({
        agentId: "calculator",
        runId,
        provider: "openai",
        model: "gpt-4o-mini",
        prompt,
        promptLength: [...prompt].length,
        inputParams: { temperature: 0 },
        inputTokens: input,
        outputTokens: output,
        responseContent: response,
        responseLength: response.length,
        cacheReadTokens: null,
        cacheWriteTokens: null,
        reasoningTokens: null,
        usageMetrics: { finish_reason: finish },
        status: "success",
        errorMessage: null,
        latencyMs: "<ms>",
        createdAt: "<date>",
        costUsd: cost,
        costSource: "computed",
      });
      const price = (input: number, output: number) =>
        priceOf(store, {
          provider: "openai",
          model: "gpt-4o-mini",
          inputTokens: input,
          outputTokens: output,
          createdAt: raw.calls[0]!.createdAt,
        });
      assert.deepEqual(calls, [
        call(firstPrompt, 50, 10, "", "tool-calls", await price(50, 10)),
        call(secondPrompt, 70, 8, "1 + 2 = 3", "stop", await price(70, 8)),
      ]);
      assert.ok(raw.calls[0]!.costUsd! > 0);
    });

    it("stores a streamed run", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store, { agentId: "streamer" });
      const model = new MockLanguageModelV4({
        provider: "anthropic.messages",
        modelId: "claude-sonnet-4-5",
        doStream: {
          stream: convertArrayToReadableStream([
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "t" },
            { type: "text-delta", id: "t", delta: "Hello, " },
            { type: "text-delta", id: "t", delta: "world" },
            { type: "text-end", id: "t" },
            { type: "finish", finishReason: STOP, usage: usage(20, 4) },
          ]),
        },
      });
      const result = streamText({
        model,
        prompt: "Greet me",
        telemetry: { integrations: [telemetry] },
      });
      assert.equal(await result.text, "Hello, world");
      await telemetry.flush();

      const { runs, events, calls } = await everything(store);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.status, "completed");
      assert.equal(runs[0]!.agentId, "streamer");
      assert.equal(runs[0]!.finalSynthesisOutput, "Hello, world");
      assert.equal(runs[0]!.totalIterations, 1);
      assert.deepEqual(
        (runs[0]!.metadata as { operation: string }).operation,
        "ai.streamText",
      );
      assert.deepEqual(events.map((e) => [e.eventType, e.data]), [
        ["iteration_started", { iteration: 1 }],
        ["iteration_completed", { iteration: 1 }],
      ]);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.provider, "anthropic");
      assert.equal(calls[0]!.responseContent, "Hello, world");
      assert.equal(calls[0]!.inputTokens, 20);
      assert.equal(calls[0]!.outputTokens, 4);
      assert.deepEqual(calls[0]!.usageMetrics, { finish_reason: "stop" });
      assert.equal(calls[0]!.costSource, "computed");
    });

    it("stores a failing model as an error run and a failed call", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store);
      const model = new MockLanguageModelV4({
        provider: "openai.chat",
        modelId: "gpt-4o",
        doGenerate: () => {
          throw new Error("The model is overloaded");
        },
      });
      await assert.rejects(
        generateText({
          model,
          prompt: "Hi",
          maxRetries: 0,
          telemetry: { integrations: [telemetry] },
        }),
        /overloaded/,
      );
      await telemetry.flush();

      const { runs, events, calls } = await everything(store);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.agentId, "ai-sdk");
      assert.equal(runs[0]!.status, "error");
      assert.equal(runs[0]!.errorMessage, "The model is overloaded");
      assert.equal(runs[0]!.finalSynthesisOutput, null);
      assert.deepEqual(events.map((e) => [e.eventType, e.data]), [
        ["iteration_started", { iteration: 1 }],
        ["run_error", { error: "The model is overloaded" }],
      ]);
      assert.equal(calls.length, 1);
      assert.deepEqual(
        {
          ...calls[0],
          prompt: undefined,
          promptLength: undefined,
          runId: undefined,
        },
        {
          agentId: "ai-sdk",
          runId: undefined,
          provider: "openai",
          model: "gpt-4o",
          prompt: undefined,
          promptLength: undefined,
          inputParams: null,
          inputTokens: null,
          outputTokens: null,
          responseContent: null,
          responseLength: null,
          cacheReadTokens: null,
          cacheWriteTokens: null,
          reasoningTokens: null,
          usageMetrics: null,
          status: "error",
          errorMessage: "The model is overloaded",
          latencyMs: "<ms>",
          createdAt: "<date>",
          costUsd: null,
          costSource: null,
        },
      );
    });

    it("stores an aborted stream as a cancelled run", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store);
      const controller = new AbortController();
      const model = new MockLanguageModelV4({
        doStream: () =>
          Promise.resolve({
            stream: new ReadableStream({
              start(stream) {
                stream.enqueue({ type: "stream-start", warnings: [] });
                stream.enqueue({ type: "text-start", id: "t" });
                stream.enqueue({ type: "text-delta", id: "t", delta: "Part" });
                // Never finishes: the caller aborts.
              },
            }),
          }),
      });
      const result = streamText({
        model,
        prompt: "Write a long essay",
        abortSignal: controller.signal,
        telemetry: { integrations: [telemetry] },
      });
      for await (const chunk of result.textStream) {
        assert.equal(chunk, "Part");
        controller.abort();
      }
      await telemetry.flush();

      const { runs } = await everything(store);
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.status, "cancelled");
      assert.equal(runs[0]!.finishedAt, "<date>");
      assert.equal(runs[0]!.errorMessage, null);
    });

    it("stores cache and reasoning tokens, priced", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store, { agentId: "thinker" });
      const model = new MockLanguageModelV4({
        provider: "anthropic.messages",
        modelId: "claude-sonnet-4-5",
        doGenerate: {
          content: [
            { type: "reasoning", text: "Let me think." },
            { type: "text", text: "42" },
          ],
          finishReason: STOP,
          usage: usage(2000, 700, {
            cacheRead: 1500,
            cacheWrite: 100,
            reasoning: 500,
          }),
          warnings: [],
        },
      });
      await generateText({
        model,
        prompt: "The answer?",
        telemetry: { integrations: [telemetry] },
      });
      await telemetry.flush();

      const { calls, raw } = await everything(store);
      assert.equal(calls.length, 1);
      const call = raw.calls[0]!;
      assert.deepEqual(
        [
          call.inputTokens,
          call.outputTokens,
          call.cacheReadTokens,
          call.cacheWriteTokens,
          call.reasoningTokens,
          call.responseContent,
        ],
        [2000, 700, 1500, 100, 500, "42"],
      );
      const expected = await priceOf(store, {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        inputTokens: 2000,
        outputTokens: 700,
        cacheReadTokens: 1500,
        cacheWriteTokens: 100,
        reasoningTokens: 500,
        createdAt: call.createdAt,
      });
      assert.ok(expected !== null && expected > 0);
      assert.equal(call.costUsd, expected);
      assert.equal(call.costSource, "computed");
    });

    it("honours recordInputs and recordOutputs", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store);
      const model = new MockLanguageModelV4({
        doGenerate: {
          content: [{ type: "text", text: "secret answer" }],
          finishReason: STOP,
          usage: usage(5, 2),
          warnings: [],
        },
      });
      await generateText({
        model,
        prompt: "secret question",
        telemetry: {
          integrations: [telemetry],
          recordInputs: false,
          recordOutputs: false,
        },
      });
      await telemetry.flush();
      const { runs, calls } = await everything(store);
      assert.equal(runs[0]!.objective, "");
      assert.equal(runs[0]!.finalSynthesisOutput, null);
      assert.equal(calls[0]!.prompt, "");
      assert.equal(calls[0]!.responseContent, null);
      assert.equal(calls[0]!.inputTokens, 5);
    });

    it("stores generateObject, embed and rerank calls", async () => {
      await using store = await open();
      const telemetry = curioTelemetry(store, { agentId: "tools" });
      const integrations = [telemetry];
      await generateObject({
        model: new MockLanguageModelV4({
          provider: "openai.responses",
          modelId: "gpt-4o",
          doGenerate: {
            content: [{ type: "text", text: '{"city":"Paris"}' }],
            finishReason: STOP,
            usage: usage(30, 6),
            warnings: [],
          },
        }),
        schema: z.object({ city: z.string() }),
        prompt: "Capital of France?",
        telemetry: { integrations },
      });
      await embed({
        model: new MockEmbeddingModelV4({
          provider: "openai.embedding",
          modelId: "text-embedding-3-small",
          doEmbed: {
            embeddings: [[0.1, 0.2]],
            usage: { tokens: 4 },
            warnings: [],
          },
        }),
        value: "sunny day",
        telemetry: { integrations },
      });
      await rerank({
        model: new MockRerankingModelV4({
          provider: "cohere.reranking",
          modelId: "rerank-v3.5",
          doRerank: () =>
            Promise.resolve({
              ranking: [
                { index: 1, relevanceScore: 0.9 },
                { index: 0, relevanceScore: 0.1 },
              ],
              warnings: [],
            }),
        }),
        documents: ["rain", "sun"],
        query: "sunny",
        telemetry: { integrations },
      });
      await telemetry.flush();

      const { runs, calls: unordered } = await everything(store);
      // Calls of the same millisecond have no order but their ids', and a
      // run's writes queue behind its creation.
      const calls = unordered.sort((a, b) =>
        String(a.model).localeCompare(String(b.model))
      );
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.status, "completed");
      assert.equal(runs[0]!.finalSynthesisOutput, '{"city":"Paris"}');
      assert.equal(runs[0]!.totalIterations, 1);
      assert.deepEqual(
        calls.map((c) => [
          c.runId === null,
          c.provider,
          c.model,
          c.inputTokens,
          c.outputTokens,
          c.usageMetrics,
        ]),
        [
          [false, "openai", "gpt-4o", 30, 6, { finish_reason: "stop" }],
          [true, "cohere", "rerank-v3.5", null, null, {
            operation: "rerank",
          }],
          [true, "openai", "text-embedding-3-small", 4, 0, {
            operation: "embed",
          }],
        ],
      );
      assert.deepEqual(JSON.parse(calls[1]!.prompt as string), {
        query: "sunny",
        documents: ["rain", "sun"],
        topN: null,
      });
      assert.equal(calls[2]!.prompt, '["sunny day"]');
    });

    it("never breaks the call when the store fails", async () => {
      const store = await open();
      await store.close();
      const failures: string[] = [];
      const telemetry = curioTelemetry(store, {
        onError: (_error, context) => failures.push(context.operation),
      });
      const model = new MockLanguageModelV4({
        doGenerate: {
          content: [{ type: "text", text: "fine" }],
          finishReason: STOP,
          usage: usage(1, 1),
          warnings: [],
        },
      });
      const result = await generateText({
        model,
        prompt: "still works?",
        telemetry: { integrations: [telemetry] },
      });
      assert.equal(result.text, "fine");
      await telemetry.flush();
      assert.deepEqual(failures, [
        "createAgentRun",
        "logAgentRunEvent",
        "logLlmUsage",
        "logAgentRunEvent",
        "updateAgentRun",
      ]);
    });
  });
}
