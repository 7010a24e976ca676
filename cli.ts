#!/usr/bin/env -S deno run -A
/**
 * The command-line tool of `@curio/persistence`: inspect runs, events, LLM
 * usage and statistics; export, import and copy stores; prune old runs;
 * migrate and check the schema.
 *
 * ```sh
 * deno run -A jsr:@curio/persistence/cli runs --db sqlite:./agent_sdk.db
 * deno task cli run RUN_ID
 * node cli.ts stats --json
 * ```
 *
 * Run it with `--help` for every command and option. The same operations are
 * library functions of `@curio/persistence`: `exportStore`, `importLines`,
 * `copyStore`, `pruneStore` and `diagnoseStore`.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { main } from "./src/cli/main.ts";

const entry = (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined &&
    fileURLToPath(import.meta.url) === process.argv[1]);

if (entry) process.exitCode = await main(process.argv.slice(2));
