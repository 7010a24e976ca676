// OTLP files: the writer's JSON against `@opentelemetry/otlp-transformer`'s
// for the same spans, a round trip store → OTLP → store on every backend,
// idempotent imports, and files of other tools.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { CurioSpanExporter, exportOtlp, importOtlp } from "../../otel.ts";
import type { OtlpKeyValue, OtlpSpan } from "../../otel.ts";
import { createPersistence, type Persistence } from "../../mod.ts";
import { main } from "../../src/cli/main.ts";
import { tempPath } from "../_temp.ts";
import { BACKENDS } from "./_backends.ts";

const at = (s: number) => new Date(Date.UTC(2025, 5, 1, 12, 0, s));

/** Runs, events and LLM calls with every field in use, nulls included. */
async function fill(store: Persistence): Promise<void> {
  await store.createAgentRun({
    agentId: "researcher",
    runId: "run-1",
    agentName: "Researcher",
    objective: "Summarise the news\u2028today",
    additionalContext: { sources: ["a", "b"], depth: 2 },
    startedAt: at(0),
    finishedAt: at(30),
    totalIterations: 2,
    finalSynthesisOutput: "Three stories.",
    executionHistory: [{ step: 1, ok: true }],
    status: "completed",
    metadata: { team: "news", n: 1.5 },
    createdAt: at(0),
    updatedAt: at(31),
  });
  await store.createAgentRun({
    agentId: "researcher",
    runId: "run-2",
    status: "error",
    errorMessage: "model refused",
    startedAt: at(40),
    finishedAt: at(41),
    createdAt: at(40),
    updatedAt: at(41),
  });
  await store.createAgentRun({
    agentId: "planner",
    runId: "run-3",
    status: "pending",
    createdAt: at(50),
    updatedAt: at(50),
  });
  const event = (
    runId: string,
    s: number,
    eventType: string,
    data?: unknown,
    more: { agentId?: string; agentName?: string } = {},
  ) =>
    store.logAgentRunEvent({
      agentId: more.agentId ?? "researcher",
      runId,
      eventType,
      timestamp: at(s),
      ...(data === undefined ? {} : { data }),
      ...(more.agentName === undefined ? {} : { agentName: more.agentName }),
      createdAt: at(s + 1),
    });
  await event("run-1", 1, "run_started", { objective: "news" });
  await event("run-1", 2, "iteration_started", { iteration: 1 });
  await event("run-1", 3, "action_execution_started", {
    action: "search",
    args: { q: "AI" },
  });
  await event("run-1", 5, "action_execution_completed", {
    action: "search",
    args: { q: "AI" },
    result: ["x", "y"],
    duration_ms: 2000,
  });
  // The same instant twice: the order must survive.
  await event("run-1", 5, "iteration_completed", { iteration: 1 });
  await event("run-1", 5, "custom", null, {
    agentId: "helper",
    agentName: "Helper",
  });
  await event("run-1", 6, "cache_hit");
  await event("run-2", 40, "run_error", { error: "model refused" });
  const call = (input: Parameters<Persistence["logLlmUsage"]>[0]) =>
    store.logLlmUsage(input);
  await call({
    agentId: "researcher",
    runId: "run-1",
    provider: "openai",
    model: "gpt-4o",
    prompt: '[{"role":"user","content":"hi"}]',
    inputParams: { temperature: 0.2, maxOutputTokens: 100 },
    inputTokens: 100,
    outputTokens: 20,
    cacheReadTokens: 30,
    cacheWriteTokens: 5,
    reasoningTokens: 4,
    responseContent: "Hello",
    usageMetrics: { finish_reason: "stop", total_tokens: 120 },
    latencyMs: 850,
    createdAt: at(4),
  });
  await call({
    agentId: "researcher",
    runId: "run-1",
    provider: "anthropic",
    model: "claude-sonnet-4",
    prompt: "plain text prompt",
    inputTokens: 10,
    outputTokens: 2,
    costUsd: 0.0125,
    responseContent: "",
    createdAt: at(4),
  });
  await call({
    agentId: null,
    runId: "run-2",
    provider: "",
    model: "mystery",
    prompt: "",
    status: "error",
    errorMessage: "refused",
    usageMetrics: { cost_usd: 0.5 },
    createdAt: at(41),
  });
  // Without a run, twice the same (a retry), and with a run never stored.
  for (let i = 0; i < 2; i++) {
    await call({
      agentId: "researcher",
      provider: "openai",
      model: "gpt-4o-mini",
      prompt: "retry me",
      inputTokens: 1,
      outputTokens: 1,
      createdAt: at(60),
    });
  }
  await call({
    runId: "gone",
    model: "m",
    promptLength: 99,
    createdAt: at(61),
  });
}

async function everything(store: Persistence) {
  const strip = <T extends { id: number }>({ id: _, ...rest }: T) => rest;
  const runs = (await store.getAgentRuns({ limit: 100 })).map(strip);
  const events = [];
  for (const run of runs) {
    events.push(...(await store.getAgentRunEvents(run.runId)).map(strip));
  }
  const calls = (await store.getLlmUsage({ limit: 100 })).map(strip);
  return { runs, events, calls };
}

async function exported(store: Persistence): Promise<string> {
  let text = "";
  await exportOtlp(store, { write: (t) => void (text += t) });
  return text;
}

for (const [name, open] of BACKENDS) {
  describe(`OTLP files: ${name}`, () => {
    it("round-trips every field of every record", async () => {
      await using from = await open();
      await fill(from);
      const text = await exported(from);
      assert.equal(text.trim().split("\n").length, 3 + 3);
      await using to = await open();
      const first = await importOtlp(to, text.split("\n"));
      assert.deepEqual(first.added, { runs: 3, events: 8, llmUsage: 6 });
      assert.deepEqual(await everything(to), await everything(from));
      // Stable ids: the copy exports to the same text.
      assert.equal(await exported(to), text);

      const again = await importOtlp(to, text.split("\n"));
      assert.deepEqual(again.added, { runs: 0, events: 0, llmUsage: 0 });
      assert.equal(again.skippedRuns, 3);
      assert.deepEqual(await everything(to), await everything(from));
    });
  });
}

describe("OTLP files", () => {
  it("are what @opentelemetry/otlp-transformer makes of the same spans", async () => {
    await using store = await BACKENDS[0]![1]();
    await fill(store);
    const lines = (await exported(store)).trim().split("\n");
    for (const line of lines) {
      const ours = JSON.parse(line);
      const scope = ours.resourceSpans[0].scopeSpans[0];
      // The transformer groups spans by resource object: one for all.
      const resource = {
        attributes: plain(ours.resourceSpans[0].resource.attributes),
      } as unknown as ReadableSpan["resource"];
      const spans = (scope.spans as OtlpSpan[]).map((span) =>
        readableSpan(span, { resource, scope: scope.scope })
      );
      const theirs = JSON.parse(
        new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)),
      );
      assert.deepEqual(normalized(ours), normalized(theirs));
    }
  });

  it("go through export and import --format otlp of the CLI", async () => {
    const from = `sqlite:${tempPath()}`;
    const to = `sqlite:${tempPath()}`;
    const file = tempPath();
    {
      await using store = await createPersistence(from);
      await fill(store);
    }
    const run = (args: string[]) => main([...args, "--json"]);
    assert.equal(
      await main(["export", "--db", from, "--format", "otlp", "--out", file]),
      0,
    );
    assert.equal(
      await run(["import", file, "--db", to, "--format", "otlp"]),
      0,
    );
    assert.equal(
      await run(["import", file, "--db", to, "--format", "otlp"]),
      0,
    );
    await using source = await createPersistence(from);
    await using target = await createPersistence(to);
    assert.deepEqual(await everything(target), await everything(source));
    assert.equal(
      await main(["export", "--db", from, "--format", "csv", "--out", file]),
      2,
    );
  });

  it("a run span sent again adds nothing (the span exporter)", async () => {
    await using store = await BACKENDS[0]![1]();
    const span = (
      spanId: string,
      parent: string | undefined,
      attributes: Record<string, string | number>,
    ) => ({
      name: String(attributes["gen_ai.operation.name"]),
      spanContext: () => ({ traceId: "c".repeat(32), spanId }),
      ...(parent ? { parentSpanContext: { spanId: parent } } : {}),
      startTime: [1_750_000_000, 0] as const,
      endTime: [1_750_000_001, 0] as const,
      status: { code: 0 },
      attributes,
      events: [],
    });
    const spans = [
      span("2".repeat(16), "1".repeat(16), {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "search",
      }),
      span("3".repeat(16), "1".repeat(16), {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 1,
      }),
      span("1".repeat(16), undefined, {
        "gen_ai.operation.name": "invoke_agent",
      }),
    ];
    const warnings: string[] = [];
    for (let i = 0; i < 2; i++) {
      // A new exporter each time: a restarted process retrying a batch.
      const exporter = new CurioSpanExporter(store, {
        onWarning: (kind) => warnings.push(kind),
      });
      const result = await new Promise<{ code: number }>((done) =>
        exporter.export(spans, done)
      );
      assert.equal(result.code, 0);
      await exporter.shutdown();
    }
    assert.deepEqual(warnings, []);
    assert.equal((await store.getAgentRuns()).length, 1);
    assert.equal((await store.getLlmUsage()).length, 1);
    const [run] = await store.getAgentRuns();
    assert.equal((await store.getAgentRunEvents(run!.runId)).length, 2);
  });

  it("imports the spans of other tools, once", async () => {
    await using store = await BACKENDS[0]![1]();
    const attribute = (key: string, value: unknown) => ({
      key,
      value: typeof value === "number"
        ? { intValue: value } // a number, as the transformer writes it
        : { stringValue: value },
    });
    const request = {
      resourceSpans: [{
        scopeSpans: [{
          spans: [{
            traceId: "0af7651916cd43dd8448eb211c80319c",
            spanId: "b7ad6b7169203331",
            parentSpanId: "00f067aa0ba902b7",
            name: "chat gpt-4o",
            startTimeUnixNano: "1750000000000000000",
            endTimeUnixNano: "1750000001500000000",
            attributes: [
              attribute("gen_ai.operation.name", "chat"),
              attribute("gen_ai.provider.name", "openai"),
              attribute("gen_ai.request.model", "gpt-4o"),
              attribute("gen_ai.usage.input_tokens", 100),
              attribute("gen_ai.usage.output_tokens", 20),
            ],
            status: { code: 0 },
          }, {
            traceId: "0af7651916cd43dd8448eb211c80319c",
            spanId: "00f067aa0ba902b7",
            name: "invoke_agent support",
            startTimeUnixNano: "1750000000000000000",
            endTimeUnixNano: "1750000002000000000",
            attributes: [
              attribute("gen_ai.operation.name", "invoke_agent"),
              attribute("gen_ai.agent.name", "support"),
            ],
            status: { code: "STATUS_CODE_ERROR", message: "boom" },
          }],
        }],
      }],
    };
    const lines = [JSON.stringify(request)];
    const first = await importOtlp(store, lines);
    assert.deepEqual(first.added, { runs: 1, events: 1, llmUsage: 1 });
    const runId = "otel-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7";
    const run = await store.getAgentRun(runId);
    assert.equal(run?.status, "error");
    assert.equal(run?.agentName, "support");
    const [call] = await store.getLlmUsage();
    assert.equal(call?.runId, runId);
    assert.equal(call?.inputTokens, 100);
    assert.equal(call?.latencyMs, 1500);
    const again = await importOtlp(store, lines);
    assert.deepEqual(again.added, { runs: 0, events: 0, llmUsage: 0 });
  });

  it("imports another tool's LLM call without a run once, though the store priced it", async () => {
    await using store = await BACKENDS[0]![1]();
    const request = {
      resourceSpans: [{
        scopeSpans: [{
          spans: [{
            traceId: "1af7651916cd43dd8448eb211c80319c",
            spanId: "c7ad6b7169203331",
            name: "chat gpt-4o",
            startTimeUnixNano: "1750000000000000000",
            endTimeUnixNano: "1750000001000000000",
            attributes: [
              { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
              { key: "gen_ai.provider.name", value: { stringValue: "openai" } },
              { key: "gen_ai.request.model", value: { stringValue: "gpt-4o" } },
              { key: "gen_ai.usage.input_tokens", value: { intValue: "100" } },
              { key: "gen_ai.usage.output_tokens", value: { intValue: "50" } },
            ],
            status: { code: 1 },
          }],
        }],
      }],
    };
    const lines = [JSON.stringify(request)];
    assert.deepEqual((await importOtlp(store, lines)).added, {
      runs: 0,
      events: 0,
      llmUsage: 1,
    });
    const [call] = await store.getLlmUsage();
    assert.equal(call?.costSource, "computed");
    assert.deepEqual((await importOtlp(store, lines)).added, {
      runs: 0,
      events: 0,
      llmUsage: 0,
    });
    assert.equal((await store.getLlmUsage()).length, 1);
  });
});

/** OTLP/JSON attributes as plain values. */
function plain(list: OtlpKeyValue[] = []): Record<string, unknown> {
  const value = (v: Record<string, unknown>): unknown => {
    if ("stringValue" in v) return v.stringValue;
    if ("boolValue" in v) return v.boolValue;
    if ("intValue" in v) return Number(v.intValue);
    if ("doubleValue" in v) return v.doubleValue;
    if ("arrayValue" in v) {
      return (v.arrayValue as { values: Record<string, unknown>[] }).values
        .map(value);
    }
    throw new Error(`unexpected value ${JSON.stringify(v)}`);
  };
  return Object.fromEntries(
    list.map(({ key, value: v }) => [key, value(v as Record<string, unknown>)]),
  );
}

function hrTime(nanos: string | number): [number, number] {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

/** The SDK's form of a span, with what the writer wrote. */
function readableSpan(
  span: OtlpSpan,
  where: {
    resource: ReadableSpan["resource"];
    scope: { name: string; version: string };
  },
): ReadableSpan {
  const context = (spanId: string) => ({
    traceId: span.traceId,
    spanId,
    traceFlags: 1,
  });
  const startTime = hrTime(span.startTimeUnixNano);
  const endTime = hrTime(span.endTimeUnixNano);
  return {
    name: span.name,
    kind: span.kind! - 1,
    spanContext: () => context(span.spanId),
    ...(span.parentSpanId
      ? { parentSpanContext: context(span.parentSpanId) }
      : {}),
    startTime,
    endTime,
    status: span.status as ReadableSpan["status"],
    attributes: plain(span.attributes) as ReadableSpan["attributes"],
    links: [],
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      time: hrTime(event.timeUnixNano),
      attributes: plain(event.attributes) as ReadableSpan["attributes"],
    })),
    duration: [0, 0],
    ended: true,
    resource: where.resource,
    instrumentationScope: where.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * The request with what only the SDK writes taken out (dropped counts,
 * flags, empty lists) and integers as the decimal strings of the JSON
 * encoding (the transformer writes numbers).
 */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SDK_ONLY.has(key) || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[key] = key === "intValue" ? String(v) : normalized(v);
  }
  return out;
}

const SDK_ONLY = new Set([
  "droppedAttributesCount",
  "droppedEventsCount",
  "droppedLinksCount",
  "flags",
]);
