/**
 * `curioTelemetry`: an AI SDK telemetry integration that writes every text
 * and object generation as a run, its steps and tool executions as events,
 * and every model call (embeddings and reranking included) as an LLM call.
 *
 * @module
 */

import type { Persistence } from "../persistence.ts";
import type { AgentRunPatch, LlmUsageInput } from "../types.ts";
import {
  inputParamsOf,
  isAbort,
  messageOf,
  milliseconds,
  objectiveOf,
  promptOf,
  providerOf,
  runKeyOf,
  textOf,
  timeOf,
  toJson,
  tokensOf,
} from "./records.ts";
import type {
  AbortEvent,
  EmbedEndEvent,
  EmbedStartEvent,
  LanguageModelCallEndEvent,
  LanguageModelCallStartEvent,
  ObjectStepEndEvent,
  ObjectStepStartEvent,
  OperationEndEvent,
  OperationStartEvent,
  RerankEndEvent,
  RerankStartEvent,
  StepEndEvent,
  StepStartEvent,
  TelemetryEventBase,
  TelemetryIntegration,
  ToolExecutionEndEvent,
  ToolExecutionStartEvent,
} from "./telemetry_shape.ts";
import {
  throttledWarning,
  type WriteContext,
  type WriteErrorHandler,
  WriteQueue,
} from "./write_queue.ts";

/** The store operations the integration uses. */
export type TelemetryStore = Pick<
  Persistence,
  "createAgentRun" | "updateAgentRun" | "logAgentRunEvent" | "logLlmUsage"
>;

/**
 * Options of {@linkcode curioTelemetry}.
 *
 * @example
 * ```ts
 * import type { CurioTelemetryOptions } from "@curio/persistence/ai-sdk";
 *
 * const options: CurioTelemetryOptions = {
 *   agentId: "researcher",
 *   agentName: "Research Agent",
 *   onError: (error, context) => console.error(context.operation, error),
 * };
 * ```
 */
export interface CurioTelemetryOptions {
  /**
   * The agent of every run and LLM call; default the call's
   * `telemetry.functionId`, else `"ai-sdk"`.
   */
  agentId?: string;
  /** The runs' human-readable agent name; default `""`. */
  agentName?: string;
  /**
   * Called with each store write that failed, instead of the default: a
   * console warning at most once a minute. The SDK's call goes on either way.
   */
  onError?: (error: unknown, context: WriteContext) => void;
}

/**
 * The integration {@linkcode curioTelemetry} returns: the AI SDK's
 * `Telemetry` hooks, and `flush()`.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { curioTelemetry, type CurioTelemetry } from "@curio/persistence/ai-sdk";
 *
 * await using store = await createPersistence("memory:");
 * const telemetry: CurioTelemetry = curioTelemetry(store);
 * await telemetry.flush();
 * ```
 */
export interface CurioTelemetry extends TelemetryIntegration {
  /**
   * Resolves when every write started so far has settled: the hooks return
   * at once and write in the background. Call it before closing the store.
   */
  flush(): Promise<void>;
}

/** What is known of a run between its start and its end. */
interface RunState {
  agentId: string;
  runId: string;
  recordInputs: boolean;
  recordOutputs: boolean;
  iterations: number;
  /** The model call in flight: its start, prompt and settings. */
  modelCall?: {
    started: number;
    provider: string;
    model: string;
    prompt: string;
    inputParams: Record<string, unknown> | null;
  };
}

/** Operations that become runs; embeddings and reranking are only calls. */
const RUN_OPERATIONS = new Set([
  "ai.generateText",
  "ai.streamText",
  "ai.generateObject",
  "ai.streamObject",
]);

/**
 * An integration for the Vercel AI SDK (`ai` 7): register it once with
 * `registerTelemetry(curioTelemetry(store))`, or pass it to one call as
 * `telemetry: { integrations: [...] }`, and every `generateText`,
 * `streamText`, `generateObject` or agent call is stored.
 *
 * - Each call is a run (id: the SDK's call id), `running` until it ends
 *   `completed`, `error` (with the message) or `cancelled`.
 * - Each step logs `iteration_started` and `iteration_completed` with
 *   `{ iteration }` (from 1); each tool execution
 *   `action_execution_started` and `action_execution_completed` with
 *   `{ action, args, result, duration_ms }`; a failure `run_error`.
 * - Each model call is an LLM call: provider (the SDK's provider id up to
 *   the first `.`), model, the messages as JSON, the text answered, tokens
 *   with cache and reasoning, latency, `usageMetrics.finish_reason`; its
 *   cost is computed by the store. `embed`, `embedMany` and `rerank` calls
 *   are LLM calls without a run. The SDK's `recordInputs: false` and
 *   `recordOutputs: false` leave prompts, arguments, texts and results out.
 *
 * Nothing of `ai` is imported: the integration only implements the shape of
 * its `Telemetry` interface. A failed write never reaches the SDK's call.
 *
 * @param store Where to write.
 * @param options The agent's id and name, and the handler of failed writes.
 * @returns The integration; `flush()` waits for its writes.
 *
 * @example Store a generateText call
 * ```ts ignore
 * import { generateText, registerTelemetry } from "ai";
 * import { openai } from "@ai-sdk/openai";
 * import { createPersistence } from "@curio/persistence";
 * import { curioTelemetry } from "@curio/persistence/ai-sdk";
 *
 * const store = await createPersistence("sqlite:agent.db");
 * const telemetry = curioTelemetry(store, { agentId: "researcher" });
 * registerTelemetry(telemetry);
 *
 * const { text } = await generateText({
 *   model: openai("gpt-4o-mini"),
 *   prompt: "Summarise today's AI news",
 * });
 * await telemetry.flush();
 * console.log(await store.getAgentRuns({ agentId: "researcher" }));
 * ```
 */
export function curioTelemetry(
  store: TelemetryStore,
  options: CurioTelemetryOptions = {},
): CurioTelemetry {
  const onError: WriteErrorHandler = options.onError ?? throttledWarning();
  const queue = new WriteQueue(onError);
  const agentName = options.agentName ?? "";
  const runs = new Map<string, RunState>();
  const embedStarts = new Map<string, number>();
  const rerankStarts = new Map<string, { started: number; prompt: string }>();

  const agentIdOf = (event: TelemetryEventBase): string =>
    options.agentId ?? (event.functionId || "ai-sdk");

  const write = (
    runId: string | null,
    operation: string,
    action: () => Promise<unknown>,
  ): void => queue.enqueue(runId, { operation, runId }, action);

  const logEvent = (
    run: RunState,
    source: TelemetryEventBase,
    eventType: string,
    data: Record<string, unknown>,
  ): void => {
    const at = timeOf(source);
    write(run.runId, "logAgentRunEvent", () =>
      store.logAgentRunEvent({
        agentId: run.agentId,
        runId: run.runId,
        agentName,
        eventType,
        timestamp: at,
        data,
        createdAt: at,
      }));
  };

  const usage = (runId: string | null, input: LlmUsageInput): void =>
    write(runId, "logLlmUsage", () => store.logLlmUsage(input));

  const finish = (
    event: TelemetryEventBase,
    patch: AgentRunPatch,
  ): RunState | undefined => {
    const key = runKeyOf(event);
    const run = runs.get(key);
    if (!run) return undefined;
    runs.delete(key);
    write(
      run.runId,
      "updateAgentRun",
      () =>
        store.updateAgentRun(run.runId, {
          finishedAt: timeOf(event),
          totalIterations: run.iterations,
          ...patch,
        }),
    );
    return run;
  };

  const modelCallStart = (
    event: TelemetryEventBase,
    provider: string,
    model: string,
    prompt: string,
    inputParams: Record<string, unknown> | null,
  ): void => {
    const run = runs.get(runKeyOf(event));
    if (!run) return;
    run.modelCall = {
      started: timeOf(event).getTime(),
      provider,
      model,
      prompt: event.recordInputs === false ? "" : prompt,
      inputParams,
    };
  };

  /** The LLM call of a run's model call that ended, or of a lone one. */
  const modelCallEnd = (
    event: TelemetryEventBase,
    fields: Omit<LlmUsageInput, "agentId" | "runId" | "createdAt">,
    responseTimeMs?: number,
  ): void => {
    const run = runs.get(runKeyOf(event));
    const call = run?.modelCall;
    if (run) delete run.modelCall;
    const at = timeOf(event);
    usage(run?.runId ?? null, {
      agentId: run?.agentId ?? agentIdOf(event),
      runId: run?.runId ?? null,
      prompt: call?.prompt ?? "",
      inputParams: call?.inputParams ?? null,
      latencyMs: milliseconds(responseTimeMs) ??
        (call ? milliseconds(at.getTime() - call.started) : null),
      createdAt: at,
      ...fields,
    });
  };

  return {
    flush: () => queue.flush(),

    onStart(event: OperationStartEvent): void {
      if (!RUN_OPERATIONS.has(event.operationId)) return;
      const at = timeOf(event);
      const run: RunState = {
        agentId: agentIdOf(event),
        runId: runKeyOf(event),
        recordInputs: event.recordInputs !== false,
        recordOutputs: event.recordOutputs !== false,
        iterations: 0,
      };
      runs.set(run.runId, run);
      const messages = event.messages ??
        (typeof event.prompt === "string"
          ? [{ role: "user", content: event.prompt }]
          : Array.isArray(event.prompt)
          ? event.prompt
          : []);
      write(run.runId, "createAgentRun", () =>
        store.createAgentRun({
          agentId: run.agentId,
          runId: run.runId,
          agentName,
          objective: run.recordInputs ? objectiveOf(messages) : "",
          status: "running",
          startedAt: at,
          metadata: {
            operation: event.operationId,
            provider: event.provider ?? null,
            model: event.modelId ?? null,
            functionId: event.functionId ?? null,
          },
          createdAt: at,
          updatedAt: at,
        }));
    },

    onStepStart(event: StepStartEvent): void {
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      run.iterations = Math.max(run.iterations, event.stepNumber + 1);
      logEvent(run, event, "iteration_started", {
        iteration: event.stepNumber + 1,
      });
    },

    onLanguageModelCallStart(event: LanguageModelCallStartEvent): void {
      modelCallStart(
        event,
        providerOf(event.provider),
        event.modelId,
        promptOf(event.instructions, event.messages),
        inputParamsOf(event),
      );
    },

    onLanguageModelCallEnd(event: LanguageModelCallEndEvent): void {
      modelCallEnd(event, {
        provider: providerOf(event.provider),
        model: event.modelId,
        responseContent: event.recordOutputs === false
          ? null
          : textOf(event.content),
        ...tokensOf(event.usage),
        usageMetrics: { finish_reason: event.finishReason ?? null },
      }, event.performance?.responseTimeMs);
    },

    onToolExecutionStart(event: ToolExecutionStartEvent): void {
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      logEvent(run, event, "action_execution_started", {
        action: event.toolCall.toolName,
        args: run.recordInputs ? event.toolCall.input ?? null : null,
      });
    },

    onToolExecutionEnd(event: ToolExecutionEndEvent): void {
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      const output = event.toolOutput;
      const result = !run.recordOutputs || !output
        ? null
        : output.type === "tool-error"
        ? { error: messageOf(output.error) }
        : output.output ?? null;
      logEvent(run, event, "action_execution_completed", {
        action: event.toolCall.toolName,
        args: run.recordInputs ? event.toolCall.input ?? null : null,
        result,
        duration_ms: milliseconds(event.toolExecutionMs),
      });
    },

    onStepEnd(event: StepEndEvent): void {
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      logEvent(run, event, "iteration_completed", {
        iteration: event.stepNumber + 1,
      });
    },

    onStepError(event: StepStartEvent): void {
      const run = runs.get(runKeyOf(event));
      const call = run?.modelCall;
      if (!run || !call) return;
      modelCallEnd(event, {
        provider: call.provider,
        model: call.model,
        status: "error",
        errorMessage: messageOf(event.error),
      });
    },

    onObjectStepStart(event: ObjectStepStartEvent): void {
      const run = runs.get(runKeyOf(event));
      if (run) run.iterations = 1;
      modelCallStart(
        event,
        providerOf(event.provider),
        event.modelId,
        toJson(event.promptMessages ?? []),
        null,
      );
    },

    onObjectStepEnd(event: ObjectStepEndEvent): void {
      modelCallEnd(event, {
        provider: providerOf(event.provider),
        model: event.modelId,
        responseContent: event.recordOutputs === false
          ? null
          : event.objectText ?? null,
        ...tokensOf(event.usage),
        usageMetrics: { finish_reason: event.finishReason ?? null },
      });
    },

    onEmbedStart(event: EmbedStartEvent): void {
      embedStarts.set(event.embedCallId, timeOf(event).getTime());
    },

    onEmbedEnd(event: EmbedEndEvent): void {
      const started = embedStarts.get(event.embedCallId);
      embedStarts.delete(event.embedCallId);
      const at = timeOf(event);
      const tokens = event.usage?.tokens;
      const known = Number.isSafeInteger(tokens) && tokens! >= 0;
      usage(null, {
        agentId: agentIdOf(event),
        provider: providerOf(event.provider),
        model: event.modelId,
        prompt: event.recordInputs === false ? "" : toJson(event.values ?? []),
        inputTokens: known ? tokens! : null,
        // An embedding has no output: 0 is what it is, not an unknown.
        outputTokens: known ? 0 : null,
        usageMetrics: { operation: "embed" },
        latencyMs: started === undefined
          ? null
          : milliseconds(at.getTime() - started),
        createdAt: at,
      });
    },

    onRerankStart(event: RerankStartEvent): void {
      rerankStarts.set(event.callId, {
        started: timeOf(event).getTime(),
        prompt: event.recordInputs === false ? "" : toJson({
          query: event.query ?? null,
          documents: event.documents ?? [],
          topN: event.topN ?? null,
        }),
      });
    },

    onRerankEnd(event: RerankEndEvent): void {
      const start = rerankStarts.get(event.callId);
      rerankStarts.delete(event.callId);
      const at = timeOf(event);
      usage(null, {
        agentId: agentIdOf(event),
        provider: providerOf(event.provider),
        model: event.modelId,
        prompt: start?.prompt ?? "",
        responseContent: event.recordOutputs === false
          ? null
          : toJson(event.ranking ?? []),
        usageMetrics: { operation: "rerank" },
        latencyMs: start ? milliseconds(at.getTime() - start.started) : null,
        createdAt: at,
      });
    },

    onEnd(event: OperationEndEvent): void {
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      if (event.steps) run.iterations = event.steps.length;
      const output = !run.recordOutputs
        ? null
        : typeof event.text === "string"
        ? event.text
        : event.object !== undefined
        ? toJson(event.object)
        : null;
      finish(event, { status: "completed", finalSynthesisOutput: output });
    },

    onAbort(event: AbortEvent): void {
      const run = runs.get(runKeyOf(event));
      if (run && event.steps) run.iterations = event.steps.length;
      finish(event, { status: "cancelled" });
    },

    onError(error: unknown): void {
      // The SDK passes `{ callId, error }` with its telemetry fields.
      if (typeof error !== "object" || error === null) return;
      const event = error as TelemetryEventBase & { error?: unknown };
      if (typeof event.callId !== "string") return;
      const run = runs.get(runKeyOf(event));
      if (!run) return;
      if (isAbort(event.error)) {
        finish(event, { status: "cancelled" });
        return;
      }
      const message = messageOf(event.error);
      logEvent(run, event, "run_error", { error: message });
      finish(event, { status: "error", errorMessage: message });
    },
  };
}
