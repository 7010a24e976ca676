// The run page's events, page by page: every event once, in the store's
// order, whatever the page size; events other programs wrote without a
// timestamp included, wherever the database sorts them (first on SQLite,
// last on PostgreSQL).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPersistence, type Persistence } from "../../mod.ts";
import { getEventPage } from "../../src/web/run_events.ts";
import type { WriteForeign } from "../conformance/mod.ts";
import { postgresForeign, sqliteForeign } from "../_foreign.ts";
import { openFreshPostgres, postgresUrl } from "../_postgres.ts";
import { tempPath } from "../_temp.ts";

/** Every event id of the run, `limit` a page, as the page asks for them. */
async function paged(store: Persistence, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await getEventPage(store, "r", { after, limit });
    assert.ok(page.items.length <= limit);
    ids.push(...page.items.map((event) => event.id));
    if (page.next === undefined) return ids;
    after = page.next;
  }
  throw new Error(`still paging after 100 pages of ${limit}`);
}

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);

const backends: [string, () => Promise<Persistence>, WriteForeign?][] = [
  ["memory", () => createPersistence("memory:")],
  [
    "sqlite",
    () => createPersistence(`sqlite:${tempPath("events.db")}`),
    sqliteForeign,
  ],
  ...(postgresUrl
    ? [["postgres", () => openFreshPostgres(), postgresForeign] as [
      string,
      () => Promise<Persistence>,
      WriteForeign,
    ]]
    : []),
];

for (const [name, open, foreign] of backends) {
  describe(`run page events on ${name}`, () => {
    it("pages through every event once, in the store's order", async () => {
      await using store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r" });
      // Equal timestamps, so that ties fall on page boundaries.
      await store.logAgentRunEvents(
        [0, 5, 5, 5, 9, 12, 12, 30].map((ms, i) => ({
          agentId: "a",
          runId: "r",
          eventType: "custom",
          data: { i },
          timestamp: at(ms),
        })),
      );
      if (foreign) {
        await foreign(
          store,
          "agent_run_events",
          [1, 2, 3].map((i) => ({
            agent_id: "a",
            run_id: "r",
            agent_name: "",
            event_type: "custom",
            data: JSON.stringify({ undated: i }),
            timestamp: null,
            created_at: null,
          })),
        );
      }
      const expected = (await store.getAgentRunEvents("r")).map((e) => e.id);
      assert.equal(expected.length, foreign ? 11 : 8);
      for (const limit of [1, 2, 3, 4, 5, 8, 10, 11, 50]) {
        assert.deepEqual(await paged(store, limit), expected, `limit ${limit}`);
      }
    });
  });
}
