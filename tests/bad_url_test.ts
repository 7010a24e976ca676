// Every malformed URL is refused with InvalidUrlError, whose message names
// what was wrong, before anything is opened or created.

import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createPersistence, InvalidUrlError } from "../mod.ts";
import { tempPath } from "./_temp.ts";

const root = process.getuid?.() === 0;

describe("malformed URLs", () => {
  it("are refused with InvalidUrlError naming what was wrong", async () => {
    const file = tempPath("plain-file");
    writeFileSync(file, "not a folder");
    const readOnly = tempPath("read-only");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const cases: [string, RegExp][] = [
      // Unknown or missing scheme.
      [
        "mysql://root@db/agents",
        /Unsupported .*memory:, sqlite:, postgres: or postgresql:/,
      ],
      ["redis://cache", /Unsupported/],
      ["http://example.com", /Unsupported/],
      ["file:///tmp/agent.db", /Unsupported/],
      ["agent.db", /Unsupported/],
      ["./agent.db", /Unsupported/],
      ["", /Unsupported/],
      [" sqlite:agent.db", /Unsupported/],
      ["sqlite", /Unsupported/],
      ["memory:extra", /nothing after the scheme/],
      // Bad ports.
      [
        "postgres://db:99999/agents",
        /port "99999" is not a number from 1 to 65535/,
      ],
      ["postgres://db:0/agents", /port "0".*1 to 65535/],
      ["postgres://db:-5/agents", /port "-5" is not a number/],
      ["postgres://db:port/agents", /port "port" is not a number/],
      ["postgres://db:54 32/agents", /port "54 32"|Malformed/],
      ["postgres:", /DB_PORT "http"/],
      // Missing parts and bad parameters.
      ["postgres://:5432/agents", /no host/],
      ["postgres://user@/agents", /no host/],
      ["postgres:///agents", /needs a host/],
      ["postgres://db/a/b", /one database/],
      ["postgres://db/agents?pool=3", /parameter "pool"/],
      ["postgres://db/agents?max=0", /Invalid max "0"/],
      ["postgres://db/agents?connect_timeout=soon", /connect_timeout/],
      ["postgres://db/agents?sslmode=maybe", /sslmode "maybe"/],
      ["postgres://db/%zz", /percent-encoding/],
      // Empty paths, folders, and places where no file can be created.
      ["sqlite:", /needs a file path/],
      ["sqlite:   ", /needs a file path/],
      ["sqlite://host/agent.db", /takes no host/],
      ["sqlite:///", /names a file, not a folder/],
      ["sqlite:./data/", /names a file, not a folder/],
      ["sqlite:.", /it is a folder \(EISDIR\)/],
      [`sqlite:${file}/agent.db`, /a part of the path is a file/],
      [`sqlite:${file}/deeper/agent.db`, /a part of the path is a file/],
      ["sqlite:/proc/curio-missing/agent.db", /missing and cannot be created/],
      ["sqlite:/sys/agent.db", /permission denied|missing/],
      ...(root ? [] : [
        [`sqlite:${readOnly}/agent.db`, /permission denied \(EACCES\)/],
        [`sqlite:${readOnly}/missing/agent.db`, /permission denied \(EACCES\)/],
      ] as [string, RegExp][]),
    ];
    for (const [url, words] of cases) {
      const env = url === "postgres:" ? { DB_PORT: "http" } : {};
      await assert.rejects(
        createPersistence(url, { env }),
        (error: unknown) => {
          assert.ok(error instanceof InvalidUrlError, `${url}: ${error}`);
          assert.match(error.message, words, url);
          return true;
        },
      );
    }
    assert.equal(existsSync(join(readOnly, "agent.db")), false);
    chmodSync(readOnly, 0o700);
    console.log(
      `malformed URLs: ${cases.length} refused with InvalidUrlError naming ` +
        `the fault${root ? " (read-only folder cases skipped as root)" : ""}`,
    );
  });
});
