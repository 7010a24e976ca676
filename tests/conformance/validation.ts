import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError, type Persistence } from "../../mod.ts";
import type { Context } from "./_context.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = cyclic;

/** Each case: what it is, and a call that must be refused as invalid input. */
const CASES: [string, (store: Persistence) => Promise<unknown>][] = [
  [
    "a bad run status",
    (s) =>
      s.createAgentRun({ agentId: "a", runId: "r", status: "done" as Loose }),
  ],
  ["an empty agent id", (s) => s.createAgentRun({ agentId: "", runId: "r" })],
  ["an empty run id", (s) => s.createAgentRun({ agentId: "a", runId: "" })],
  ["a missing run id", (s) => s.createAgentRun({ agentId: "a" } as Loose)],
  [
    "a run id over 255 characters",
    (s) => s.createAgentRun({ agentId: "a", runId: "r".repeat(256) }),
  ],
  [
    "a number as run id",
    (s) => s.createAgentRun({ agentId: "a", runId: 7 as Loose }),
  ],
  [
    "a BigInt in JSON",
    (s) => s.createAgentRun({ agentId: "a", runId: "r", metadata: { n: 1n } }),
  ],
  [
    "a cycle in JSON",
    (s) =>
      s.createAgentRun({ agentId: "a", runId: "r", executionHistory: cyclic }),
  ],
  [
    "a function as JSON",
    (s) =>
      s.createAgentRun({
        agentId: "a",
        runId: "r",
        additionalContext: () => 1,
      }),
  ],
  [
    "an invalid Date",
    (s) =>
      s.createAgentRun({
        agentId: "a",
        runId: "r",
        startedAt: new Date("nope"),
      }),
  ],
  [
    "a date string",
    (s) =>
      s.createAgentRun({
        agentId: "a",
        runId: "r",
        startedAt: "2025-01-01" as Loose,
      }),
  ],
  [
    "negative iterations",
    (s) => s.createAgentRun({ agentId: "a", runId: "r", totalIterations: -1 }),
  ],
  ["not an object", (s) => s.createAgentRun(null as Loose)],
  [
    "an empty event type",
    (s) => s.logAgentRunEvent({ agentId: "a", runId: "r", eventType: "" }),
  ],
  [
    "an event type of 101 characters",
    (s) =>
      s.logAgentRunEvent({
        agentId: "a",
        runId: "r",
        eventType: "e".repeat(101),
      }),
  ],
  [
    "a BigInt in event data",
    (s) =>
      s.logAgentRunEvent({
        agentId: "a",
        runId: "r",
        eventType: "custom",
        data: 2n,
      }),
  ],
  ["a bad usage status", (s) => s.logLlmUsage({ status: "ok" as Loose })],
  ["fractional tokens", (s) => s.logLlmUsage({ inputTokens: 1.5 })],
  ["NaN tokens", (s) => s.logLlmUsage({ outputTokens: NaN })],
  ["infinite latency", (s) => s.logLlmUsage({ latencyMs: Infinity })],
  ["tokens over 2^31", (s) => s.logLlmUsage({ inputTokens: 2 ** 31 })],
  ["a negative limit", (s) => s.getAgentRuns({ limit: -1 })],
  ["a fractional limit", (s) => s.getAgentRuns({ limit: 2.5 })],
  ["a NaN limit", (s) => s.getLlmUsage({ limit: NaN })],
  ["a negative offset", (s) => s.getAgentRuns({ offset: -10 })],
  ["a string limit", (s) => s.getAgentRuns({ limit: "10" as Loose })],
  ["a bad status filter", (s) => s.getAgentRuns({ status: "x" as Loose })],
  ["a zero page size", (s) => s.iterateAgentRuns({ pageSize: 0 }).next()],
  ["a batch that is not an array", (s) => s.logAgentRunEvents("x" as Loose)],
  ["an empty run id to read", (s) => s.getAgentRun("")],
  ["an empty run id to delete", (s) => s.deleteAgentRun("")],
];

export function validation(ctx: Context): void {
  describe("invalid input", () => {
    it("is refused with InvalidInputError and writes nothing", async () => {
      await ctx.store.createAgentRun({ agentId: "seed", runId: "seed" });
      const before = await ctx.store.getAgentRunStats();
      for (const [what, call] of CASES) {
        await assert.rejects(
          (async () => await call(ctx.store))(),
          InvalidInputError,
          what,
        );
      }
      assert.deepEqual(await ctx.store.getAgentRunStats(), before);
      assert.deepEqual(await ctx.store.getAgentRunEvents("seed"), []);
    });

    it("names the field in the error", async () => {
      await assert.rejects(
        ctx.store.getAgentRuns({ limit: -3 }),
        (error: unknown) =>
          error instanceof InvalidInputError && error.field === "limit" &&
          error.message.includes("-3"),
      );
    });
  });
}
