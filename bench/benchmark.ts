// Runs the workloads against each backend and gathers the results.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence, InMemoryPersistence } from "../mod.ts";
import type { BenchConfig } from "./config.ts";
import {
  openRawPostgres,
  openRawSqlite,
  type RawDatabase,
  SqlCapture,
} from "./raw.ts";
import { outcomes, type Results, rows } from "./report.ts";
import { type Sink, type Target, WORKLOADS } from "./workloads.ts";

/** A backend under test, with what it takes to close it. */
interface OpenTarget extends Target {
  versions: Record<string, string>;
  close(): Promise<void>;
}

function openMemory(): OpenTarget {
  const store = new InMemoryPersistence();
  return {
    backend: "memory",
    store,
    raw: undefined,
    honest: undefined,
    sql: undefined,
    clear: () => Promise.resolve(store.clearAll()),
    analyze: () => Promise.resolve(),
    close: () => store.close(),
    versions: {},
  };
}

/**
 * A SQL target: the store, a raw connection to the store's database to empty
 * it, and the raw driver on two databases of its own: the store's schema (the
 * same-SQL baseline) and the specification's alone (the honest baseline).
 */
async function sqlTarget(
  backend: "sqlite" | "postgres",
  parts: {
    store: Target["store"];
    admin: RawDatabase;
    raw: RawDatabase;
    honest: RawDatabase;
    schema: string;
    version: string;
    cleanup: () => Promise<void>;
  },
): Promise<OpenTarget> {
  const { store, admin, raw, honest } = parts;
  const [row] = await raw.query(parts.version);
  return {
    backend,
    store,
    raw,
    honest,
    sql: new SqlCapture(backend, parts.schema),
    async clear() {
      await admin.clear();
      await raw.clear();
      await honest.clear();
    },
    async analyze() {
      await admin.analyze();
      await raw.analyze();
    },
    async close() {
      await store.close();
      await raw.close();
      await honest.close();
      await parts.cleanup();
      await admin.close();
    },
    versions: { [backend]: String(Object.values(row!)[0]) },
  };
}

async function openSqlite(): Promise<OpenTarget> {
  const folder = mkdtempSync(join(tmpdir(), "curio-bench-"));
  const path = join(folder, "store.db");
  return sqlTarget("sqlite", {
    store: await createPersistence(`sqlite:${path}`),
    admin: await openRawSqlite(path, { schema: "none" }),
    raw: await openRawSqlite(join(folder, "raw.db"), { schema: "store" }),
    honest: await openRawSqlite(join(folder, "honest.db"), {
      schema: "specification",
    }),
    schema: "",
    version: "SELECT sqlite_version() AS version",
    cleanup: () => {
      rmSync(folder, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

async function openPostgres(url: string): Promise<OpenTarget> {
  const server = new URL(url);
  server.search = "";
  const base = server.toString();
  const prefix = `bench_${process.pid}_${Date.now().toString(36)}`;
  server.searchParams.set("schema", `${prefix}_store`);
  const admin = await openRawPostgres(base, `${prefix}_store`, {
    schema: "none",
  });
  return sqlTarget("postgres", {
    store: await createPersistence(server.toString()),
    admin,
    raw: await openRawPostgres(base, `${prefix}_raw`, { schema: "store" }),
    honest: await openRawPostgres(base, `${prefix}_honest`, {
      schema: "specification",
    }),
    schema: `${prefix}_raw`,
    version: "SHOW server_version",
    async cleanup() {
      for (const schema of ["store", "raw", "honest"]) {
        await admin.query(`DROP SCHEMA IF EXISTS ${prefix}_${schema} CASCADE`);
      }
    },
  });
}

/** The runtime this process runs on. */
export function runtime(): { name: string; version: string } {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return { name: "Bun", version: versions.bun };
  if (versions.deno) return { name: "Deno", version: versions.deno };
  return { name: "Node", version: versions.node ?? "unknown" };
}

/** What the run needs from its caller. */
export interface BenchOptions {
  config: BenchConfig;
  /** The PostgreSQL server's URL, asked for only when PostgreSQL is measured. */
  postgresUrl?: () => Promise<string>;
  /** Progress lines. */
  log?: (line: string) => void;
  /** The command that reproduces the run, for the record. */
  command?: string;
}

/** Runs every workload on every backend of `config`. */
export async function runBenchmark(options: BenchOptions): Promise<Results> {
  const { config } = options;
  const log = options.log ?? (() => {});
  const sink: Sink = { measurements: [], notes: [], progress: () => {} };
  const versions: Record<string, string> = {};
  for (const backend of config.backends) {
    let target: OpenTarget;
    if (backend === "memory") target = openMemory();
    else if (backend === "sqlite") target = await openSqlite();
    else {
      if (!options.postgresUrl) throw new Error("No PostgreSQL server given");
      target = await openPostgres(await options.postgresUrl());
    }
    Object.assign(versions, target.versions);
    try {
      for (const workload of WORKLOADS) {
        if (config.workloads && !config.workloads.includes(workload.id)) {
          continue;
        }
        const started = performance.now();
        sink.progress = (message) =>
          log(`  ${backend} ${workload.id}: ${message}`);
        log(`${backend} ${workload.id}: ${workload.title(config)}`);
        await workload.run(target, config, sink);
        log(
          `  ${backend} ${workload.id}: done in ${
            ((performance.now() - started) / 1000).toFixed(1)
          } s`,
        );
      }
    } finally {
      await target.close();
    }
  }
  const table = rows(sink.measurements);
  return {
    date: new Date().toISOString(),
    command: options.command ?? "",
    runtime: runtime(),
    versions,
    config,
    titles: Object.fromEntries(
      WORKLOADS.filter((w) => config.workloads?.includes(w.id) ?? true)
        .map((w) => [w.id, w.title(config)]),
    ),
    rows: table,
    outcomes: outcomes(table),
    notes: sink.notes,
  };
}
