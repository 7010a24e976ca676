/**
 * Turns GenAI spans into runs, events and LLM calls. Children end (and are
 * exported) before their parents, so a span's run is only known once the
 * spans above it have arrived: until then it is held, and after 30 s, or at
 * `flush`, it is stored without a run.
 *
 * A run is the nearest run span above a span (`invoke_agent`, an AI SDK
 * `ai.generateText`, an OpenInference `AGENT` root, …), with the id
 * `otel-<traceId>-<spanId>`. Told of spans as they start (a span
 * processor), it knows every span's parent before any of them ends, and
 * creates a run `running` when its run span starts, to complete it when that
 * span ends. Told only of ended spans (an exporter), it creates the run when
 * the run span arrives, completed, with the spans that refer to it.
 *
 * @module
 */

import { DuplicateRunError } from "../errors.ts";
import type { Persistence } from "../persistence.ts";
import type { LlmUsageInput } from "../types.ts";
import {
  errorOf,
  finishReasonOf,
  firstText,
  inputParamsOf,
  modelOf,
  objectiveOf,
  promptOf,
  providerOf,
  responseOf,
  roleOf,
  type SpanRole,
  tokensOf,
  toolOf,
} from "./attributes.ts";
import {
  curioEventInput,
  curioRunInput,
  curioUsageInput,
  isCurioCall,
  isCurioEvent,
  isCurioRun,
} from "./curio_attributes.ts";
import type { AttributeValue, SpanRecord } from "./span_shape.ts";

/** The store operations the exporter uses. */
export type SpanStore = Pick<
  Persistence,
  | "createAgentRun"
  | "updateAgentRun"
  | "logAgentRunEvent"
  | "logAgentRunEvents"
  | "logLlmUsage"
>;

/** Options of the span ingestion (and of the exporter). */
export interface SpanIngestOptions {
  /** The agent of runs whose spans name none; default `"otel"`. */
  agentId?: string;
  /** How long a span of unknown ancestry is held; default 30 000 ms. */
  holdMs?: number;
  /**
   * Called once per kind of problem (`unknown operation`, `malformed
   * token count`, `store write failed`, …) with an example; default a
   * console warning.
   */
  onWarning?: (kind: string, message: string) => void;
}

/** Longer texts are cut: a prompt of megabytes is a mistake, not a record. */
const MAX_TEXT = 1_000_000;
/** Spans remembered for their children's ancestry. */
const MAX_KNOWN = 100_000;

interface Known {
  parentSpanId: string | null;
  role: SpanRole;
  span: SpanRecord | null;
  /**
   * Seen at its start only: it has not ended, and attributes set after its
   * start may still give it a role.
   */
  open: boolean;
  /**
   * An open span of no role yet: as it started, and its attributes as they
   * are now (instrumentations often set the kind just after the start).
   */
  live?: { start: SpanRecord; attributes: () => Attributes };
}

type Attributes = Readonly<Record<string, AttributeValue>>;

interface Held {
  span: SpanRecord;
  role: SpanRole;
  arrived: number;
}

interface RunState {
  created: boolean;
  /** Stored before this ingestion saw it: its spans are not written again. */
  existing: boolean;
  hasModel: boolean;
  steps: number;
  /** The agent it was created for. */
  agentId: string;
  /** Settles once the run's creation is written: its rows wait for it. */
  ready: Promise<boolean>;
  /** Created `running` at its start: the run span's end completes it. */
  running: boolean;
}

const newRunState = (): RunState => ({
  created: false,
  existing: false,
  hasModel: false,
  steps: 0,
  agentId: "",
  ready: Promise.resolve(true),
  running: false,
});

const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;

/** The roles of spans that become records. */
const STORED: ReadonlySet<SpanRole> = new Set(["model", "run", "step", "tool"]);

/** Runs, events and LLM calls from spans, for a store. */
export class SpanIngest {
  readonly #store: SpanStore;
  readonly #agentId: string;
  readonly #holdMs: number;
  readonly #onWarning: (kind: string, message: string) => void;
  readonly #warned = new Set<string>();
  readonly #known = new Map<string, Known>();
  #held: Held[] = [];
  readonly #runs = new Map<string, RunState>();
  #existingRuns = 0;

  constructor(store: SpanStore, options: SpanIngestOptions = {}) {
    this.#store = store;
    this.#agentId = options.agentId ?? "otel";
    this.#holdMs = options.holdMs ?? 30_000;
    this.#onWarning = options.onWarning ??
      ((kind, message) =>
        console.warn(`@curio/persistence otel (${kind}): ${message}`));
  }

  /** Runs found stored already, their spans skipped. */
  get existingRuns(): number {
    return this.#existingRuns;
  }

  /** Whether spans wait for their ancestors. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  /** Warns once per kind. */
  warn(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    try {
      this.#onWarning(kind, message);
    } catch { /* the handler's failure is not the exporter's */ }
  }

  /**
   * A span that has just started (its `endMs` unknown): its parent link is
   * kept, so that its descendants' run is known when they end; a run span's
   * run is created `running` at once. `attributes` reads the span's
   * attributes as they are later, for a span that names its kind after its
   * start. Returns the run's creation (`false` when it failed; it never
   * rejects), or `undefined` when there is nothing to write.
   */
  started(
    span: SpanRecord,
    attributes?: () => Attributes,
  ): Promise<boolean> | undefined {
    try {
      checkIds(span);
      const k = key(span.traceId, span.spanId);
      if (this.#known.has(k)) return undefined;
      const found = roleOf(span);
      const role = typeof found === "string" ? found : "other";
      this.#remember(k, {
        parentSpanId: span.parentSpanId,
        role,
        span: role === "run" ? span : null,
        open: true,
        ...(role === "none" && attributes
          ? { live: { start: span, attributes } }
          : {}),
      });
      // A run this store exported comes from a file, whole, never live.
      if (role !== "run" || isCurioRun(span.attributes)) return undefined;
      return this.#createRunning(span);
    } catch (error) {
      this.warn("malformed span", `a span was skipped: ${error}`);
      return undefined;
    }
  }

  /** Creates the run of a run span that has not ended, `running`. */
  #createRunning(span: SpanRecord): Promise<boolean> | undefined {
    const runId = runIdOf(span);
    if (this.#runs.has(runId)) return undefined;
    const state = newRunState();
    state.created = state.running = true;
    this.#runs.set(runId, state);
    return state.ready = this.#create(
      state,
      this.#runInput(span, runId, 0, true),
    );
  }

  /**
   * The role an open span has taken since its start, from its attributes
   * now; a run span's run is created `running` there and then.
   */
  #reread(known: Known): void {
    const live = known.live;
    if (!live) return;
    const span = { ...live.start, attributes: { ...live.attributes() } };
    const found = roleOf(span);
    const role = typeof found === "string" ? found : "other";
    if (role === "none") return;
    delete known.live;
    known.role = role;
    if (role !== "run") return;
    known.span = span;
    if (!isCurioRun(span.attributes)) void this.#createRunning(span);
  }

  /**
   * Takes ended spans in, and stores every held span whose run is now known.
   * With `force`, those of unknown ancestry too, without a run; with
   * `settle`, also those below a span that has not ended (at shutdown).
   * Resolves `false` when a store write failed.
   */
  async ingest(
    spans: readonly SpanRecord[],
    force = false,
    settle = false,
  ): Promise<boolean> {
    const now = Date.now();
    for (const span of spans) {
      try {
        this.#take(span, now);
      } catch (error) {
        this.warn("malformed span", `a span was skipped: ${error}`);
      }
    }
    return await this.#storeResolved(force, settle, now);
  }

  /**
   * An ended span, told to a span processor: what is stored of spans that
   * are not steps, tools, model calls or runs, their parent link, is kept
   * at once, and `false` returned; for the others `true`: they go to
   * {@linkcode SpanIngest.ingest} in a batch. With `drop` (a full queue),
   * a span other than a run span only has its link kept: a dropped run span
   * would leave its run running for ever.
   */
  ended(span: SpanRecord, drop = false): boolean {
    try {
      checkIds(span);
      const role = this.#roleOf(span);
      if (drop ? role === "run" : STORED.has(role)) return true;
      this.#take(span, Date.now(), false);
    } catch (error) {
      this.warn("malformed span", `a span was skipped: ${error}`);
    }
    return false;
  }

  #roleOf(span: SpanRecord): SpanRole {
    const found = roleOf(span);
    return typeof found === "string" ? found : "other";
  }

  #remember(k: string, known: Known): void {
    if (!this.#known.has(k) && this.#known.size >= MAX_KNOWN) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
    this.#known.set(k, known);
  }

  #take(span: SpanRecord, now: number, hold = true): void {
    checkIds(span);
    const found = roleOf(span);
    const role = typeof found === "string" ? found : "other";
    if (typeof found !== "string") {
      this.warn("unknown operation", `${found.unknown} is not stored`);
    }
    this.#remember(key(span.traceId, span.spanId), {
      parentSpanId: span.parentSpanId,
      role,
      span: role === "run" ? span : null,
      open: false,
    });
    if (hold && STORED.has(role)) {
      this.#held.push({ span, role, arrived: now });
    }
  }

  /**
   * The run span of `span`: itself if it is one, else the nearest above it;
   * `null` when it has none; `undefined` while an ancestor is unknown;
   * `"open"` while an ancestor that started without a GenAI role has not
   * ended (attributes set later may make it a run span), unless `settle`.
   */
  #runSpanOf(
    held: Held,
    settle: boolean,
  ): SpanRecord | null | undefined | "open" {
    if (held.role === "run") return held.span;
    let parent = held.span.parentSpanId;
    for (let depth = 0; depth < 1000; depth++) {
      if (parent === null) return null;
      const known = this.#known.get(key(held.span.traceId, parent));
      if (!known) return undefined;
      if (known.open && known.role === "none") this.#reread(known);
      if (known.role === "run") return known.span;
      if (known.open && known.role === "none" && !settle) return "open";
      parent = known.parentSpanId;
    }
    return null;
  }

  async #storeResolved(
    force: boolean,
    settle: boolean,
    now: number,
  ): Promise<boolean> {
    const groups = new Map<
      string | null,
      { run: SpanRecord | null; spans: Held[] }
    >();
    const still: Held[] = [];
    for (const held of this.#held) {
      let run = this.#runSpanOf(held, settle);
      if (run === "open") {
        // It ends before its ancestor does, which tells.
        still.push(held);
        continue;
      }
      if (run === undefined) {
        if (!force && now - held.arrived < this.#holdMs) {
          still.push(held);
          continue;
        }
        run = null;
      }
      const id = run ? runIdOf(run) : null;
      let group = groups.get(id);
      if (!group) groups.set(id, group = { run, spans: [] });
      group.spans.push(held);
    }
    this.#held = still;
    const results = await Promise.all(
      [...groups.values()].map((group) => this.#storeGroup(group)),
    );
    return results.every(Boolean);
  }

  async #storeGroup(
    group: { run: SpanRecord | null; spans: Held[] },
  ): Promise<boolean> {
    // The run span last: whether it had a model span decides its tokens.
    const arrival = [...group.spans];
    const spans = group.spans.sort((a, b) =>
      (a.role === "run" ? 1 : 0) - (b.role === "run" ? 1 : 0) ||
      a.span.startMs - b.span.startMs
    );
    let ok = true;
    const attempt = async (
      operation: string,
      write: () => Promise<unknown>,
    ) => {
      try {
        await write();
      } catch (error) {
        ok = false;
        this.warn(
          "store write failed",
          `${operation}: ${error instanceof Error ? error.message : error}`,
        );
      }
    };
    const run = group.run;
    const runId = run ? runIdOf(run) : null;
    let state: RunState | undefined;
    // The run span itself ends the run: a run created running completes.
    const closes = spans.some((h) => h.role === "run");
    if (run && runId) {
      state = this.#runs.get(runId);
      if (!state) this.#runs.set(runId, state = newRunState());
      for (const held of spans) {
        if (held.role === "model") state.hasModel = true;
      }
      const steps = spans.filter((h) => h.role === "step").length;
      state.steps += steps;
      const runState = state;
      if (!runState.created) {
        runState.created = true;
        runState.ready = this.#create(
          runState,
          isCurioRun(run.attributes)
            ? curioRunInput(run)
            : this.#runInput(run, runId, runState.steps, false),
        );
        ok = await runState.ready && ok;
      } else if (!await runState.ready) {
        // Its rows cannot go in without it; the failure was warned of.
        return false;
      } else if (
        steps && !isCurioRun(run.attributes) &&
        !(closes && runState.running)
      ) {
        await attempt(
          "updateAgentRun",
          () =>
            this.#store.updateAgentRun(runId, {
              totalIterations: runState.steps,
            }),
        );
      }
    }
    if (state?.existing) return ok;
    if (run && runId && isCurioRun(run.attributes)) {
      await this.#storeCurioGroup(run, runId, arrival, attempt);
      return ok;
    }
    const agentId = run ? this.#agentOf(run) : null;
    // The writes in the order of the span tree (a span's start, its
    // children, its end), events stamped no earlier than the one before:
    // clocks read to the millisecond cannot order a step's end and the next
    // step's start, the tree can.
    const writes: { at: number; write: (at: Date) => Promise<unknown> }[] = [];
    const operations: string[] = [];
    const event = (
      ms: number,
      eventType: string,
      data: Record<string, unknown>,
    ) => {
      if (!runId) return;
      operations.push("logAgentRunEvent");
      writes.push({
        at: Math.floor(ms),
        write: (at) =>
          this.#store.logAgentRunEvent({
            agentId: agentId!,
            runId,
            eventType,
            timestamp: at,
            data,
            createdAt: at,
          }),
      });
    };
    const usage = (span: SpanRecord) => {
      const input = isCurioCall(span.attributes)
        ? curioUsageInput(span, runId)
        : this.#usageInput(span, runId, agentId ?? this.#agentOf(span));
      operations.push("logLlmUsage");
      writes.push({ at: NaN, write: () => this.#store.logLlmUsage(input) });
    };
    let iteration = state
      ? state.steps - spans.filter((h) => h.role === "step").length
      : 0;
    const visit = (held: Held) => {
      const span = held.span;
      let tool: ReturnType<typeof toolOf> | undefined;
      if (held.role === "step") {
        iteration++;
        event(span.startMs, "iteration_started", { iteration });
      } else if (held.role === "tool") {
        tool = toolOf(span);
        event(span.startMs, "action_execution_started", {
          action: tool.action,
          args: tool.args,
        });
      }
      const step = iteration;
      for (const child of children.get(span.spanId) ?? []) visit(child);
      if (held.role === "model") usage(span);
      else if (held.role === "step") {
        event(span.endMs, "iteration_completed", { iteration: step });
      } else if (tool) {
        event(span.endMs, "action_execution_completed", {
          ...tool,
          duration_ms: Math.round(span.endMs - span.startMs),
        });
      } else if (held.role === "run") {
        // Without model spans the run span's totals are all there is.
        if (!state?.hasModel && tokensOf(span.attributes).any) usage(span);
        const error = errorOf(span);
        if (error !== null) event(span.endMs, "run_error", { error });
      }
    };
    const children = new Map<string | null, Held[]>();
    const inGroup = new Set(spans.map((h) => h.span.spanId));
    for (const held of spans) {
      const parent = this.#nearestIn(held.span, inGroup);
      let list = children.get(parent);
      if (!list) children.set(parent, list = []);
      list.push(held);
    }
    for (const held of children.get(null) ?? []) visit(held);
    let last = -Infinity;
    for (const [i, { at, write }] of writes.entries()) {
      let stamp = at;
      if (!Number.isNaN(at)) stamp = last = Math.max(at, last);
      await attempt(operations[i]!, () => write(new Date(stamp)));
    }
    if (closes && run && runId && state?.running) {
      state.running = false;
      const {
        agentId,
        runId: _run,
        createdAt: _created,
        updatedAt: _updated,
        ...patch
      } = this.#runInput(run, runId, state.steps, false);
      if (agentId !== state.agentId) {
        // A run's agent cannot change once stored.
        this.warn(
          "agent named late",
          `run ${runId} is stored for agent "${state.agentId}": its span ` +
            `named agent "${agentId}" only after it started`,
        );
      }
      await attempt(
        "updateAgentRun",
        () => this.#store.updateAgentRun(runId, patch),
      );
    }
    return ok;
  }

  /** Creates a run; `false` when the write failed (and was warned of). */
  async #create(
    state: RunState,
    input: Parameters<SpanStore["createAgentRun"]>[0],
  ): Promise<boolean> {
    state.agentId = input.agentId;
    try {
      await this.#store.createAgentRun(input);
      return true;
    } catch (error) {
      if (error instanceof DuplicateRunError) {
        // Sent again (a retried export, a file imported twice): what the
        // spans say is stored with the run already.
        state.existing = true;
        state.running = false;
        this.#existingRuns++;
        return true;
      }
      this.warn(
        "store write failed",
        `createAgentRun: ${error instanceof Error ? error.message : error}`,
      );
      return false;
    }
  }

  /**
   * A run this store exported: its events are its span's events, its
   * iterations its own; tool and step spans only show steps whose events
   * are among those. The LLM calls in the order of the file, which is the
   * order the store listed them in.
   */
  async #storeCurioGroup(
    run: SpanRecord,
    runId: string,
    spans: Held[],
    attempt: (
      operation: string,
      write: () => Promise<unknown>,
    ) => Promise<void>,
  ): Promise<void> {
    const owner = { runId, agentId: curioRunInput(run).agentId };
    const events = run.events.filter((event) => isCurioEvent(event.attributes))
      .map((event) => curioEventInput(event, owner));
    if (events.length) {
      await attempt(
        "logAgentRunEvents",
        () => this.#store.logAgentRunEvents(events),
      );
    }
    for (const held of spans) {
      if (held.role !== "model") continue;
      const span = held.span;
      const input = isCurioCall(span.attributes)
        ? curioUsageInput(span, runId)
        : this.#usageInput(span, runId, owner.agentId);
      await attempt("logLlmUsage", () => this.#store.logLlmUsage(input));
    }
  }

  /** The nearest ancestor of `span` among `ids`, or `null`. */
  #nearestIn(span: SpanRecord, ids: ReadonlySet<string>): string | null {
    let parent = span.parentSpanId;
    for (let depth = 0; parent !== null && depth < 1000; depth++) {
      if (ids.has(parent)) return parent;
      parent = this.#known.get(key(span.traceId, parent))?.parentSpanId ??
        null;
    }
    return null;
  }

  #agentOf(span: SpanRecord): string {
    return firstText(span.attributes, [
      "gen_ai.agent.id",
      "gen_ai.agent.name",
      "ai.telemetry.functionId",
      "traceloop.workflow.name",
    ]) ?? this.#agentId;
  }

  #cut(value: string, what: string): string {
    if (value.length <= MAX_TEXT) return value;
    this.warn(
      "enormous attribute",
      `a ${what} of ${value.length} characters was cut to ${MAX_TEXT}`,
    );
    return value.slice(0, MAX_TEXT);
  }

  /** The run of a run span: as it started (`running`), or as it ended. */
  #runInput(
    span: SpanRecord,
    runId: string,
    steps: number,
    running: boolean,
  ) {
    const a = span.attributes;
    const error = running ? null : errorOf(span);
    const output = running ? null : responseOf(a);
    const status = running
      ? "running" as const
      : error === null
      ? "completed" as const
      : "error" as const;
    const conversation = firstText(a, ["gen_ai.conversation.id", "session.id"]);
    return {
      agentId: this.#agentOf(span),
      runId,
      agentName: firstText(a, ["gen_ai.agent.name"]) ?? "",
      objective: this.#cut(objectiveOf(a), "objective"),
      status,
      errorMessage: error,
      startedAt: new Date(Math.floor(span.startMs)),
      finishedAt: running ? null : new Date(Math.floor(span.endMs)),
      totalIterations: steps,
      finalSynthesisOutput: output === null
        ? null
        : this.#cut(output, "response"),
      metadata: {
        traceId: span.traceId,
        spanId: span.spanId,
        name: span.name,
        ...(conversation === null ? {} : { conversationId: conversation }),
      },
      createdAt: new Date(Math.floor(span.startMs)),
      updatedAt: new Date(Math.floor(running ? span.startMs : span.endMs)),
    };
  }

  #usageInput(
    span: SpanRecord,
    runId: string | null,
    agentId: string,
  ): LlmUsageInput {
    const a = span.attributes;
    const { malformed, any: _, ...tokens } = tokensOf(a);
    if (malformed) {
      this.warn(
        "malformed token count",
        `span "${span.name}" has a token count that is not a whole number ≥ 0: stored as null`,
      );
    }
    const error = errorOf(span);
    const finish = finishReasonOf(a);
    const response = responseOf(a);
    return {
      agentId,
      runId,
      provider: providerOf(a),
      model: modelOf(a),
      prompt: this.#cut(promptOf(a), "prompt"),
      inputParams: inputParamsOf(a),
      ...tokens,
      responseContent: response === null
        ? null
        : this.#cut(response, "response"),
      usageMetrics: finish === null ? null : { finish_reason: finish },
      status: error === null ? "success" : "error",
      errorMessage: error,
      latencyMs: Math.max(0, Math.round(span.endMs - span.startMs)),
      createdAt: new Date(Math.floor(span.endMs)),
    };
  }
}

function checkIds(span: SpanRecord): void {
  if (typeof span.traceId !== "string" || typeof span.spanId !== "string") {
    throw new Error("no trace or span id");
  }
}

/** The run id of a run span: its own when this store exported it. */
export function runIdOf(span: SpanRecord): string {
  if (isCurioRun(span.attributes)) {
    return span.attributes["curio.run.id"] as string;
  }
  return `otel-${span.traceId}-${span.spanId}`;
}
