/**
 * The store's own CPU per lone write, with no database work: `Store` over
 * `SqlBackend` over a `SqliteConnection` whose statements only count, so
 * that validation, the returned record, encoding, the group commit and the
 * promise layers are all that is timed. With `--before=FOLDER` (another
 * checkout of this repository) its store is timed beside this one's in the
 * same alternating blocks.
 *
 * ```sh
 * npx -y deno@2 run -A bench/lone_write_cpu.ts --before=/tmp/before
 * npx -y node@24 bench/lone_write_cpu.ts
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Persistence } from "../mod.ts";
import type { UsageRecord } from "../src/core/records.ts";
import { eventInput, filler, usageInput } from "./data.ts";
import {
  BEFORE,
  flag,
  type Form,
  printMedians,
  timeInBlocks,
} from "./profile.ts";

const COUNT = flag("count", 5000);
const BLOCKS = flag("blocks", 40);

interface Tree {
  store: Persistence;
  insertUsage: (records: UsageRecord[]) => Promise<number[]>;
  usageRecord: (input: unknown, now: Date) => UsageRecord;
}

/** The store of the checkout at `root`, over a database that does nothing. */
async function storeOf(root: string): Promise<Tree> {
  const load = (path: string) => import(join(root, path));
  const { Store } = await load("src/core/store.ts");
  const { SqlBackend } = await load("src/sql/backend.ts");
  const { SqliteConnection } = await load("src/sqlite/connection.ts");
  const { sqliteDialect } = await load("src/sqlite/dialect.ts");
  const { usageRecord } = await load("src/core/records.ts");
  let lastId = 0;
  const database = {
    prepare: () => ({
      run: () => ({ lastInsertRowid: ++lastId, changes: 1 }),
      all: () => [],
    }),
    exec() {},
    close() {},
  };
  const backend = new SqlBackend(sqliteDialect, new SqliteConnection(database));
  return {
    store: new Store(backend),
    insertUsage: (records) => backend.insertUsage(records),
    usageRecord,
  };
}

const trees: [string, Tree][] = [
  ["this tree", await storeOf(fileURLToPath(new URL("..", import.meta.url)))],
];
if (BEFORE !== undefined) trees.unshift(["before", await storeOf(BEFORE)]);

const texts = Array.from({ length: 16 }, (_, i) => filler(2048, i));
const calls = Array.from(
  { length: 256 },
  (_, i) => usageInput(i, texts[i % 16]!, 10, 10, false),
);
const events = Array.from({ length: 256 }, (_, i) => eventInput("r", i, false));

const forms: Form[] = trees.flatMap(([label, tree]) => {
  const record = tree.usageRecord(calls[0]!, new Date());
  return [
    [`${label}: logLlmUsage`, (i) => tree.store.logLlmUsage(calls[i & 255]!)],
    [
      `${label}: logAgentRunEvent`,
      (i) => tree.store.logAgentRunEvent(events[i & 255]!),
    ],
    [`${label}: SqlBackend.insertUsage`, () => tree.insertUsage([record])],
    [
      `${label}: usageRecord`,
      (i) => tree.usageRecord(calls[i & 255]!, new Date()),
    ],
  ] satisfies Form[];
});
const results = await timeInBlocks(forms, [], {
  blocks: BLOCKS,
  count: COUNT,
});
console.log(`${BLOCKS} blocks of ${COUNT} calls per form, medians (µs)`);
printMedians(results, forms[0]![0], { width: 36, digits: 2 });
