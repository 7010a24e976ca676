// The commands that look after a store: prune, compact, migrate, doctor.

import { existsSync } from "node:fs";
import { diagnoseStore } from "../maintenance/doctor.ts";
import { type PruneRules, pruneStore } from "../maintenance/prune.ts";
import { openFileSink } from "../maintenance/sink.ts";
import { SCHEMA_VERSION } from "../sql/schema.ts";
import { parseCount, parseStatus, parseTime, UsageError } from "./args.ts";
import { type Context, openStore, output, shownUrl } from "./context.ts";
import { bytes, fields, formatCount, plural, table, time } from "./display.ts";
import type { SpaceReport } from "../types.ts";
import { progressBar } from "./progress_bar.ts";
import { described } from "./transfer.ts";

/** The `--keep-*` ages of `prune`, as retention rules. */
function pruneRules(values: Context["values"]): PruneRules | undefined {
  const age = (option: string) => {
    const value = values[option];
    if (typeof value !== "string") return undefined;
    if (!/^\d+[smhdw]$/.test(value.trim())) {
      throw new UsageError(
        `--${option} expects an age such as 30d, 12h, 90m, 45s or 2w, got ${
          JSON.stringify(value)
        }`,
      );
    }
    return value.trim();
  };
  const runs = age("keep-runs");
  const errors = age("keep-errors");
  const orphans = age("keep-orphan-calls");
  const content = age("keep-content");
  const rules: PruneRules = {
    ...(runs === undefined ? {} : { runs }),
    ...(errors === undefined ? {} : { runsByStatus: { error: errors } }),
    ...(orphans === undefined ? {} : { orphanLlmCalls: orphans }),
    ...(content === undefined ? {} : { content }),
  };
  return Object.keys(rules).length === 0 ? undefined : rules;
}

/**
 * `prune [--older-than AGE [--status S]] [--keep-runs AGE] [--keep-errors
 * AGE] [--keep-orphan-calls AGE] [--keep-content AGE] [--archive FILE]
 * [--dry-run] [--vacuum]`.
 */
export async function prune(ctx: Context): Promise<void> {
  const values = ctx.values;
  const rules = pruneRules(values);
  if (typeof values["older-than"] !== "string" && rules === undefined) {
    throw new UsageError(
      "prune needs --older-than or a --keep-* rule, such as --older-than 30d or --keep-runs 30d",
    );
  }
  if (typeof values.status === "string" && !values["older-than"]) {
    throw new UsageError("--status goes with --older-than");
  }
  const now = new Date();
  const olderThan = typeof values["older-than"] === "string"
    ? parseTime("older-than", values["older-than"], now)
    : undefined;
  const dryRun = values["dry-run"] === true;
  const options = {
    ...(olderThan ? { olderThan } : {}),
    ...(rules ? { rules, now } : {}),
    dryRun,
    ...(typeof values.status === "string"
      ? { status: parseStatus(values.status) }
      : {}),
    ...(typeof values["batch-size"] === "string"
      ? { batchSize: parseCount("batch-size", values["batch-size"]) }
      : {}),
    vacuum: values.vacuum === true,
  };
  await using store = await openStore(ctx, values.db as string, {
    mustExist: true,
  });
  const archivePath = typeof values.archive === "string"
    ? values.archive
    : undefined;
  // A dry run writes nothing; an archive never replaces an older one.
  if (archivePath && existsSync(archivePath)) {
    throw new UsageError(
      `The archive ${archivePath} exists already; give a new file (an archive is never replaced)`,
    );
  }
  const archive = archivePath && !dryRun
    ? await openFileSink(archivePath, { exclusive: true })
    : undefined;
  const bar = progressBar(dryRun ? "Counting" : "Pruning", undefined);
  try {
    const result = await pruneStore(store, {
      ...options,
      ...(archive ? { archive } : {}),
      onProgress: (done) => bar.update(done.runs),
    });
    await archive?.close();
    bar.done();
    await output(ctx, { ...result, olderThan, dryRun }, () => {
      const lines = result.rules.map((rule) => {
        const what = rule.rule === "content"
          ? `the content of ${
            plural(rule.cleared.events, "event", "events")
          } and ${plural(rule.cleared.llmUsage, "LLM call", "LLM calls")}`
          : described(rule.removed);
        const verb = rule.rule === "content"
          ? (dryRun ? "Would clear" : "Cleared")
          : (dryRun ? "Would delete" : "Deleted");
        return `${verb} ${what} created before ${
          time(rule.before)
        } UTC (rule ${rule.rule})`;
      });
      if (olderThan) {
        const what = `${described(result.deleted)} of runs created before ${
          time(olderThan)
        } UTC${options.status ? ` with status ${options.status}` : ""}`;
        lines.unshift(
          dryRun
            ? `Would delete ${what}`
            : `Deleted ${what}, in ${
              plural(result.batches, "batch", "batches")
            }`,
        );
        if (!rules) lines.splice(1);
      } else if (!dryRun) {
        lines.push(`In ${plural(result.batches, "batch", "batches")}`);
      }
      if (archive) lines.push(`Archived to ${archivePath}`);
      if (result.sizeBefore !== null) {
        lines.push(
          dryRun
            ? `Database size: ${bytes(result.sizeBefore)}`
            : `Database size: ${bytes(result.sizeBefore)} before, ${
              bytes(result.sizeAfter)
            } after`,
        );
      }
      return lines.join("\n") + "\n";
    });
  } finally {
    bar.done();
    await archive?.close();
  }
}

/**
 * `compact [--incremental]`: give free space back. A whole-file VACUUM, or
 * with `--incremental` the one-time switch to incremental auto-vacuum (said
 * first, since it blocks writers), then bounded steps.
 */
export async function compact(ctx: Context): Promise<void> {
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
  });
  const incremental = ctx.values.incremental === true;
  const before = await store.getSpaceReport();
  const switching = incremental && before.autoVacuum !== null &&
    before.autoVacuum !== "incremental";
  if (switching) {
    ctx.note(
      `Switching to auto_vacuum=INCREMENTAL: a one-time VACUUM rewrites the whole file (${
        bytes(before.sizeBytes)
      }); writers of every process wait until it ends, and it needs that much free disk`,
    );
  } else if (!incremental && before.autoVacuum !== null) {
    ctx.note(
      "VACUUM rewrites the whole file; writers of every process wait until it ends",
    );
  }
  await store.compact({ incremental });
  const after = await store.getSpaceReport();
  await output(
    ctx,
    {
      incremental,
      switched: switching,
      autoVacuum: after.autoVacuum,
      sizeBefore: before.sizeBytes,
      sizeAfter: after.sizeBytes,
    },
    () =>
      (switching ? "Switched to auto_vacuum=INCREMENTAL\n" : "") +
      (after.sizeBytes === null
        ? "Nothing to give back: the store is in memory\n"
        : `Database size: ${bytes(before.sizeBytes)} before, ${
          bytes(after.sizeBytes)
        } after\n`),
  );
}

/** `migrate`: create or upgrade the schema. */
export async function migrate(ctx: Context): Promise<void> {
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: false,
  });
  await store.initializeSchema();
  const info = await store.getStoreInfo();
  await output(
    ctx,
    { backend: info.backend, schemaVersion: info.schemaVersion },
    () =>
      info.schemaVersion === null
        ? `Nothing to migrate: the ${info.backend} backend has no schema\n`
        : `Schema of ${
          shownUrl(ctx, ctx.values.db as string)
        } is at version ${info.schemaVersion}, the current one\n`,
  );
}

/** The space report's figures beside the size; those a backend has. */
function spaceFields(space: SpaceReport | undefined): [string, string][] {
  if (!space) return [];
  const entries: [string, string][] = [];
  if (space.walBytes !== null) entries.push(["WAL", bytes(space.walBytes)]);
  if (space.reclaimableBytes !== null) {
    entries.push(["reclaimable", bytes(space.reclaimableBytes)]);
  }
  if (space.autoVacuum !== null) {
    entries.push(["auto_vacuum", space.autoVacuum]);
  }
  return entries;
}

/** Size and growth per table over the last 7 days. */
function spaceTable(space: SpaceReport | undefined): string {
  if (!space) return "";
  return "\n" + table(
    ["table", "rows", "size", "rows/day", "growth/day"],
    space.tables.map((t) => [
      t.table,
      formatCount(t.rows),
      bytes(t.sizeBytes),
      formatCount(Math.round(t.rowsPerDay)),
      t.bytesPerDay === null ? "-" : bytes(t.bytesPerDay),
    ]),
    new Set([1, 2, 3, 4]),
  ) +
    "(growth: rows created per day over the last 7 days × the average row's size)\n";
}

/**
 * `doctor`: health, schema version, counts, size, space per table, WAL.
 * Exit 1 on problems; warnings alone leave it 0. It opens the store
 * read-only: a schema that needs creating or upgrading is reported, never
 * changed.
 */
export async function doctor(ctx: Context): Promise<number> {
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const diagnosis = await diagnoseStore(store);
  const info = diagnosis.info;
  await output(
    ctx,
    { url: shownUrl(ctx, ctx.values.db as string), ...diagnosis },
    () =>
      fields([
        ["database", shownUrl(ctx, ctx.values.db as string)],
        ["backend", store.backend],
        [
          "health",
          diagnosis.healthy
            ? `ok (answered in ${diagnosis.latencyMs} ms)`
            : "NOT ANSWERING",
        ],
        [
          "schema version",
          info?.schemaVersion == null
            ? (info && info.backend !== "memory" ? "none (no tables)" : "-")
            : `${info.schemaVersion} (this module writes ${SCHEMA_VERSION})`,
        ],
        ["runs", formatCount(info?.runs)],
        ["events", formatCount(info?.events)],
        ["LLM calls", formatCount(info?.llmUsage)],
        ["size", bytes(info?.sizeBytes)],
        ...spaceFields(diagnosis.space),
      ]) +
      spaceTable(diagnosis.space) +
      diagnosis.warnings.map((w) => `Warning: ${w}\n`).join("") +
      (diagnosis.problems.length === 0
        ? "No problems found\n"
        : diagnosis.problems.map((p) => `Problem: ${p}\n`).join("")) +
      (diagnosis.notes ?? []).map((note) => `Note: ${note}\n`).join(""),
  );
  return diagnosis.problems.length === 0 ? 0 : 1;
}
