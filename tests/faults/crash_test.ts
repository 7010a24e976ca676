// A writer killed with SIGKILL at random moments loses nothing it
// acknowledged, and leaves no half batch and no damaged file.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openSqliteDatabase } from "../../src/sqlite/runtime.ts";
import { tempPath } from "../_temp.ts";
import { startChild } from "./_child.ts";

const KILLS = 20;

describe("SQLite writer killed with SIGKILL", () => {
  it(
    `${KILLS} kills at random moments: integrity ok, every acknowledged write present`,
    { timeout: 120_000 },
    async () => {
      const path = tempPath();
      let acknowledged = 0;
      let batches = 0;
      let delays = 0;
      let rows = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const child = startChild("_crasher.ts", [`sqlite:${path}`]);
        await child.waitFor((line) => line.startsWith("e "));
        const delay = Math.floor(Math.random() * 150);
        delays += delay;
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.process.kill("SIGKILL");
        assert.equal(await child.exited, "SIGKILL", child.stderr());

        const db = await openSqliteDatabase(path);
        try {
          const [check] = db.prepare("PRAGMA integrity_check").all() as {
            integrity_check: string;
          }[];
          assert.equal(check?.integrity_check, "ok");
          const ids = new Set(
            (db.prepare("SELECT id FROM agent_run_events").all() as {
              id: number;
            }[]).map((row) => Number(row.id)),
          );
          rows = ids.size;
          const sizes = new Map(
            (db.prepare(
              "SELECT json_extract(data, '$.batch') AS batch, COUNT(*) AS n " +
                "FROM agent_run_events WHERE json_extract(data, '$.batch') " +
                "IS NOT NULL GROUP BY batch",
            ).all() as { batch: string; n: number }[]).map((
              row,
            ) => [row.batch, Number(row.n)]),
          );
          for (const [batch, n] of sizes) {
            assert.equal(n, Number(batch.split("-")[2]), `batch ${batch}`);
          }
          for (const line of child.lines) {
            const [kind, value] = line.split(" ") as [string, string];
            if (kind === "e") {
              assert.ok(ids.has(Number(value)), `event ${value} was lost`);
              acknowledged++;
            } else if (kind === "b") {
              assert.ok(sizes.has(value), `batch ${value} was lost`);
              batches++;
            }
          }
        } finally {
          db.close();
        }
      }
      console.log(
        `sqlite crash: ${KILLS} SIGKILLs (mean ${
          Math.round(delays / KILLS)
        } ms after the first write); ${acknowledged} acknowledged single ` +
          `writes and ${batches} acknowledged batches all present; no partial ` +
          `batch; integrity_check ok every time; ${rows} rows in the end`,
      );
    },
  );
});
