// Child processes for the fault tests: the same runtime that runs the test
// (Deno, Node or Bun) runs a script of this folder, and the test reads what
// it prints, line by line.

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { denoRun } from "../_deno_child.ts";

/** The command line that runs `script` (a file of this folder) here. */
export function childCommand(script: string, args: string[]): string[] {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const runtime = "Deno" in globalThis
    ? [...denoRun("-A"), file]
    : "Bun" in globalThis
    ? [file]
    : ["--no-warnings", file];
  return [process.execPath, ...runtime, ...args];
}

/** A running child, its output as lines, and its exit. */
export interface Child {
  readonly process: ChildProcess;
  /** Every complete line printed so far. */
  readonly lines: string[];
  /** What it printed to stderr. */
  readonly stderr: () => string;
  /** Resolves with the first line that `match` accepts. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code (or the signal) once it has exited. */
  readonly exited: Promise<number | string>;
}

/** Starts `script` with `args` in this runtime. */
export function startChild(script: string, args: string[] = []): Child {
  const [command, ...rest] = childCommand(script, args);
  const child = spawn(command!, rest, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const lines: string[] = [];
  const waiting: {
    match: (line: string) => boolean;
    resolve: (line: string) => void;
  }[] = [];
  let partial = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiting]) {
        if (waiter.match(line)) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => stderr += chunk);
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => {
      if (partial !== "") lines.push(partial);
      partial = "";
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor(match) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiting.push({ match, resolve });
        exited.then(() =>
          reject(
            new Error(
              `The child exited before printing the line awaited: ${stderr}`,
            ),
          )
        );
      });
    },
  };
}

/** Runs `script` to its end; throws with its stderr when it fails. */
export async function runChild(
  script: string,
  args: string[] = [],
): Promise<string[]> {
  const child = startChild(script, args);
  const code = await child.exited;
  if (code !== 0) {
    throw new Error(
      `${script} ${args.join(" ")} exited with ${code}: ${child.stderr()}`,
    );
  }
  return child.lines;
}
