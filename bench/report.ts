// Medians, ratios and the targets of issue 5, as a table and as JSON.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { BackendName, BenchConfig } from "./config.ts";
import type { Measurement, Sink } from "./workloads.ts";

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One row of the table: a measurement's medians and their ratio. */
export interface Row {
  workload: number;
  name: string;
  backend: BackendName;
  unit: "ms" | "MB";
  store: number;
  raw: number | undefined;
  /** Store median over raw median. */
  ratio: number | undefined;
  /** The raw driver sending the store's own SQL, where that differs. */
  sameSql?: number | undefined;
  /** Store median over that one's. */
  sameSqlRatio?: number | undefined;
  storeRuns: number[];
  rawRuns: number[] | undefined;
}

/** A target of issue 5 and what it came to. */
export interface Outcome {
  workload: number;
  backend: BackendName;
  target: string;
  value: number;
  limit: number;
  met: boolean;
}

/** Everything results.json holds. */
export interface Results {
  date: string;
  command: string;
  runtime: { name: string; version: string };
  versions: Record<string, string>;
  config: BenchConfig;
  titles: Record<number, string>;
  rows: Row[];
  outcomes: Outcome[];
  notes: Sink["notes"];
}

/** The rows of the measurements. */
export function rows(measurements: readonly Measurement[]): Row[] {
  return measurements.map((m) => {
    const store = median(m.store);
    const raw = m.raw && m.raw.length > 0 ? median(m.raw) : undefined;
    const sameSql = m.sameSql && m.sameSql.length > 0
      ? median(m.sameSql)
      : undefined;
    return {
      workload: m.workload,
      name: m.name,
      backend: m.backend,
      unit: m.unit,
      store,
      raw,
      ratio: raw === undefined || m.unit !== "ms" ? undefined : store / raw,
      sameSql,
      sameSqlRatio: sameSql === undefined ? undefined : store / sameSql,
      storeRuns: m.store,
      rawRuns: m.raw,
    };
  });
}

const SQL: BackendName[] = ["sqlite", "postgres"];
const ALL: BackendName[] = ["memory", "sqlite", "postgres"];

/** Each target of issue 5, for the backends it applies to. */
export function outcomes(table: readonly Row[]): Outcome[] {
  const find = (workload: number, name: string, backend: BackendName) =>
    table.find((r) =>
      r.workload === workload && r.name === name && r.backend === backend
    );
  const result: Outcome[] = [];
  const check = (
    workload: number,
    backends: BackendName[],
    target: string,
    measure: (backend: BackendName) => number | undefined,
    limit: number,
    atLeast = false,
  ) => {
    for (const backend of backends) {
      const value = measure(backend);
      if (value === undefined || Number.isNaN(value)) continue;
      const met = atLeast ? value >= limit : value <= limit;
      result.push({ workload, backend, target, value, limit, met });
    }
  };
  const ratio = (workload: number, name: string) => (backend: BackendName) =>
    find(workload, name, backend)?.ratio;
  /** The store's median of one measurement over another's. */
  const quotient =
    (over: [number, string], under: [number, string]) =>
    (backend: BackendName) => {
      const a = find(...over, backend)?.store;
      const b = find(...under, backend)?.store;
      return a && b && a / b;
    };
  const limits = (sqlite: number, postgres: number) =>
  (
    backend: BackendName,
  ) => backend === "sqlite" ? sqlite : postgres;
  for (
    const [workload, name] of [[1, "single writes"], [
      4,
      "usage writes",
    ]] as const
  ) {
    for (const backend of SQL) {
      check(
        workload,
        [backend],
        `ratio to raw autocommit insert ≤ ${limits(1.25, 1.15)(backend)}`,
        ratio(workload, name),
        limits(1.25, 1.15)(backend),
      );
    }
  }
  check(
    2,
    SQL,
    "ratio to raw batched insert ≤ 1.1",
    ratio(2, "batch writes"),
    1.1,
  );
  check(
    3,
    SQL,
    "throughput ≥ 5× workload 1",
    quotient([1, "single writes"], [3, "concurrent writes"]),
    5,
    true,
  );
  check(
    5,
    ALL,
    "peak RSS growth ≤ 64 MB",
    (backend) => find(5, "RSS growth", backend)?.store,
    64,
  );
  check(
    5,
    SQL,
    "ratio to raw converting keyset scan ≤ 1.5",
    ratio(5, "iterate"),
    1.5,
  );
  for (
    const name of ["latest 50 calls, one agent", "latest 50 calls, one run"]
  ) {
    check(6, SQL, `${name}: ratio to raw ≤ 1.5`, ratio(6, name), 1.5);
    for (const backend of SQL) {
      const limit = limits(1, 2)(backend);
      check(
        6,
        [backend],
        `${name}: median ≤ ${limit} ms`,
        (b) => find(6, name, b)?.store,
        limit,
      );
    }
  }
  check(6, SQL, "stats, all: ratio to raw ≤ 1.2", ratio(6, "stats, all"), 1.2);
  check(
    6,
    SQL,
    "stats, one agent: ratio to raw ≤ 1.2",
    ratio(6, "stats, one agent"),
    1.2,
  );
  check(
    7,
    ALL,
    "deep page ≤ 3× first page, iterator",
    quotient([7, "deep page, iterator"], [7, "first page, iterator"]),
    3,
  );
  check(
    8,
    ALL,
    "tokens only: ratio to cost given ≤ 1.15",
    ratio(8, "tokens only, vs cost given"),
    1.15,
  );
  return result;
}

function figure(value: number | undefined, unit = ""): string {
  if (value === undefined) return "—";
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)}${unit}`;
}

/** The table as Markdown, one row per measurement and backend. */
export function table(results: Results): string {
  const lines = [
    "| # | measurement | backend | store | raw driver | ratio | raw, store's SQL | ratio |",
    "|---|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of results.rows) {
    const unit = row.unit === "MB" ? " MB" : " ms";
    lines.push(
      `| ${row.workload} | ${row.name} | ${row.backend} | ${
        figure(row.store, unit)
      } | ${figure(row.raw, unit)} | ${
        row.ratio === undefined ? "—" : `${row.ratio.toFixed(2)}×`
      } | ${figure(row.sameSql, unit)} | ${
        row.sameSqlRatio === undefined ? "—" : `${row.sameSqlRatio.toFixed(2)}×`
      } |`,
    );
  }
  return lines.join("\n");
}

/** The targets as Markdown. */
export function targets(results: Results): string {
  const lines = [
    "| # | backend | target | value | outcome |",
    "|---|---|---|---:|---|",
  ];
  for (const o of results.outcomes) {
    lines.push(
      `| ${o.workload} | ${o.backend} | ${o.target} | ${
        o.target.includes("MB")
          ? figure(o.value, " MB")
          : o.target.endsWith(" ms")
          ? figure(o.value, " ms")
          : `${figure(o.value)}×`
      } | ${o.met ? "met" : "**missed**"} |`,
    );
  }
  return lines.join("\n");
}

/** Workload titles, the table, the targets and the notes, for a terminal. */
export function summary(results: Results): string {
  const titles = Object.entries(results.titles).map(([id, title]) =>
    `${id}. ${title}`
  );
  const notes = results.notes.map((n) =>
    `${n.backend}, ${n.name}:\n  ${n.text.replaceAll("\n", "\n  ")}`
  );
  return [
    `Benchmark on ${results.runtime.name} ${results.runtime.version}, ${results.date}`,
    `Medians of ${results.config.repeat} runs.`,
    "",
    ...titles,
    "",
    table(results),
    "",
    targets(results),
    "",
    ...notes,
  ].join("\n");
}

/** Writes `results` as JSON to `path`, creating its folder. */
export function writeResults(path: string, results: Results): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
}
