// What every command gets: its parsed values, where to write, and how to
// open a store the way createPersistence would.

import { existsSync } from "node:fs";
import { once } from "node:events";
import process from "node:process";
import { PersistenceError } from "../errors.ts";
import { createPersistence } from "../factory.ts";
import type { TextSink } from "../maintenance/sink.ts";
import type { Persistence } from "../persistence.ts";
import { DEFAULT_URL, parseConnectionUrl, redact } from "../url.ts";

/** Parsed option values. */
export type Values = Record<string, string | boolean | undefined>;

/** A command's view of the world. */
export interface Context {
  values: Values;
  positionals: string[];
  /** `--json` was given. */
  json: boolean;
  /** Writes to standard output. */
  out: TextSink;
  /** Writes a line to standard error. */
  note(text: string): void;
}

/** Standard output as a sink that waits when the pipe is full. */
export const stdout: TextSink = {
  async write(text) {
    if (!process.stdout.write(text)) await once(process.stdout, "drain");
  },
};

/** `url`, or what createPersistence would use: DATABASE_URL, else the default. */
export function resolveUrl(url: string | undefined): string {
  return url ?? process.env.DATABASE_URL ?? DEFAULT_URL;
}

/**
 * Opens the store at `url` (see {@linkcode resolveUrl}). With `mustExist`, a
 * SQLite file that does not exist is an error rather than a new, empty
 * store: reading commands should not leave files behind.
 */
export async function openStore(
  url: string | undefined,
  mustExist: boolean,
): Promise<Persistence> {
  const resolved = resolveUrl(url);
  const target = parseConnectionUrl(resolved, process.env);
  if (
    mustExist && target.backend === "sqlite" && target.path !== ":memory:" &&
    !existsSync(target.path)
  ) {
    throw new PersistenceError(
      `No SQLite database at ${target.path} (give --db, or run migrate to create it)`,
    );
  }
  return await createPersistence(resolved);
}

/** A URL fit to print: no password. */
export function shownUrl(url: string | undefined): string {
  return redact(resolveUrl(url));
}

/** Writes `data` as JSON with `--json`, else what `human` makes of it. */
export async function output(
  ctx: Context,
  data: unknown,
  human: () => string,
): Promise<void> {
  await ctx.out.write(
    ctx.json ? JSON.stringify(data, null, 2) + "\n" : human(),
  );
}
