/**
 * A batch of 1,000 LLM calls (`logLlmUsages`, ~2 KB prompt and response
 * each) on a SQLite file with the store's settings, beside the same batch on
 * the store of a `--before` checkout (its own file), alternating in short
 * blocks: what a change to the LLM calls' table or indexes costs a batch.
 *
 * ```sh
 * npx -y deno@2 run -A bench/usage_batch_profile.ts --before=/tmp/before
 * npx -y node@24 bench/usage_batch_profile.ts --before=/tmp/before --blocks=20
 * ```
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPersistence, type Persistence } from "../mod.ts";
import { filler, usageInput } from "./data.ts";
import { flag, openBefore, profile } from "./profile.ts";

const BATCH = flag("batch", 1000);
const BLOCKS = flag("blocks", 30);
const PER_BLOCK = flag("count", 2);
const TEXT_BYTES = flag("textBytes", 2048);

const texts = Array.from({ length: 16 }, (_, i) => filler(TEXT_BYTES, i));
let next = 0;
/** A fresh batch: every call its own agent, run and time order. */
const batch = () =>
  Array.from(
    { length: BATCH },
    () => usageInput(next, texts[next++ % texts.length]!, 50, 1000, false),
  );

const folder = mkdtempSync(join(tmpdir(), "curio-usage-batch-"));
const stores: [string, Persistence][] = [[
  "store.logLlmUsages",
  await createPersistence(`sqlite:${join(folder, "store.db")}`),
]];
const before = await openBefore(`sqlite:${join(folder, "before.db")}`);
if (before) stores.push(["before: store.logLlmUsages", before]);
try {
  await profile(
    stores.map(([name, store]) => [name, () => store.logLlmUsages(batch())]),
    [],
    {
      blocks: BLOCKS,
      count: PER_BLOCK,
      title: `${BLOCKS} blocks of ${PER_BLOCK} batches of ${BATCH} LLM calls ` +
        "per form, medians (µs per batch)",
      baseline: stores.at(-1)![0],
      width: 30,
      digits: 0,
    },
  );
} finally {
  for (const [, store] of stores) await store.close();
  rmSync(folder, { recursive: true, force: true });
}
