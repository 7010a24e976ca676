// A tiny run of the benchmark (bench/): it completes, and it prints and
// records every workload on every backend. It asserts nothing about time.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runBenchmark } from "../bench/benchmark.ts";
import { benchConfig } from "../bench/config.ts";
import { type Results, summary, writeResults } from "../bench/report.ts";
import { WORKLOADS } from "../bench/workloads.ts";
import { postgresUrl } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

test("the benchmark runs every workload on every backend", async () => {
  const backends = postgresUrl ? "memory,sqlite,postgres" : "memory,sqlite";
  const config = benchConfig(
    ["--scale=0.0005", "--repeat=2", `--backends=${backends}`, "--out="],
    {},
  );
  const results = await runBenchmark({
    config,
    postgresUrl: () => Promise.resolve(postgresUrl!),
  });
  const path = tempPath("results.json");
  writeResults(path, results);
  const recorded = JSON.parse(readFileSync(path, "utf8")) as Results;
  const printed = summary(results);
  for (const backend of config.backends) {
    for (let workload = 1; workload <= WORKLOADS.length; workload++) {
      const rows = recorded.rows.filter((row) =>
        row.workload === workload && row.backend === backend
      );
      assert.ok(rows.length > 0, `workload ${workload} on ${backend}`);
      for (const row of rows) {
        assert.ok(Number.isFinite(row.store), `${row.name} on ${backend}`);
        assert.ok(
          printed.includes(`| ${workload} | ${row.name} | ${backend} |`),
          `${row.name} on ${backend} printed`,
        );
      }
      if (backend !== "memory") {
        assert.ok(rows.some((row) => row.ratio !== undefined));
      }
    }
  }
  assert.ok(recorded.outcomes.length > 0);
});
