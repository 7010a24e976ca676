/**
 * What a lone write costs SQLite alone, before any of the store's code: the
 * same autocommit INSERT through the driver on files that differ in one
 * setting each (schema, `auto_vacuum`, page size; for events, the event's
 * type, the store's tool-event index as of now or of version 8, and its
 * timestamp trigger), timed in alternating blocks, with the bytes each file
 * holds per row at the end.
 * The floor under the store's ratio to the honest baseline.
 *
 * ```sh
 * npx -y deno@2 run -A bench/lone_write_floor.ts             # LLM calls
 * npx -y deno@2 run -A bench/lone_write_floor.ts --events
 * npx -y node@24 bench/lone_write_floor.ts --blocks=30
 * ```
 *
 * @module
 */

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { schemaSql } from "../mod.ts";
import { EVENTS, USAGE } from "../src/sql/tables.ts";
import { TOOL_EVENTS } from "../src/sql/tool_events.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import {
  eventInput,
  eventParams,
  filler,
  usageInput,
  usageParams,
} from "./data.ts";
import { flag, printMedians, timeInBlocks } from "./profile.ts";
import { plainInsert, specificationSchema } from "./raw.ts";

const COUNT = flag("count", 200);
const BLOCKS = flag("blocks", 30);
const EVENT_ROWS = process.argv.includes("--events");
const TOOL_EVENT = "action_execution_completed";

/** One file's settings. */
interface FileForm {
  name: string;
  schema: string[];
  pageSize?: number;
  incremental: boolean;
  eventType?: string;
}

const store = schemaSql("sqlite");
const spec = specificationSchema("sqlite", "");
const without = (pattern: RegExp) => store.filter((s) => !pattern.test(s));
const HONEST = "spec schema, 4 KB pages, no auto_vacuum (honest)";
/** The tool events' index before version 9 added the statistics' expressions. */
const VERSION_8_TOOLS_INDEX =
  `CREATE INDEX IF NOT EXISTS idx_events_tools ON agent_run_events (timestamp, agent_id) WHERE ${TOOL_EVENTS}`;

const forms: FileForm[] = EVENT_ROWS
  ? [
    { name: `${HONEST}, tool event`, schema: spec, incremental: false },
    { name: "store file, tool event", schema: store, incremental: true },
    {
      name: "store file, other event",
      schema: store,
      incremental: true,
      eventType: "agent_step",
    },
    {
      name: "store file without idx_events_tools, tool event",
      schema: without(/idx_events_tools/),
      incremental: true,
    },
    {
      name: "store file with version 8's idx_events_tools, tool event",
      schema: store.map((statement) =>
        /idx_events_tools/.test(statement) ? VERSION_8_TOOLS_INDEX : statement
      ),
      incremental: true,
    },
    {
      name: "store file without the insert trigger, tool event",
      schema: without(/TRIGGER IF NOT EXISTS curio_agent_run_events_utc_in/),
      incremental: true,
    },
  ]
  : [
    { name: HONEST, schema: spec, incremental: false },
    { name: "spec schema, incremental", schema: spec, incremental: true },
    {
      name: "spec schema, 8 KB pages",
      schema: spec,
      pageSize: 8192,
      incremental: false,
    },
    {
      name: "store schema, incremental (the store's file)",
      schema: store,
      incremental: true,
    },
    {
      name: "store schema, incremental, 8 KB pages",
      schema: store,
      pageSize: 8192,
      incremental: true,
    },
    {
      name: "store schema, incremental, 16 KB pages",
      schema: store,
      pageSize: 16384,
      incremental: true,
    },
  ];

const folder = mkdtempSync(join(tmpdir(), "curio-floor-"));
const texts = Array.from({ length: 16 }, (_, i) => filler(2048, i));
const table = EVENT_ROWS ? "agent_run_events" : "agent_llm_usage";
const sql = plainInsert(table, EVENT_ROWS ? EVENTS : USAGE, 1);

const opened = await Promise.all(forms.map(async (form, n) => {
  const path = join(folder, `${n}.db`);
  const db = await openSqliteDatabase(path);
  // Both hold only before the first table is created.
  if (form.pageSize) db.exec(`PRAGMA page_size = ${form.pageSize}`);
  if (form.incremental) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  for (const statement of form.schema) db.exec(statement);
  db.exec("INSERT INTO agent_runs (agent_id, run_id) VALUES ('a', 'r')");
  const statement = db.prepare(sql);
  const params = EVENT_ROWS
    ? (i: number) =>
      eventParams({
        ...eventInput("r", i, false),
        eventType: form.eventType ?? TOOL_EVENT,
      })
    : (i: number) => usageParams(usageInput(i, texts[i % 16]!, 10, 10, false));
  return { path, db, write: (i: number) => statement.run(...params(i)) };
}));

try {
  const results = await timeInBlocks(
    forms.map((form, n) => [form.name, opened[n]!.write]),
    [],
    { blocks: BLOCKS, count: COUNT },
  );
  console.log(
    `${BLOCKS} blocks of ${COUNT} ${
      EVENT_ROWS ? "events" : "LLM calls"
    } per file, medians (µs per write)`,
  );
  printMedians(results, forms[0]!.name, { width: 62, digits: 1 });
  console.log("\nbytes on disk per row (after a checkpoint)");
  for (const [n, form] of forms.entries()) {
    opened[n]!.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const bytes = statSync(opened[n]!.path).size / (BLOCKS * COUNT);
    console.log(`${form.name.padEnd(62)} ${bytes.toFixed(0).padStart(9)}`);
  }
} finally {
  for (const { db } of opened) db.close();
  rmSync(folder, { recursive: true, force: true });
}
