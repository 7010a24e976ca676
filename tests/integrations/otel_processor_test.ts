// The span processor against the real OpenTelemetry SDK and `@ai-sdk/otel`
// with the AI SDK's test model: while a run is under way (a tool or a model
// that waits for the test), the store lists it running, with what has
// ended so far; once it ends, completed or failed, record by record, on
// every backend.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenTelemetry } from "@ai-sdk/otel";
import { context, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  SamplingDecision,
} from "@opentelemetry/sdk-trace-base";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import { CurioSpanProcessor } from "../../otel.ts";
import type { AgentRun, Persistence } from "../../mod.ts";
import { BACKENDS, withoutClock } from "./_backends.ts";
import { toolCallingModel, usage } from "./_models.ts";

function setup(store: Persistence) {
  const warnings: string[] = [];
  const processor = new CurioSpanProcessor(store, {
    scheduledDelayMillis: 5,
    onWarning: (kind, message) => warnings.push(`${kind}: ${message}`),
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer("test");
  return { processor, provider, tracer, warnings };
}

/** A promise, and the function that settles it. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/**
 * Waits until `found` returns something: the writes run in the background,
 * and nothing here is timed (the bound only stops a test that would hang).
 */
async function eventually<T>(
  what: string,
  found: () => Promise<T | undefined>,
): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const value = await found();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never stored: ${what}`);
}

const onlyRun = (store: Persistence) => async () => {
  const runs = await store.getAgentRuns();
  assert.ok(runs.length <= 1, "one run");
  return runs[0];
};

for (const [name, open] of BACKENDS) {
  describe(`OpenTelemetry span processor: ${name}`, () => {
    it("lists an @ai-sdk/otel run as running until its span ends", async () => {
      await using store = await open();
      const { provider, tracer, warnings } = setup(store);
      const toolCalled = gate();
      const toolMayReturn = gate();
      const model = toolCallingModel({
        first: usage(10, 5),
        second: usage(20, 2),
      });
      const result = generateText({
        model,
        prompt: "1 + 2?",
        tools: {
          add: tool({
            inputSchema: z.object({ a: z.number(), b: z.number() }),
            execute: async ({ a, b }) => {
              toolCalled.open();
              await toolMayReturn.promise;
              return a + b;
            },
          }),
        },
        stopWhen: stepCountIs(3),
        telemetry: {
          integrations: [new OpenTelemetry({ tracer })],
          functionId: "adder",
        },
      });
      await toolCalled.promise;

      // The tool is running: the run, its first model call (ended) are
      // stored; the step and the tool, still open, are not yet.
      const running = await eventually("the running run", onlyRun(store));
      const call = await eventually("the first model call", async () => {
        const calls = await store.getLlmUsage();
        return calls.length ? calls : undefined;
      });
      assert.deepEqual(withoutClock(running), {
        agentId: "adder",
        runId: running.runId,
        agentName: "adder",
        objective: "1 + 2?",
        additionalContext: null,
        startedAt: "<date>",
        finishedAt: null,
        totalIterations: 0,
        finalSynthesisOutput: null,
        executionHistory: null,
        status: "running",
        errorMessage: null,
        metadata: {
          traceId: running.runId.slice(5, 37),
          spanId: running.runId.slice(38),
          name: "invoke_agent gpt-4o-mini",
        },
        createdAt: "<date>",
        updatedAt: "<date>",
      });
      assert.match(running.runId, /^otel-[0-9a-f]{32}-[0-9a-f]{16}$/);
      assert.deepEqual(
        call.map((c) => [c.runId, c.agentId, c.inputTokens, c.outputTokens]),
        [[running.runId, "adder", 10, 5]],
      );
      assert.deepEqual(await store.getAgentRunEvents(running.runId), []);
      assert.equal((await onlyRun(store)())?.status, "running");

      toolMayReturn.open();
      assert.equal((await result).text, "3");
      await provider.forceFlush();

      const run = (await onlyRun(store)())!;
      assert.deepEqual(withoutClock(run), {
        ...withoutClock(running),
        finishedAt: "<date>",
        totalIterations: 2,
        finalSynthesisOutput: "3",
        status: "completed",
      });
      assert.equal(run.startedAt?.getTime(), running.startedAt?.getTime());
      assert.equal(run.createdAt.getTime(), running.createdAt.getTime());
      assert.ok(run.finishedAt! >= run.startedAt!);
      const events = await store.getAgentRunEvents(run.runId);
      const completed = events.find((e) =>
        e.eventType === "action_execution_completed"
      )!;
      assert.deepEqual(events.map((e) => [e.eventType, e.data]), [
        ["iteration_started", { iteration: 1 }],
        ["action_execution_started", { action: "add", args: { a: 1, b: 2 } }],
        ["action_execution_completed", {
          action: "add",
          args: { a: 1, b: 2 },
          result: 3,
          duration_ms: (completed.data as { duration_ms: number }).duration_ms,
        }],
        ["iteration_completed", { iteration: 1 }],
        ["iteration_started", { iteration: 2 }],
        ["iteration_completed", { iteration: 2 }],
      ]);
      // Two model calls; the invoke_agent span's totals are not a third.
      const calls = (await store.getLlmUsage()).reverse();
      assert.deepEqual(
        calls.map((c) => [
          c.runId,
          c.inputTokens,
          c.outputTokens,
          c.responseContent,
          c.usageMetrics,
          c.status,
        ]),
        [
          [run.runId, 10, 5, "", { finish_reason: "tool-calls" }, "success"],
          [run.runId, 20, 2, "3", { finish_reason: "stop" }, "success"],
        ],
      );
      assert.deepEqual(warnings, []);
      await provider.shutdown();
    });

    it("lists a failing run as running, then as an error", async () => {
      await using store = await open();
      const { provider, tracer, warnings } = setup(store);
      const called = gate();
      const answer = gate<never>();
      const model = new MockLanguageModelV4({
        provider: "anthropic.messages",
        modelId: "claude-sonnet-4-5",
        doGenerate: () => {
          called.open();
          return answer.promise;
        },
      });
      const result = generateText({
        model,
        prompt: "Hi",
        maxRetries: 0,
        telemetry: { integrations: [new OpenTelemetry({ tracer })] },
      });
      await called.promise;

      const running = await eventually("the running run", onlyRun(store));
      assert.equal(running.status, "running");
      assert.equal(running.agentId, "otel");
      assert.equal(running.objective, "Hi");
      assert.equal(running.finishedAt, null);

      answer.fail(new Error("The model is overloaded"));
      await assert.rejects(result, /overloaded/);
      await provider.forceFlush();

      const run: AgentRun = (await onlyRun(store)())!;
      assert.deepEqual(
        [run.runId, run.status, run.errorMessage, run.finalSynthesisOutput],
        [running.runId, "error", "The model is overloaded", null],
      );
      assert.ok(run.finishedAt instanceof Date);
      const events = await store.getAgentRunEvents(run.runId);
      assert.deepEqual(
        events.map((e) => [e.eventType, e.data]).filter(([type]) =>
          type === "run_error"
        ),
        [["run_error", { error: "The model is overloaded" }]],
      );
      const calls = await store.getLlmUsage();
      assert.deepEqual(
        calls.map((c) => [c.runId, c.provider, c.status]),
        [[run.runId, "anthropic", "error"]],
      );
      assert.deepEqual(warnings, []);
      await provider.shutdown();
    });

    it("creates runs of hand-made spans as soon as they say what they are", async () => {
      await using store = await open();
      const { processor, provider, tracer, warnings } = setup(store);
      const under = (parent: ReturnType<typeof tracer.startSpan>) =>
        trace.setSpan(context.active(), parent);

      // The GenAI conventions: invoke_agent names its kind when it starts.
      const agent = tracer.startSpan("invoke_agent", {
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.id": "planner",
          "gen_ai.agent.name": "Planner",
          "gen_ai.conversation.id": "conv-1",
        },
      });
      const run = await eventually("the running run", onlyRun(store));
      assert.deepEqual(
        [run.agentId, run.agentName, run.status, run.metadata],
        ["planner", "Planner", "running", {
          traceId: agent.spanContext().traceId,
          spanId: agent.spanContext().spanId,
          name: "invoke_agent",
          conversationId: "conv-1",
        }],
      );

      // A span that started as nothing GenAI may still become a run span:
      // what ends below it waits for it (here it stays a plain span).
      const plain = tracer.startSpan("retry loop", {}, under(agent));
      tracer.startSpan("chat", {
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": 7,
          "gen_ai.usage.output_tokens": 3,
        },
      }, under(plain)).end();
      await processor.forceFlush();
      assert.deepEqual(await store.getLlmUsage(), []);
      plain.end();
      await processor.forceFlush();
      assert.deepEqual(
        (await store.getLlmUsage()).map((c) => [c.runId, c.agentId]),
        [[run.runId, "planner"]],
      );

      // Traceloop names a span's kind just after starting it: the run is
      // created running when a span below it ends, its kind read then.
      const workflow = tracer.startSpan("joke.workflow");
      workflow.setAttribute("traceloop.span.kind", "workflow");
      workflow.setAttribute("traceloop.workflow.name", "joke");
      tracer.startSpan("openai.chat", {
        attributes: {
          "llm.request.type": "chat",
          "gen_ai.system": "openai",
          "gen_ai.request.model": "gpt-4o",
        },
      }, under(workflow)).end();
      await processor.forceFlush();
      const joke = (await store.getAgentRuns({ agentId: "joke" }))[0]!;
      assert.deepEqual(
        [joke.status, joke.finishedAt, joke.metadata],
        ["running", null, {
          traceId: workflow.spanContext().traceId,
          spanId: workflow.spanContext().spanId,
          name: "joke.workflow",
        }],
      );
      assert.deepEqual(
        (await store.getLlmUsage({ agentId: "joke" })).map((c) => c.runId),
        [joke.runId],
      );
      workflow.end();

      // Named a run only after its start: created when it ends, completed.
      const late = tracer.startSpan("workflow");
      tracer.startSpan("chat", {
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4o",
        },
      }, under(late)).end();
      await processor.forceFlush();
      assert.equal((await store.getAgentRuns()).length, 2);
      late.setAttribute("gen_ai.operation.name", "invoke_workflow");
      late.setAttribute("gen_ai.agent.name", "late");
      late.end();

      agent.setAttribute(
        "gen_ai.output.messages",
        JSON.stringify([{
          role: "assistant",
          parts: [{ type: "text", content: "done" }],
        }]),
      );
      agent.setStatus({ code: 2, message: "gave up" });
      agent.end();
      await provider.forceFlush();

      const runs = await store.getAgentRuns();
      const byAgent = new Map(runs.map((r) => [r.agentId, r]));
      assert.deepEqual(
        [...byAgent.values()].map((r) => [
          r.agentId,
          r.status,
          r.errorMessage,
          r.finalSynthesisOutput,
          r.finishedAt instanceof Date,
        ]).sort(),
        [
          ["joke", "completed", null, null, true],
          ["late", "completed", null, null, true],
          ["planner", "error", "gave up", "done", true],
        ],
      );
      const calls = await store.getLlmUsage();
      assert.deepEqual(
        calls.map((c) => [c.runId, c.agentId]).sort(),
        [
          [joke.runId, "joke"],
          [byAgent.get("late")!.runId, "late"],
          [run.runId, "planner"],
        ].sort(),
      );
      assert.deepEqual(warnings, []);
      await provider.shutdown();
    });
    it("ignores unsampled spans; keeps the agent a run started with", async () => {
      await using store = await open();
      const { processor, tracer, warnings } = setup(store);
      const recordOnly = new BasicTracerProvider({
        sampler: {
          shouldSample: () => ({ decision: SamplingDecision.RECORD }),
          toString: () => "record only",
        },
        spanProcessors: [processor],
      });
      const unsampled = recordOnly.getTracer("test").startSpan("invoke_agent", {
        attributes: { "gen_ai.operation.name": "invoke_agent" },
      });
      unsampled.end();
      await processor.forceFlush();
      assert.deepEqual(await store.getAgentRuns(), []);

      const agent = tracer.startSpan("invoke_agent", {
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.id": "first",
        },
      });
      agent.setAttribute("gen_ai.agent.id", "second");
      agent.end();
      await processor.forceFlush();
      const runs = await store.getAgentRuns();
      assert.deepEqual(
        runs.map((r) => [r.agentId, r.status]),
        [["first", "completed"]],
      );
      assert.deepEqual(warnings.map((w) => w.split(":")[0]), [
        "agent named late",
      ]);
      await processor.shutdown();
    });
    it("queues only the spans it stores, dropping them when full", async () => {
      await using store = await open();
      const warnings: string[] = [];
      const processor = new CurioSpanProcessor(store, {
        maxExportBatchSize: 2,
        maxQueueSize: 2,
        onWarning: (kind) => warnings.push(kind),
      });
      const provider = new BasicTracerProvider({ spanProcessors: [processor] });
      const tracer = provider.getTracer("test");
      const agent = tracer.startSpan("invoke_agent", {
        attributes: { "gen_ai.operation.name": "invoke_agent" },
      });
      const under = trace.setSpan(context.active(), agent);
      // No write waits in between: the queue holds what has ended since.
      for (let i = 0; i < 100; i++) tracer.startSpan("GET", {}, under).end();
      assert.deepEqual(warnings, []);
      for (let i = 0; i < 3; i++) {
        tracer.startSpan("chat", {
          attributes: {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": `model-${i}`,
          },
        }, under).end();
      }
      assert.deepEqual(warnings, ["queue full"]);
      agent.end();
      await provider.shutdown();
      assert.deepEqual(
        (await store.getLlmUsage()).map((c) => c.model).sort(),
        ["model-0", "model-1"],
      );
      assert.deepEqual(
        (await store.getAgentRuns()).map((r) => r.status),
        ["completed"],
      );
    });
  });
}
