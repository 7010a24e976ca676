// The command-line tool, run as a subprocess on the runtime running the
// tests, against stores the tests fill, on SQLite and PostgreSQL.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createPersistence, exportRecords } from "../mod.ts";
import { main } from "../src/cli/main.ts";
import { CUTOFF, dump, fill, FILLED } from "./_fixture.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";
import { denoRun } from "./_deno_child.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const cliPath = join(root, "cli.ts");

/**
 * How this runtime runs cli.ts: Deno needs `run`, Node 24 and Bun do not.
 * Deno uses the node_modules the test run installed as it is: in its
 * default mode, each process locks the folder to check it, and many tools
 * started at once print "Blocking waiting for file lock" on stderr.
 */
function runtimeArgs(): string[] {
  if ("Deno" in globalThis) {
    return [...denoRun("-A", "--config", join(root, "deno.json")), cliPath];
  }
  return [cliPath];
}

const nodeCache = tempPath("node-compile-cache");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the tool with `args`, from `cwd` (default the repository), with
 * `DATABASE_URL` unset unless `extraEnv` sets it.
 */
function cli(
  args: string[],
  cwd = root,
  extraEnv: Record<string, string> = {},
): Promise<Outcome> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_NO_WARNINGS: "1",
    // Node strips the types of every file at each start; this caches it.
    NODE_COMPILE_CACHE: nodeCache,
    NO_COLOR: "1",
  };
  delete env.DATABASE_URL;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...runtimeArgs(), ...args],
      { cwd, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: unknown }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

/** Runs the tool and expects exit code 0 and nothing on standard error. */
async function ok(args: string[]): Promise<string> {
  const outcome = await cli(args);
  assert.equal(outcome.code, 0, `${args.join(" ")}: ${outcome.stderr}`);
  assert.equal(outcome.stderr, "", "no progress bar when not on a terminal");
  return outcome.stdout;
}

/**
 * Stored text a terminal would act on: an OSC that sets the window title, a
 * colour, a C1 CSI, a bell, a carriage return, a bidi override and a line
 * separator.
 */
const HOSTILE =
  "\x1b]0;pwned\x07\x1b[31mred\x9b2J\x07\r\u202egnp.exe\u2028\x7f";
/** How {@linkcode HOSTILE} is shown: as escapes that do nothing. */
const SHOWN =
  "\\x1b]0;pwned\\x07\\x1b[31mred\\x9b2J\\x07\\r\\u202egnp.exe\\u2028\\x7f";
const RUN_ID = `run${HOSTILE}`;
/** Any character a terminal acts on, but the line feed. */
const ACTIVE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

const backends: [string, () => string][] = [
  ["sqlite", () => `sqlite:${tempPath()}`],
  ...(postgresUrl
    ? [["postgres", () => postgresUrlWith({ schema: uniqueSchema("cli") })] as [
      string,
      () => string,
    ]]
    : []),
];

/** A store at a new URL, filled with the fixture. */
async function filled(newUrl: () => string): Promise<string> {
  const url = newUrl();
  await using store = await createPersistence(url);
  await fill(store);
  return url;
}

for (const [name, newUrl] of backends) {
  describe(`cli on ${name}`, () => {
    it("runs: a table newest first, filters, --json", async () => {
      const db = await filled(newUrl);
      const [table, errors, writer] = await Promise.all([
        ok(["runs", "--db", db]),
        ok(["runs", "--db", db, "--status", "error", "--json"]),
        ok(["runs", "--db", db, "--agent", "writer", "--limit", "5"]),
      ]);
      const lines = table.trim().split("\n");
      assert.match(
        lines[0]!,
        /^RUN ID\s+AGENT\s+STATUS\s+ITER\s+STARTED\s+DURATION\s+TOKENS\s+COST$/,
      );
      assert.deepEqual(
        lines.slice(2).map((line) => line.split(/\s+/)[0]),
        ["new-run", "new-ok", "old-bad", "old-ok"],
      );
      assert.match(
        lines[3]!,
        /new-ok\s+researcher\s+completed\s+3\s+2025-06-01 12:00:00\s+42\.0s\s+180\s+\$0\.001000/,
      );
      const json = JSON.parse(errors);
      assert.deepEqual(json.map((r: { runId: string }) => r.runId), [
        "old-bad",
      ]);
      assert.equal(json[0].llmCalls, 2);
      assert.match(writer, /new-run/);
      assert.doesNotMatch(writer, /old-ok/);
    });

    it("run: fields, timeline, LLM calls and totals", async () => {
      const db = await filled(newUrl);
      const [text, raw] = await Promise.all([
        ok(["run", "old-bad", "--db", db]),
        ok(["run", "old-bad", "--db", db, "--json"]),
      ]);
      assert.match(text, /^Run old-bad$/m);
      assert.match(text, /^status:\s+error$/m);
      assert.match(text, /^error:\s+Tool timed out$/m);
      assert.match(text, /^Timeline \(3 events\)$/m);
      assert.match(text, /\+1\.0s\s+run_started\s+objective=go\s+-/);
      assert.match(
        text,
        /\+5\.0s\s+action_execution_completed\s+action=search duration_ms=1234\s+4\.0s/,
      );
      assert.match(text, /^LLM calls \(2\)$/m);
      assert.match(
        text,
        /openai\s+gpt-4o-mini\s+100\s+20\s+300ms\s+\$0\.001000\s+success/,
      );
      assert.match(text, /^Total: 2 LLM calls, 150 input \+ 30 output tokens/m);
      const json = JSON.parse(raw);
      assert.equal(json.run.runId, "old-bad");
      assert.equal(json.events.length, 3);
      assert.equal(json.llmUsage.length, 2);
      assert.equal(json.totals.inputTokens, 150);
    });

    it("events, usage and stats", async () => {
      const db = await filled(newUrl);
      const [events, usageJson, limited, stats, statsJson] = await Promise.all([
        ok(["events", "new-ok", "--db", db, "--type", "custom"]),
        ok(["usage", "--db", db, "--run", "new-ok", "--json"]),
        ok(["usage", "--db", db, "--limit", "1"]),
        ok(["stats", "--db", db]),
        ok(["stats", "--db", db, "--agent", "writer", "--json"]),
      ]);
      assert.match(events, /custom\s+plain text/);
      assert.doesNotMatch(events, /run_started/);
      const usage = JSON.parse(usageJson);
      assert.deepEqual(usage.map((u: { model: string }) => u.model), [
        "claude-sonnet",
        "gpt-4o-mini",
      ]);
      assert.equal(limited.trim().split("\n").length, 3);
      assert.match(stats, /^runs:\s+4$/m);
      assert.match(stats, /^By provider and model$/m);
      assert.match(
        stats,
        /anthropic\s+claude-sonnet\s+4\s+4\s+200\s+40\s+\$0\.000000/,
      );
      const json = JSON.parse(statsJson);
      assert.equal(json.totalRuns, 1);
      assert.equal(json.byModel.length, 2);
    });

    it("reprice: dry run, a prices file, the filters, provided costs", async () => {
      const db = await filled(newUrl);
      const prices = tempPath("prices.json");
      writeFileSync(
        prices,
        JSON.stringify([
          // claude-sonnet is in no table: the fixture's calls are unpriced.
          {
            provider: "anthropic",
            model: "claude-*",
            inputPerMillion: 3,
            outputPerMillion: 15,
            since: "2020-01-01T00:00:00Z",
          },
          {
            provider: "openai",
            model: "gpt-4o-mini",
            inputPerMillion: 1,
            outputPerMillion: 1,
          },
        ]),
      );
      const reprice = async (...args: string[]) =>
        JSON.parse(await ok(["reprice", "--db", db, "--json", ...args]));
      const near = (actual: number, expected: number) =>
        assert.ok(Math.abs(actual - expected) < 1e-12, `${actual}`);
      // Each claude call: 50 input × $3 + 10 output × $15 per million.
      const claude = (50 * 3 + 10 * 15) / 1e6;

      const dry = await reprice("--prices", prices, "--dry-run");
      assert.deepEqual(
        [dry.examined, dry.changed, dry.unpriced, dry.dryRun],
        [6, 4, 1, true],
        "the 4 claude calls priced, gpt-4o with input only left unpriced",
      );
      near(dry.deltaUsd, 4 * claude);
      const unchanged = await reprice("--dry-run");
      assert.deepEqual([unchanged.changed, unchanged.unpriced], [0, 5]);

      const recent = await reprice(
        "--prices",
        prices,
        "--since",
        "2025-01-01",
        "--provider",
        "anthropic",
      );
      assert.deepEqual([recent.examined, recent.changed], [2, 2]);
      near(recent.deltaUsd, 2 * claude);
      const old = await reprice(
        "--prices",
        prices,
        "--until",
        "2025-01-01",
        "--model",
        "claude-sonnet",
      );
      assert.deepEqual([old.examined, old.changed], [2, 2]);
      const provided = await reprice(
        "--prices",
        prices,
        "--include-provided",
        "--model",
        "gpt-4o-mini",
      );
      assert.deepEqual([provided.examined, provided.changed], [4, 4]);
      near(provided.deltaUsd, 4 * ((100 + 20) / 1e6 - 0.001));
      assert.match(
        await ok(["reprice", "--db", db, "--prices", prices]),
        /^Changed the cost of 0 of 10 LLM calls examined \(\+\$0\.000000\); 1 left unpriced$/m,
      );

      await using store = await createPersistence(db);
      const calls = await store.getLlmUsage({ runId: "old-ok" });
      const costs = Object.fromEntries(
        calls.map((call) => [call.model, [call.costUsd, call.costSource]]),
      );
      assert.deepEqual(costs["claude-sonnet"], [claude, "computed"]);
      assert.equal(costs["gpt-4o-mini"]![1], "computed");
      near(costs["gpt-4o-mini"]![0] as number, (100 + 20) / 1e6);
    });

    it("reprice: a bad prices file is a usage error, and changes nothing", async () => {
      const db = await filled(newUrl);
      const cases: [string, RegExp][] = [
        ["{", /not JSON/],
        ['{"provider": "x"}', /expected an array/],
        [
          '[{"provider": "x", "model": "y", "inputPerMillion": 1}]',
          /outputPerMillion/,
        ],
        [
          '[{"provider": "x", "model": "y", "inputPerMillion": 1, "outputPerMillion": 1, "since": "soon"}]',
          /since is not an ISO time/,
        ],
      ];
      for (const [content, words] of cases) {
        const file = tempPath("prices.json");
        writeFileSync(file, content);
        const outcome = await cli(["reprice", "--db", db, "--prices", file]);
        assert.equal(outcome.code, 2, outcome.stderr);
        assert.match(outcome.stderr, words);
      }
      const missing = await cli([
        "reprice",
        "--db",
        db,
        "--prices",
        "/nope.json",
      ]);
      assert.equal(missing.code, 2, missing.stderr);
    });

    it("stats, usage and run show the cached share and flag unpriced calls", async () => {
      const db = await filled(newUrl);
      {
        await using store = await createPersistence(db);
        await store.logLlmUsage({
          agentId: "writer",
          runId: "new-run",
          provider: "openai",
          model: "gpt-4o",
          inputTokens: 1000,
          cacheReadTokens: 250,
          outputTokens: 10,
        });
      }
      const [stats, usage, run, runJson] = await Promise.all([
        ok(["stats", "--db", db]),
        ok(["usage", "--db", db, "--run", "new-run"]),
        ok(["run", "new-run", "--db", db]),
        ok(["run", "new-run", "--db", db, "--json"]),
      ]);
      assert.match(stats, /^input tokens:\s+1,607 \(16% cached\)$/m);
      assert.match(
        stats,
        /^total cost:\s+\$\S+ \(5 unpriced calls not counted\)$/m,
      );
      assert.match(stats, /COST\s+CACHED\s+UNPRICED$/m);
      assert.match(
        stats,
        /anthropic\s+claude-sonnet\s+4\s+4\s+200\s+40\s+\$0\.000000\s+0%\s+4$/m,
      );
      assert.match(
        stats,
        /openai\s+gpt-4o\s+3\s+0\s+1,007\s+10\s+\$\S+\s+25%\s+1$/m,
      );
      assert.match(usage, /gpt-4o\s+1,000\s+10\s+-\s+\$\S+\s+success\s+25%$/m);
      assert.match(
        usage,
        /claude-sonnet\s+50\s+10\s+-\s+unpriced\s+error\s+-$/m,
      );
      assert.match(
        run,
        /^Total: 3 LLM calls, 1,150 input \+ 40 output tokens \(22% of input cached\), .* \(1 unpriced call not counted\)$/m,
      );
      const totals = JSON.parse(runJson).totals;
      assert.deepEqual([totals.cacheReadTokens, totals.unpricedCalls], [
        250,
        1,
      ]);
    });

    it("export, then import twice: the second adds nothing", async () => {
      const db = await filled(newUrl);
      const file = tempPath("export.jsonl");
      const [out, piped] = await Promise.all([
        ok(["export", "--db", db, "--out", file]),
        cli(["export", "--db", db, "--agent", "writer"]),
      ]);
      assert.equal(
        out,
        `Exported 4 runs, 12 events, 10 LLM calls to ${file}\n`,
      );
      const lines = readFileSync(file, "utf8").trim().split("\n");
      assert.equal(
        lines.length,
        2 + FILLED.runs + FILLED.events + FILLED.llmUsage,
      );
      // Without --out the lines go to standard output, the report to stderr.
      assert.equal(piped.code, 0);
      assert.equal(piped.stdout.trim().split("\n").length, 2 + 1 + 3 + 2);
      assert.equal(piped.stderr, "Exported 1 run, 3 events, 2 LLM calls\n");

      const target = newUrl();
      assert.equal(
        await ok(["import", file, "--db", target]),
        `Imported ${file}: added 4 runs, 12 events, 10 LLM calls; already stored 0 runs, 0 events, 0 LLM calls\n`,
      );
      const again = JSON.parse(
        await ok(["import", file, "--db", target, "--json"]),
      );
      assert.deepEqual(again.added, { runs: 0, events: 0, llmUsage: 0 });
      assert.deepEqual(again.skipped, FILLED);
      await using a = await createPersistence(db);
      await using b = await createPersistence(target);
      assert.deepEqual(await dump(b), await dump(a));
    });

    it("import: lines end at \\n only, also in files with raw U+2028 and U+2029", async () => {
      const db = newUrl();
      const hostile = "a\u2028b\u2029c\rd\u0085e 😀";
      {
        await using store = await createPersistence(db);
        await fill(store);
        await store.createAgentRun({
          agentId: hostile,
          runId: hostile,
          objective: hostile,
          metadata: { [hostile]: [hostile, "\ud800"] },
        });
        await store.logAgentRunEvent({
          agentId: hostile,
          runId: hostile,
          eventType: hostile,
          data: hostile,
        });
        await store.logLlmUsage({ prompt: hostile, inputParams: hostile });
      }
      // As exports were written before U+2028 and U+2029 were escaped, with
      // Windows line ends.
      const lines = [];
      await using source = await createPersistence(db);
      for await (const record of exportRecords(source)) {
        lines.push(JSON.stringify(record));
      }
      const file = tempPath("raw.jsonl");
      writeFileSync(file, lines.join("\r\n") + "\r\n");
      const target = newUrl();
      await ok(["import", file, "--db", target]);
      await using b = await createPersistence(target);
      assert.deepEqual(await dump(b), await dump(source));
    });

    it("prune: dry run counts, then deletes into an archive and reports the size", async () => {
      const db = await filled(newUrl);
      const days = Math.ceil((Date.now() - CUTOFF.getTime()) / 86_400_000);
      const age = `${days}d`;
      const prune = ["prune", "--db", db, "--older-than", age];
      const dry = await ok([...prune, "--dry-run"]);
      assert.match(
        dry,
        /^Would delete 2 runs, 6 events, 4 LLM calls of runs created before /,
      );
      const archive = tempPath("archive.jsonl");
      const result = await ok([
        ...prune,
        "--archive",
        archive,
        "--batch-size",
        "1",
      ]);
      assert.match(
        result,
        /^Deleted 2 runs, 6 events, 4 LLM calls of runs created before .*, in 2 batches$/m,
      );
      assert.match(result, new RegExp(`^Archived to ${archive}$`, "m"));
      assert.match(result, /^Database size: \S+ \S+ before, \S+ \S+ after$/m);
      const runs = JSON.parse(await ok(["runs", "--db", db, "--json"]));
      assert.deepEqual(runs.map((r: { runId: string }) => r.runId), [
        "new-run",
        "new-ok",
      ]);
      const archived = readFileSync(archive, "utf8").trim().split("\n");
      assert.equal(archived.length, 2 + 2 + 6 + 4);
      // An archive is never replaced.
      const refused = await cli([...prune, "--archive", archive]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /exists already/);
    });

    it("shows stored escape sequences as text, in every human-readable output but --json", async () => {
      const db = newUrl();
      {
        await using store = await createPersistence(db);
        await store.createAgentRun({
          agentId: `agent${HOSTILE}`,
          runId: RUN_ID,
          agentName: `name${HOSTILE}`,
          objective: `objective${HOSTILE}`,
          status: "error",
          errorMessage: `error${HOSTILE}`,
          finalSynthesisOutput: `output${HOSTILE}`,
        });
        await store.logAgentRunEvent({
          agentId: `agent${HOSTILE}`,
          runId: RUN_ID,
          eventType: `type${HOSTILE}`,
          data: { [`key${HOSTILE}`]: `value${HOSTILE}` },
        });
        await store.logLlmUsage({
          agentId: `agent${HOSTILE}`,
          runId: RUN_ID,
          provider: `provider${HOSTILE}`,
          model: `model${HOSTILE}`,
          status: "error",
        });
      }
      const human = await Promise.all([
        cli(["runs", "--db", db]),
        cli(["run", RUN_ID, "--db", db]),
        cli(["events", RUN_ID, "--db", db]),
        cli(["usage", "--db", db]),
        cli(["stats", "--db", db]),
        cli(["doctor", "--db", db]),
        cli(["run", `missing${HOSTILE}`, "--db", db]),
        cli(["events", RUN_ID, "--db", db, "--type", `type${HOSTILE}`]),
      ]);
      for (const [i, outcome] of human.entries()) {
        const text = outcome.stdout + outcome.stderr;
        assert.doesNotMatch(text, ACTIVE, `output ${i}: ${text}`);
      }
      const [runs, run, events] = human.map((outcome) => outcome.stdout);
      assert.ok(runs!.includes(`agent${SHOWN}`), runs);
      assert.ok(run!.startsWith(`Run run${SHOWN}\n`), run);
      // (Event data is one line: white space, \r included, is one space.)
      assert.ok(events!.includes("key\\x1b]0;pwned\\x07"), events);
      assert.ok(human[6]!.stderr.includes(`missing${SHOWN}`));
      // Escaped before measuring: the columns still line up.
      const [header, , row] = runs!.split("\n");
      assert.equal(row!.indexOf("error"), header!.indexOf("STATUS"));
      // JSON escapes control characters itself, and keeps the text exact.
      const json = await ok(["run", RUN_ID, "--db", db, "--json"]);
      assert.equal(JSON.parse(json).run.objective, `objective${HOSTILE}`);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(json, /[\u0000-\u0009\u000b-\u001f]/);
    });

    it("prune by rules: --dry-run says what each rule would remove", async () => {
      const db = await filled(newUrl);
      const days = Math.ceil((Date.now() - CUTOFF.getTime()) / 86_400_000);
      const prune = [
        "prune",
        "--db",
        db,
        "--keep-runs",
        `${days}d`,
        "--keep-orphan-calls",
        "1d",
        "--keep-content",
        "1d",
      ];
      const dry = await ok([...prune, "--dry-run"]);
      assert.match(dry, /^Would delete 1 run, .* \(rule runs:completed\)$/m);
      assert.match(dry, /^Would delete 1 run, .* \(rule runs:error\)$/m);
      assert.match(dry, /\(rule orphanLlmCalls\)$/m);
      assert.match(dry, /^Would clear the content of .* \(rule content\)$/m);
      const archive = tempPath("rules.jsonl");
      await ok([...prune, "--archive", archive]);
      const runs = JSON.parse(await ok(["runs", "--db", db, "--json"]));
      assert.deepEqual(runs.map((r: { runId: string }) => r.runId), [
        "new-run",
        "new-ok",
      ]);
      await using store = await createPersistence(db);
      assert.deepEqual(await store.getLlmUsage({ withoutRun: true }), []);
      assert.ok(readFileSync(archive, "utf8").includes('"old-ok"'));
    });

    it("migrate and doctor", async () => {
      const db = await filled(newUrl);
      assert.match(
        await ok(["migrate", "--db", db]),
        /is at version \d+, the current one/,
      );
      const [doctor, raw] = await Promise.all([
        ok(["doctor", "--db", db]),
        ok(["doctor", "--db", db, "--json"]),
      ]);
      assert.match(doctor, new RegExp(`^backend:\\s+${name}$`, "m"));
      assert.match(doctor, /^health:\s+ok \(answered in [\d.]+ ms\)$/m);
      assert.match(doctor, /^runs:\s+4$/m);
      assert.match(doctor, /^events:\s+12$/m);
      assert.match(doctor, /^LLM calls:\s+10$/m);
      assert.match(doctor, /^size:\s+[\d.]+ KiB$/m);
      assert.match(doctor, /^No problems found$/m);
      const json = JSON.parse(raw);
      assert.equal(json.healthy, true);
      assert.equal(json.info.llmUsage, 10);
    });
  });
}

describe("cli", () => {
  it("copy: SQLite to PostgreSQL and back, the counts matching", {
    skip: postgresUrl ? false : "no PostgreSQL",
  }, async () => {
    const sqlite = await filled(() => `sqlite:${tempPath()}`);
    const pg = postgresUrlWith({ schema: uniqueSchema("copy") });
    const there = await ok(["copy", "--from", sqlite, "--to", pg]);
    assert.equal(
      there,
      "Copied 4 runs, 12 events, 10 LLM calls (0 runs, 0 events, 0 LLM calls were there already)\n" +
        "Source holds 4 runs, 12 events, 10 LLM calls\n" +
        "Target holds 4 runs, 12 events, 10 LLM calls\n",
    );
    const back = `sqlite:${tempPath()}`;
    const json = JSON.parse(
      await ok(["copy", "--from", pg, "--to", back, "--json"]),
    );
    assert.deepEqual(json.target, FILLED);
    await using a = await createPersistence(sqlite);
    await using b = await createPersistence(back);
    assert.deepEqual(await dump(b), await dump(a));
  });

  it("exit code 2 for bad arguments, with one line", async () => {
    const db = `sqlite:${tempPath()}`;
    const cases = [
      ["bogus"],
      ["runs", "--bogus"],
      ["runs", "--db", db, "--limit", "0"],
      ["runs", "--db", db, "--status", "done"],
      ["run"],
      ["prune", "--db", db],
      ["prune", "--db", db, "--older-than", "soon"],
      ["prune", "--db", db, "--keep-runs", "soon"],
      ["copy", "--from", db],
      ["export", "--json"],
      ["runs", "--db", "mysql://localhost/db"],
      // Days and times that do not exist, and times beyond what a store holds.
      ["prune", "--db", db, "--older-than", "2025-02-30"],
      ["prune", "--db", db, "--older-than", "2025-02-29"],
      ["prune", "--db", db, "--older-than", "2025-04-31"],
      ["prune", "--db", db, "--older-than", "2025-13-01"],
      ["prune", "--db", db, "--older-than", "2025-01-31T24:00"],
      ["prune", "--db", db, "--older-than", "2025-01-31T10:60:00Z"],
      ["prune", "--db", db, "--older-than", "99999999d"],
      ["prune", "--db", db, "--older-than", "1e400d"],
      ["prune", "--db", db, "--older-than", "9999999w"],
      ["export", "--db", db, "--since", "2025-02-30"],
      ["export", "--db", db, "--since", "99999999d"],
    ];
    const outcomes = await Promise.all(cases.map((args) => cli(args)));
    for (const [i, outcome] of outcomes.entries()) {
      const args = cases[i]!.join(" ");
      assert.equal(outcome.code, 2, `${args}: ${outcome.stderr}`);
      assert.match(
        outcome.stderr,
        /^error: .+\n$/,
        `${args}: ${outcome.stderr}`,
      );
    }
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Commands:$/m);
  });

  it("refuses an export file of another format or a future version (exit 1)", async () => {
    const source = await filled(() => `sqlite:${tempPath()}`);
    const file = tempPath("export.jsonl");
    await ok(["export", "--db", source, "--out", file]);
    const [header, ...rest] = readFileSync(file, "utf8").split("\n");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ version: 3 }, /format "@curio\/persistence export" version 3:/],
      [{ format: "something else" }, /format "something else" version 2:/],
    ];
    for (const [changes, words] of cases) {
      const changed = tempPath("changed.jsonl");
      writeFileSync(
        changed,
        [JSON.stringify({ ...JSON.parse(header!), ...changes }), ...rest]
          .join("\n"),
      );
      const target = `sqlite:${tempPath()}`;
      const outcome = await cli(["import", changed, "--db", target]);
      assert.equal(outcome.code, 1, outcome.stderr);
      assert.match(outcome.stderr, words);
      assert.equal(
        JSON.parse(await ok(["runs", "--db", target, "--json"])).length,
        0,
      );
    }
    const same = `sqlite:${tempPath()}`;
    assert.match(await ok(["import", file, "--db", same]), /added 4 runs/);
  });

  it("exit code 1 when the operation fails, never showing a password", async () => {
    const db = await filled(() => `sqlite:${tempPath()}`);
    const url = "postgres://alice:hunter2secret@127.0.0.1:1/agents";
    const [missing, refused, verbose] = await Promise.all([
      cli(["run", "nope", "--db", db]),
      cli(["runs", "--db", url]),
      cli(["doctor", "--db", url, "--verbose"]),
    ]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: No run has this id: nope\n");
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: Cannot connect to PostgreSQL at 127\.0\.0\.1:1: .+\n$/,
    );
    assert.equal(verbose.code, 1);
    assert.ok(verbose.stderr.split("\n").length > 3, "a stack with --verbose");
    for (const outcome of [refused, verbose]) {
      assert.doesNotMatch(outcome.stdout + outcome.stderr, /hunter2secret/);
    }
  });

  it("never shows a password written unencoded, from --db or DATABASE_URL", async () => {
    const urls = [
      "postgres://u:/secretPart@host/db",
      "postgres://u:2024?secretPart@host/db",
      "postgres://u:2024#secretPart@host/db",
      "postgres://u:2024/secretPart@host:99999/db",
    ];
    const outcomes = await Promise.all(
      urls.flatMap((url) => [
        cli(["runs", "--db", url, "--verbose"]),
        cli(["doctor", "--verbose"], root, { DATABASE_URL: url }),
      ]),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const url = urls[Math.floor(i / 2)]!;
      assert.equal(outcome.code, 2, `${url}: ${outcome.stderr}`);
      assert.match(outcome.stderr, /^error: Malformed PostgreSQL URL/, url);
      assert.doesNotMatch(outcome.stdout + outcome.stderr, /2024|secretPart/);
    }
  });

  it("reads DATABASE_URL from the environment main is given", async () => {
    const path = tempPath("main-env.db");
    const code = await main(["migrate", "--json"], {
      env: { DATABASE_URL: `sqlite:${path}` },
    });
    assert.equal(code, 0);
    assert.ok(existsSync(path), "migrate created the DATABASE_URL file");
    const missing = tempPath("main-env-missing.db");
    assert.equal(
      await main(["runs"], { env: { DATABASE_URL: `sqlite:${missing}` } }),
      1,
    );
    assert.ok(!existsSync(missing), "runs created no file");
  });

  it("--db defaults as createPersistence does, and reading never creates a file", async () => {
    // In the process's temporary folder, so it is removed at exit.
    const folder = tempPath("cli-default");
    mkdirSync(folder);
    const outcome = await cli(["runs"], folder);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /No SQLite database at \.\/agent_sdk\.db/);
    const migrated = await cli(["migrate"], folder);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /sqlite:\.\/agent_sdk\.db is at version/);
    assert.equal((await cli(["runs"], folder)).stdout, "(none)\n");
  });
});
