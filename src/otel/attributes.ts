/**
 * What a GenAI span means, read from the attribute families in use: the
 * current OpenTelemetry GenAI conventions (`gen_ai.*`), their older forms
 * (`gen_ai.system`, `gen_ai.prompt`, `gen_ai.completion`), the AI SDK's own
 * (`ai.*`), OpenInference (`llm.*`, `openinference.span.kind`) and
 * Traceloop/OpenLLMetry (`traceloop.*`). The README lists the mapping
 * attribute by attribute. A missing attribute is `null`, never 0.
 *
 * @module
 */

import { normalizeUsage } from "../normalize_usage.ts";
import type { AttributeValue, SpanRecord } from "./span_shape.ts";

/** What a span is to this store. */
export type SpanRole =
  | "model"
  | "run"
  | "step"
  | "tool"
  /** GenAI, but nothing stored (an embedding job, a retriever, …). */
  | "other"
  /** Not GenAI at all. */
  | "none";

type Attributes = Readonly<Record<string, AttributeValue>>;

const MODEL_OPERATIONS = new Set([
  "chat",
  "text_completion",
  "generate_content",
  "embeddings",
]);
const RUN_OPERATIONS = new Set(["invoke_agent", "invoke_workflow"]);
const OTHER_OPERATIONS = new Set(["create_agent", "retrieval"]);
const AI_SDK_RUNS = new Set([
  "ai.generateText",
  "ai.streamText",
  "ai.generateObject",
  "ai.streamObject",
]);
const AI_SDK_MODEL_CALL = /^ai\.\w+\.do(Generate|Stream|Embed)$/;

/** The span's role, or a reason it cannot have one (an unknown operation). */
export function roleOf(span: SpanRecord): SpanRole | { unknown: string } {
  const a = span.attributes;
  const operation = text(a["gen_ai.operation.name"]);
  const openInference = text(a["openinference.span.kind"])?.toUpperCase();
  const traceloop = text(a["traceloop.span.kind"])?.toLowerCase();
  const aiOperation = text(a["ai.operationId"]);
  if (operation !== null) {
    if (MODEL_OPERATIONS.has(operation)) return "model";
    if (RUN_OPERATIONS.has(operation)) return "run";
    if (operation === "agent_step") return "step";
    if (operation === "execute_tool") return "tool";
    if (OTHER_OPERATIONS.has(operation)) return "other";
    return { unknown: `gen_ai.operation.name "${operation}"` };
  }
  if (openInference !== undefined) {
    if (openInference === "LLM" || openInference === "EMBEDDING") {
      return "model";
    }
    if (openInference === "TOOL") return "tool";
    if (openInference === "AGENT" || openInference === "CHAIN") {
      return span.parentSpanId === null ? "run" : "other";
    }
    return "other";
  }
  if (aiOperation !== null) {
    if (AI_SDK_RUNS.has(aiOperation)) return "run";
    if (AI_SDK_MODEL_CALL.test(aiOperation)) return "model";
    if (aiOperation === "ai.toolCall") return "tool";
    return "other";
  }
  if (traceloop !== undefined) {
    if (traceloop === "workflow") return "run";
    if (traceloop === "agent") {
      return span.parentSpanId === null ? "run" : "other";
    }
    if (traceloop === "tool") return "tool";
    return "other";
  }
  // OpenLLMetry's model spans carry the older conventions only.
  if (text(a["llm.request.type"]) !== null && text(a["gen_ai.system"])) {
    return "model";
  }
  return "none";
}

/** A non-empty string attribute, or `null`. */
export function text(value: AttributeValue): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The first non-empty string among the attributes `names`. */
export function firstText(
  a: Attributes,
  names: readonly string[],
): string | null {
  for (const name of names) {
    const value = text(a[name]);
    if (value !== null) return value;
  }
  return null;
}

/** Token counts, by count: each family's attribute names, first wins. */
const TOKEN_ATTRIBUTES = {
  "gen_ai.usage.input_tokens": [
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "ai.usage.inputTokens",
    "ai.usage.promptTokens",
  ],
  "gen_ai.usage.output_tokens": [
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "ai.usage.outputTokens",
    "ai.usage.completionTokens",
  ],
  "gen_ai.usage.cache_read.input_tokens": [
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "ai.usage.cachedInputTokens",
    "ai.usage.inputTokenDetails.cacheReadTokens",
  ],
  "gen_ai.usage.cache_creation.input_tokens": [
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "ai.usage.inputTokenDetails.cacheWriteTokens",
  ],
  "gen_ai.usage.reasoning.output_tokens": [
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
    "ai.usage.reasoningTokens",
    "ai.usage.outputTokenDetails.reasoningTokens",
  ],
} as const;

/** The token columns of a span; `malformed` when a count was given badly. */
export function tokensOf(a: Attributes): {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  malformed: boolean;
  any: boolean;
} {
  const mapped: Record<string, unknown> = {};
  let malformed = false;
  let any = false;
  for (const [target, names] of Object.entries(TOKEN_ATTRIBUTES)) {
    const name = names.find((n) => a[n] !== undefined && a[n] !== null);
    if (name === undefined) continue;
    any = true;
    let value: unknown = a[name];
    // Some exporters send counts as strings.
    if (typeof value === "string" && /^\d+$/.test(value)) value = Number(value);
    if (!Number.isSafeInteger(value) || (value as number) < 0) malformed = true;
    mapped[target] = value;
  }
  const { model: _, ...tokens } = normalizeUsage("otel", mapped);
  return { ...tokens, malformed, any };
}

/** The provider: up to the first `.` (`openai.chat` is `openai`). */
export function providerOf(a: Attributes): string {
  const provider = firstText(a, [
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "llm.system",
    "ai.model.provider",
  ]);
  return provider === null ? "" : provider.split(".")[0]!;
}

/** The model: the response's (the request's may be an alias), else the request's. */
export function modelOf(a: Attributes): string {
  return firstText(a, [
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "ai.response.model",
    "ai.model.id",
  ]) ?? "";
}

/**
 * Values of flattened lists such as `gen_ai.prompt.0.role`,
 * `gen_ai.prompt.0.content` as objects, in index order; `null` when none.
 */
function flattened(a: Attributes, prefix: string): unknown[] | null {
  const items: Record<string, unknown>[] = [];
  const pattern = new RegExp(
    `^${prefix.replaceAll(".", "\\.")}\\.(\\d+)\\.(.+)$`,
  );
  for (const [key, value] of Object.entries(a)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    if (index > 10_000) continue;
    (items[index] ??= {})[match[2]!] = value;
  }
  const list = items.filter((item) => item !== undefined);
  return list.length ? list : null;
}

/** The prompt as stored: the messages sent, as JSON text. */
export function promptOf(a: Attributes): string {
  const direct = firstText(a, [
    "gen_ai.input.messages",
    "gen_ai.prompt",
    "ai.prompt.messages",
    "ai.prompt",
    "input.value",
    "traceloop.entity.input",
  ]);
  if (direct !== null) return direct;
  const list = flattened(a, "gen_ai.prompt") ??
    flattened(a, "llm.input_messages");
  return list ? JSON.stringify(list) : "";
}

/** The text parts of conventional output messages, or the raw text. */
function textOfMessages(raw: string): string {
  try {
    const messages = JSON.parse(raw);
    if (!Array.isArray(messages)) return raw;
    const texts: string[] = [];
    for (const message of messages) {
      for (const part of message?.parts ?? []) {
        if (part?.type === "text") texts.push(String(part.content ?? ""));
      }
    }
    return texts.join("");
  } catch {
    return raw;
  }
}

/** The response's text, or `null` when the span does not carry it. */
export function responseOf(a: Attributes): string | null {
  const output = text(a["gen_ai.output.messages"]);
  if (output !== null) return textOfMessages(output);
  const direct = firstText(a, [
    "gen_ai.completion",
    "ai.response.text",
    "ai.response.object",
    "output.value",
    "traceloop.entity.output",
  ]);
  if (direct !== null) return direct;
  const list = flattened(a, "gen_ai.completion") ??
    flattened(a, "llm.output_messages");
  if (!list) return null;
  return list.map((item) =>
    String(
      (item as Record<string, unknown>).content ??
        (item as Record<string, unknown>)["message.content"] ?? "",
    )
  ).join("");
}

/** The first finish reason, or `null`. */
export function finishReasonOf(a: Attributes): string | null {
  const reasons = a["gen_ai.response.finish_reasons"] ??
    a["ai.response.finishReason"];
  if (Array.isArray(reasons)) return text(reasons[0] ?? null);
  return text(reasons as AttributeValue);
}

const REQUEST_PARAMETERS: readonly [string, string][] = [
  ["gen_ai.request.temperature", "temperature"],
  ["gen_ai.request.max_tokens", "maxOutputTokens"],
  ["gen_ai.request.top_p", "topP"],
  ["gen_ai.request.top_k", "topK"],
  ["gen_ai.request.presence_penalty", "presencePenalty"],
  ["gen_ai.request.frequency_penalty", "frequencyPenalty"],
  ["gen_ai.request.stop_sequences", "stopSequences"],
  ["gen_ai.request.seed", "seed"],
];

/** The request's settings, or `null` when none. */
export function inputParamsOf(a: Attributes): Record<string, unknown> | null {
  const params: Record<string, unknown> = {};
  for (const [attribute, name] of REQUEST_PARAMETERS) {
    if (a[attribute] !== undefined && a[attribute] !== null) {
      params[name] = a[attribute];
    }
  }
  const invocation = text(a["llm.invocation_parameters"]);
  if (invocation !== null) {
    try {
      Object.assign(params, JSON.parse(invocation));
    } catch { /* not JSON: nothing to add */ }
  }
  return Object.keys(params).length ? params : null;
}

/** JSON text parsed, else the text itself; `null` when absent. */
export function parsed(value: AttributeValue): unknown {
  if (typeof value !== "string") return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** A tool span's name, arguments and result. */
export function toolOf(
  span: SpanRecord,
): { action: string; args: unknown; result: unknown } {
  const a = span.attributes;
  return {
    action: firstText(a, [
      "gen_ai.tool.name",
      "tool.name",
      "ai.toolCall.name",
      "traceloop.entity.name",
    ]) ?? span.name,
    args: parsed(
      a["gen_ai.tool.call.arguments"] ?? a["ai.toolCall.args"] ??
        a["input.value"] ?? a["traceloop.entity.input"],
    ),
    result: parsed(
      a["gen_ai.tool.call.result"] ?? a["ai.toolCall.result"] ??
        a["output.value"] ?? a["traceloop.entity.output"],
    ),
  };
}

/** Why the span failed: its status message, an exception, `error.type`. */
export function errorOf(span: SpanRecord): string | null {
  if (span.statusCode !== 2) return null;
  const exception = span.events.find((e) => e.name === "exception");
  const message = exception?.attributes["exception.message"];
  return span.statusMessage ??
    (typeof message === "string" ? message : null) ??
    text(span.attributes["error.type"]) ?? "error";
}

/** The text of the first user message of conventional input messages. */
export function objectiveOf(a: Attributes): string {
  const raw = firstText(a, ["gen_ai.input.messages", "input.value"]);
  if (raw === null) return "";
  try {
    const messages = JSON.parse(raw);
    if (!Array.isArray(messages)) return raw;
    const user = messages.find((m) => m?.role === "user");
    if (!user) return "";
    if (typeof user.content === "string") return user.content;
    return (user.parts ?? [])
      .filter((p: { type?: string }) => p?.type === "text")
      .map((p: { content?: unknown }) => String(p.content ?? ""))
      .join("");
  } catch {
    return raw;
  }
}
