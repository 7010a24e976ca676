// The backends a test file runs on: memory, a SQLite file, and PostgreSQL in
// a fresh schema when a server is there. (The conformance suite is called
// per backend by files of its own.)

import { createPersistence, type Persistence } from "../mod.ts";
import type { StoreOptions } from "../src/types.ts";
import { openFreshPostgres, postgresUrl } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

/** Opens a fresh, empty store. */
export type Open = (options?: StoreOptions) => Promise<Persistence>;

/** Each backend's name and how to open a fresh store on it. */
export const BACKENDS: [string, Open][] = [
  ["memory", (options) => createPersistence("memory:", options)],
  ["sqlite", (options) => createPersistence(`sqlite:${tempPath()}`, options)],
  ...(postgresUrl ? [["postgres", openFreshPostgres] as [string, Open]] : []),
];
