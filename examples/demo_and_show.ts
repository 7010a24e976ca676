/**
 * Runs the demo (examples/demo.ts), then shows the run it stored with the
 * command-line tool's `run` command: what `npx -y deno@2 task demo` does.
 *
 * ```sh
 * npx -y deno@2 task demo                    # into ./agent_sdk.db
 * npx -y deno@2 task demo sqlite:./other.db  # or any connection URL
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.ts";

const demo = fileURLToPath(new URL("./demo.ts", import.meta.url));
const runtimeArgs = "Deno" in globalThis ? ["run", "-A", demo] : [demo];
const url = process.argv[2] ?? process.env.DATABASE_URL ??
  "sqlite:./agent_sdk.db";

// The demo's output passes through; its last line names the run.
const child = spawn(process.execPath, [...runtimeArgs, url], {
  stdio: ["inherit", "pipe", "inherit"],
});
let output = "";
child.stdout.on("data", (chunk: Uint8Array) => {
  process.stdout.write(chunk);
  output += new TextDecoder().decode(chunk);
});
const code = await new Promise<number>((resolve) =>
  child.on("close", (status) => resolve(status ?? 1))
);
const runId = /^RUN_ID=(.+)$/m.exec(output)?.[1];
if (code !== 0 || runId === undefined) {
  process.exitCode = code || 1;
} else {
  const command = ["run", runId, "--db", url];
  process.stdout.write(`\n$ deno task cli ${command.join(" ")}\n\n`);
  process.exitCode = await main(command);
}
