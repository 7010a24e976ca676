// Options are checked before they reach a driver: a value the driver would
// misread (a busy timeout past SQLite's int, a pool no server can hold) is
// an InvalidInputError, and a `file:` name, which node:sqlite and bun:sqlite
// read differently, is refused on every runtime.

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import {
  createPersistence,
  InvalidInputError,
  InvalidUrlError,
  PostgresPersistence,
  SqlitePersistence,
} from "../mod.ts";
import { tempPath } from "./_temp.ts";

/** Asserts that `opening` rejects with an InvalidInputError on `field`. */
async function refused(
  opening: Promise<unknown>,
  field: string,
  what: string,
): Promise<void> {
  await assert.rejects(opening, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `${what}: ${error}`);
    assert.match(error.message, new RegExp(field), what);
    return true;
  });
}

describe("options", () => {
  it("busyTimeoutMs: a whole number from 0 to 2^31-1", async () => {
    for (
      const bad of [2 ** 31, 2 ** 32, 1e12, -1, 1.5, NaN, Infinity, "100"]
    ) {
      const path = tempPath();
      await refused(
        SqlitePersistence.open(path, { busyTimeoutMs: bad as number }),
        "busyTimeoutMs",
        String(bad),
      );
      assert.equal(existsSync(path), false, `${bad}: no file created`);
    }
    for (const good of [0, 2 ** 31 - 1]) {
      await using store = await SqlitePersistence.open(tempPath(), {
        busyTimeoutMs: good,
      });
      assert.ok(await store.healthCheck(), String(good));
    }
  });

  it("PostgreSQL settings are checked before connecting", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ maxConnections: 0 }, "maxConnections"],
      [{ maxConnections: 10_001 }, "maxConnections"],
      [{ maxConnections: 2 ** 53 }, "maxConnections"],
      [{ maxConnections: 2.5 }, "maxConnections"],
      [{ minConnections: -1 }, "minConnections"],
      [{ minConnections: 11 }, "minConnections"],
      [{ maxConnections: 2, minConnections: 3 }, "minConnections"],
      [{ connectTimeoutSeconds: 0 }, "connectTimeoutSeconds"],
      [{ connectTimeoutSeconds: -5 }, "connectTimeoutSeconds"],
      [{ connectTimeoutSeconds: 0.5 }, "connectTimeoutSeconds"],
      [{ connectTimeoutSeconds: 2 ** 31 }, "connectTimeoutSeconds"],
      [{ connectTimeoutSeconds: NaN }, "connectTimeoutSeconds"],
      [{ port: 0 }, "port"],
      [{ port: 65536 }, "port"],
      [{ port: "5432" }, "port"],
      [{ sslMode: "maybe" }, "sslMode"],
    ];
    for (const [config, field] of cases) {
      // Port 1 refuses connections: a setting that got through would fail
      // with a ConnectionError instead.
      await refused(
        PostgresPersistence.open({ host: "127.0.0.1", port: 1, ...config }),
        field,
        JSON.stringify(config),
      );
    }
    // The same checks for the settings createPersistence sets over a URL's.
    await refused(
      createPersistence("postgres://127.0.0.1:1/db", {
        connectTimeoutSeconds: 2 ** 31,
      }),
      "connectTimeoutSeconds",
      "createPersistence",
    );
    await refused(
      createPersistence("postgres://127.0.0.1:1/db", { maxConnections: 1e9 }),
      "maxConnections",
      "createPersistence",
    );
  });

  it("sqlite:file: URLs and file: paths are refused, creating nothing", async () => {
    const folder = dirname(tempPath());
    const before = readdirSync(folder);
    for (
      const url of [
        `sqlite:file:${folder}/uri.db`,
        `sqlite:FILE:${folder}/uri.db`,
        "sqlite:file:uri.db",
      ]
    ) {
      await assert.rejects(createPersistence(url), (error: unknown) => {
        assert.ok(error instanceof InvalidUrlError, `${url}: ${error}`);
        assert.match(error.message, /not a file: URI/, url);
        return true;
      });
    }
    await refused(
      SqlitePersistence.open(`file:${folder}/uri.db`),
      "path",
      "SqlitePersistence.open",
    );
    assert.deepEqual(readdirSync(folder), before);
    for (const made of ["file:", "FILE:", "file:uri.db"]) {
      assert.equal(existsSync(made), false, made);
    }
  });
});
