// The span exporter against the real OpenTelemetry SDK: spans of
// `@ai-sdk/otel` with the AI SDK's test model, and hand-built spans of each
// attribute family, checked record by record on every backend.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenTelemetry } from "@ai-sdk/otel";
import { type Attributes, context, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { generateText, stepCountIs, tool } from "ai";
import { z } from "zod";
import { CurioSpanExporter } from "../../otel.ts";
import type { Persistence } from "../../mod.ts";
import { toolCallingModel, usage } from "./_models.ts";
import { BACKENDS, withoutClock } from "./_backends.ts";

function setup(store: Persistence) {
  const warnings: string[] = [];
  const exporter = new CurioSpanExporter(store, {
    onWarning: (kind) => warnings.push(kind),
  });
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("test");
  /** A span ended at once, under `parent` when given. */
  const span = (
    name: string,
    attributes: Attributes,
    parent?: ReturnType<typeof tracer.startSpan>,
    { error }: { error?: string } = {},
  ) => {
    const ctx = parent
      ? trace.setSpan(context.active(), parent)
      : context.active();
    const started = tracer.startSpan(name, { attributes }, ctx);
    if (error) started.setStatus({ code: 2, message: error });
    return started;
  };
  return { exporter, provider, tracer, span, warnings };
}

async function everything(store: Persistence) {
  const runs = await store.getAgentRuns({ limit: 100 });
  const events = [];
  for (const run of runs) {
    events.push(...await store.getAgentRunEvents(run.runId));
  }
  const calls = (await store.getLlmUsage({ limit: 100 })).reverse();
  return { runs, events, calls };
}

for (const [name, open] of BACKENDS) {
  describe(`OpenTelemetry exporter: ${name}`, () => {
    it("stores the spans of @ai-sdk/otel", async () => {
      await using store = await open();
      const { exporter, provider, tracer } = setup(store);
      const model = toolCallingModel({
        first: usage(10, 5, { cacheRead: 4 }),
        second: usage(20, 2, { cacheRead: 4 }),
      });
      await generateText({
        model,
        prompt: "1 + 2?",
        tools: {
          add: tool({
            inputSchema: z.object({ a: z.number(), b: z.number() }),
            execute: ({ a, b }) => a + b,
          }),
        },
        stopWhen: stepCountIs(3),
        telemetry: {
          integrations: [new OpenTelemetry({ tracer })],
          functionId: "adder",
        },
      });
      await provider.forceFlush();
      await exporter.forceFlush();

      const { runs, events, calls } = await everything(store);
      assert.equal(runs.length, 1);
      const run = runs[0]!;
      assert.match(run.runId, /^otel-[0-9a-f]{32}-[0-9a-f]{16}$/);
      assert.deepEqual(withoutClock(run), {
        agentId: "adder",
        runId: run.runId,
        agentName: "adder",
        objective: "1 + 2?",
        additionalContext: null,
        startedAt: "<date>",
        finishedAt: "<date>",
        totalIterations: 2,
        finalSynthesisOutput: "3",
        executionHistory: null,
        status: "completed",
        errorMessage: null,
        metadata: {
          traceId: run.runId.slice(5, 37),
          spanId: run.runId.slice(38),
          name: "invoke_agent gpt-4o-mini",
        },
        createdAt: "<date>",
        updatedAt: "<date>",
      });
      const tool_ = events.find((e) =>
        e.eventType === "action_execution_completed"
      )!;
      assert.deepEqual(events.map((e) => [e.eventType, e.data]), [
        ["iteration_started", { iteration: 1 }],
        ["action_execution_started", { action: "add", args: { a: 1, b: 2 } }],
        ["action_execution_completed", {
          action: "add",
          args: { a: 1, b: 2 },
          result: 3,
          duration_ms: (tool_.data as { duration_ms: number }).duration_ms,
        }],
        ["iteration_completed", { iteration: 1 }],
        ["iteration_started", { iteration: 2 }],
        ["iteration_completed", { iteration: 2 }],
      ]);
      // Two model calls; the invoke_agent span's totals are not a third.
      assert.deepEqual(
        calls.map((c) => {
          const { prompt: _, promptLength: __, ...rest } = withoutClock(c);
          return rest;
        }),
        [
          [10, 5, "", "tool-calls"],
          [20, 2, "3", "stop"],
        ].map(([input, output, response, finish]) => ({
          agentId: "adder",
          runId: run.runId,
          provider: "openai",
          model: "gpt-4o-mini",
          inputParams: null,
          inputTokens: input,
          outputTokens: output,
          responseContent: response,
          responseLength: (response as string).length,
          cacheReadTokens: 4,
          cacheWriteTokens: null,
          reasoningTokens: null,
          usageMetrics: { finish_reason: finish },
          status: "success",
          errorMessage: null,
          latencyMs: "<ms>",
          createdAt: "<date>",
          costUsd: calls[input === 10 ? 0 : 1]!.costUsd,
          costSource: "computed",
        })),
      );
      assert.ok(calls[0]!.costUsd! > 0);
      assert.deepEqual(JSON.parse(calls[0]!.prompt), [{
        role: "user",
        parts: [{ type: "text", content: "1 + 2?" }],
      }]);
      await provider.shutdown();
    });

    it("reads the older GenAI, OpenInference, AI SDK and Traceloop forms", async () => {
      await using store = await open();
      const { exporter, provider, span, warnings } = setup(store);

      // OpenInference: an AGENT root, an LLM call and a TOOL below it.
      const agent = span("agent", {
        "openinference.span.kind": "AGENT",
        "input.value": "What's the weather?",
        "output.value": "Sunny",
      });
      const llm = span("llm", {
        "openinference.span.kind": "LLM",
        "llm.provider": "anthropic",
        "llm.model_name": "claude-sonnet-4-5",
        "llm.token_count.prompt": 300,
        "llm.token_count.completion": 40,
        "llm.token_count.prompt_details.cache_read": 200,
        "llm.token_count.completion_details.reasoning": 10,
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "What's the weather?",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "Sunny",
      }, agent);
      llm.end();
      const weather = span("weather", {
        "openinference.span.kind": "TOOL",
        "tool.name": "weather",
        "input.value": '{"city":"Paris"}',
        "output.value": '{"sky":"sunny"}',
      }, agent);
      weather.end();
      agent.end();

      // Traceloop: a workflow with an OpenLLMetry model span (older
      // conventions, flattened prompt and completion).
      const workflow = span("joke.workflow", {
        "traceloop.span.kind": "workflow",
        "traceloop.workflow.name": "joke",
      });
      const chat = span("openai.chat", {
        "llm.request.type": "chat",
        "gen_ai.system": "OpenAI",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.prompt_tokens": 15,
        "gen_ai.usage.completion_tokens": 9,
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Tell a joke",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "Why did…",
        "gen_ai.request.temperature": 0.7,
      }, workflow);
      chat.end();
      workflow.end();

      // The AI SDK's own attributes (its older telemetry), with a failure.
      const generate = span(
        "ai.generateText",
        {
          "ai.operationId": "ai.generateText",
          "ai.telemetry.functionId": "legacy",
        },
        undefined,
        { error: "rate limited" },
      );
      const doGenerate = span(
        "ai.generateText.doGenerate",
        {
          "ai.operationId": "ai.generateText.doGenerate",
          "ai.model.provider": "openai.chat",
          "ai.model.id": "gpt-4o-mini",
          "ai.prompt.messages": '[{"role":"user","content":"hi"}]',
          "ai.usage.promptTokens": 3,
        },
        generate,
        { error: "rate limited" },
      );
      doGenerate.end();
      generate.end();

      await provider.forceFlush();
      await exporter.forceFlush();
      const { runs, events, calls } = await everything(store);
      const byAgent = new Map(runs.map((r) => [r.agentId, r]));
      assert.deepEqual(
        [...byAgent.keys()].sort(),
        ["joke", "legacy", "otel"],
      );
      const openInference = byAgent.get("otel")!;
      assert.equal(openInference.objective, "What's the weather?");
      assert.equal(openInference.finalSynthesisOutput, "Sunny");
      assert.equal(openInference.status, "completed");
      assert.equal(byAgent.get("legacy")!.status, "error");
      assert.equal(byAgent.get("legacy")!.errorMessage, "rate limited");

      const call = (model: string) => calls.find((c) => c.model === model)!;
      const claude = call("claude-sonnet-4-5");
      assert.deepEqual(
        [
          claude.runId,
          claude.provider,
          claude.inputTokens,
          claude.outputTokens,
          claude.cacheReadTokens,
          claude.cacheWriteTokens,
          claude.reasoningTokens,
          claude.responseContent,
          claude.costSource,
        ],
        [
          openInference.runId,
          "anthropic",
          300,
          40,
          200,
          null,
          10,
          "Sunny",
          "computed",
        ],
      );
      assert.deepEqual(JSON.parse(claude.prompt), [{
        "message.role": "user",
        "message.content": "What's the weather?",
      }]);
      const gpt4o = call("gpt-4o");
      assert.deepEqual(
        [
          gpt4o.runId,
          gpt4o.agentId,
          gpt4o.provider,
          gpt4o.inputTokens,
          gpt4o.outputTokens,
          gpt4o.responseContent,
          gpt4o.inputParams,
        ],
        [
          byAgent.get("joke")!.runId,
          "joke",
          "OpenAI",
          15,
          9,
          "Why did…",
          { temperature: 0.7 },
        ],
      );
      assert.deepEqual(JSON.parse(gpt4o.prompt), [{
        role: "user",
        content: "Tell a joke",
      }]);
      const mini = call("gpt-4o-mini");
      assert.deepEqual(
        [
          mini.provider,
          mini.inputTokens,
          mini.outputTokens,
          mini.status,
          mini.errorMessage,
          mini.costUsd,
          mini.prompt,
        ],
        [
          "openai",
          3,
          null,
          "error",
          "rate limited",
          null,
          '[{"role":"user","content":"hi"}]',
        ],
      );
      const weatherEvents = events.filter((e) =>
        e.runId === openInference.runId
      );
      assert.deepEqual(weatherEvents.map((e) => e.data), [
        { action: "weather", args: { city: "Paris" } },
        {
          action: "weather",
          args: { city: "Paris" },
          result: { sky: "sunny" },
          duration_ms: (weatherEvents[1]!.data as { duration_ms: number })
            .duration_ms,
        },
      ]);
      assert.deepEqual(
        events.filter((e) => e.eventType === "run_error").map((e) => e.data),
        [{ error: "rate limited" }],
      );
      assert.deepEqual(warnings, []);
      await provider.shutdown();
    });

    it("stores bad spans as far as they are valid, warning once per kind", async () => {
      await using store = await open();
      const { exporter, provider, span, warnings } = setup(store);
      const root = span("invoke_agent", {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "bad",
      });
      for (const tokens of [-5, "many", 1.5]) {
        span("chat", {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": tokens as number,
          "gen_ai.usage.output_tokens": 7,
        }, root).end();
      }
      span("mystery", { "gen_ai.operation.name": "dance" }, root).end();
      span("mystery 2", { "gen_ai.operation.name": "sing" }, root).end();
      span("huge", {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.input.messages": "x".repeat(1_500_000),
      }, root).end();
      span("http", { "http.method": "GET" }, root).end();
      root.end();
      await provider.forceFlush();
      await exporter.forceFlush();

      const { runs, calls } = await everything(store);
      assert.equal(runs.length, 1);
      assert.equal(calls.length, 4);
      assert.deepEqual(
        calls.map((c) => [c.inputTokens, c.outputTokens, c.prompt.length])
          .sort((a, b) => Number(a[2]) - Number(b[2])),
        [[null, 7, 0], [null, 7, 0], [null, 7, 0], [null, null, 1_000_000]],
      );
      assert.deepEqual(warnings.sort(), [
        "enormous attribute",
        "malformed token count",
        "unknown operation",
      ]);
      await provider.shutdown();
    });

    it("stores spans of unknown ancestry without a run at flush", async () => {
      await using store = await open();
      const exporter = new CurioSpanExporter(store);
      const child = {
        name: "chat",
        spanContext: () => ({
          traceId: "1".repeat(32),
          spanId: "2".repeat(16),
        }),
        parentSpanContext: { spanId: "3".repeat(16) },
        startTime: [1_750_000_000, 0] as const,
        endTime: [1_750_000_000, 250_000_000] as const,
        status: { code: 0 },
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": 1,
          "gen_ai.usage.output_tokens": 1,
        },
        events: [],
      };
      // Its parent never arrives: the child waits, then goes without a run.
      const result = await new Promise((done) =>
        exporter.export([child], done)
      );
      assert.deepEqual(result, { code: 0 });
      assert.equal((await store.getLlmUsage()).length, 0);
      await exporter.shutdown();
      const calls = await store.getLlmUsage();
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.runId, null);
      assert.equal(calls[0]!.agentId, "otel");
      assert.equal(calls[0]!.latencyMs, 250);
      assert.equal((await store.getAgentRuns()).length, 0);
      const late = await new Promise((done) => exporter.export([child], done));
      assert.equal((late as { code: number }).code, 1);
    });
  });
}
