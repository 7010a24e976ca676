// `ui` as a user starts it, on the runtime running the tests: it prints its
// address, serves, and stops cleanly on SIGINT and SIGTERM, closing the
// store.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createPersistence } from "../../mod.ts";
import { tempPath } from "../_temp.ts";
import { raw } from "./_http.ts";
import { seed } from "./_seed.ts";
import { denoRun } from "../_deno_child.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function runtimeArgs(): string[] {
  const cli = join(root, "cli.ts");
  return "Deno" in globalThis
    ? [...denoRun("-A", "--config", join(root, "deno.json")), cli]
    : [cli];
}

/** Starts `ui`, waits for its address, and returns it with the process. */
function startUi(args: string[]) {
  const child = spawn(process.execPath, [...runtimeArgs(), "ui", ...args], {
    cwd: root,
    env: { ...process.env, NODE_NO_WARNINGS: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  // Deno, as the parent, reports a child it signalled as killed by that
  // signal even when the child handled it and exited 0: there the child's
  // last line tells that it stopped cleanly.
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code, signal) =>
      resolve(
        code === null && signal !== null && "Deno" in globalThis &&
          stderr.includes("web view: stopped")
          ? 0
          : code,
      ))
  );
  const address = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = /at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes("Ctrl-C")) resolve(url);
    });
    exited.then(() => reject(new Error(`ui exited: ${stdout}${stderr}`)));
  });
  return {
    child,
    address,
    exited,
    output: () => ({ stdout, stderr }),
  };
}

describe("cli ui", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`serves a SQLite store and stops on ${signal}`, async () => {
      const path = tempPath("ui.db");
      {
        await using store = await createPersistence(`sqlite:${path}`);
        await seed(store, new Date(Date.now() - 86_400_000));
      }
      const ui = startUi(["--db", `sqlite:${path}`, "--port", "0"]);
      try {
        const url = await ui.address;
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
        const reply = await raw(url, "/api/runs?limit=3");
        assert.equal(reply.status, 200);
        assert.deepEqual(
          JSON.parse(reply.body).items.map((r: { runId: string }) => r.runId),
          ["r-11", "r-10", "r-09"],
        );
      } finally {
        ui.child.kill(signal);
      }
      assert.equal(await ui.exited, 0, JSON.stringify(ui.output()));
      assert.match(
        ui.output().stderr,
        new RegExp(`${signal}, stopping\nweb view: stopped\n$`),
      );
      // Closed: the file can be opened and written by another process.
      await using again = await createPersistence(`sqlite:${path}`);
      assert.equal((await again.getAgentRunStats()).totalRuns, 14);
    });
  }

  it("prints a generated token once for another address", async () => {
    const path = tempPath("ui-token.db");
    {
      await using _store = await createPersistence(`sqlite:${path}`);
    }
    const ui = startUi([
      "--db",
      `sqlite:${path}`,
      "--host",
      "0.0.0.0",
      "--port",
      "0",
    ]);
    try {
      const url = await ui.address;
      const token = /\?token=([\w-]+)/.exec(ui.output().stdout)?.[1];
      assert.ok(token && token.length >= 32, ui.output().stdout);
      const port = new URL(url).port;
      const denied = await raw(`http://127.0.0.1:${port}/`, "/api/runs");
      assert.equal(denied.status, 401);
    } finally {
      ui.child.kill("SIGINT");
    }
    assert.equal(await ui.exited, 0);
  });

  it("refuses a missing SQLite file and a bad port", async () => {
    for (
      const [args, code] of [
        [["--db", `sqlite:${tempPath("absent.db")}`, "--port", "0"], 1],
        [["--db", "memory:", "--port", "70000"], 2],
        [["--db", "memory:", "--token", "short"], 2],
      ] as const
    ) {
      const ui = startUi([...args]);
      ui.address.catch(() => {});
      assert.equal(await ui.exited, code, JSON.stringify(ui.output()));
    }
  });
});
