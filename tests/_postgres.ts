// Where the PostgreSQL tests find a server: TEST_POSTGRES_URL, which the test
// command (tools/test.ts) sets after starting a throwaway server. Run by hand
// without it, the PostgreSQL tests are skipped with a loud notice; with
// CI=true a missing server is a failure, never a skip.

import {
  createPersistence,
  type Persistence,
  type StoreOptions,
} from "../mod.ts";

const url = process.env.TEST_POSTGRES_URL;

if (!url) {
  const message =
    "TEST_POSTGRES_URL is not set: the PostgreSQL tests cannot run. " +
    "Run the whole suite with `npx -y deno@2 task test`, which starts a server.";
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! SKIPPING POSTGRESQL TESTS !!!\n${message}\n`);
}

/** The test server's URL, or undefined when the tests are to be skipped. */
export const postgresUrl: string | undefined = url;

/** `{ skip }` for node:test when there is no server. */
export const skipWithoutPostgres = { skip: url ? false : "no PostgreSQL" };

let counter = 0;

/** A schema name no other test or process uses. */
export function uniqueSchema(prefix = "t"): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

/** The test server's URL with `schema` (and other parameters) set. */
export function postgresUrlWith(params: Record<string, string>): string {
  const target = new URL(url!);
  for (const [key, value] of Object.entries(params)) {
    target.searchParams.set(key, value);
  }
  return target.toString();
}

/** Opens a store in a fresh schema of its own. */
export function openFreshPostgres(
  options: StoreOptions = {},
): Promise<Persistence> {
  return createPersistence(
    postgresUrlWith({ schema: uniqueSchema() }),
    options,
  );
}
