import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import {
  createPersistence,
  DEFAULT_URL,
  InMemoryPersistence,
  InvalidUrlError,
  parseConnectionUrl,
  SqlitePersistence,
} from "../mod.ts";
import {
  maskUrlPassword,
  resolveConnectionTarget,
  urlPasswords,
} from "../src/url.ts";
import { tempPath } from "./_temp.ts";

/**
 * Passwords written unencoded around each character a URL gives a meaning,
 * with the pieces that must never show on their own.
 */
const UNENCODED_PASSWORDS = ["/", "?", "#", "@", ":"].flatMap((char) =>
  [`2024${char}secretPart`, `${char}secretPart`, `secretPart${char}`].map(
    (password) => ({ char, password, pieces: ["2024", "secretPart"] }),
  )
);

/** URLs around `password`: plain, with a port, a bad port, a parameter. */
function urlsWith(password: string): string[] {
  return [
    `postgres://u:${password}@host/db`,
    `postgresql://u:${password}@host:5432/db`,
    `postgres://u:${password}@host:99999/db`,
    `postgres://u:${password}@host/db?pool=1`,
    `postgres://u:${password}@host/a/b`,
    `postgres://u:${password}@/db`,
  ];
}

describe("parseConnectionUrl", () => {
  it("reads memory and every sqlite form", () => {
    assert.deepEqual(parseConnectionUrl("memory:"), { backend: "memory" });
    for (
      const [url, path] of [
        ["sqlite:./agent.db", "./agent.db"],
        ["sqlite:agent.db", "agent.db"],
        ["sqlite:/abs/path.db", "/abs/path.db"],
        ["sqlite:///abs/path.db", "/abs/path.db"],
        ["sqlite::memory:", ":memory:"],
        ["SQLITE:data/x.db", "data/x.db"],
      ]
    ) {
      assert.deepEqual(
        parseConnectionUrl(url!),
        { backend: "sqlite", path },
        url,
      );
    }
  });

  it("reads a full PostgreSQL URL, decoding its parts", () => {
    const target = parseConnectionUrl(
      "postgresql://agent%40corp:p%40ss%2Fw@db.example:6543/agents?schema=agent_sdk&max=10&min=2&connect_timeout=5&sslmode=require",
    );
    assert.equal(target.backend, "postgres");
    if (target.backend !== "postgres") return;
    assert.deepEqual({ ...target.config }, {
      host: "db.example",
      port: 6543,
      database: "agents",
      user: "agent@corp",
      schema: "agent_sdk",
      maxConnections: 10,
      minConnections: 2,
      connectTimeoutSeconds: 5,
      sslMode: "require",
    });
    assert.equal(target.config.password, "p@ss/w");
  });

  it("never shows the password when the settings are printed", () => {
    const target = parseConnectionUrl("postgres://u:hunter2-secret@h/db");
    assert.equal(JSON.stringify(target).includes("hunter2"), false);
    assert.equal(String(Object.values(target)).includes("hunter2"), false);
  });

  it("takes DB_ variables for postgres: with no host", () => {
    const env = {
      DB_HOST: "pg.internal",
      DB_PORT: "5433",
      DB_NAME: "agent_db",
      DB_USER: "agent",
      DB_PASSWORD: "s3cret",
      DB_SCHEMA: "agents",
    };
    for (
      const url of [
        "postgres:",
        "postgresql:",
        "postgres://",
        "postgres:?max=3",
      ]
    ) {
      const target = parseConnectionUrl(url, env);
      assert.equal(target.backend, "postgres", url);
      if (target.backend !== "postgres") continue;
      assert.equal(target.config.host, "pg.internal");
      assert.equal(target.config.port, 5433);
      assert.equal(target.config.database, "agent_db");
      assert.equal(target.config.user, "agent");
      assert.equal(target.config.password, "s3cret");
      assert.equal(target.config.schema, "agents");
    }
    const target = parseConnectionUrl("postgres:?max=3", env);
    assert.equal(
      target.backend === "postgres" && target.config.maxConnections,
      3,
    );
  });

  it("refuses what it cannot read, naming what was wrong and no password", () => {
    for (
      const [url, words] of [
        [
          "mysql://root:pw-123@db/x",
          /memory:, sqlite:, postgres: or postgresql:/,
        ],
        ["redis://cache", /Unsupported/],
        ["agent.db", /Unsupported/],
        ["", /Unsupported/],
        ["sqlite:", /file path/],
        ["sqlite://host/file.db", /no host/],
        ["memory:extra", /nothing after/],
        ["postgres://u:pw-123@h:99999/db", /port|Malformed/],
        ["postgres://u:pw-123@h/db?pool=3", /parameter "pool"/],
        ["postgres://h/db?max=0", /max/],
        ["postgres://h/db?max=ten", /max/],
        ["postgres://h/db?sslmode=maybe", /sslmode/],
        [
          "postgres://h/db?schema=a-b",
          /schema "a-b": expected a plain identifier/,
        ],
        // A password holding "/", "?" or "@" must not leak as host or port.
        ["postgres://user:pw-123/x@host/db", /Malformed/],
        ["postgres://user:pw-123?x@host:5432/db", /Malformed/],
        ["mysql://user:top/pw-123@host/db", /Unsupported/],
        ["postgres://u:pw-123@x@h:99999/db", /port "99999"/],
        ["postgres://h/a/b", /one database/],
      ] as const
    ) {
      assert.throws(
        () => parseConnectionUrl(url),
        (error: unknown) =>
          error instanceof InvalidUrlError && words.test(error.message) &&
          !error.message.includes("pw-123"),
        url,
      );
    }
    assert.throws(
      () => parseConnectionUrl("postgres:", { DB_PORT: "http" }),
      InvalidUrlError,
    );
  });
});

describe("a password written unencoded", () => {
  it("is read whole or refused, and never shows in part", () => {
    let refused = 0;
    for (const { char, password, pieces } of UNENCODED_PASSWORDS) {
      for (const url of urlsWith(password)) {
        let target;
        try {
          target = parseConnectionUrl(url);
        } catch (error) {
          assert.ok(error instanceof InvalidUrlError, `${url}: ${error}`);
          for (const piece of pieces) {
            assert.ok(!error.message.includes(piece), error.message);
          }
          refused++;
          continue;
        }
        // Read: then as the whole password, never as host, port or database.
        assert.ok(char === "@" || char === ":", `${url} was accepted`);
        assert.equal(target.backend, "postgres");
        if (target.backend !== "postgres") continue;
        assert.equal(target.config.password, password, url);
        assert.equal(target.config.host, "host", url);
        const shown = JSON.stringify(target);
        for (const piece of pieces) assert.ok(!shown.includes(piece), url);
      }
    }
    assert.ok(refused >= 3 * 3 * 6, `${refused} refused`);
  });

  it("is refused by createPersistence without showing it", async () => {
    for (
      const url of [
        "postgres://u:/secretPart@host/db",
        "postgres://u:2024?secretPart@host/db",
        "postgres://u:2024#secretPart@host/db",
      ]
    ) {
      for (
        const opened of [
          createPersistence(url),
          createPersistence(undefined, { env: { DATABASE_URL: url } }),
        ]
      ) {
        await assert.rejects(opened, (error: unknown) => {
          assert.ok(error instanceof InvalidUrlError, `${url}: ${error}`);
          assert.match(error.message, /^Malformed PostgreSQL URL/);
          assert.doesNotMatch(error.message, /2024|secretPart/);
          return true;
        });
      }
    }
  });
});

describe("maskUrlPassword", () => {
  it("hides every URL's password whole, wherever the URL stands", () => {
    for (
      const [text, masked] of [
        ["postgres://u:p@h/db", "postgres://u:***@h/db"],
        ["postgres://u:a@b:c/d?e#f@h:5/db", "postgres://u:***@h:5/db"],
        ["postgres://u:/x@h/db", "postgres://u:***@h/db"],
        ["postgres://u://x@h/db", "postgres://u:***@h/db"],
        ["error:postgres://u:p@h", "error:postgres://u:***@h"],
        [
          'from "postgres://a:b@h1/db" to postgres://c:d@h2/db',
          'from "postgres://a:***@h1/db" to postgres://c:***@h2/db',
        ],
        ["postgres://h:5432/db", "postgres://h:5432/db"],
        ["sqlite:./a@b.db", "sqlite:./a@b.db"],
        [
          "at f (file:///x/postgres@3.4.7/c.js:1:2)\nat g (file:///y.ts:3:4)",
          "at f (file:///x/postgres@3.4.7/c.js:1:2)\nat g (file:///y.ts:3:4)",
        ],
      ]
    ) {
      assert.equal(maskUrlPassword(text!), masked, text);
    }
    assert.deepEqual(urlPasswords("x postgres://u:p%2Fq@h/db"), [
      "p%2Fq",
      "p/q",
    ]);
  });
});

describe("resolveConnectionTarget", () => {
  it("sets the options over the URL's settings and keeps the password hidden", () => {
    const target = resolveConnectionTarget(
      "postgres://u:hunter2-secret@h/db?schema=a&max=2",
      { schema: "b", maxConnections: 7, sslMode: "require", env: {} },
    );
    assert.equal(target.backend, "postgres");
    if (target.backend !== "postgres") return;
    assert.deepEqual({ ...target.config }, {
      host: "h",
      database: "db",
      user: "u",
      schema: "b",
      maxConnections: 7,
      sslMode: "require",
    });
    assert.equal(target.config.password, "hunter2-secret");
    assert.ok(!JSON.stringify(target).includes("hunter2"));
  });

  it("takes DATABASE_URL from the environment given, else the default", () => {
    assert.deepEqual(
      resolveConnectionTarget(undefined, {
        env: { DATABASE_URL: "sqlite:./from-env.db" },
      }),
      { backend: "sqlite", path: "./from-env.db" },
    );
    assert.deepEqual(
      resolveConnectionTarget("memory:", {
        env: { DATABASE_URL: "sqlite:./from-env.db" },
      }),
      { backend: "memory" },
    );
    assert.deepEqual(resolveConnectionTarget(undefined, { env: {} }), {
      backend: "sqlite",
      path: "./agent_sdk.db",
    });
  });
});

describe("createPersistence", () => {
  it("opens memory: as an in-memory store", async () => {
    await using store = await createPersistence("memory:");
    assert.ok(store instanceof InMemoryPersistence);
  });

  it("uses DATABASE_URL when given no URL, else the default SQLite file", async () => {
    const path = tempPath("from-env.db");
    {
      await using store = await createPersistence(undefined, {
        env: { DATABASE_URL: `sqlite:${path}` },
      });
      assert.ok(store instanceof SqlitePersistence);
      assert.equal(store.path, path);
    }
    assert.ok(existsSync(path));
    assert.equal(DEFAULT_URL, "sqlite:./agent_sdk.db");
  });

  it("rejects an unsupported URL with the supported schemes", async () => {
    await assert.rejects(
      createPersistence("mongodb://localhost"),
      /memory:, sqlite:, postgres: or postgresql:/,
    );
  });
});
