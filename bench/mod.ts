/**
 * The benchmark of issue 5: eight workloads against memory, a SQLite file
 * and PostgreSQL, each beside a raw-driver baseline running the same SQL,
 * measured in the same run. Prints a table and writes `bench/results.json`.
 *
 * ```sh
 * npx -y deno@2 task bench                         # full sizes
 * npx -y deno@2 task bench --scale=0.01            # everything 100× smaller
 * npx -y node@24 bench/mod.ts --backends=sqlite    # on Node, SQLite only
 * npx -y bun@1 bench/mod.ts --events=10000 --repeat=7
 * ```
 *
 * Settings (flag or `BENCH_` variable): `scale`, `events`, `batch`,
 * `loggers`, `usage`, `textBytes`, `scanEvents`, `runs`, `agents`,
 * `statsUsage`, `deep`, `page`, `pricedUsage`, `repriceUsage`, `repeat`,
 * `backends`, `workloads` (such as `--workloads=4,8`), `out`. PostgreSQL is
 * `TEST_POSTGRES_URL` when set, else a throwaway server of its own
 * (`tools/postgres_server.ts`), the one the tests use.
 *
 * @module
 */

import process from "node:process";
import { startPostgres } from "../tools/postgres_server.ts";
import { runBenchmark } from "./benchmark.ts";
import { benchConfig } from "./config.ts";
import { summary, writeResults } from "./report.ts";

const config = benchConfig(process.argv.slice(2), process.env);
let server: { stop(): Promise<void> } | undefined;
try {
  const results = await runBenchmark({
    config,
    command: ["bench/mod.ts", ...process.argv.slice(2)].join(" "),
    log: (line) => console.error(line),
    async postgresUrl() {
      const url = process.env.TEST_POSTGRES_URL;
      if (url) return url;
      // The throwaway server the tests use: durability off (no fsync), as
      // SQLite's synchronous=NORMAL does not flush at each commit either.
      const started = await startPostgres();
      server = started;
      return started.url;
    },
  });
  console.log(summary(results));
  if (config.out !== "") {
    writeResults(config.out, results);
    console.error(`Results written to ${config.out}`);
  }
} finally {
  await server?.stop();
}
