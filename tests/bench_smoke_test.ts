// A tiny run of the benchmarks (bench/): it completes, and it prints and
// records every workload on every backend; likewise the web view's. It
// asserts nothing about time.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runBenchmark } from "../bench/benchmark.ts";
import { benchConfig } from "../bench/config.ts";
import { type Results, summary, writeResults } from "../bench/report.ts";
import { WORKLOADS } from "../bench/workloads.ts";
import {
  runWebBenchmark,
  webBenchConfig,
  webBenchTable,
} from "../bench/web.ts";
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

test("the web view's benchmark seeds, serves and times every request", async () => {
  const config = webBenchConfig(["--scale=0.001", "--repeat=2"]);
  // The browser row needs Chromium and seconds; the browser tests cover
  // the page itself.
  const result = await runWebBenchmark({ ...config, browser: false });
  assert.deepEqual(result.counts, { runs: 100, events: 1000, calls: 1000 });
  const table = webBenchTable(result);
  for (const filter of ["unfiltered", "by agent", "by status"]) {
    for (const page of ["first", "next"]) {
      assert.ok(table.includes(`| runs, ${filter}, ${page} page | 2 |`));
    }
  }
  assert.ok(table.includes("| usage, 7 days | 2 |"));
  assert.ok(table.includes("| usage, 30 days | 2 |"));
  for (const row of result.rows) {
    assert.ok(Number.isFinite(row.p95Ms) && row.p95Ms > 0, row.name);
  }
});
