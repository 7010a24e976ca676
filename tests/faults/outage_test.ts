// A PostgreSQL server stopped (fast shutdown) in the middle of a workload and
// started again: operations fail fast with ConnectionError while it is down,
// the same store works again once it is back, and nothing acknowledged is
// lost. Uses a throwaway server of its own, never a shared one.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionError, createPersistence } from "../../mod.ts";
import { findPostgresBin, startPostgres } from "../../tools/postgres_server.ts";

const WRITERS = 8;
/**
 * Seconds a connection attempt may take: a server that is shutting down or
 * starting up may take a connection and not answer it.
 */
const CONNECT_TIMEOUT = 2;
/**
 * Longest a rejected operation may take while the server is down: one
 * connection attempt, one back-off (at most 1 s), and room for a loaded CI.
 */
const BOUND_MS = (CONNECT_TIMEOUT + 1) * 1000 + 2000;
const DOWN_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL outage", {
  skip: findPostgresBin() ? false : "no PostgreSQL binaries to start a server",
}, () => {
  it("rejects with ConnectionError in bounded time, then recovers", {
    timeout: 120_000,
  }, async () => {
    await using server = await startPostgres();
    await using store = await createPersistence(
      `${server.url}?schema=outage&max=4&connect_timeout=${CONNECT_TIMEOUT}`,
    );
    await store.createAgentRun({ agentId: "a", runId: "r" });

    const acknowledged = new Set<number>();
    const rejections: { ms: number; error: unknown }[] = [];
    let phase: "before" | "down" | "after" = "before";
    let afterOk = 0;
    let firstOkAfter: number | undefined;
    let restartedAt = 0;
    let stop = false;

    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const started = performance.now();
        const writePhase = phase;
        try {
          const event = i % 2 === 0
            ? await store.logAgentRunEvent({
              agentId: "a",
              runId: "r",
              eventType: "custom",
              data: { w, i },
            })
            : (await store.logAgentRunEvents([
              { agentId: "a", runId: "r", eventType: "custom", data: { w, i } },
              { agentId: "a", runId: "r", eventType: "custom", data: { w, i } },
            ]))[1]!;
          acknowledged.add(event.id);
          if (writePhase === "after") {
            afterOk++;
            firstOkAfter ??= performance.now() - restartedAt;
          }
        } catch (error) {
          rejections.push({ ms: performance.now() - started, error });
          await sleep(10);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    await sleep(300);
    const before = acknowledged.size;
    await server.shutdown("fast");
    phase = "down";
    const downAt = performance.now();
    await sleep(DOWN_MS / 2);
    const healthDown = await store.healthCheck();
    const downStarted = performance.now();
    await assert.rejects(store.getAgentRuns(), ConnectionError);
    const readRejectMs = performance.now() - downStarted;
    await sleep(Math.max(0, DOWN_MS - (performance.now() - downAt)));
    await server.start();
    restartedAt = performance.now();
    phase = "after";
    while (afterOk < 100 && performance.now() - restartedAt < 30_000) {
      await sleep(20);
    }
    stop = true;
    await Promise.all(writers);

    assert.equal(healthDown, false);
    assert.equal(await store.healthCheck(), true);
    assert.ok(afterOk >= 100, `only ${afterOk} writes after the restart`);
    const stray = rejections.filter((r) =>
      !(r.error instanceof ConnectionError)
    );
    assert.deepEqual(stray.map((r) => String(r.error)), []);
    const code = (error: unknown) =>
      String((error as { cause?: { code?: unknown } }).cause?.code ?? "?");
    const kinds = new Map<string, number>();
    for (const { error } of rejections) {
      kinds.set(code(error), (kinds.get(code(error)) ?? 0) + 1);
    }
    const slowest = rejections.reduce(
      (a, b) => (b.ms > a.ms ? b : a),
      { ms: 0, error: undefined as unknown },
    );
    assert.ok(
      slowest.ms < BOUND_MS,
      `a rejection took ${slowest.ms} ms: ${slowest.error}`,
    );
    assert.ok(readRejectMs < BOUND_MS);

    const stored = new Set<number>();
    for await (const event of store.iterateAgentRunEvents("r")) {
      stored.add(event.id);
    }
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    assert.deepEqual(lost, []);
    console.log(
      `postgres outage: ${before} writes acknowledged before a fast shutdown; ` +
        `down ${DOWN_MS} ms: ${rejections.length} rejections, all ` +
        `ConnectionError (${
          [...kinds].map(([name, n]) => `${n} ${name}`).join(", ")
        }), slowest ${Math.round(slowest.ms)} ms (${
          code(slowest.error)
        }; bound ${BOUND_MS} ms); ` +
        `first write after restart succeeded ${
          Math.round(firstOkAfter ?? -1)
        } ms after it; ${acknowledged.size} acknowledged, 0 lost`,
    );
  });
});
