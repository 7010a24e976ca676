// Hostile and bad input: a generated set of over 1,000 strings in every text
// field of every record, and bad numbers in every numeric field and limit.
// Each value round-trips exactly or is refused with InvalidInputError, and
// memory, SQLite and PostgreSQL give the same answer for every one.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createPersistence,
  InMemoryPersistence,
  InvalidInputError,
  type Persistence,
} from "../mod.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

const MB = 1024 * 1024;

/** A small deterministic generator, so every run tests the same set. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The hostile strings: named families, then random mixtures of them. */
function hostileStrings(): string[] {
  const values: string[] = [];
  const cp = (n: number) => String.fromCodePoint(n);
  // One of several code points from every plane, 0 to 16, including the
  // noncharacters at the end of each plane and the replacement character.
  for (let plane = 0; plane <= 16; plane++) {
    for (
      const offset of [
        0x20,
        0x41,
        0x100,
        0x1234,
        0x4e00,
        0xabcd,
        0xfffd,
        0xfffe,
        0xffff,
      ]
    ) {
      const code = plane * 0x10000 + offset;
      if (code >= 0xd800 && code <= 0xdfff) continue;
      values.push(cp(code), `x${cp(code)}y`);
    }
  }
  values.push(
    ...[
      "😀",
      "👩🏽‍💻",
      "👨‍👩‍👧‍👦",
      "🏳️‍🌈",
      "🇩🇪🇯🇵🇺🇸",
      "❤️",
      "1️⃣",
      "🧑🏿‍🦯",
      "🫠🫨🪿",
      "emoji in text 🚀 between",
      "🚀".repeat(255),
      "🚀".repeat(256),
    ],
    ...[
      "עברית",
      "العربية",
      "mixed עברית and English",
      "فارسی ۱۲۳",
      "\u202eevil\u202c",
      "\u2067isolate\u2069",
      "\u200f\u200e",
      "ܐܪܡܝܐ",
      "ދިވެހި",
    ],
    ...[
      "'",
      '"',
      "`",
      "\\",
      "\\\\",
      "\\'",
      "\\0",
      "\\x00",
      "\\u0000",
      "''",
      '""',
      "'\"`",
      "it's",
      'say "hi"',
      "C:\\path\\to\\file",
      "%s %d %n",
      "${injection}",
      "{{template}}",
      "?",
      "??",
      "$1",
      "$1 $2 ?",
      ":name",
      "@param",
      "\\N",
    ],
    ...[
      "'; DROP TABLE agent_runs; --",
      '"; DROP TABLE agent_runs; --',
      "1; DELETE FROM agent_llm_usage",
      "' OR '1'='1",
      "' OR 1=1 --",
      "admin'--",
      "') UNION SELECT * FROM agent_runs --",
      "1' AND SLEEP(5) --",
      "'; SELECT pg_sleep(5); --",
      "x'); DROP SCHEMA agent_sdk CASCADE; --",
      "/* comment */",
      "-- comment",
      "COPY agent_runs TO '/tmp/x'",
      "E'\\x41'",
      "$$dollar$$",
      "$tag$ quoted $tag$",
      "ATTACH DATABASE '/tmp/x.db' AS x",
      "PRAGMA writable_schema = 1",
      "\\'; DROP TABLE x; --",
      "'||(SELECT 1)||'",
      "' AND extractvalue(1,concat(0x7e,version())) --",
      "<script>alert(1)</script>",
      "../../../etc/passwd",
      '{"$where": "1 == 1"}',
    ],
    ...Array.from({ length: 31 }, (_, i) => `a${cp(i + 1)}b`),
    ...Array.from({ length: 33 }, (_, i) => `a${cp(0x7f + i)}b`),
    ...[
      "",
      " ",
      "  ",
      " leading",
      "trailing ",
      "\t",
      "\n",
      "\r\n",
      "\r",
      "line\nbreak",
      "\u00a0",
      "\u2028\u2029",
      "\ufeffBOM",
      "\u200b\u200c\u200d",
      "\u3000",
      "e\u0301",
      "\u00e9",
      "\u1100\u1161\u11a8",
      "\uac01",
      "ﬁ",
      "ǅ",
      "İı",
      "ß",
      "Ω\u2126",
      "A\u030a\u00c5\u212b",
      "z\u0351\u0354\u0360\u0368\u0350",
    ],
    ...[
      "null",
      "NULL",
      "undefined",
      "true",
      "false",
      "0",
      "-0",
      "007",
      "1e999",
      "NaN",
      "Infinity",
      "[]",
      "{}",
      '{"a":1}',
      '"quoted"',
      "[1,2",
      "2024-01-15 10:30:00",
      "2024-01-15T10:30:00Z",
      "0x7fffffff",
    ],
    ...[100, 101, 255, 256].map((n) => "x".repeat(n)),
    ...[100, 101, 255, 256].map((n) => "é".repeat(n)),
    "x".repeat(64 * 1024),
    "ab✓🚀'\"\\\n".repeat(MB / 8),
    "y".repeat(10 * MB),
    "ab✓🚀".repeat(MB / 4),
  );
  // Refused by every backend: NUL (PostgreSQL's TEXT cannot hold it) and
  // lone surrogates (no backend's UTF-8 can).
  values.push(
    "\u0000",
    "a\u0000",
    "\u0000b",
    "a\u0000b",
    "x".repeat(5000) + "\u0000",
    "\ud800",
    "\udfff",
    "a\ud800b",
    "\udc00\ud800",
    "🚀".slice(0, 1),
  );
  // Random mixtures of everything above, short and medium, until there are
  // well over 1,000.
  const alphabet = [
    ...new Set(values.filter((v) => v.length <= 4).join("")),
  ].filter((c) => c !== "\u0000");
  const next = random(6);
  while (values.length < 1100) {
    const length = Math.floor(next() ** 2 * 300);
    let text = "";
    for (let i = 0; i < length; i++) {
      text += alphabet[Math.floor(next() * alphabet.length)];
    }
    values.push(text.isWellFormed() ? text : text.toWellFormed());
  }
  return [...new Set(values)];
}

type Outcome = string;

/** Runs `write`; its outcome: "ok" or the field of the refusal. */
async function attempt(
  write: () => Promise<unknown>,
): Promise<{ outcome: Outcome; result?: unknown }> {
  try {
    return { outcome: "ok", result: await write() };
  } catch (error) {
    if (error instanceof InvalidInputError) {
      return { outcome: `invalid ${error.field}` };
    }
    return { outcome: `error ${String(error).slice(0, 200)}` };
  }
}

/**
 * Writes one value into every text field of every record (seven writes),
 * checks that what each accepted write returned is what is read back, and
 * returns the outcomes and the number of exact round trips.
 */
async function exerciseOne(
  store: Persistence,
  v: string,
  i: number,
): Promise<{ outcome: Outcome; roundTrips: number }> {
  const small = v.length <= 1000;
  // Free text and JSON of a run.
  const run = await attempt(() =>
    store.createAgentRun({
      agentId: "a",
      runId: `r${i}`,
      objective: v,
      finalSynthesisOutput: v,
      errorMessage: v,
      additionalContext: v,
      executionHistory: [v, { step: v }],
      metadata: small ? { [v]: v } : { v },
    })
  );
  // The bounded fields of a run: ids and name.
  const ids = await attempt(() =>
    store.createAgentRun({ agentId: v, runId: v, agentName: v })
  );
  // A run of this value's own for the patch and the events.
  const own = `p${i}`;
  await store.createAgentRun({ agentId: "a", runId: own });
  const patch = await attempt(() =>
    store.updateAgentRun(own, { objective: v, errorMessage: v })
  );
  const event = await attempt(() =>
    store.logAgentRunEvent({
      agentId: v,
      runId: own,
      agentName: v,
      eventType: v,
      data: small ? { [v]: v, list: [v] } : v,
      timestamp: new Date(Date.UTC(2025, 0, 1)),
    })
  );
  const events = await attempt(() =>
    store.logAgentRunEvents([{
      agentId: "a",
      runId: own,
      eventType: "custom",
      data: v,
      timestamp: new Date(Date.UTC(2025, 0, 2)),
    }])
  );
  const usage = await attempt(() =>
    store.logLlmUsage({
      agentId: "a",
      runId: `r${i}`,
      prompt: v,
      responseContent: v,
      errorMessage: v,
      inputParams: { v },
      usageMetrics: { note: v, cost_usd: 0.25 },
    })
  );
  const usageIds = await attempt(() =>
    store.logLlmUsage({ agentId: v, runId: v, provider: v, model: v })
  );

  let roundTrips = 0;
  const same = (read: unknown, written: { result?: unknown }) => {
    assert.deepEqual(read, written.result);
    roundTrips++;
  };
  if (run.outcome === "ok") {
    same(await store.getAgentRun(`r${i}`), run);
    assert.equal((run.result as { objective: string }).objective, v);
  }
  if (ids.outcome === "ok") same(await store.getAgentRun(v), ids);
  if (patch.outcome === "ok") same(await store.getAgentRun(own), patch);
  const read = await store.getAgentRunEvents(own);
  const written = [event, events].filter((w) => w.outcome === "ok")
    .flatMap((w) => Array.isArray(w.result) ? w.result : [w.result]);
  assert.deepEqual(read, written);
  roundTrips += read.length;
  if (usage.outcome === "ok") {
    const [stored] = await store.getLlmUsage({ runId: `r${i}`, limit: 1 });
    same(stored, usage);
    assert.equal(stored?.prompt, v);
  }
  if (usageIds.outcome === "ok") {
    same((await store.getLlmUsage({ runId: v, limit: 1 }))[0], usageIds);
  }
  return {
    outcome: [run, ids, patch, event, events, usage, usageIds]
      .map((a) => a.outcome).join(" | "),
    roundTrips,
  };
}

/** Every value through {@linkcode exerciseOne}, 16 at a time. */
async function exercise(store: Persistence, values: string[]) {
  const outcomes: Outcome[] = [];
  let roundTrips = 0;
  for (let i = 0; i < values.length; i += 16) {
    const chunk = values.slice(i, i + 16);
    const results = await Promise.all(
      chunk.map((v, j) => exerciseOne(store, v, i + j)),
    );
    for (const result of results) {
      outcomes.push(result.outcome);
      roundTrips += result.roundTrips;
    }
  }
  return { outcomes, roundTrips };
}

const BACKENDS: [string, () => Promise<Persistence>][] = [
  ["memory", () => Promise.resolve(new InMemoryPersistence())],
  ["sqlite", () => createPersistence(`sqlite:${tempPath("hostile.db")}`)],
];
if (postgresUrl) {
  BACKENDS.push([
    "postgres",
    () =>
      createPersistence(postgresUrlWith({ schema: uniqueSchema("hostile") })),
  ]);
}

describe("hostile strings", () => {
  it("each round-trips exactly or is refused, the same on every backend", {
    timeout: 300_000,
  }, async () => {
    const values = hostileStrings();
    assert.ok(values.length >= 1000, `${values.length} values`);
    const results: {
      name: string;
      outcomes: Outcome[];
      roundTrips: number;
      ms: number;
    }[] = [];
    for (const [name, open] of BACKENDS) {
      const started = performance.now();
      await using store = await open();
      const result = await exercise(store, values);
      results.push({ name, ...result, ms: performance.now() - started });
    }
    const [first, ...others] = results;
    for (const other of others) {
      const differences = first!.outcomes.flatMap((outcome, i) =>
        outcome === other.outcomes[i] ? [] : [
          `value ${i} ${JSON.stringify(values[i]!.slice(0, 40))}: ${
            first!.name
          } ${outcome} / ${other.name} ${other.outcomes[i]}`,
        ]
      );
      assert.deepEqual(differences, [], `${first!.name} vs ${other.name}`);
    }
    const refused = first!.outcomes.filter((o) => o.includes("invalid"));
    const nul = values.filter((v) => v.includes("\u0000"));
    const lone = values.filter((v) => !v.isWellFormed());
    // Text fields refuse NUL and lone surrogates everywhere; JSON values
    // hold them escaped (\u0000), so the event whose only field is JSON
    // data takes them, and they read back exactly.
    for (const [i, v] of values.entries()) {
      if (v.includes("\u0000") || !v.isWellFormed()) {
        const each = first!.outcomes[i]!.split(" | ");
        assert.deepEqual(
          each.map((o, k) => k === 4 ? o : o.split(" ")[0]),
          [
            "invalid",
            "invalid",
            "invalid",
            "invalid",
            "ok",
            "invalid",
            "invalid",
          ],
          `value ${i}`,
        );
      }
    }
    assert.ok(first!.outcomes.every((o) => !o.includes("error ")));
    console.log(
      `hostile strings: ${values.length} values (largest ${
        Math.max(...values.map((v) => v.length)) / MB
      } M code units) x 7 writes covering every text field; ` +
        `${refused.length} values refused somewhere, all with ` +
        `InvalidInputError (${nul.length} with NUL and ${lone.length} with ` +
        `lone surrogates refused everywhere); identical outcomes on ${
          results.map((r) =>
            `${r.name} (${r.roundTrips} exact round trips, ${
              Math.round(r.ms / 1000)
            } s)`
          ).join(", ")
        }`,
    );
  });
});

const NUMBERS: unknown[] = [
  0,
  1,
  -0,
  2 ** 31 - 1,
  2 ** 31,
  -1,
  -(2 ** 31),
  0.5,
  1.5,
  -0.5,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  1e308,
  "1",
  "",
  1n,
  true,
  null,
  [],
  {},
  new Date(0),
];

/** Each numeric field and limit, as a write or a read taking `n`. */
const NUMERIC: [
  string,
  (store: Persistence, n: never, i: number) => Promise<unknown>,
][] = [
  [
    "totalIterations",
    (s, n, i) =>
      s.createAgentRun({ agentId: "a", runId: `n${i}`, totalIterations: n }),
  ],
  [
    "patch totalIterations",
    (s, n) => s.updateAgentRun("seed", { totalIterations: n }),
  ],
  ["promptLength", (s, n) => s.logLlmUsage({ prompt: "p", promptLength: n })],
  ["inputTokens", (s, n) => s.logLlmUsage({ inputTokens: n })],
  ["outputTokens", (s, n) => s.logLlmUsage({ outputTokens: n })],
  ["responseLength", (s, n) => s.logLlmUsage({ responseLength: n })],
  ["latencyMs", (s, n) => s.logLlmUsage({ latencyMs: n })],
  ["getAgentRuns limit", (s, n) => s.getAgentRuns({ limit: n })],
  ["getAgentRuns offset", (s, n) => s.getAgentRuns({ offset: n })],
  ["getLlmUsage limit", (s, n) => s.getLlmUsage({ limit: n })],
  ["pageSize", (s, n) => s.iterateAgentRuns({ pageSize: n }).next()],
];

describe("bad numbers", () => {
  it("are refused or stored exactly, the same on every backend", async () => {
    const answers: string[][] = [];
    for (const [name, open] of BACKENDS) {
      await using store = await open();
      await store.createAgentRun({ agentId: "a", runId: "seed" });
      const answer: string[] = [];
      let i = 0;
      for (const [field, call] of NUMERIC) {
        for (const n of NUMBERS) {
          const { outcome, result } = await attempt(() =>
            call(store, n as never, i++)
          );
          answer.push(`${field} ${show(n)}: ${outcome}`);
          if (
            outcome !== "ok" || field.includes("limit") ||
            field.includes("offset") || field === "pageSize"
          ) {
            continue;
          }
          // Stored exactly: what was given is what is read back.
          const record = result as Record<string, unknown> & { id: number };
          const key = field.replace("patch ", "");
          const read = ("objective" in record
            ? await store.getAgentRun(record.runId as string)
            : (await store.getLlmUsage({ limit: 1 }))[0]) as unknown as Record<
              string,
              unknown
            >;
          // null leaves the run's iterations at their default, 0; -0 is
          // stored as 0 everywhere, as SQL stores it.
          const expected = (n === null && key === "totalIterations") ||
              Object.is(n, -0)
            ? 0
            : n;
          assert.ok(
            Object.is(read[key], expected),
            `${name} ${field} ${show(n)} read back as ${read[key]}`,
          );
        }
      }
      answers.push(answer);
    }
    for (const other of answers.slice(1)) assert.deepEqual(other, answers[0]);
    const accepted = answers[0]!.filter((a) => a.endsWith(": ok"));
    assert.ok(
      answers[0]!.every((a) => a.endsWith(": ok") || / invalid /.test(a)),
      answers[0]!.filter((a) => !a.endsWith(": ok") && !/ invalid /.test(a))
        .join("\n"),
    );
    console.log(
      `numbers: ${NUMBERS.length} values x ${NUMERIC.length} numeric fields ` +
        `and limits = ${
          answers[0]!.length
        } cases; ${accepted.length} accepted ` +
        `(each stored one read back exactly, by Object.is), ${
          answers[0]!.length - accepted.length
        } refused with InvalidInputError; identical on ${
          BACKENDS.map(([name]) => name).join(", ")
        }`,
    );
  });
});

function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (Object.is(value, -0)) return "-0";
  if (value instanceof Date) return "Date";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
