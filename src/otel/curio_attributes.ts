/**
 * The attributes of the spans this store writes to OTLP files, both ways:
 * the GenAI conventions carry what they can express, `curio.*` attributes
 * the rest (costs, ids, statuses, times that may be null, JSON fields), so
 * that a run read back is the run written. A span with `curio.run.id` (a
 * run) or `curio.llm.status` (an LLM call) is read from these alone; any
 * other span goes through the general mapping of `attributes.ts`.
 *
 * @module
 */

import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  AgentRunEventInput,
  AgentRunInput,
  LlmUsageInput,
} from "../types.ts";
import { AGENT_RUN_STATUSES, COST_SOURCES } from "../types.ts";
import { objectiveOf, responseOf, text } from "./attributes.ts";
import type { AttributeValue, SpanRecord } from "./span_shape.ts";

type Attributes = Record<string, AttributeValue>;
type ReadAttributes = Readonly<Record<string, AttributeValue>>;

/** Whether a run span was written by this store. */
export function isCurioRun(a: ReadAttributes): boolean {
  return typeof a["curio.run.id"] === "string";
}

/** Whether an LLM call's span was written by this store. */
export function isCurioCall(a: ReadAttributes): boolean {
  return typeof a["curio.llm.status"] === "string";
}

/** Whether a span event is one of this store's run events. */
export function isCurioEvent(a: Readonly<Record<string, unknown>>): boolean {
  return typeof a["curio.event.created_at"] === "string";
}

/** Conventional messages of one text part: `[{ role, parts }]`. */
function messages(role: string, content: string): string {
  return JSON.stringify([{ role, parts: [{ type: "text", content }] }]);
}

/** The text of the first part of the first message, else `null`. */
function firstPart(raw: AttributeValue): string | null {
  if (typeof raw !== "string") return null;
  try {
    const content = JSON.parse(raw)?.[0]?.parts?.[0]?.content;
    return typeof content === "string" ? content : null;
  } catch {
    return null;
  }
}

function set(a: Attributes, key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  a[key] = value instanceof Date
    ? value.toISOString()
    : value as AttributeValue;
}

function setJson(a: Attributes, key: string, value: unknown): void {
  if (value !== null && value !== undefined) a[key] = JSON.stringify(value);
}

/** A string attribute as it is (`""` too), else `null`. */
function str(value: AttributeValue): string | null {
  return typeof value === "string" ? value : null;
}

function int(value: AttributeValue): number | null {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : null;
}

function num(value: AttributeValue): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function date(value: AttributeValue): Date | null {
  if (typeof value !== "string") return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function json(value: AttributeValue): unknown {
  if (typeof value !== "string") return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The attributes of a run's `invoke_agent` span. */
export function runAttributes(run: Omit<AgentRun, "id">): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.id": run.agentId,
  };
  if (run.agentName !== "") a["gen_ai.agent.name"] = run.agentName;
  if (run.objective !== "") {
    a["gen_ai.input.messages"] = messages("user", run.objective);
  }
  if (run.finalSynthesisOutput !== null) {
    a["gen_ai.output.messages"] = messages(
      "assistant",
      run.finalSynthesisOutput,
    );
  }
  a["curio.run.id"] = run.runId;
  a["curio.run.status"] = run.status;
  set(a, "curio.run.error_message", run.errorMessage);
  a["curio.run.total_iterations"] = run.totalIterations;
  set(a, "curio.run.started_at", run.startedAt);
  set(a, "curio.run.finished_at", run.finishedAt);
  set(a, "curio.run.created_at", run.createdAt);
  set(a, "curio.run.updated_at", run.updatedAt);
  setJson(a, "curio.run.additional_context", run.additionalContext);
  setJson(a, "curio.run.execution_history", run.executionHistory);
  setJson(a, "curio.run.metadata", run.metadata);
  return a;
}

/** The run a span of {@linkcode runAttributes} describes. */
export function curioRunInput(span: SpanRecord): AgentRunInput {
  const a = span.attributes;
  const status = AGENT_RUN_STATUSES.find((s) => s === a["curio.run.status"]);
  return {
    agentId: text(a["gen_ai.agent.id"]) ?? "otel",
    runId: a["curio.run.id"] as string,
    agentName: str(a["gen_ai.agent.name"]) ?? "",
    objective: objectiveOf(a),
    additionalContext: json(a["curio.run.additional_context"]),
    startedAt: date(a["curio.run.started_at"]),
    finishedAt: date(a["curio.run.finished_at"]),
    totalIterations: int(a["curio.run.total_iterations"]) ?? 0,
    finalSynthesisOutput: responseOf(a),
    executionHistory: json(a["curio.run.execution_history"]),
    status: status ?? (span.statusCode === 2 ? "error" : "completed"),
    errorMessage: str(a["curio.run.error_message"]),
    metadata: json(a["curio.run.metadata"]),
    createdAt: date(a["curio.run.created_at"]) ??
      new Date(Math.floor(span.startMs)),
    updatedAt: date(a["curio.run.updated_at"]) ??
      new Date(Math.floor(span.endMs)),
  };
}

/** The attributes of a run event as a span event of its run's span. */
export function eventAttributes(
  event: Omit<AgentRunEvent, "id">,
  runAgentId: string,
): Attributes {
  const a: Attributes = {};
  if (event.agentId !== runAgentId) a["curio.event.agent_id"] = event.agentId;
  if (event.agentName !== "") a["curio.event.agent_name"] = event.agentName;
  setJson(a, "curio.event.data", event.data);
  set(a, "curio.event.created_at", event.createdAt);
  return a;
}

/** The run event a span event of {@linkcode eventAttributes} describes. */
export function curioEventInput(
  event: SpanRecord["events"][number],
  run: { runId: string; agentId: string },
): AgentRunEventInput {
  const a = event.attributes as ReadAttributes;
  return {
    agentId: text(a["curio.event.agent_id"]) ?? run.agentId,
    runId: run.runId,
    agentName: str(a["curio.event.agent_name"]) ?? "",
    eventType: event.name,
    timestamp: new Date(Math.floor(event.timeMs)),
    data: json(a["curio.event.data"]),
    createdAt: date(a["curio.event.created_at"]) ??
      new Date(Math.floor(event.timeMs)),
  };
}

/** Request parameters the conventions name, by the stored name. */
const REQUEST_PARAMETERS: readonly [string, string][] = [
  ["temperature", "gen_ai.request.temperature"],
  ["maxOutputTokens", "gen_ai.request.max_tokens"],
  ["max_tokens", "gen_ai.request.max_tokens"],
  ["topP", "gen_ai.request.top_p"],
  ["top_p", "gen_ai.request.top_p"],
  ["topK", "gen_ai.request.top_k"],
  ["presencePenalty", "gen_ai.request.presence_penalty"],
  ["frequencyPenalty", "gen_ai.request.frequency_penalty"],
  ["seed", "gen_ai.request.seed"],
];

/**
 * The attributes of an LLM call's `chat` span. `runId` is written only when
 * the span is not under the span of its run.
 */
export function callAttributes(
  call: Omit<AgentLlmUsage, "id">,
  { underRun }: { underRun: boolean },
): Attributes {
  const a: Attributes = { "gen_ai.operation.name": "chat" };
  if (call.provider !== "") a["gen_ai.provider.name"] = call.provider;
  if (call.model !== "") a["gen_ai.request.model"] = call.model;
  set(a, "gen_ai.usage.input_tokens", call.inputTokens);
  set(a, "gen_ai.usage.output_tokens", call.outputTokens);
  set(a, "gen_ai.usage.cache_read.input_tokens", call.cacheReadTokens);
  set(a, "gen_ai.usage.cache_creation.input_tokens", call.cacheWriteTokens);
  set(a, "gen_ai.usage.reasoning.output_tokens", call.reasoningTokens);
  const params = call.inputParams;
  if (params !== null && typeof params === "object" && !Array.isArray(params)) {
    for (const [name, attribute] of REQUEST_PARAMETERS) {
      const value = params[name];
      if (typeof value === "number") a[attribute] = value;
    }
  }
  const metrics = call.usageMetrics;
  const finish = metrics !== null && typeof metrics === "object" &&
      !Array.isArray(metrics)
    ? metrics.finish_reason
    : undefined;
  if (typeof finish === "string") {
    a["gen_ai.response.finish_reasons"] = [finish];
  }
  if (call.prompt !== "") {
    // A prompt that is a list (of messages) goes as it is; plain text as
    // the one part of a user message.
    if (isJsonArray(call.prompt)) a["gen_ai.input.messages"] = call.prompt;
    else {
      a["gen_ai.input.messages"] = messages("user", call.prompt);
      a["curio.llm.prompt_format"] = "text";
    }
  }
  if (call.responseContent !== null) {
    a["gen_ai.output.messages"] = messages("assistant", call.responseContent);
  }
  a["curio.llm.status"] = call.status;
  set(a, "curio.llm.error_message", call.errorMessage);
  set(a, "curio.llm.agent_id", call.agentId);
  if (!underRun) set(a, "curio.llm.run_id", call.runId);
  a["curio.llm.prompt_length"] = call.promptLength;
  set(a, "curio.llm.response_length", call.responseLength);
  set(a, "curio.llm.latency_ms", call.latencyMs);
  setJson(a, "curio.llm.input_params", call.inputParams);
  setJson(a, "curio.llm.usage_metrics", call.usageMetrics);
  if (call.costUsd !== null) a["curio.llm.cost_usd"] = call.costUsd;
  set(a, "curio.llm.cost_source", call.costSource);
  return a;
}

function isJsonArray(textValue: string): boolean {
  if (!textValue.startsWith("[")) return false;
  try {
    return Array.isArray(JSON.parse(textValue));
  } catch {
    return false;
  }
}

/**
 * The LLM call a span of {@linkcode callAttributes} describes; `runId` is
 * that of the run span above it, if any.
 */
export function curioUsageInput(
  span: SpanRecord,
  runId: string | null,
): LlmUsageInput {
  const a = span.attributes;
  const prompt = a["curio.llm.prompt_format"] === "text"
    ? firstPart(a["gen_ai.input.messages"])
    : str(a["gen_ai.input.messages"]);
  const costSource = COST_SOURCES.find((s) => s === a["curio.llm.cost_source"]);
  return {
    agentId: str(a["curio.llm.agent_id"]),
    runId: str(a["curio.llm.run_id"]) ?? runId,
    provider: str(a["gen_ai.provider.name"]) ?? "",
    model: str(a["gen_ai.request.model"]) ?? "",
    prompt: prompt ?? "",
    ...(int(a["curio.llm.prompt_length"]) === null
      ? {}
      : { promptLength: int(a["curio.llm.prompt_length"])! }),
    inputParams: json(a["curio.llm.input_params"]),
    inputTokens: int(a["gen_ai.usage.input_tokens"]),
    outputTokens: int(a["gen_ai.usage.output_tokens"]),
    cacheReadTokens: int(a["gen_ai.usage.cache_read.input_tokens"]),
    cacheWriteTokens: int(a["gen_ai.usage.cache_creation.input_tokens"]),
    reasoningTokens: int(a["gen_ai.usage.reasoning.output_tokens"]),
    responseContent: firstPart(a["gen_ai.output.messages"]),
    responseLength: int(a["curio.llm.response_length"]),
    usageMetrics: json(a["curio.llm.usage_metrics"]),
    status: a["curio.llm.status"] === "error" ? "error" : "success",
    errorMessage: str(a["curio.llm.error_message"]),
    latencyMs: int(a["curio.llm.latency_ms"]),
    createdAt: new Date(Math.floor(span.endMs)),
    costUsd: num(a["curio.llm.cost_usd"]),
    costSource: costSource ?? null,
  };
}
