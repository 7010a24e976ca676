// The command-line tool's commands: each one's arguments, options and
// summary, and the help text made from them.

import type { ParseArgsConfig } from "node:util";
import type { Context } from "./context.ts";
import { events, run, runs, usage } from "./inspect.ts";
import { stats } from "./stats.ts";
import { compact, doctor, migrate, prune } from "./maintain.ts";
import { repriceCommand } from "./reprice.ts";
import { copyCommand, exportCommand, importCommand } from "./transfer.ts";
import { ui } from "./ui.ts";
import { DEFAULT_PORT } from "../web/mod.ts";

/** Options as `parseArgs` takes them. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** One command: its place on the command line and what runs it. */
export interface Command {
  /** Arguments and options, after the command's name. */
  usage: string;
  summary: string;
  options: Options;
  /** Names of the required positional arguments. */
  arguments: string[];
  /** Whether `--json` is accepted. */
  json: boolean;
  run(ctx: Context): Promise<number | void>;
}

const text = (type = "string" as const) => ({ type });
/** A boolean option. */
export const flag = { type: "boolean" } as const;

/** Every command, by name, in the order the help lists them. */
export const COMMANDS: Record<string, Command> = {
  runs: {
    usage: "[--agent ID] [--status S] [--limit N]",
    summary: "A table of runs, newest first (default 20)",
    options: { agent: text(), status: text(), limit: text() },
    arguments: [],
    json: true,
    run: runs,
  },
  run: {
    usage: "RUN_ID",
    summary: "A run's fields, its event timeline and its LLM calls",
    options: {},
    arguments: ["RUN_ID"],
    json: true,
    run,
  },
  events: {
    usage: "RUN_ID [--type T]",
    summary: "A run's events in order",
    options: { type: text() },
    arguments: ["RUN_ID"],
    json: true,
    run: events,
  },
  usage: {
    usage: "[--agent ID] [--run ID] [--limit N]",
    summary: "LLM calls, newest first (default 20)",
    options: { agent: text(), run: text(), limit: text() },
    arguments: [],
    json: true,
    run: usage,
  },
  stats: {
    usage:
      "[--agent ID] [--since DATE|AGE] [--until DATE|AGE] [--by minute|hour|day|week|month] [--group model|provider|agent] [--tz ZONE] [--tools]",
    summary:
      "Run and LLM statistics by provider and model; --by: LLM usage per time bucket; --tools: calls per tool",
    options: {
      agent: text(),
      since: text(),
      until: text(),
      by: text(),
      group: text(),
      tz: text(),
      tools: flag,
    },
    arguments: [],
    json: true,
    run: stats,
  },
  export: {
    usage: "[--agent ID] [--since DATE|AGE] [--out FILE] [--format otlp]",
    summary: "Every run with its events and LLM calls, as JSON Lines",
    options: { agent: text(), since: text(), out: text(), format: text() },
    arguments: [],
    json: false,
    run: exportCommand,
  },
  import: {
    usage: "FILE [--format otlp]",
    summary:
      "Load an export file (- for standard input); adds only what is new",
    options: { format: text() },
    arguments: ["FILE"],
    json: true,
    run: importCommand,
  },
  copy: {
    usage: "--from URL --to URL",
    summary: "Copy a whole store into another and check the counts",
    options: { from: text(), to: text() },
    arguments: [],
    json: true,
    run: copyCommand,
  },
  prune: {
    usage:
      "[--older-than AGE|DATE [--status S]] [--keep-runs AGE] [--keep-errors AGE] [--keep-orphan-calls AGE] [--keep-content AGE] [--archive FILE] [--dry-run] [--batch-size N] [--vacuum]",
    summary: "Delete old runs with their events and LLM calls, in batches",
    options: {
      "older-than": text(),
      "keep-runs": text(),
      "keep-errors": text(),
      "keep-orphan-calls": text(),
      "keep-content": text(),
      status: text(),
      archive: text(),
      "dry-run": flag,
      "batch-size": text(),
      vacuum: flag,
    },
    arguments: [],
    json: true,
    run: prune,
  },
  reprice: repriceCommand,
  compact: {
    usage: "[--incremental]",
    summary:
      "Give free space back: a whole-file VACUUM, or --incremental to switch SQLite to bounded steps",
    options: { incremental: flag },
    arguments: [],
    json: true,
    run: compact,
  },
  migrate: {
    usage: "",
    summary: "Create or upgrade the schema",
    options: {},
    arguments: [],
    json: true,
    run: migrate,
  },
  ui: {
    usage: "[--port N] [--host H] [--token T]",
    summary:
      `A web view of runs, timelines and usage (default 127.0.0.1:${DEFAULT_PORT}) until Ctrl-C`,
    options: { port: text(), host: text(), token: text() },
    arguments: [],
    json: false,
    run: ui,
  },
  doctor: {
    usage: "",
    summary: "Health check, schema version, row counts and database size",
    options: {},
    arguments: [],
    json: true,
    run: doctor,
  },
};

/** The options every command takes. */
export const GLOBAL: Options = {
  db: text(),
  verbose: flag,
  help: { type: "boolean", short: "h" },
};

/** The tool's name in help and messages. */
export const NAME = "curio-persistence";

/** The help of the tool: every command and the common options. */
export function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return `Inspect, export, move and prune a @curio/persistence store.

Usage: ${NAME} <command> [options] [--db URL]

Commands:
${
    Object.entries(COMMANDS).map(([name, command]) =>
      `  ${name.padEnd(width)}  ${command.summary}`
    ).join("\n")
  }

Options of every command:
  --db URL     the store: memory:, sqlite:PATH or postgres://…; default
               DATABASE_URL, else sqlite:./agent_sdk.db
  --json       machine-readable output (all but export)
  --verbose    show the stack trace of an error
  -h, --help   this help, or a command's with ${NAME} <command> --help

Exit codes: 0 success, 1 the operation failed, 2 bad arguments.
`;
}

/** The help of one command. */
export function commandHelp(name: string, command: Command): string {
  return `Usage: ${NAME} ${name} ${command.usage} [--db URL]${
    command.json ? " [--json]" : ""
  }\n\n${command.summary}.\n`;
}
