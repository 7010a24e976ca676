// The command-line tool's dispatch: finding the command and checking its
// arguments, and turning a failure into one line on standard error and an
// exit code (0 success, 1 the operation failed, 2 bad arguments).

import process from "node:process";
import { parseArgs } from "node:util";
import { InvalidUrlError } from "../errors.ts";
import { type Env, maskUrlPassword, urlPasswords } from "../url.ts";
import { UsageError } from "./args.ts";
import {
  commandHelp,
  COMMANDS,
  flag,
  GLOBAL,
  help,
  NAME,
  type Options,
} from "./commands.ts";
import { type Context, stdout, type Values } from "./context.ts";
import { printable } from "./display.ts";

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

/**
 * `text` with every secret and URL password replaced by `***`, and nothing
 * a terminal would act on (a message may quote stored text or an argument).
 */
function scrub(text: string, hidden: string[]): string {
  let clean = maskUrlPassword(text);
  for (const secret of hidden) clean = clean.split(secret).join("***");
  return printable(clean, { keepLineEnds: true });
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
    note: (line) =>
      void process.stderr.write(
        printable(line, { keepLineEnds: true }) + "\n",
      ),
  };
  return (await command.run(ctx)) ?? 0;
}
