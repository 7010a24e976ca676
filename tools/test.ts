/**
 * The project's single test command: `npx -y deno@2 task test`.
 *
 * 1. Installs the npm dependencies into `node_modules/` (`deno install`), so
 *    Node and Bun find `postgres` too.
 * 2. Without arguments (the full run, what `.ci/run` calls): runs
 *    `deno task check` (fmt, lint, type check, doc lint) and
 *    `deno publish --dry-run --allow-dirty`, each counted as one test, so a
 *    change that breaks either does not land. Narrowed runs skip both.
 * 3. When the browser tests are to run (Deno, with `tests/web/`): installs
 *    Debian's Chromium (`apt-get install -y chromium`) when /usr/bin/chromium
 *    is missing and this runs as root; otherwise those tests skip with a
 *    notice (with `CI=true` they fail).
 * 4. Gets a PostgreSQL server: `TEST_POSTGRES_URL` when set, otherwise a
 *    throwaway cluster from `tools/postgres_server.ts`, stopped and removed at
 *    the end (also on failure, SIGINT and SIGTERM). Without either, the
 *    PostgreSQL tests are skipped with a loud notice, or, with `CI=true`, the
 *    run fails.
 * 5. Runs every `tests/**\/*_test.ts` on Deno (`deno test`, plus the JSDoc
 *    examples of `mod.ts`, `usage.ts`, `web.ts`, `ai_sdk.ts`, `otel.ts` and
 *    `src/` with `--doc`), Node 24
 *    (`node --test`) and Bun 1 (`bun test`), one after the other, streaming
 *    their output.
 *    Node and Bun come from npm through `npx`.
 * 6. Prints how long each setup step took (installs, servers, fetching the
 *    runtimes), one summary line per check and per runtime and, last,
 *    `N passed, M failed` summed over them. Exits non-zero when a check or
 *    any test fails or a runner fails, crashes, times out or reports no
 *    tests.
 *
 * What is counted: each check as one test, and individual test cases, i.e.
 * leaf tests (`it` / `test` without subtests), never `describe` blocks.
 * - Deno: the leaf `<testcase>`s of its JUnit report (`--junit-path`); Deno
 *   reports each `describe` as a test with steps, so the describe blocks are
 *   left out and each JSDoc example counts as one test.
 * - Node: `ℹ pass N` and `ℹ fail N` + `ℹ cancelled N` of the spec reporter.
 * - Bun: `N pass` and `N fail` (or `N error`s between tests when no test failed).
 * A runner that exits non-zero without a failing test, or reports nothing,
 * counts as one failure.
 *
 * Arguments narrow a run while developing (any order), and skip the checks:
 * `deno task test node` (one runtime), `deno task test deno bun`,
 * `deno task test tests/sqlite_test.ts` (one file; no JSDoc examples then),
 * `deno task test tests/unit` (a folder).
 *
 * @module
 */

import { type PostgresServer, startPostgres } from "./postgres_server.ts";

const RUNTIMES = ["deno", "node", "bun"] as const;
type Runtime = typeof RUNTIMES[number];

/** Per-runtime limit, so CI never hangs (`TEST_RUNTIME_TIMEOUT` seconds). */
const RUNTIME_TIMEOUT_MS =
  Number(Deno.env.get("TEST_RUNTIME_TIMEOUT") ?? "900") * 1000;

interface Result {
  /** A runtime, or a check of the full run. */
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  notes: string[];
}

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
Deno.chdir(root);

const isCI = Deno.env.get("CI") === "true";
const colour = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const encoder = new TextEncoder();
const bold = (text: string) => colour ? `\x1b[1m${text}\x1b[22m` : text;

function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));
}

function banner(text: string): void {
  say(`\n${bold(`=== ${text} ===`)}`);
}

/** A step that prepares the tests (an install, a server, a download). */
interface SetupStep {
  name: string;
  seconds: number;
}

const setupSteps: SetupStep[] = [];

/** Runs `step`, recording how long it took under `name`, also on failure. */
async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    setupSteps.push({ name, seconds: (performance.now() - started) / 1000 });
  }
}

// ---------------------------------------------------------------------------
// Running a child process: output streamed through and kept for parsing.

let current: Deno.ChildProcess | undefined;

interface Ran {
  code: number;
  signal: Deno.Signal | null;
  text: string;
  timedOut: boolean;
}

async function stream(
  readable: ReadableStream<Uint8Array>,
  out: { writeSync(p: Uint8Array): number },
  keep: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of readable) {
    let written = 0;
    while (written < chunk.length) {
      written += out.writeSync(chunk.subarray(written));
    }
    keep(decoder.decode(chunk, { stream: true }));
  }
  keep(decoder.decode());
}

async function runStreaming(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = RUNTIME_TIMEOUT_MS,
): Promise<Ran> {
  let text = "";
  const keep = (part: string) => (text += part);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return { code: 127, signal: null, text: String(error), timedOut: false };
  }
  current = child;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    say(`\n!!! ${command} ran longer than ${timeoutMs / 1000}s: killing it`);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  try {
    const [status] = await Promise.all([
      child.status,
      stream(child.stdout, Deno.stdout, keep),
      stream(child.stderr, Deno.stderr, keep),
    ]);
    return { code: status.code, signal: status.signal, text, timedOut };
  } finally {
    clearTimeout(timer);
    current = undefined;
  }
}

/** Runs a short command quietly and returns its trimmed stdout. */
async function capture(
  command: string,
  args: string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      ok: output.success,
      out: decoder.decode(output.stdout).trim(),
      err: decoder.decode(output.stderr).trim(),
    };
  } catch (error) {
    return { ok: false, out: "", err: String(error) };
  }
}

// ---------------------------------------------------------------------------
// Parsing what the runners report.

// deno-lint-ignore no-control-regex
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

function lastNumber(text: string, pattern: RegExp): number | undefined {
  let found: number | undefined;
  for (const match of text.matchAll(pattern)) found = Number(match[1]);
  return found;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e) => {
    switch (e) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      case "amp":
        return "&";
    }
    return String.fromCodePoint(
      e[1] === "x" || e[1] === "X"
        ? parseInt(e.slice(2), 16)
        : Number(e.slice(1)),
    );
  });
}

/**
 * Leaf test cases of Deno's JUnit report. Deno lists every test and every
 * step, a step named `parent > step`; a name that prefixes another is a
 * describe block (or a test with steps) and is not counted.
 */
export function countDenoJunit(
  xml: string,
): { passed: number; failed: number; skipped: number } {
  const cases: { name: string; failed: boolean; skipped: boolean }[] = [];
  const pattern =
    /<testcase\b[^>]*?\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(pattern)) {
    const body = match[3] ?? "";
    cases.push({
      name: unescapeXml(match[1]!),
      failed: /<(failure|error)\b/.test(body),
      skipped: /<skipped\b/.test(body),
    });
  }
  const parents = new Set<string>();
  for (const { name } of cases) {
    const parts = name.split(" > ");
    for (let i = 1; i < parts.length; i++) {
      parents.add(parts.slice(0, i).join(" > "));
    }
  }
  let passed = 0, failed = 0, skipped = 0;
  for (const test of cases) {
    if (parents.has(test.name)) continue;
    if (test.failed) failed++;
    else if (test.skipped) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

// ---------------------------------------------------------------------------
// The runtimes.

function testFiles(filters: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && entry.name.endsWith("_test.ts")) {
        files.push(`./${path}`);
      }
    }
  };
  walk("tests");
  files.sort();
  if (filters.length === 0) return files;
  const wanted = filters.map((f) => `./${f.replace(/^\.\//, "")}`);
  const chosen = files.filter((file) =>
    wanted.some((w) => file === w || file.startsWith(`${w}/`))
  );
  for (const w of wanted) {
    if (!chosen.some((file) => file === w || file.startsWith(`${w}/`))) {
      throw new Error(`no test file matches ${w}`);
    }
  }
  return chosen;
}

/** The real binary behind `npx -y <pkg>`, so signals reach it directly. */
async function npxBinary(pkg: string): Promise<string> {
  const result = await capture("npx", [
    "-y",
    pkg,
    "-e",
    "console.log(process.execPath)",
  ]);
  const path = result.out.split("\n").pop() ?? "";
  if (!result.ok || !path.startsWith("/")) {
    throw new Error(
      `could not get ${pkg} through npx:\n${result.err || result.out}`,
    );
  }
  return path;
}

async function runRuntime(
  runtime: Runtime,
  files: string[],
  fullRun: boolean,
  env: Record<string, string>,
  junitDir: string,
): Promise<Result> {
  let started = performance.now();
  const result: Result = {
    name: runtime,
    passed: 0,
    failed: 0,
    skipped: 0,
    seconds: 0,
    notes: [],
  };
  const finish = (ran: Ran | undefined) => {
    result.seconds = (performance.now() - started) / 1000;
    if (ran?.timedOut) result.notes.push("timed out");
    if (ran && (ran.code !== 0 || ran.signal) && result.failed === 0) {
      result.notes.push(
        `runner exited with ${
          ran.signal ?? ran.code
        } without a failing test; counted as 1 failure`,
      );
      result.failed = 1;
    } else if (result.passed + result.failed + result.skipped === 0) {
      result.notes.push("runner reported no tests; counted as 1 failure");
      result.failed = 1;
    }
    return result;
  };

  let binary: string;
  let args: string[];
  try {
    switch (runtime) {
      case "deno":
        binary = Deno.execPath();
        args = [
          "test",
          "-A",
          `--junit-path=${junitDir}/deno.xml`,
          ...(fullRun ? ["--doc"] : []),
          ...files,
          ...(fullRun
            ? ["mod.ts", "usage.ts", "web.ts", "ai_sdk.ts", "otel.ts", "src/"]
            : []),
        ];
        break;
      case "node":
        binary = await timed("node@24 via npx", () => npxBinary("node@24"));
        args = ["--test", "--test-reporter=spec", ...files];
        break;
      case "bun":
        binary = await timed("bun@1 via npx", () => npxBinary("bun@1"));
        // Bun alone stops a test after 5 s by default; Deno and Node set no
        // limit. Match them (the whole run still has RUNTIME_TIMEOUT_MS).
        args = ["test", "--timeout=600000", ...files];
        break;
    }
  } catch (error) {
    say(`!!! ${error instanceof Error ? error.message : error}`);
    result.notes.push("runtime not available");
    return finish({ code: 1, signal: null, text: "", timedOut: false });
  }
  // Fetching the runtime is a setup step, not the runtime's test time.
  started = performance.now();
  const version = await capture(binary, ["--version"]);
  const versionLine = version.out.split("\n")[0] ?? "";
  banner(
    versionLine.startsWith(runtime) ? versionLine : `${runtime} ${versionLine}`,
  );
  say(`$ ${runtime} ${args.join(" ")}`);

  const ran = await runStreaming(binary, args, env);
  const text = stripAnsi(ran.text);
  switch (runtime) {
    case "deno": {
      let xml = "";
      try {
        xml = await Deno.readTextFile(`${junitDir}/deno.xml`);
      } catch { /* no report: counted below */ }
      Object.assign(result, countDenoJunit(xml));
      // A failure outside any test case (e.g. a module that does not load).
      if (/^FAILED \|/m.test(text) && result.failed === 0) result.failed = 1;
      break;
    }
    case "node": {
      result.passed = lastNumber(text, /^ℹ pass (\d+)$/gm) ?? 0;
      result.failed = (lastNumber(text, /^ℹ fail (\d+)$/gm) ?? 0) +
        (lastNumber(text, /^ℹ cancelled (\d+)$/gm) ?? 0);
      result.skipped = (lastNumber(text, /^ℹ skipped (\d+)$/gm) ?? 0) +
        (lastNumber(text, /^ℹ todo (\d+)$/gm) ?? 0);
      break;
    }
    case "bun": {
      result.passed = lastNumber(text, /^\s*(\d+) pass$/gm) ?? 0;
      // An error between tests is also counted as a failing test by Bun;
      // count the errors only when no test failed.
      result.failed = lastNumber(text, /^\s*(\d+) fail$/gm) ||
        (lastNumber(text, /^\s*(\d+) errors?$/gm) ?? 0);
      result.skipped = (lastNumber(text, /^\s*(\d+) skip$/gm) ?? 0) +
        (lastNumber(text, /^\s*(\d+) todo$/gm) ?? 0);
      break;
    }
  }
  return finish(ran);
}

// ---------------------------------------------------------------------------
// The checks of a full run: each passes or fails as one test.

const CHECKS: { name: string; args: string[] }[] = [
  { name: "deno task check", args: ["task", "check"] },
  {
    name: "deno publish --dry-run",
    args: ["publish", "--dry-run", "--allow-dirty"],
  },
];

async function runCheck(
  check: { name: string; args: string[] },
  env: Record<string, string>,
): Promise<Result> {
  banner(check.name);
  say(`$ deno ${check.args.join(" ")}`);
  const started = performance.now();
  const ran = await runStreaming(Deno.execPath(), check.args, env);
  const ok = ran.code === 0 && !ran.signal && !ran.timedOut;
  return {
    name: check.name,
    passed: ok ? 1 : 0,
    failed: ok ? 0 : 1,
    skipped: 0,
    seconds: (performance.now() - started) / 1000,
    notes: ran.timedOut ? ["timed out"] : [],
  };
}

// ---------------------------------------------------------------------------
// The browser the web view's tests drive (tests/web/browser_test.ts).

const CHROMIUM = "/usr/bin/chromium";
const BROWSER_TESTS = "./tests/web/browser_test.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Installs Chromium when the browser tests run and it is missing. */
async function ensureChromium(): Promise<void> {
  if (exists(CHROMIUM)) return;
  if (Deno.uid() !== 0) {
    say(
      `!!! ${CHROMIUM} is missing and this is not root: the browser tests will be skipped`,
    );
    return;
  }
  banner("installing Chromium for the browser tests (apt-get)");
  const env = { ...Deno.env.toObject(), DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    runStreaming("apt-get", ["install", "-y", "-q", "chromium"], env, 600_000);
  await timed("chromium (apt-get install)", async () => {
    let ran = await install();
    if (ran.code !== 0) {
      // A fresh machine has no package lists yet.
      await runStreaming("apt-get", ["update", "-q"], env, 300_000);
      ran = await install();
    }
    if (ran.code !== 0) say("!!! apt-get could not install chromium");
  });
}

// ---------------------------------------------------------------------------
// Main.

let server: PostgresServer | undefined;
let junitDir: string | undefined;

async function cleanUp(): Promise<void> {
  const s = server;
  server = undefined;
  if (s) {
    say(`\nstopping the throwaway PostgreSQL (port ${s.port})`);
    try {
      await s.stop();
    } catch (error) {
      say(`!!! could not stop PostgreSQL cleanly: ${error}`);
    }
  }
  if (junitDir) {
    await Deno.remove(junitDir, { recursive: true }).catch(() => {});
    junitDir = undefined;
  }
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (interrupted) return;
    interrupted = true;
    say(`\n!!! ${signal}: stopping`);
    try {
      current?.kill("SIGTERM");
    } catch { /* already gone */ }
    await cleanUp();
    Deno.exit(signal === "SIGINT" ? 130 : 143);
  });
}

async function main(): Promise<number> {
  const args = [...Deno.args];
  const chosen = RUNTIMES.filter((r) => args.includes(r));
  const runtimes = chosen.length > 0 ? chosen : [...RUNTIMES];
  const filters = args.filter((a) =>
    !(RUNTIMES as readonly string[]).includes(a)
  );
  const files = testFiles(filters);
  // No file filter: the JSDoc examples too. No argument at all: the checks.
  const fullRun = filters.length === 0;
  const withChecks = args.length === 0;

  banner("installing dependencies (deno install)");
  const install = await timed(
    "deno install",
    () =>
      runStreaming(Deno.execPath(), ["install"], {
        ...Deno.env.toObject(),
        DENO_NO_UPDATE_CHECK: "1",
      }),
  );
  try {
    Deno.statSync("node_modules/postgres/package.json");
  } catch {
    say("!!! node_modules/postgres is missing after `deno install`");
    return 1;
  }
  if (install.code !== 0) {
    say("!!! `deno install` failed");
    return 1;
  }

  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    DENO_NO_UPDATE_CHECK: "1",
  };
  if (!colour) env.NO_COLOR = "1";
  else env.FORCE_COLOR = "1";

  const results: Result[] = [];
  if (withChecks) {
    for (const check of CHECKS) results.push(await runCheck(check, env));
  }

  let postgresNote: string;
  if (env.TEST_POSTGRES_URL) {
    postgresNote = "PostgreSQL: TEST_POSTGRES_URL";
  } else {
    banner("starting a throwaway PostgreSQL");
    try {
      server = await timed("PostgreSQL server start", startPostgres);
      env.TEST_POSTGRES_URL = server.url;
      postgresNote = `PostgreSQL: throwaway server on port ${server.port}`;
      say(`${server.url} (data in ${server.dataDir})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isCI) {
        say(`!!! CI=true and no PostgreSQL: ${message}`);
        say("0 passed, 1 failed");
        return 1;
      }
      say(`\n!!! NO POSTGRESQL: THE POSTGRESQL TESTS WILL BE SKIPPED !!!`);
      say(`${message}\n`);
      postgresNote = "PostgreSQL: none, its tests were SKIPPED";
    }
  }

  if (runtimes.includes("deno") && files.includes(BROWSER_TESTS)) {
    await ensureChromium();
  }

  junitDir = await Deno.makeTempDir({ prefix: "curio-test-" });
  say(`test files: ${files.join(" ")}`);
  for (const runtime of runtimes) {
    results.push(await runRuntime(runtime, files, fullRun, env, junitDir));
  }
  await cleanUp();

  banner("summary");
  for (const step of setupSteps) {
    say(`setup: ${step.name} (${step.seconds.toFixed(1)}s)`);
  }
  say(postgresNote);
  if (!withChecks) say("checks: skipped in a narrowed run");
  let passed = 0, failed = 0;
  for (const r of results) {
    passed += r.passed;
    failed += r.failed;
    const skipped = r.skipped ? `, ${r.skipped} skipped` : "";
    const notes = r.notes.length ? ` [${r.notes.join("; ")}]` : "";
    say(
      `${r.name}: ${r.passed} passed, ${r.failed} failed${skipped} (${
        r.seconds.toFixed(1)
      }s)${notes}`,
    );
  }
  say(`${passed} passed, ${failed} failed`);
  return failed === 0 && results.length > 0 ? 0 : 1;
}

if (import.meta.main) {
  let code = 1;
  try {
    code = await main();
  } catch (error) {
    say(`!!! ${error instanceof Error ? error.stack : error}`);
    say("0 passed, 1 failed");
  } finally {
    await cleanUp();
  }
  Deno.exit(code);
}
