// The commands that move records: export, import, copy.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import process from "node:process";
import { copyStore } from "../maintenance/copy.ts";
import { exportStore } from "../maintenance/export.ts";
import { importLines } from "../maintenance/import.ts";
import { splitLines } from "../maintenance/lines.ts";
import { totalRecords } from "../maintenance/run_reader.ts";
import { openFileSink } from "../maintenance/sink.ts";
import { exportOtlp } from "../otel/otlp_json.ts";
import { importOtlp } from "../otel/otlp_read.ts";
import type { RecordCounts } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { parseId, parseTime, UsageError } from "./args.ts";
import { type Context, openStore, output, stdout } from "./context.ts";
import { plural, printable } from "./display.ts";
import { progressBar } from "./progress_bar.ts";

/** `1 run, 16 events, 3 LLM calls`. */
export function described(counts: RecordCounts): string {
  return `${plural(counts.runs, "run")}, ${plural(counts.events, "event")}, ${
    plural(counts.llmUsage, "LLM call")
  }`;
}

/** Everything the store holds, for a progress bar's total. */
async function storeTotal(store: Persistence): Promise<number> {
  return totalRecords(await store.getStoreInfo());
}

/** Whether `--format otlp` is asked for (the default is JSON Lines). */
function isOtlp(ctx: Context): boolean {
  const { format } = ctx.values;
  if (format === undefined || format === "jsonl") return false;
  if (format === "otlp") return true;
  throw new UsageError(
    `--format must be jsonl or otlp, not ${JSON.stringify(format)}`,
  );
}

/** `export [--agent ID] [--since DATE] [--out FILE] [--format otlp]`. */
export async function exportCommand(ctx: Context): Promise<void> {
  const { agent, since, out } = ctx.values;
  const write = isOtlp(ctx) ? exportOtlp : exportStore;
  const options = {
    ...(typeof agent === "string"
      ? { agentId: parseId("--agent", agent) }
      : {}),
    ...(typeof since === "string"
      ? { since: parseTime("since", since, new Date()) }
      : {}),
  };
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const filtered = options.agentId !== undefined || options.since !== undefined;
  const bar = progressBar(
    "Exporting",
    filtered ? undefined : await storeTotal(store),
  );
  const file = typeof out === "string" ? await openFileSink(out) : undefined;
  try {
    const counts = await write(store, file ?? stdout, {
      ...options,
      onProgress: (done) => bar.update(totalRecords(done)),
    });
    await file?.close();
    bar.done();
    // With the records on standard output, the report goes to standard error.
    const report = `Exported ${described(counts)}${file ? ` to ${out}` : ""}`;
    if (file) await ctx.out.write(printable(report) + "\n");
    else ctx.note(report);
  } finally {
    bar.done();
    await file?.close();
  }
}

/** The lines of a file (or standard input for `-`), with bytes read so far. */
async function readLines(
  path: string,
  onBytes: (bytes: number) => void,
): Promise<AsyncIterable<string>> {
  if (path !== "-") {
    // Fail now, with a clear message, rather than on the first read.
    await stat(path);
  }
  const input = path === "-" ? process.stdin : createReadStream(path);
  return splitLines(counted(input, onBytes));
}

/** The chunks of `input`, reporting the bytes read so far. */
async function* counted(
  input: AsyncIterable<Buffer | string>,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Buffer | string, void, undefined> {
  let bytes = 0;
  for await (const chunk of input) {
    bytes += chunk.length;
    onBytes(bytes);
    yield chunk;
  }
}

/** `import FILE [--format otlp]`. */
export async function importCommand(ctx: Context): Promise<void> {
  const path = ctx.positionals[0]!;
  const otlp = isOtlp(ctx);
  const size = path === "-" ? undefined : (await stat(path).catch(() => {
    throw new UsageError(`Cannot read ${path}: no such file`);
  })).size;
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: false,
  });
  const bar = progressBar("Importing", size);
  try {
    const lines = await readLines(path, (bytes) => bar.update(bytes));
    if (otlp) {
      const result = await importOtlp(store, lines, {
        onWarning: (kind, message) => ctx.note(`${kind}: ${message}`),
      });
      bar.done();
      await output(
        ctx,
        result,
        () =>
          `Imported ${path === "-" ? "standard input" : path}: ${
            plural(result.spans, "span")
          } read; added ${described(result.added)}; ` +
          `already stored ${plural(result.skippedRuns, "run")}\n`,
      );
      return;
    }
    const result = await importLines(store, lines);
    bar.done();
    await output(
      ctx,
      result,
      () =>
        `Imported ${path === "-" ? "standard input" : path}: added ${
          described(result.added)
        }; ` +
        `already stored ${described(result.skipped)}\n`,
    );
  } finally {
    bar.done();
  }
}

/** `copy --from URL --to URL`. */
export async function copyCommand(ctx: Context): Promise<void> {
  const { from, to } = ctx.values;
  if (typeof from !== "string" || typeof to !== "string") {
    throw new UsageError("copy needs both --from URL and --to URL");
  }
  await using source = await openStore(ctx, from, { mustExist: true });
  await using target = await openStore(ctx, to, { mustExist: false });
  const bar = progressBar("Copying", await storeTotal(source));
  try {
    const result = await copyStore(source, target, {
      onProgress: (done) => bar.update(totalRecords(done)),
    });
    bar.done();
    await output(
      ctx,
      result,
      () =>
        `Copied ${described(result.added)} (${
          described(result.skipped)
        } were there already)\n` +
        `Source holds ${described(result.source)}\n` +
        `Target holds ${described(result.target)}\n`,
    );
  } finally {
    bar.done();
  }
}
