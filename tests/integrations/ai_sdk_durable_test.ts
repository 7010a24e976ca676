// A durable run's replayed lifecycle. `ai` 7.0.173 declares `durableContext`
// and `timestamp` on every telemetry event, for workflows whose steps run in
// several processes and are reported after the fact, but nothing in `ai`
// (nor in `@ai-sdk/workflow` 2.0.43) sets them yet. So the events of a real
// generateText call (the test model, a tool) are recorded through the
// SDK's own `Telemetry` type, then handed to the integration as a replay
// would: each with the durable run's context and its original time.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DurableTelemetryContext,
  generateText,
  stepCountIs,
  type Telemetry,
  tool,
} from "ai";
import { z } from "zod";
import { curioTelemetry } from "../../ai_sdk.ts";
import { BACKENDS } from "./_backends.ts";
import { toolCallingModel, usage } from "./_models.ts";

const HOOKS = [
  "onStart",
  "onStepStart",
  "onLanguageModelCallStart",
  "onLanguageModelCallEnd",
  "onToolExecutionStart",
  "onToolExecutionEnd",
  "onStepEnd",
  "onEnd",
] as const;
type Hook = typeof HOOKS[number];
/** An event as the SDK types it for the hook. */
type EventOf<H extends Hook> = Parameters<NonNullable<Telemetry[H]>>[0];
type Recorded = { [H in Hook]: { hook: H; event: EventOf<H> } }[Hook];

/** The events of a two-step tool-calling generateText call, in order. */
async function record(): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  // One recorder per hook, each keeping the event under its hook's name.
  const recorder: Telemetry = Object.fromEntries(
    HOOKS.map((hook) => [hook, (event: unknown) => {
      recorded.push({ hook, event } as Recorded);
    }]),
  );
  await generateText({
    model: toolCallingModel({ first: usage(10, 5), second: usage(20, 2) }),
    prompt: "1 + 2?",
    tools: {
      add: tool({
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        execute: ({ a, b }) => a + b,
      }),
    },
    stopWhen: stepCountIs(3),
    telemetry: { integrations: [recorder], functionId: "adder" },
  });
  return recorded;
}

/** The durable run every replayed event names. */
const RUN: DurableTelemetryContext = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  rootSpanId: "00f067aa0ba902b7",
  traceFlags: 1,
  samplingDecision: 2,
};
/** When the run happened: long before the replay. */
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

for (const [name, open] of BACKENDS) {
  describe(`AI SDK integration, durable replay: ${name}`, () => {
    it("keys the run by its durable identity and keeps the replayed times", async () => {
      const recorded = await record();
      assert.deepEqual(recorded.map((r) => r.hook), [
        "onStart",
        "onStepStart",
        "onLanguageModelCallStart",
        "onLanguageModelCallEnd",
        "onToolExecutionStart",
        "onToolExecutionEnd",
        "onStepEnd",
        "onStepStart",
        "onLanguageModelCallStart",
        "onLanguageModelCallEnd",
        "onStepEnd",
        "onEnd",
      ]);
      await using store = await open();
      const telemetry = curioTelemetry(store);
      // The i-th event happened i seconds after T0, in the process of its
      // step; the replay hands them over now, in one go.
      const at = (i: number) => T0 + i * 1000;
      for (const [i, { hook, event }] of recorded.entries()) {
        const stepNumber = "stepNumber" in event &&
            typeof event.stepNumber === "number"
          ? event.stepNumber
          : undefined;
        const replay = {
          timestamp: at(i),
          durableContext: {
            run: RUN,
            phase: "replay" as const,
            ...(stepNumber === undefined ? {} : { stepNumber }),
          },
        };
        // Each recorded event goes back to the hook it came from.
        const handler = telemetry[hook] as
          | ((event: EventOf<typeof hook>) => void)
          | undefined;
        assert.ok(handler, `the integration handles ${hook}`);
        handler.call(telemetry, { ...event, ...replay });
      }
      await telemetry.flush();

      const runs = await store.getAgentRuns();
      assert.equal(runs.length, 1);
      const run = runs[0]!;
      const callId = recorded[0]!.event.callId;
      assert.equal(run.runId, `${RUN.traceId}-${RUN.rootSpanId}`);
      assert.notEqual(run.runId, callId);
      assert.deepEqual(
        [
          run.agentId,
          run.status,
          run.totalIterations,
          run.finalSynthesisOutput,
          run.startedAt?.getTime(),
          run.createdAt.getTime(),
          run.finishedAt?.getTime(),
        ],
        ["adder", "completed", 2, "3", at(0), at(0), at(11)],
      );
      const events = await store.getAgentRunEvents(run.runId);
      assert.deepEqual(
        events.map((e) => [e.eventType, e.timestamp.getTime()]),
        [
          ["iteration_started", at(1)],
          ["action_execution_started", at(4)],
          ["action_execution_completed", at(5)],
          ["iteration_completed", at(6)],
          ["iteration_started", at(7)],
          ["iteration_completed", at(10)],
        ],
      );
      const calls = (await store.getLlmUsage()).reverse();
      const responseTime = (i: number) => {
        const { event } = recorded[i]!;
        assert.ok("performance" in event);
        return Math.round(event.performance.responseTimeMs);
      };
      assert.deepEqual(
        calls.map((c) => [
          c.runId,
          c.inputTokens,
          c.outputTokens,
          c.createdAt.getTime(),
          c.latencyMs,
        ]),
        [
          [run.runId, 10, 5, at(3), responseTime(3)],
          [run.runId, 20, 2, at(9), responseTime(9)],
        ],
      );
    });
  });
}
