// The commands that look after a store: prune, migrate, doctor.

import { existsSync } from "node:fs";
import { diagnoseStore } from "../maintenance/doctor.ts";
import { type PruneRules, pruneStore } from "../maintenance/prune.ts";
import { openFileSink } from "../maintenance/sink.ts";
import { SCHEMA_VERSION } from "../sql/schema.ts";
import { parseCount, parseStatus, parseTime, UsageError } from "./args.ts";
import { type Context, openStore, output, shownUrl } from "./context.ts";
import { bytes, count, fields, plural, time } from "./display.ts";
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
 * [--dry-run]`.
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

/** `doctor`: health, schema version, counts, size. Exit 1 on problems. */
export async function doctor(ctx: Context): Promise<number> {
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
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
            ? "-"
            : `${info.schemaVersion} (this module writes ${SCHEMA_VERSION})`,
        ],
        ["runs", count(info?.runs)],
        ["events", count(info?.events)],
        ["LLM calls", count(info?.llmUsage)],
        ["size", bytes(info?.sizeBytes)],
      ]) +
      (diagnosis.problems.length === 0
        ? "No problems found\n"
        : diagnosis.problems.map((p) => `Problem: ${p}\n`).join("")) +
      (diagnosis.notes ?? []).map((note) => `Note: ${note}\n`).join(""),
  );
  return diagnosis.problems.length === 0 ? 0 : 1;
}
