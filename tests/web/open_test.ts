// The web view opens stores read-only: a database without the tables is
// shown as empty and left as it was, and the page is told what migrating
// would bring.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createPersistence } from "../../mod.ts";
import { openForViewing, startWebServer } from "../../web.ts";
import { tempPath } from "../_temp.ts";
import { raw } from "./_http.ts";

describe("openForViewing", () => {
  it("opens read-only: no schema is created, the advice says so", async () => {
    const path = tempPath("empty.db");
    writeFileSync(path, ""); // an empty file is a database without tables
    await using store = await openForViewing(`sqlite:${path}`);
    const server = await startWebServer({ store, port: 0 });
    try {
      const info = JSON.parse((await raw(server.url, "/api/store")).body);
      assert.equal(info.advice, "no schema; run migrate to create it");
      const runs = JSON.parse((await raw(server.url, "/api/runs")).body);
      assert.deepEqual(runs.items, []);
    } finally {
      await server.close();
    }
    await assert.rejects(
      store.createAgentRun({ agentId: "a", runId: "r" }),
      /read-only/,
    );
    assert.equal(readFileSync(path).length, 0);
  });

  it("has no advice for a current schema", async () => {
    const path = tempPath("current.db");
    {
      await using created = await createPersistence(`sqlite:${path}`);
      await created.createAgentRun({ agentId: "a", runId: "r" });
    }
    await using store = await openForViewing(`sqlite:${path}`);
    const server = await startWebServer({ store, port: 0 });
    try {
      const info = JSON.parse((await raw(server.url, "/api/store")).body);
      assert.equal(info.advice, null);
      const runs = JSON.parse((await raw(server.url, "/api/runs")).body);
      assert.equal(runs.items.length, 1);
    } finally {
      await server.close();
    }
  });
});
