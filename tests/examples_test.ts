// Each runtime runs its own example, so the suite on Deno, Node and Bun
// exercises all three.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { tempPath } from "./_temp.ts";
import { denoRun } from "./_deno_child.ts";

const runtime = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";
const example = fileURLToPath(
  new URL(`../examples/${runtime}.ts`, import.meta.url),
);
const args = runtime === "deno"
  ? [...denoRun("--allow-read", "--allow-write", "--allow-env"), example]
  : [example];
const expected = {
  deno: /deno \S+: deno-\S+ failed: web_search was rate limited/,
  node: /node v\S+: run node-\S+ cost \$0\.0162/,
  bun: /bun \S+: run bun-\S+ logged 100 events/,
}[runtime];

describe("examples", () => {
  it(`runs examples/${runtime}.ts`, () => {
    const output = execFileSync(process.execPath, [
      ...args,
      tempPath(`${runtime}.db`),
    ], {
      encoding: "utf8",
    });
    assert.match(output, expected);
  });
});
