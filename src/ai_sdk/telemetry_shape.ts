/**
 * The part of the Vercel AI SDK's (`ai`, version 7) `Telemetry` interface that
 * this integration implements, declared here so that nothing of `ai` is
 * imported at run time: JSR would otherwise install it for every user.
 *
 * Each event type lists only the fields read, as optional and loosely typed
 * as the SDK allows: a hook whose parameter is wider than the SDK's event
 * still fits the SDK's `Telemetry`, and an SDK that leaves a field out does
 * not break the integration.
 *
 * @module
 */

/** Fields the SDK adds to every event it hands an integration. */
export interface TelemetryEventBase {
  /** The SDK's id of the whole call (`generateText`, `embed`, …). */
  readonly callId: string;
  /** `false` when the caller asked not to record inputs. */
  readonly recordInputs?: boolean | undefined;
  /** `false` when the caller asked not to record outputs. */
  readonly recordOutputs?: boolean | undefined;
  /** The caller's `telemetry.functionId`. */
  readonly functionId?: string | undefined;
  /** When the event happened (ms since the epoch), when reported later. */
  readonly timestamp?: number | undefined;
  /** Set for the events of a durable run. */
  readonly durableContext?: {
    /** The durable run's tracing identity. */
    readonly run: { readonly traceId: string; readonly rootSpanId: string };
  } | undefined;
}

/** `onStart`: an operation (text, object, embedding, reranking, …) begins. */
export interface OperationStartEvent extends TelemetryEventBase {
  /** `ai.generateText`, `ai.streamText`, `ai.generateObject`, `ai.embed`, … */
  readonly operationId: string;
  /** The provider id, such as `openai.chat`. */
  readonly provider?: string | undefined;
  /** The model id. */
  readonly modelId?: string | undefined;
  /** The messages of the call (text generation). */
  readonly messages?: readonly unknown[] | undefined;
  /** The prompt of an object generation. */
  readonly prompt?: unknown;
}

/** `onStepStart`, `onStepError`: a step of a text generation. */
export interface StepStartEvent extends TelemetryEventBase {
  /** Zero-based. */
  readonly stepNumber: number;
  /** Only on `onStepError`: why the step failed. */
  readonly error?: unknown;
}

/** The AI SDK's token usage of a language model call. */
export interface LanguageModelUsageShape {
  /** All input tokens, cache included. */
  readonly inputTokens?: number | undefined;
  /** What of the input was cached. */
  readonly inputTokenDetails?: {
    /** Input read from the prompt cache. */
    readonly cacheReadTokens?: number | undefined;
    /** Input written to the prompt cache. */
    readonly cacheWriteTokens?: number | undefined;
  } | undefined;
  /** All output tokens, reasoning included. */
  readonly outputTokens?: number | undefined;
  /** What of the output was reasoning. */
  readonly outputTokenDetails?: {
    /** Output spent on reasoning. */
    readonly reasoningTokens?: number | undefined;
  } | undefined;
}

/** `onLanguageModelCallStart`. */
export interface LanguageModelCallStartEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** Instructions (the system prompt): a string or system messages. */
  readonly instructions?: unknown;
  /** The messages sent. */
  readonly messages?: readonly unknown[] | undefined;
  /** The caller's setting. */
  readonly maxOutputTokens?: number | undefined;
  /** The caller's setting. */
  readonly temperature?: number | undefined;
  /** The caller's setting. */
  readonly topP?: number | undefined;
  /** The caller's setting. */
  readonly topK?: number | undefined;
  /** The caller's setting. */
  readonly presencePenalty?: number | undefined;
  /** The caller's setting. */
  readonly frequencyPenalty?: number | undefined;
  /** The caller's setting. */
  readonly stopSequences?: readonly string[] | undefined;
  /** The caller's setting. */
  readonly seed?: number | undefined;
}

/** `onLanguageModelCallEnd`. */
export interface LanguageModelCallEndEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** Why the model stopped: `stop`, `tool-calls`, `length`, … */
  readonly finishReason?: string | undefined;
  /** The tokens the call used. */
  readonly usage?: LanguageModelUsageShape | undefined;
  /** The parts the model answered (text, tool calls, …). */
  readonly content?: readonly unknown[] | undefined;
  /** Timings; `responseTimeMs` is the latency. */
  readonly performance?: { readonly responseTimeMs?: number } | undefined;
}

/** `onStepEnd`: a step's result. */
export interface StepEndEvent extends TelemetryEventBase {
  /** The step, from 0. */
  readonly stepNumber: number;
}

/** `onObjectStepStart`: the model call of `generateObject`. */
export interface ObjectStepStartEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** The messages sent. */
  readonly promptMessages?: readonly unknown[] | undefined;
}

/** `onObjectStepEnd`: the model call of `generateObject` ended. */
export interface ObjectStepEndEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** Why the model stopped: `stop`, `tool-calls`, `length`, … */
  readonly finishReason?: string | undefined;
  /** The tokens the call used. */
  readonly usage?: LanguageModelUsageShape | undefined;
  /** The raw text the model answered. */
  readonly objectText?: string | undefined;
}

/** A tool call as the SDK reports it. */
export interface ToolCallShape {
  /** The id the model gave the call. */
  readonly toolCallId: string;
  /** The tool called. */
  readonly toolName: string;
  /** The arguments. */
  readonly input?: unknown;
}

/** `onToolExecutionStart`. */
export interface ToolExecutionStartEvent extends TelemetryEventBase {
  /** The call. */
  readonly toolCall: ToolCallShape;
}

/** `onToolExecutionEnd`. */
export interface ToolExecutionEndEvent extends TelemetryEventBase {
  /** The call. */
  readonly toolCall: ToolCallShape;
  /** How long the tool ran. */
  readonly toolExecutionMs?: number | undefined;
  /** The result (`tool-result`, `output`) or failure (`tool-error`, `error`). */
  readonly toolOutput?: {
    /** `tool-result` or `tool-error`. */
    readonly type: string;
    /** The result. */
    readonly output?: unknown;
    /** The error. */
    readonly error?: unknown;
  } | undefined;
}

/** `onEmbedStart`: one embedding model call (`doEmbed`). */
export interface EmbedStartEvent extends TelemetryEventBase {
  /** The id of this model call within the operation. */
  readonly embedCallId: string;
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** The values embedded. */
  readonly values?: readonly string[] | undefined;
}

/** `onEmbedEnd`. */
export interface EmbedEndEvent extends EmbedStartEvent {
  /** The input tokens. */
  readonly usage?: { readonly tokens?: number | undefined } | undefined;
}

/** `onRerankStart`: the reranking model call (`doRerank`). */
export interface RerankStartEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** The query. */
  readonly query?: string | undefined;
  /** The documents ranked. */
  readonly documents?: readonly unknown[] | undefined;
  /** How many to keep. */
  readonly topN?: number | undefined;
}

/** `onRerankEnd`. */
export interface RerankEndEvent extends TelemetryEventBase {
  /** The provider id, such as `openai.chat`. */
  readonly provider: string;
  /** The model id. */
  readonly modelId: string;
  /** The ranking. */
  readonly ranking?: readonly unknown[] | undefined;
}

/** `onEnd`: an operation ended. */
export interface OperationEndEvent extends TelemetryEventBase {
  /** Text generation: every step. */
  readonly steps?: readonly unknown[] | undefined;
  /** Text generation: the final step's text. */
  readonly text?: string | undefined;
  /** Object generation: the object. */
  readonly object?: unknown;
}

/** `onAbort`: a streamed text generation was aborted. */
export interface AbortEvent extends TelemetryEventBase {
  /** The steps that finished before the abort. */
  readonly steps?: readonly unknown[] | undefined;
  /** Why, when the signal says. */
  readonly reason?: unknown;
}

/**
 * The hooks of the AI SDK's `Telemetry` interface that the integration
 * implements. Pass it to `registerTelemetry(...)` or to a call's
 * `telemetry: { integrations }`.
 */
export interface TelemetryIntegration {
  /** The SDK's `onStart` hook. */
  onStart(event: OperationStartEvent): void;
  /** The SDK's `onStepStart` hook. */
  onStepStart(event: StepStartEvent): void;
  /** The SDK's `onLanguageModelCallStart` hook. */
  onLanguageModelCallStart(event: LanguageModelCallStartEvent): void;
  /** The SDK's `onLanguageModelCallEnd` hook. */
  onLanguageModelCallEnd(event: LanguageModelCallEndEvent): void;
  /** The SDK's `onToolExecutionStart` hook. */
  onToolExecutionStart(event: ToolExecutionStartEvent): void;
  /** The SDK's `onToolExecutionEnd` hook. */
  onToolExecutionEnd(event: ToolExecutionEndEvent): void;
  /** The SDK's `onStepEnd` hook. */
  onStepEnd(event: StepEndEvent): void;
  /** The SDK's `onStepError` hook. */
  onStepError(event: StepStartEvent): void;
  /** The SDK's `onObjectStepStart` hook. */
  onObjectStepStart(event: ObjectStepStartEvent): void;
  /** The SDK's `onObjectStepEnd` hook. */
  onObjectStepEnd(event: ObjectStepEndEvent): void;
  /** The SDK's `onEmbedStart` hook. */
  onEmbedStart(event: EmbedStartEvent): void;
  /** The SDK's `onEmbedEnd` hook. */
  onEmbedEnd(event: EmbedEndEvent): void;
  /** The SDK's `onRerankStart` hook. */
  onRerankStart(event: RerankStartEvent): void;
  /** The SDK's `onRerankEnd` hook. */
  onRerankEnd(event: RerankEndEvent): void;
  /** The SDK's `onEnd` hook. */
  onEnd(event: OperationEndEvent): void;
  /** The SDK's `onAbort` hook. */
  onAbort(event: AbortEvent): void;
  /** The SDK's `onError` hook. */
  onError(error: unknown): void;
}
