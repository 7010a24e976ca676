// `stats` with a date range, as a series and as the tool table, run as a
// subprocess on the runtime running the tests.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createPersistence } from "../mod.ts";
import { tempPath } from "./_temp.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const cliPath = join(root, "cli.ts");

function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const runtime = "Deno" in globalThis
    ? ["run", "-A", "--config", join(root, "deno.json"), cliPath]
    : [cliPath];
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_NO_WARNINGS: "1",
    NO_COLOR: "1",
  };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...runtime, ...args],
      { cwd: root, env },
      (error, stdout) =>
        resolve({
          code: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
          stdout: String(stdout),
        }),
    );
  });
}

describe("cli stats", () => {
  const path = tempPath("cli-stats.db");
  const db = `sqlite:${path}`;
  before(async () => {
    await using store = await createPersistence(db);
    await store.createAgentRun({ agentId: "a1", runId: "r1" });
    const day = (n: number) => new Date(Date.UTC(2025, 0, n, 12));
    await store.logLlmUsages([
      {
        agentId: "a1",
        provider: "p",
        model: "m1",
        costUsd: 1,
        createdAt: day(1),
        latencyMs: 100,
      },
      {
        agentId: "a1",
        provider: "p",
        model: "m2",
        costUsd: 2,
        createdAt: day(1),
        latencyMs: 300,
      },
      {
        agentId: "a2",
        provider: "p",
        model: "m1",
        costUsd: 4,
        createdAt: day(3),
        latencyMs: 200,
      },
      {
        agentId: "a2",
        provider: "p",
        model: "m1",
        costUsd: 8,
        createdAt: day(9),
      },
    ]);
    await store.logAgentRunEvent({
      agentId: "a1",
      runId: "r1",
      eventType: "action_execution_completed",
      data: { action: "search", duration_ms: 40, success: false },
    });
  });

  it("sums a date range", async () => {
    const { code, stdout } = await cli([
      "stats",
      "--db",
      db,
      "--since",
      "2025-01-02",
      "--until",
      "2025-01-05",
      "--json",
    ]);
    assert.equal(code, 0);
    const json = JSON.parse(stdout);
    assert.equal(json.totalLlmCalls, 1);
    assert.equal(json.totalCostUsd, 4);
  });

  it("prints a series per bucket and group", async () => {
    const args = [
      "stats",
      "--db",
      db,
      "--since",
      "2025-01-01",
      "--until",
      "2025-01-04",
      "--by",
      "day",
      "--group",
      "model",
    ];
    const json = JSON.parse((await cli([...args, "--json"])).stdout);
    assert.equal(json.length, 6);
    assert.deepEqual(
      json.map((row: { model: string; calls: number }) =>
        `${row.model}:${row.calls}`
      ),
      ["m1:1", "m2:1", "m1:0", "m2:0", "m1:1", "m2:0"],
    );
    const { code, stdout } = await cli(args);
    assert.equal(code, 0);
    assert.match(stdout, /^BUCKET \(UTC\)\s+PROVIDER\s+MODEL\s+CALLS/m);
    assert.match(
      stdout,
      /^2025-01-03\s+p\s+m1\s+1\s+0\s.*\$4\.000000\s+200ms/m,
    );
  });

  it("prints the tool table", async () => {
    const { code, stdout } = await cli(["stats", "--db", db, "--tools"]);
    assert.equal(code, 0);
    assert.match(stdout, /^search\s+1\s+1\s+40ms\s+40ms$/m);
  });

  it("refuses a bad unit, group or zone as a usage error", async () => {
    for (
      const extra of [
        ["--by", "year"],
        ["--by", "day", "--group", "colour"],
        ["--by", "day", "--tz", "Mars/Base"],
        ["--group", "model"],
      ]
    ) {
      const { code } = await cli(["stats", "--db", db, ...extra]);
      assert.equal(code, 2, extra.join(" "));
    }
  });
});
