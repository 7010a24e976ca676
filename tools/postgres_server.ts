/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary folder,
 * `pg_ctl start` on a free loopback port with trust authentication, and
 * everything stopped and removed afterwards.
 *
 * Uses only `node:` modules, so it works from Deno, Node and Bun alike (the
 * test command uses it from Deno; a test file may use it on any runtime).
 *
 * - The binaries come from the highest `/usr/lib/postgresql/<version>/bin`,
 *   else from `PATH` (`initdb` and `pg_ctl` next to each other).
 * - Running as root, the cluster is owned by and run as the `postgres` user
 *   (PostgreSQL refuses to run as root), through `runuser` or `su`.
 * - The server listens on 127.0.0.1 only, with its unix socket inside the
 *   temporary folder, so it never meets another server on the machine.
 * - Durability is switched off (`fsync`, `synchronous_commit`,
 *   `full_page_writes`): fine for tests, wrong for anything else.
 *
 * @example Start, use, remove
 * ```ts ignore
 * import { startPostgres } from "./tools/postgres_server.ts";
 *
 * await using server = await startPostgres();
 * console.log(server.url); // postgres://postgres@127.0.0.1:54321/postgres
 * ```
 *
 * @example Fault injection: stop the server mid-workload, start it again
 * ```ts ignore
 * const server = await startPostgres();
 * try {
 *   await server.shutdown("immediate"); // or "fast"; the data stays
 *   // ... the store's operations fail with a connection error now ...
 *   await server.start(); // same port, same data
 * } finally {
 *   await server.stop(); // stop and remove for good
 * }
 * ```
 *
 * Run directly (`deno run -A tools/postgres_server.ts`) it starts a server,
 * prints its URL and keeps it until Ctrl-C.
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { appendFile, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";

/** How `pg_ctl stop` stops the server (see `pg_ctl --help`). */
export type ShutdownMode = "smart" | "fast" | "immediate";

/** A running throwaway server, made by {@linkcode startPostgres}. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The loopback port; the same after {@linkcode PostgresServer.start}. */
  readonly port: number;
  /** The cluster's data directory (inside {@linkcode PostgresServer.baseDir}). */
  readonly dataDir: string;
  /** The temporary folder holding data, socket and log; removed by `stop()`. */
  readonly baseDir: string;
  /** The server's log file. */
  readonly logFile: string;
  /** Whether the server is running, as far as this object knows. */
  readonly running: boolean;
  /** Stops the server (default mode `fast`), keeping its data for `start()`. */
  shutdown(mode?: ShutdownMode): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  start(): Promise<void>;
  /** `shutdown(mode)` then `start()`. */
  restart(mode?: ShutdownMode): Promise<void>;
  /** Stops the server and removes its folder. Safe to call more than once. */
  stop(): Promise<void>;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): string;
  /** The same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options for {@linkcode startPostgres}. */
export interface StartPostgresOptions {
  /** Folder with `initdb` and `pg_ctl`; found by {@linkcode findPostgresBin} when absent. */
  binDir?: string;
  /** Extra `postgresql.conf` settings, e.g. `{ max_connections: "300" }`. */
  settings?: Record<string, string>;
  /** Seconds to wait for start and stop; default 60. */
  timeoutSeconds?: number;
}

/** Thrown when no PostgreSQL binaries are found or the server fails to start. */
export class PostgresServerError extends Error {
  override name = "PostgresServerError";
}

/**
 * The folder holding `initdb` and `pg_ctl`: the highest-versioned
 * `/usr/lib/postgresql/<version>/bin`, else the first `PATH` entry that has
 * both; `undefined` when there is none.
 */
export function findPostgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, "bin");
      if (hasBinaries(bin)) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && hasBinaries(dir)) return dir;
  }
  return undefined;
}

function hasBinaries(dir: string): boolean {
  return existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
}

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() =>
        port ? resolve(port) : reject(new Error("no port assigned"))
      );
    });
  });
}

interface RunResult {
  code: number | null;
  output: string;
}

/** The command line that runs `argv` as the cluster's owner. */
function asOwner(argv: string[], asPostgres: boolean): string[] {
  if (!asPostgres) return argv;
  if (existsSync("/usr/sbin/runuser") || existsSync("/sbin/runuser")) {
    return ["runuser", "-u", "postgres", "--", ...argv];
  }
  const quoted = argv.map(shellQuote).join(" ");
  return ["su", "postgres", "-s", "/bin/sh", "-c", quoted];
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function run(argv: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const [command, ...args] = argv as [string, ...string[]];
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", LANG: "C" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ code: -1, output: String(error) }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

function postgresIds(): { uid: number; gid: number } {
  const passwd = readFileSync("/etc/passwd", "utf8");
  for (const line of passwd.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === "postgres") return { uid: Number(uid), gid: Number(gid) };
  }
  throw new PostgresServerError(
    "running as root, but there is no `postgres` user to own the test cluster " +
      "(PostgreSQL refuses to run as root); create one or set TEST_POSTGRES_URL",
  );
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines)
      .join("\n");
  } catch {
    return "";
  }
}

/**
 * Creates a cluster in a new temporary folder and starts it on a free
 * loopback port. Call `stop()` (or `await using`) to stop and remove it; a
 * process exit without `stop()` still stops it (immediate mode) and removes
 * the folder.
 */
export async function startPostgres(
  options: StartPostgresOptions = {},
): Promise<PostgresServer> {
  const bin = options.binDir ?? findPostgresBin();
  if (!bin) {
    throw new PostgresServerError(
      "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin " +
        "or PATH; install PostgreSQL (e.g. `apt-get install postgresql`) or set TEST_POSTGRES_URL",
    );
  }
  const timeout = String(options.timeoutSeconds ?? 60);
  const asPostgres = process.getuid?.() === 0;
  const ids = asPostgres ? postgresIds() : undefined;

  // /tmp rather than $TMPDIR as root: the postgres user must reach it.
  const parent = asPostgres && existsSync("/tmp") ? "/tmp" : tmpdir();
  const baseDir = await mkdtemp(join(parent, "curio-pg-"));
  const dataDir = join(baseDir, "data");
  const socketDir = join(baseDir, "socket");
  const logFile = join(baseDir, "postgres.log");
  await mkdir(socketDir);
  if (ids) {
    await chown(baseDir, ids.uid, ids.gid);
    await chown(socketDir, ids.uid, ids.gid);
  }

  let running = false;
  let removed = false;
  const pgCtl = join(bin, "pg_ctl");
  const exitHook = () => {
    // Last resort when the process ends without stop(): no async work here.
    if (removed) return;
    if (running) {
      const [command, ...args] = asOwner(
        [pgCtl, "stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "10"],
        asPostgres,
      ) as [string, ...string[]];
      spawnSync(command, args, { cwd: baseDir, stdio: "ignore" });
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  process.on("exit", exitHook);

  // The exit hook does not run when this process dies of a signal (Ctrl-C,
  // SIGKILL): a detached watchdog stops and removes the server then.
  const stopCommand = asOwner(
    [pgCtl, "stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "10"],
    asPostgres,
  ).map(shellQuote).join(" ");
  const watchdog = spawn("sh", [
    "-c",
    `while kill -0 "$0" 2>/dev/null; do sleep 1; done; ` +
    `if [ -f "$1/postmaster.pid" ]; then ${stopCommand} >/dev/null 2>&1; fi; ` +
    `rm -rf "$2"`,
    String(process.pid),
    dataDir,
    baseDir,
  ], { detached: true, stdio: "ignore", cwd: "/" });
  watchdog.on("error", () => {/* best effort: the exit hook remains */});
  watchdog.unref();

  const disarm = () => {
    removed = true;
    process.off("exit", exitHook);
    try {
      if (watchdog.pid) process.kill(watchdog.pid, "SIGTERM");
    } catch { /* already gone */ }
  };

  const fail = async (what: string, result: RunResult): Promise<never> => {
    const log = tail(logFile, 30);
    disarm();
    await rm(baseDir, { recursive: true, force: true });
    throw new PostgresServerError(
      `${what} failed (exit ${result.code}):\n${result.output.trim()}` +
        (log ? `\n--- server log ---\n${log}` : ""),
    );
  };

  const init = await run(
    asOwner([
      join(bin, "initdb"),
      "-D",
      dataDir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ], asPostgres),
    baseDir,
  );
  if (init.code !== 0) await fail("initdb", init);

  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${socketDir}'`,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "300",
    shared_buffers: "32MB",
    log_min_messages: "warning",
    ...options.settings,
  };
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  const pgStart = () =>
    run(
      asOwner(
        [pgCtl, "start", "-D", dataDir, "-l", logFile, "-w", "-t", timeout],
        asPostgres,
      ),
      baseDir,
    );

  // The port is free when picked but could be taken before the server binds
  // it; pick again a few times.
  let port = 0;
  for (let attempt = 1;; attempt++) {
    port = await freePort();
    await appendFile(
      join(dataDir, "postgresql.conf"),
      `\n# tools/postgres_server.ts, attempt ${attempt}\nport = ${port}\n` +
        conf.join("\n") + "\n",
    );
    const started = await pgStart();
    if (started.code === 0) break;
    if (attempt === 3) await fail("pg_ctl start", started);
  }
  running = true;

  const shutdown = async (mode: ShutdownMode = "fast") => {
    if (!running) return;
    const result = await run(
      asOwner(
        [pgCtl, "stop", "-D", dataDir, "-m", mode, "-w", "-t", timeout],
        asPostgres,
      ),
      baseDir,
    );
    if (result.code !== 0 && mode !== "immediate") {
      const again = await run(
        asOwner(
          [pgCtl, "stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "10"],
          asPostgres,
        ),
        baseDir,
      );
      if (again.code !== 0) {
        throw new PostgresServerError(
          `pg_ctl stop failed:\n${result.output}\n${again.output}`,
        );
      }
    } else if (result.code !== 0) {
      throw new PostgresServerError(`pg_ctl stop failed:\n${result.output}`);
    }
    running = false;
  };

  const server: PostgresServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    host: "127.0.0.1",
    port,
    dataDir,
    baseDir,
    logFile,
    get running() {
      return running;
    },
    shutdown,
    async start() {
      if (removed) throw new PostgresServerError("the server was removed");
      if (running) return;
      const result = await pgStart();
      if (result.code !== 0) {
        throw new PostgresServerError(
          `pg_ctl start failed:\n${result.output}\n--- server log ---\n${
            tail(logFile, 30)
          }`,
        );
      }
      running = true;
    },
    async restart(mode: ShutdownMode = "fast") {
      await shutdown(mode);
      await server.start();
    },
    async stop() {
      if (removed) return;
      try {
        await shutdown("fast");
      } finally {
        disarm();
        await rm(baseDir, { recursive: true, force: true });
      }
    },
    logTail(lines = 50) {
      return tail(logFile, lines);
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  return server;
}

if (import.meta.main) {
  const server = await startPostgres();
  console.log(server.url);
  console.error(`data in ${server.dataDir}; Ctrl-C stops and removes it`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => {}, 1 << 30);
}
