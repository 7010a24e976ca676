import { Store } from "../core/store.ts";
import {
  toAgentLlmUsage,
  toAgentRun,
  toAgentRunEvent,
} from "../core/records.ts";
import type { AgentLlmUsage, AgentRun, AgentRunEvent } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { MemoryBackend } from "./backend.ts";
import type { StoreOptions } from "../types.ts";

/**
 * Everything an {@linkcode InMemoryPersistence} holds, each list in id order.
 *
 * @example
 * ```ts
 * import { InMemoryPersistence, type MemoryData } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = new InMemoryPersistence();
 * const data: MemoryData = store.getAllData();
 * assert.equal(data.agentRuns.length, 0);
 * ```
 */
export interface MemoryData {
  /** Every run. */
  agentRuns: AgentRun[];
  /** Every event of every run. */
  agentRunEvents: AgentRunEvent[];
  /** Every LLM call. */
  agentLlmUsage: AgentLlmUsage[];
}

/**
 * A store that keeps everything in memory, for tests and development: fast,
 * and gone when the process exits. Behaves exactly as the SQL stores do.
 * Create one with `new InMemoryPersistence()`.
 *
 * @example
 * ```ts
 * import { InMemoryPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = new InMemoryPersistence();
 * await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * assert.equal(store.getAllData().agentRuns.length, 1);
 * store.clearAll();
 * assert.equal(store.getAllData().agentRuns.length, 0);
 * ```
 */
export interface InMemoryPersistence extends Persistence {
  /**
   * Removes every record.
   *
   * @example
   * ```ts
   * import { InMemoryPersistence } from "@curio/persistence";
   * import assert from "node:assert/strict";
   *
   * const store = new InMemoryPersistence();
   * await store.logLlmUsage({ provider: "openai", model: "gpt-4o" });
   * store.clearAll();
   * assert.deepEqual(await store.getLlmUsage(), []);
   * ```
   */
  clearAll(): void;

  /**
   * A copy of everything stored, for debugging and export.
   *
   * @returns Every run, event and LLM call, each list in id order.
   *
   * @example
   * ```ts
   * import { InMemoryPersistence } from "@curio/persistence";
   * import assert from "node:assert/strict";
   *
   * const store = new InMemoryPersistence();
   * await store.createAgentRun({ agentId: "a1", runId: "r1" });
   * assert.equal(store.getAllData().agentRuns[0]?.runId, "r1");
   * ```
   */
  getAllData(): MemoryData;
}

/**
 * Creates empty in-memory stores: `new InMemoryPersistence()`.
 *
 * @example
 * ```ts
 * import { InMemoryPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const store = new InMemoryPersistence();
 * assert.ok(store instanceof InMemoryPersistence);
 * assert.equal(store.backend, "memory");
 * ```
 */
export const InMemoryPersistence: new (
  options?: StoreOptions,
) => InMemoryPersistence = class extends Store implements InMemoryPersistence {
  readonly #memory: MemoryBackend;

  /** Creates an empty store; `options.redact` as for `createPersistence`. */
  constructor(options: StoreOptions = {}) {
    const memory = new MemoryBackend();
    super(memory, options);
    this.#memory = memory;
  }

  clearAll(): void {
    this.assertOpen();
    this.#memory.clear();
  }

  getAllData(): MemoryData {
    this.assertOpen();
    const { runs, events, usage } = this.#memory.tables();
    return {
      agentRuns: runs.map((row) => toAgentRun(row.id, row.record)),
      agentRunEvents: events.map((row) => toAgentRunEvent(row.id, row.record)),
      agentLlmUsage: usage.map((row) => toAgentLlmUsage(row.id, row.record)),
    };
  }
};
