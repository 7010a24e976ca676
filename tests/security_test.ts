// Secrets and access: the PostgreSQL password never shows, SQL is built from
// identifiers and placeholders only, database files are private, and a
// redact option keeps raw values out of the database.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import {
  ConnectionError,
  createPersistence,
  InMemoryPersistence,
  InvalidInputError,
  parseConnectionUrl,
  type Persistence,
  type Redactor,
} from "../mod.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

const PASSWORD = "Zx9-q7Pw_SECRET-4242";

/** Every string a value shows: inspection (hidden too), JSON, String. */
function shown(value: unknown): string[] {
  const out = [
    inspect(value, { showHidden: true, depth: 8 }),
    inspect(value, { depth: 8 }),
    safe(() => JSON.stringify(value)),
    safe(() => String(value)),
  ];
  const deno = (globalThis as {
    Deno?: { inspect(v: unknown, o?: object): string };
  }).Deno;
  if (deno) out.push(deno.inspect(value, { showHidden: true, depth: 8 }));
  return out;
}

function safe(f: () => unknown): string {
  try {
    return String(f());
  } catch (error) {
    return String(error);
  }
}

/** Every string of an error, its own properties and its causes. */
function errorStrings(error: unknown, depth = 0): string[] {
  if (depth > 5 || typeof error !== "object" || error === null) {
    return [String(error)];
  }
  const out = shown(error);
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = (error as Record<string, unknown>)[key];
    out.push(key, ...errorStrings(value, depth + 1));
  }
  return out;
}

/** Captures everything written to the console while `fn` runs. */
async function captureConsole(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => lines.push(inspect(args));
  }
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
  return lines;
}

/**
 * A loopback server that speaks just enough of PostgreSQL's protocol to ask
 * for a cleartext password, record it, and refuse it (28P01).
 */
async function passwordRefusingServer() {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let startup = true;
    socket.on("data", (data: Uint8Array) => {
      const buffer = Buffer.from(data);
      if (startup) {
        startup = false;
        // AuthenticationCleartextPassword
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
        return;
      }
      if (buffer[0] === 0x70) {
        received.push(buffer.subarray(5, buffer.length - 1).toString());
        const fields = Buffer.from(
          'SFATAL\0C28P01\0Mpassword authentication failed for user "agent"\0\0',
        );
        const header = Buffer.alloc(5);
        header[0] = 0x45;
        header.writeInt32BE(fields.length + 4, 1);
        socket.end(Buffer.concat([header, fields]));
      }
    });
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
}

describe("the PostgreSQL password", () => {
  it("shows in no error, config, store or log line", async () => {
    const produced: string[] = [];
    const server = await passwordRefusingServer();
    const refused = `postgres://agent:${PASSWORD}@127.0.0.1:${server.port}/db`;
    const logs = await captureConsole(async () => {
      // Settings parsed from a URL and from DB_ variables.
      for (
        const target of [
          parseConnectionUrl(refused),
          parseConnectionUrl("postgres:", {
            DB_HOST: "127.0.0.1",
            DB_PASSWORD: PASSWORD,
          }),
        ]
      ) {
        produced.push(...shown(target));
        if (target.backend === "postgres") {
          produced.push(...shown(target.config));
          assert.equal(target.config.password, PASSWORD);
        }
      }
      // URLs the parser refuses.
      for (
        const url of [
          `postgres://agent:${PASSWORD}@h:99999/db`,
          `postgres://agent:${PASSWORD}@h/db?pool=1`,
          `postgres://agent:${PASSWORD}@h/db?sslmode=maybe`,
          `postgres://agent:${PASSWORD}@h/a/b`,
          `postgres://agent:${PASSWORD}@h:port/db`,
          `postgres://agent:${PASSWORD}@h/%zz`,
          `postgres://agent:${PASSWORD}%zz@h/db`,
          `postgres://agent:${PASSWORD}@/db`,
          `postgresx://agent:${PASSWORD}@h/db`,
          `mysql://agent:${PASSWORD}@h/db`,
          // Written unencoded around "/", "?" and "#".
          `postgres://agent:/${PASSWORD}@h/db`,
          `postgres://agent:2024?${PASSWORD}@h/db`,
          `postgres://agent:2024#${PASSWORD}@h/db`,
          `postgres://agent:${PASSWORD}/x@h:99999/db`,
          `postgres://agent:x/${PASSWORD}@h/db?pool=1`,
        ]
      ) {
        const error = await createPersistence(url).catch((e) => e);
        assert.ok(error instanceof Error, url);
        produced.push(...errorStrings(error));
      }
      // A server that refuses the password, and one that is not there.
      const refusal = await createPersistence(refused).catch((e) => e);
      assert.ok(refusal instanceof ConnectionError, String(refusal));
      produced.push(...errorStrings(refusal));
      assert.deepEqual(server.received.slice(0, 1), [PASSWORD]);
      const absent = await createPersistence(
        `postgres://agent:${PASSWORD}@127.0.0.1:1/db?connect_timeout=2`,
      ).catch((e) => e);
      assert.ok(absent instanceof ConnectionError, String(absent));
      produced.push(...errorStrings(absent));
      // An open store and its failures, when a server is at hand.
      if (postgresUrl) {
        const url = new URL(
          postgresUrlWith({ schema: uniqueSchema("secret") }),
        );
        url.password = PASSWORD;
        const store = await createPersistence(url.toString());
        produced.push(...shown(store));
        produced.push(
          ...errorStrings(
            await store.createAgentRun({ agentId: "", runId: "r" }).catch((
              e,
            ) => e),
          ),
        );
        await store.close();
        produced.push(
          ...errorStrings(await store.getAgentRuns().catch((e) => e)),
        );
      }
    });
    await server.close();
    produced.push(...logs);
    const leaks = produced.filter((text) => text.includes(PASSWORD));
    assert.deepEqual(leaks, []);
    console.log(
      `password: searched ${produced.length} strings (${
        produced.reduce((n, s) => n + s.length, 0)
      } characters) from configs, errors, stores and ${logs.length} log lines; ` +
        `0 contain the password`,
    );
  });
});

// ---------------------------------------------------------------------------

/** Template literals of a TypeScript source, with their `${}` expressions. */
function templates(source: string): { text: string; exprs: string[] }[] {
  const found: { text: string; exprs: string[] }[] = [];
  let i = 0;
  const readTemplate = (): void => {
    // at the opening backtick
    i++;
    let text = "";
    const exprs: string[] = [];
    while (i < source.length && source[i] !== "`") {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (source[i] === "$" && source[i + 1] === "{") {
        i += 2;
        const start = i;
        let depth = 1;
        while (i < source.length && depth > 0) {
          const c = source[i];
          if (c === "`") readTemplate();
          else if (c === '"' || c === "'") skipString(c);
          else {
            if (c === "{") depth++;
            else if (c === "}") depth--;
            i++;
          }
        }
        exprs.push(source.slice(start, i - 1).trim());
        text += "${}";
      } else {
        text += source[i++];
      }
    }
    i++;
    found.push({ text, exprs });
  };
  const skipString = (quote: string): void => {
    i++;
    while (i < source.length && source[i] !== quote) {
      i += source[i] === "\\" ? 2 : 1;
    }
    i++;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) break;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i) + 2;
    } else if (c === "`") readTemplate();
    else if (c === '"' || c === "'") skipString(c);
    else if (c === "/" && /[(,=:[!&|?{};]\s*$/.test(source.slice(i - 20, i))) {
      // a regular expression literal
      i++;
      let inClass = false;
      while (i < source.length && (inClass || source[i] !== "/")) {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
    } else i++;
  }
  return found;
}

const SQL =
  /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|VALUES|CREATE (TABLE|INDEX|SCHEMA)|PRAGMA|DROP|ALTER|ORDER BY)\b/;

/**
 * What may be interpolated into SQL text: identifiers (tables, columns,
 * indexes, the validated schema), placeholders, fragments built of those,
 * and constants of the code. Anything else is a value, which must travel as
 * a parameter.
 */
const ALLOWED: [RegExp, string][] = [
  [/^this\.#(runs|events|usage)$/, "a table name"],
  [
    /^(this\.#read\.)?(runs|events|usage)\.(from|ref)$/,
    "a table name, or a derived table of column names and typed NULLs",
  ],
  [/^table\.name$/, "a table name"],
  [/^columns\.join\(", "\)$/, "column names and typed NULLs"],
  [/^rows$/, "FROM a table name, or a constant false WHERE"],
  [/^this\.#cost\(\)$/, "jsonNumber of a constant column and key, or NULL"],
  [
    /^(table|columns|name|column|quoted|where|filter|key)$/,
    "an identifier or a fragment of identifiers and placeholders",
  ],
  [/^dialect\.(table\(.*\)|primaryKey)$/, "a table name, a column type"],
  [/^c\.(name|type|constraint)$/, "a column's definition"],
  [/^f\.column$/, "a column name"],
  [
    /^(definition|chunk)\.(columns\.)?map\(\(\) => "\?"\)\.join\(", "\)$/,
    "placeholders",
  ],
  [
    /^fields\.map\(\(f\) => `\$\{f\.column\} = \?`\)\.join\(", "\)$/,
    "column = ? pairs",
  ],
  [/^Array\(rows\)\.fill\(tuple\)\.join\(", "\)$/, "tuples of placeholders"],
  [
    /^agentId === undefined \? "" : "WHERE agent_id = \?"$/,
    "a constant condition",
  ],
  [/^lines\.join\(",\\n {2}"\)$/, "column definitions"],
  [
    /^schema$/,
    "the schema name, checked by schemaName() to be a plain identifier",
  ],
  [/^this\.#conditions\.join\(" AND "\)$/, "conditions with placeholders"],
  [/^(filters|dated|undated)$/, "a Where: conditions with placeholders"],
  [
    /^sources\.(runs|usage)$/,
    "a table name, or a derived table of column names and typed NULLs",
  ],
  [/^byStatus\("\w+"\)$/, "a constant status"],
  [/^order$/, "ASC or DESC"],
  [/^placeholders\((chunk|runIds)\)$/, "placeholders"],
  [
    /^(this\.#)?dialect\.jsonNumber\("(\w+\.)?\w+", "\w+"\)$/,
    "a constant column, perhaps qualified by a constant alias, and key",
  ],
  [
    /^carried$/,
    "an index's constant carried columns, after INCLUDE or the key (schema.ts)",
  ],
  [
    /^partial$/,
    "a partial index's constant condition, after WHERE (schema.ts)",
  ],
  [/^(SCHEMA_VERSION|MIGRATIONS_TABLE)$/, "a constant"],
  [/^status$/, "byStatus's constant status"],
  [/^schemaName\(schema\)$/, "the validated schema identifier"],
  [/^lockKey\(schema\)$/, "a number derived from the schema"],
  [/^busyTimeout$/, "a validated whole number"],
  [/^pages$/, "a whole number of pages (space.ts's incremental_vacuum)"],
  [
    /^(set|changed|changedRow|columnList|kept)$/,
    "column names with constant SQL around them (timestamps.ts)",
  ],
  [/^synchronous\.toUpperCase\(\)$/, "normal or full, validated"],
  [/^ifNotExists$/, "IF NOT EXISTS or nothing, by dialect"],
  [/^columnDefinition\(column\)$/, "a column's definition"],
  [/^i \+ 1$/, "a schema version number"],
  [/^Number\.MAX_SAFE_INTEGER$/, "a constant"],
  [/^(whole|cost)$/, "an expression of columns and constants, by dialect"],
  [
    /^halfNanos\((this\.#)?dialect(, (this\.#costInSql|sources\.functions))?\)$|^halfNanos\(\s*this\.#dialect,\s*this\.#(costInSql|sources\.functions),\s*this\.#(usageTable|sources\.usageTable),?\s*\)$/,
    "an expression of columns and constants, by dialect",
  ],
  [/^(CALL_NANOS|UNPRICED_CALL)$/, "constant expressions of columns"],
  [
    /^callSums\(dialect, sources\)$/,
    "a join of the page's calls' sums, built of the above (run_summaries.ts)",
  ],
  [
    /^sqlite \? "[^"$`]*" : "[^"$`]*"$/,
    "one of two constant SQL fragments, by dialect",
  ],
  [
    /^(sums|costed)$/,
    "call sums over constant columns, and a subquery of columns, constants and placeholders",
  ],
  [/^fence\((this\.#)?dialect\)$/, "a constant LIMIT or OFFSET, by dialect"],
  [
    /^samePartition$/,
    "nothing, or a condition on a table name and constant columns",
  ],
  [
    /^(value|partition|duration|grouping|selected|values)$/,
    "the series' column names and constant expressions",
  ],
  [/^buckets\.sql$/, "the buckets' subquery, a constant by dialect"],
  [
    /^this\.#bucketIndex\(column\)$/,
    "a bucket's index: a column and placeholders, by dialect",
  ],
  [/^(inRange|inBucket)$/, "a Where: conditions with placeholders"],
  [
    /^(lead|inner|groupBy|counted)$/,
    "constant column names of a series' groups, a bucket's index as a number literal",
  ],
  [/^nulls\.join\(", "\)$/, "NULL percentile columns of constant names"],
  [/^rows\.sql$/, "a series' bucketed rows as a subquery built here"],
  [
    /^this\.#dialect\.name === "sqlite"\s*\? "LIMIT -1"\s*: "OFFSET 0"$/,
    "a fence: a constant LIMIT or OFFSET by dialect",
  ],
  [/^(calls|runs)\.sql$/, "a series' rows: a subquery built of the above"],
  [
    /^fenced$/,
    "a series' rows as a subquery, fenced by a constant LIMIT or OFFSET",
  ],
  [
    /^(summed|picked|sums)\.join\(",\\n {2,4}"\)$/,
    "aggregates and percentile picks over constant column names",
  ],
  [/^UNSORTED$/, "a constant column name"],
  [
    /^USAGE_GROUP_VALUES(\.(provider|model)|\[column\])$/,
    "a constant expression of a column",
  ],
  [/^exact$/, "a constant column, quoted when real"],
  [
    /^this\.#(runCountsSql|usageTotalsSql)\(filter\)$/,
    "a subquery of columns, constants and placeholders",
  ],
  [/^Object\.keys\(sums\)\.join\(", "\)$/, "constant column names"],
  [
    /^this\.#sources\.(runs|events|usage)$/,
    "a table name, or a derived table of column names and typed NULLs",
  ],
  [
    /^json\.(action|failed|document|duration)$/,
    "JSON expressions, constant by dialect",
  ],
  [
    /^SQLITE_TOOL_CALL\.(action|failed|duration)$/,
    "the tool statistics' constant JSON expressions (tool_events.ts)",
  ],
  [/^toolsIndex$/, "an index's constant name (schema.ts), after INDEXED BY"],
  [
    /^this\.#costedUsage\((filter|agentId === undefined \? "" : "WHERE agent_id = \?")\)$/,
    "a subquery of columns, constants and placeholders",
  ],
  [/^(runsTable|partition|fallback)$/, "a table name"],
  [
    /^(due|runDue\.join\(" OR "\) \|\| "FALSE")$/,
    "conditions of columns and placeholders (partitionDueQuery)",
  ],
  [
    /^(periodBounds\(start, by\)|boundLiteral\((start|nextPeriod\(start, by\))\)|inPeriod)$/,
    "a partition's bounds: TIMESTAMP literals formatted from Dates, as DDL takes no parameters",
  ],
  [
    /^this\.#(daily|days|byDate)$/,
    "the roll-up's table names, or the usage table INDEXED BY its date index",
  ],
  [/^(daily|days|usage|stale)$/, "a table or function name (dialect.table)"],
  [
    /^(TRIGGER|SERIES_COLUMNS)$/,
    "a constant trigger name, constant column names",
  ],
  [/^sums\.join\(",\\n {2}"\)$/, "constant column definitions"],
  [/^DAILY_COLUMNS\.join\(", "\)$/, "constant column names"],
  [/^cellSums$/, "the series' constant sums of columns (USAGE_CELL_SUMS)"],
  [/^chunk\.map\(\(\) => tuple\)\.join\(", "\)$/, "tuples of placeholders"],
  [
    /^halfNanos\(this\.#dialect, true, this\.#usage\)$/,
    "a call's cost from constant columns (the series' own expression)",
  ],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** How SQL is built in one source file, and what in it is not allowed. */
function scanSql(source: string) {
  const offending: string[] = [];
  let sqlTemplates = 0;
  let interpolations = 0;
  for (const { text, exprs } of templates(source)) {
    if (!SQL.test(text)) continue;
    sqlTemplates++;
    for (const expr of exprs) {
      interpolations++;
      if (!ALLOWED.some(([pattern]) => pattern.test(expr))) {
        offending.push(`\${${expr}}`);
      }
    }
    // A value spliced between quotes is a string literal built by hand.
    if (/'[^'\n]*\$\{\}[^'\n]*'/.test(text.replace(/'\$\.\$\{\}'/g, ""))) {
      const quoted = exprs.filter((e) => !/^(status|key|schema)$/.test(e));
      if (quoted.length > 0) offending.push(`'\${${quoted.join("}', '${")}}'`);
    }
  }
  // SQL glued to a variable with + (outside template literals).
  for (
    const match of source.matchAll(
      /("[^"\n]*\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b[^"\n]*"|'[^'\n]*\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b[^'\n]*')\s*\+\s*(?![`"'\s])/g,
    )
  ) {
    offending.push(match[0]);
  }
  return { offending, sqlTemplates, interpolations };
}

describe("SQL text", () => {
  it("finds values spliced into SQL (the scan's own check)", () => {
    const bad = [
      "db.query(`SELECT * FROM t WHERE run_id = '${runId}'`);",
      "db.query(`DELETE FROM t WHERE id = ${record.id}`);",
      'db.query("SELECT * FROM t WHERE a = \'" + input + "\'");',
      "db.query(`UPDATE t SET x = ${JSON.stringify(value)}`);",
    ];
    for (const source of bad) {
      assert.notDeepEqual(scanSql(source).offending, [], source);
    }
    assert.deepEqual(
      scanSql("db.query(`SELECT * FROM ${this.#runs} WHERE run_id = ?`, [id]);")
        .offending,
      [],
    );
  });

  it("interpolates only identifiers, placeholders and constants (a scan of src/)", () => {
    const root = new URL("../src", import.meta.url).pathname;
    const offending: string[] = [];
    let sqlTemplates = 0;
    let interpolations = 0;
    for (const file of sourceFiles(root)) {
      const scan = scanSql(readFileSync(file, "utf8"));
      offending.push(
        ...scan.offending.map((o) => `${file.slice(root.length + 1)}: ${o}`),
      );
      sqlTemplates += scan.sqlTemplates;
      interpolations += scan.interpolations;
    }
    assert.deepEqual(offending, []);
    assert.ok(sqlTemplates > 20, `only ${sqlTemplates} SQL templates found`);
    console.log(
      `sql scan: ${sqlTemplates} SQL templates in src/ with ${interpolations} ` +
        `interpolations, all identifiers, placeholders or constants`,
    );
  });

  it("refuses schema names that are not plain identifiers", async () => {
    let refused = 0;
    for (
      const schema of [
        'x"; DROP SCHEMA public CASCADE; --',
        "a b",
        "1abc",
        "",
        "x".repeat(64),
        "agent-sdk",
        "ä",
        "a.b",
      ]
    ) {
      await assert.rejects(
        createPersistence("postgres://127.0.0.1:1/db", { schema }),
        InvalidInputError,
        schema,
      );
      refused++;
    }
    console.log(
      `schema names: ${refused} hostile names refused before connecting`,
    );
  });
});

// ---------------------------------------------------------------------------

describe("SQLite files", () => {
  it("are created 0600: the database, its WAL and shared memory", async () => {
    const path = tempPath("private/agent.db");
    const umask = process.umask?.(0o000);
    try {
      await using store = await createPersistence(`sqlite:${path}`);
      await store.createAgentRun({ agentId: "a", runId: "r" });
      const modes = [path, `${path}-wal`, `${path}-shm`].map((file) =>
        statSync(file).mode & 0o777
      );
      assert.deepEqual(modes, [0o600, 0o600, 0o600]);
      console.log(
        `sqlite files with umask 000: ${
          modes.map((m) => m.toString(8)).join(", ")
        } (database, -wal, -shm)`,
      );
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  });
});

// ---------------------------------------------------------------------------

const API_KEY = "sk-live-9f8e7d6c5b4a3210";
const EMAIL = "ada.lovelace@example.com";

const mask: Redactor = (text) =>
  text.replace(/\bsk-[\w-]{8,}/g, "sk-***").replace(
    /[\w.+-]+@[\w-]+\.[\w.-]+/g,
    "***@***",
  );

async function writeSecrets(store: Persistence): Promise<void> {
  const secret = `key ${API_KEY} mail ${EMAIL}`;
  await store.createAgentRun({
    agentId: "a",
    runId: "r",
    objective: secret,
    additionalContext: { nested: [secret] },
    finalSynthesisOutput: secret,
    executionHistory: [{ step: secret }],
    errorMessage: secret,
    metadata: { secret },
  });
  await store.updateAgentRun("r", {
    errorMessage: secret,
    metadata: { again: secret },
  });
  await store.logAgentRunEvent({
    agentId: "a",
    runId: "r",
    eventType: "custom",
    data: { headers: { authorization: `Bearer ${API_KEY}` }, to: EMAIL },
  });
  await store.logAgentRunEvents([{
    agentId: "a",
    runId: "r",
    eventType: "custom",
    data: secret,
  }]);
  await store.logLlmUsage({
    agentId: "a",
    runId: "r",
    prompt: secret,
    responseContent: secret,
    inputParams: { apiKey: API_KEY },
    usageMetrics: { note: secret, cost_usd: 0.1 },
    errorMessage: secret,
  });
  await store.logLlmUsages([{ prompt: secret, responseContent: secret }]);
}

/** What a store shows back: every record, as JSON. */
async function readBack(store: Persistence): Promise<string> {
  return JSON.stringify([
    await store.getAgentRuns({ limit: 100 }),
    await store.getAgentRunEvents("r"),
    await store.getLlmUsage({ limit: 100 }),
  ]);
}

describe("the redact option", () => {
  it("keeps the raw values out of every backend", async () => {
    const checked: string[] = [];

    const memory = new InMemoryPersistence({ redact: mask });
    await writeSecrets(memory);
    const all = JSON.stringify(memory.getAllData());
    assert.ok(!all.includes(API_KEY) && !all.includes(EMAIL), all);
    assert.ok(all.includes("sk-***") && all.includes("***@***"));
    checked.push("memory");

    const path = tempPath("redacted.db");
    {
      await using store = await createPersistence(`sqlite:${path}`, {
        redact: mask,
      });
      await writeSecrets(store);
      const [usage] = await store.getLlmUsage({ runId: "r" });
      assert.equal(usage?.prompt, "key sk-*** mail ***@***");
      // The lengths are those of what the LLM was given.
      assert.equal(usage?.promptLength, `key ${API_KEY} mail ${EMAIL}`.length);
      const shownBack = await readBack(store);
      assert.ok(!shownBack.includes(API_KEY) && !shownBack.includes(EMAIL));
      // The bytes on disk, WAL included, before and after a checkpoint.
      for (const file of [path, `${path}-wal`]) {
        const bytes = readFileSync(file).toString("latin1");
        assert.ok(!bytes.includes(API_KEY), file);
        assert.ok(!bytes.includes(EMAIL), file);
      }
    }
    // Closed: the WAL is checkpointed into the file (Bun may keep it aside).
    const bytes = [path, `${path}-wal`].filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString("latin1")).join("");
    assert.ok(bytes.includes("sk-***"));
    assert.ok(!bytes.includes(API_KEY) && !bytes.includes(EMAIL));
    checked.push("sqlite (file bytes)");

    if (postgresUrl) {
      const schema = uniqueSchema("redact");
      await using store = await createPersistence(
        postgresUrlWith({ schema }),
        { redact: mask },
      );
      await writeSecrets(store);
      const { default: postgres } = await import("postgres");
      const sql = postgres(postgresUrl, { onnotice: () => {} });
      try {
        const rows = await sql.unsafe(
          `SELECT t::text AS row FROM "${schema}".agent_runs t UNION ALL
           SELECT t::text FROM "${schema}".agent_run_events t UNION ALL
           SELECT t::text FROM "${schema}".agent_llm_usage t`,
        );
        const raw = rows.map((r) => String(r.row)).join("\n");
        assert.equal(rows.length, 5);
        assert.ok(!raw.includes(API_KEY) && !raw.includes(EMAIL), raw);
        assert.ok(raw.includes("sk-***"));
      } finally {
        await sql.end();
      }
      checked.push("postgres (raw rows)");
    }
    console.log(`redact: no raw API key or e-mail in ${checked.join(", ")}`);
  });

  it("refuses what the redactor returns when it cannot be stored", async () => {
    for (
      const bad of [
        () => 42 as unknown as string,
        () => "a\u0000b",
        () => "\ud800",
        () => {
          throw new Error("redactor broke");
        },
      ]
    ) {
      await using store = new InMemoryPersistence({ redact: bad });
      await assert.rejects(
        store.logLlmUsage({ prompt: "p" }),
        InvalidInputError,
      );
      assert.deepEqual(await store.getLlmUsage(), []);
    }
    assert.throws(
      () => new InMemoryPersistence({ redact: "x" as unknown as Redactor }),
      InvalidInputError,
    );
  });

  it("leaves ids, names and numbers alone", async () => {
    await using store = new InMemoryPersistence({ redact: () => "X" });
    const usage = await store.logLlmUsage({
      agentId: "sk-agent-12345678",
      runId: "r",
      provider: "openai",
      model: "gpt",
      prompt: "hello",
      inputTokens: 3,
      usageMetrics: { cost_usd: 0.5, label: "l" },
    });
    assert.equal(usage.agentId, "sk-agent-12345678");
    assert.equal(usage.provider, "openai");
    assert.equal(usage.prompt, "X");
    assert.equal(usage.promptLength, 5);
    assert.deepEqual(usage.usageMetrics, { cost_usd: 0.5, label: "X" });
  });
});
