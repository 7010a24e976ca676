// The command-line tool: which commands exist, their options, and how a
// failure becomes one line on standard error and an exit code (0 success,
// 1 the operation failed, 2 bad arguments).

import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InvalidUrlError } from "../errors.ts";
import { type Env, maskUrlPassword, urlPasswords } from "../url.ts";
import { UsageError } from "./args.ts";
import { type Context, stdout, type Values } from "./context.ts";
import { events, run, runs, stats, usage } from "./inspect.ts";
import { doctor, migrate, prune } from "./maintain.ts";
import { copyCommand, exportCommand, importCommand } from "./transfer.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface Command {
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
const flag = { type: "boolean" } as const;

const COMMANDS: Record<string, Command> = {
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
    usage: "[--agent ID]",
    summary: "Run and LLM statistics, with a breakdown by provider and model",
    options: { agent: text() },
    arguments: [],
    json: true,
    run: stats,
  },
  export: {
    usage: "[--agent ID] [--since DATE|AGE] [--out FILE]",
    summary: "Every run with its events and LLM calls, as JSON Lines",
    options: { agent: text(), since: text(), out: text() },
    arguments: [],
    json: false,
    run: exportCommand,
  },
  import: {
    usage: "FILE",
    summary:
      "Load an export file (- for standard input); adds only what is new",
    options: {},
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
      "--older-than AGE|DATE [--status S] [--archive FILE] [--dry-run] [--batch-size N]",
    summary: "Delete old runs with their events and LLM calls, in batches",
    options: {
      "older-than": text(),
      status: text(),
      archive: text(),
      "dry-run": flag,
      "batch-size": text(),
    },
    arguments: [],
    json: true,
    run: prune,
  },
  migrate: {
    usage: "",
    summary: "Create or upgrade the schema",
    options: {},
    arguments: [],
    json: true,
    run: migrate,
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

const GLOBAL: Options = {
  db: text(),
  verbose: flag,
  help: { type: "boolean", short: "h" },
};

const NAME = "curio-persistence";

function help(): string {
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

function commandHelp(name: string, command: Command): string {
  return `Usage: ${NAME} ${name} ${command.usage} [--db URL]${
    command.json ? " [--json]" : ""
  }\n\n${command.summary}.\n`;
}

/** How {@linkcode main} runs. */
export interface MainOptions {
  /**
   * Where `DATABASE_URL`, `DB_PASSWORD` and the other `DB_` variables are
   * read; default the process environment.
   */
  env?: Env;
}

/** The secrets a message must not show: passwords of the URLs given. */
function secrets(args: string[], env: Env): string[] {
  const found = new Set<string>();
  if (env.DB_PASSWORD) found.add(env.DB_PASSWORD);
  for (const text of [...args, env.DATABASE_URL ?? ""]) {
    for (const password of urlPasswords(text)) found.add(password);
  }
  return [...found];
}

/** `text` with every secret and URL password replaced by `***`. */
function scrub(text: string, hidden: string[]): string {
  let clean = maskUrlPassword(text);
  for (const secret of hidden) clean = clean.split(secret).join("***");
  return clean;
}

/**
 * Runs the tool with `args` (without the program's name) and returns the
 * exit code. Output goes to standard output, errors and progress to
 * standard error.
 */
export async function main(
  args: string[],
  options: MainOptions = {},
): Promise<number> {
  const env = options.env ?? process.env;
  const hidden = secrets(args, env);
  const verbose = args.includes("--verbose");
  try {
    return await dispatch(args, env);
  } catch (error) {
    const usage = error instanceof UsageError ||
      error instanceof InvalidUrlError ||
      String((error as { code?: unknown })?.code).startsWith("ERR_PARSE_ARGS");
    const message = error instanceof Error ? error.message : String(error);
    const oneLine = message.split("\n")[0]!.trim();
    process.stderr.write(
      `error: ${scrub(oneLine, hidden)}${
        usage ? ` (see ${NAME} --help)` : ""
      }\n`,
    );
    if (verbose && error instanceof Error && error.stack) {
      process.stderr.write(scrub(error.stack, hidden) + "\n");
      if (error.cause instanceof Error && error.cause.stack) {
        process.stderr.write(
          `caused by: ${scrub(error.cause.stack, hidden)}\n`,
        );
      }
    }
    return usage ? 2 : 1;
  }
}

async function dispatch(args: string[], env: Env): Promise<number> {
  // First find the command, knowing every option; then parse strictly with
  // the command's own.
  const everything: Options = { ...GLOBAL, json: flag };
  for (const command of Object.values(COMMANDS)) {
    Object.assign(everything, command.options);
  }
  const loose = parseArgs({
    args,
    options: everything,
    strict: false,
    allowPositionals: true,
  });
  const name = loose.positionals[0];
  if (name === undefined || name === "help") {
    const topic = loose.positionals[1];
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) {
      process.stdout.write(commandHelp(topic, COMMANDS[topic]!));
      return 0;
    }
    process.stdout.write(help());
    return name === undefined && !loose.values.help ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new UsageError(`Unknown command: ${name}`);
  }
  const command = COMMANDS[name]!;
  const parsed = parseArgs({
    args,
    options: {
      ...GLOBAL,
      ...(command.json ? { json: flag } : {}),
      ...command.options,
    },
    strict: true,
    allowPositionals: true,
  });
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  if (values.help) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  const given = positionals.slice(1);
  if (given.length < command.arguments.length) {
    throw new UsageError(
      `${name} needs ${
        command.arguments.join(" ")
      }: ${NAME} ${name} ${command.usage}`,
    );
  }
  if (given.length > command.arguments.length) {
    throw new UsageError(
      `${name} does not take ${
        given.slice(command.arguments.length).join(" ")
      }`,
    );
  }
  const ctx: Context = {
    values,
    positionals: given,
    json: values.json === true,
    env,
    out: stdout,
    note: (line) => void process.stderr.write(line + "\n"),
  };
  return (await command.run(ctx)) ?? 0;
}
