// close({ timeoutMs }): calls made before it are waited for, up to the
// timeout; past it, each still pending rejects with ConnectionError. Every
// promise settles. The conformance suite covers the waiting on every backend;
// here, operations that cannot finish: a backend that never answers (every
// runtime, no server needed) and writes PostgreSQL keeps waiting on a lock.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import postgres from "postgres";
import {
  ConnectionError,
  createPersistence,
  type Persistence,
  StoreClosedError,
} from "../mod.ts";
import type { Backend } from "../src/core/backend.ts";
import { Store } from "../src/core/store.ts";
import {
  postgresUrl,
  postgresUrlWith,
  skipWithoutPostgres,
  uniqueSchema,
} from "./_postgres.ts";

const WRITE_ABANDONED = "store closed before the write completed";
const READ_ABANDONED = "store closed before the read completed";
/** Room for a loaded machine on top of the close timeout. */
const SLACK_MS = 3000;

const event = { agentId: "a", runId: "r", eventType: "custom" } as const;

/** A backend whose every operation stays pending; only close() answers. */
function silentBackend(): Backend & { closed: number } {
  const backend = { name: "memory", closed: 0 } as Backend & { closed: number };
  return new Proxy(backend, {
    get(target, key) {
      if (key === "close") {
        return () => {
          target.closed++;
          return Promise.resolve();
        };
      }
      if (key in target) return target[key as keyof typeof target];
      return () => new Promise(() => {});
    },
  });
}

/** Every kind of write, each as `[what, its promise]`. */
function writes(store: Persistence): [string, Promise<unknown>][] {
  return [
    ["createAgentRun", store.createAgentRun({ agentId: "a", runId: "new" })],
    ["updateAgentRun", store.updateAgentRun("r", { status: "completed" })],
    ["logAgentRunEvent 1", store.logAgentRunEvent(event)],
    ["logAgentRunEvent 2", store.logAgentRunEvent(event)],
    ["logAgentRunEvents", store.logAgentRunEvents([event, event])],
    ["logLlmUsage 1", store.logLlmUsage({ runId: "r" })],
    ["logLlmUsage 2", store.logLlmUsage({ runId: "r" })],
    ["logLlmUsages", store.logLlmUsages([{ runId: "r" }, { runId: "r" }])],
    ["deleteAgentRun", store.deleteAgentRun("gone")],
    ["deleteAgentRuns", store.deleteAgentRuns(["gone too"])],
  ];
}

/** Every kind of read, each as `[what, its promise]`. */
function reads(store: Persistence): [string, Promise<unknown>][] {
  return [
    ["getAgentRun", store.getAgentRun("r")],
    ["getAgentRuns", store.getAgentRuns()],
    ["iterateAgentRuns", store.iterateAgentRuns().next()],
    ["getAgentRunEvents", store.getAgentRunEvents("r")],
    ["getLlmUsage", store.getLlmUsage()],
    ["getAgentRunStats", store.getAgentRunStats()],
    ["getLlmUsageBreakdown", store.getLlmUsageBreakdown()],
    ["getStoreInfo", store.getStoreInfo()],
  ];
}

/** How each promise settled, and after how many ms from `start`. */
function outcomes(
  start: number,
  calls: [string, Promise<unknown>][],
): Promise<{ what: string; ms: number; error: unknown }[]> {
  return Promise.all(calls.map(([what, promise]) =>
    promise.then(
      () => ({ what, ms: performance.now() - start, error: undefined }),
      (error) => ({ what, ms: performance.now() - start, error }),
    )
  ));
}

/** Fails if `promise` is still pending after `ms`, instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} still pending after ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

function assertAbandoned(
  results: { what: string; ms: number; error: unknown }[],
  message: string,
  boundMs: number,
): void {
  for (const { what, ms, error } of results) {
    assert.ok(
      error instanceof ConnectionError && error.message === message,
      `${what}: expected ConnectionError("${message}"), got ${error}`,
    );
    assert.ok(ms < boundMs, `${what} settled after ${Math.round(ms)} ms`);
  }
}

describe("close() with operations that cannot finish", () => {
  it("fails each after timeoutMs, on a backend that never answers", async () => {
    const backend = silentBackend();
    const store = new Store(backend);
    const start = performance.now();
    const pendingWrites = outcomes(start, writes(store));
    const pendingReads = outcomes(start, reads(store));
    const health = store.healthCheck();

    const closing = store.close({ timeoutMs: 200 });
    await assert.rejects(store.getAgentRun("r"), StoreClosedError);
    await assert.rejects(store.logAgentRunEvent(event), StoreClosedError);
    await within(closing, 200 + SLACK_MS, "close()");
    const closedAfter = performance.now() - start;
    assert.ok(closedAfter >= 190, `closed after ${closedAfter} ms`);

    assertAbandoned(await pendingWrites, WRITE_ABANDONED, 200 + SLACK_MS);
    assertAbandoned(await pendingReads, READ_ABANDONED, 200 + SLACK_MS);
    assert.equal(await health, false);
    assert.equal(backend.closed, 1);
    // Later calls return the first call's promise and close nothing twice.
    await store.close({ timeoutMs: 0 });
    assert.equal(backend.closed, 1);
  });

  it("waits for as long as timeoutMs for work that finishes", async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const backend = silentBackend();
    const slow = new Proxy(backend, {
      get(target, key) {
        if (key === "insertRun") return () => finished.then(() => 7);
        return target[key as keyof typeof target];
      },
    });
    const store = new Store(slow);
    const run = store.createAgentRun({ agentId: "a", runId: "r" });
    const closing = store.close({ timeoutMs: 10_000 });
    setTimeout(finish, 300);
    await within(closing, 300 + SLACK_MS, "close()");
    assert.equal((await run).id, 7);
  });

  it("fails writes PostgreSQL keeps waiting on a lock", {
    ...skipWithoutPostgres,
    timeout: 60_000,
  }, async () => {
    const schema = uniqueSchema("close");
    const store = await createPersistence(postgresUrlWith({ schema }));
    await store.createAgentRun({ agentId: "a", runId: "r" });
    await store.createAgentRun({ agentId: "a", runId: "gone" });
    await store.createAgentRun({ agentId: "a", runId: "gone too" });

    const locker = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
    const held = await locker.reserve();
    try {
      await held`BEGIN`;
      await held.unsafe(
        `LOCK TABLE ${schema}.agent_runs, ${schema}.agent_run_events,
           ${schema}.agent_llm_usage IN ACCESS EXCLUSIVE MODE`,
      );
      const start = performance.now();
      const pendingWrites = outcomes(start, writes(store));
      const pendingReads = outcomes(start, reads(store));
      // Let every statement reach the server and wait there on the lock.
      await new Promise((resolve) => setTimeout(resolve, 500));

      const closing = store.close({ timeoutMs: 1000 });
      await assert.rejects(store.getAgentRun("r"), StoreClosedError);
      await within(closing, 1500 + SLACK_MS, "close()");

      const bound = 1500 + SLACK_MS;
      assertAbandoned(await pendingWrites, WRITE_ABANDONED, bound);
      assertAbandoned(await pendingReads, READ_ABANDONED, bound);
    } finally {
      await held`ROLLBACK`.catch(() => {});
      held.release();
      await locker.end();
      await store.close();
    }
  });
});
