// What every command gets: its parsed values, where to write, and how to
// open a store the way createPersistence would.

import { existsSync } from "node:fs";
import { once } from "node:events";
import process from "node:process";
import { PersistenceError } from "../errors.ts";
import { openConnectionTarget } from "../factory.ts";
import type { TextSink } from "../maintenance/sink.ts";
import type { Persistence } from "../persistence.ts";
import type { ModelPriceInput } from "../types.ts";
import { printable } from "./display.ts";
import {
  type Env,
  maskUrlPassword,
  resolveConnectionTarget,
  resolveUrl,
} from "../url.ts";

/** Parsed option values. */
export type Values = Record<string, string | boolean | undefined>;

/** A command's view of the world. */
export interface Context {
  values: Values;
  positionals: string[];
  /** `--json` was given. */
  json: boolean;
  /** Where `DATABASE_URL` and the `DB_` variables are read. */
  env: Env;
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

/** How {@linkcode openStore} opens. */
export interface OpenOptions {
  /**
   * A SQLite file that does not exist is an error rather than a new, empty
   * store: reading commands should not leave files behind.
   */
  mustExist: boolean;
  /**
   * Opens the store in read-only mode: an inspecting command neither
   * migrates the schema nor writes anything, whatever it finds.
   */
  readOnly?: boolean;
  /** Prices of the store's own, as `createPersistence` takes them. */
  prices?: ModelPriceInput[];
}

/**
 * Opens the store at `url`, or where createPersistence would with no URL
 * (`DATABASE_URL` of the command's environment, else the default), through
 * the same resolution and the same opening as createPersistence.
 */
export async function openStore(
  ctx: Context,
  url: string | undefined,
  { mustExist, readOnly, prices }: OpenOptions,
): Promise<Persistence> {
  const target = resolveConnectionTarget(url, { env: ctx.env });
  if (
    mustExist && target.backend === "sqlite" && target.path !== ":memory:" &&
    !existsSync(target.path)
  ) {
    throw new PersistenceError(
      `No SQLite database at ${target.path} (give --db, or run migrate to create it)`,
    );
  }
  return await openConnectionTarget(target, {
    env: ctx.env,
    ...(readOnly ? { readOnly } : {}),
    ...(prices ? { prices } : {}),
  });
}

/** The URL {@linkcode openStore} opens for `url`, fit to print: no password. */
export function shownUrl(ctx: Context, url: string | undefined): string {
  return maskUrlPassword(resolveUrl(url, ctx.env));
}

/**
 * Writes `data` as JSON with `--json` (as stored: JSON escapes controls
 * itself), else what `human` makes of it, {@linkcode printable}.
 */
export async function output(
  ctx: Context,
  data: unknown,
  human: () => string,
): Promise<void> {
  await ctx.out.write(
    ctx.json
      ? JSON.stringify(data, null, 2) + "\n"
      : printable(human(), { keepLineEnds: true }),
  );
}
