// Data flows one way through src/: a module imports only from its own layer
// or a lower one, so the engine never learns about the backends, nor the
// backends about the CLI. ARCHITECTURE.md explains the layers; this test
// keeps the tree honest by reading every import of every file in src/.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { describe, it } from "node:test";

/**
 * Lowest first. An entry ending in `/` is a folder with everything below it;
 * any other is one file at the root of src/. A folder listed nowhere is a
 * feature folder and sits on top with src/cli/; a root file listed nowhere
 * is an error, so each new one gets a place on purpose.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["src/types.ts", "src/persistence.ts", "src/errors.ts"],
  ["src/core/"],
  ["src/memory/", "src/sql/"],
  ["src/sqlite/", "src/postgres/"],
  [
    "src/url.ts",
    "src/accessors.ts",
    "src/normalize_usage.ts",
    "src/schema_sql.ts",
    "src/factory.ts",
  ],
  ["src/maintenance/"],
  ["src/web/"],
  ["src/otel/"],
];
const FEATURE_LAYER = LAYERS.length;

function layerName(layer: number): string {
  return layer === FEATURE_LAYER
    ? "src/cli/ and other feature folders"
    : LAYERS[layer]!.join(", ");
}

/**
 * Where a file of src/ belongs: its unit (its top folder under src/, or
 * itself when at the root) and that unit's layer.
 */
function placeOf(path: string): { unit: string; layer: number } | string {
  const parts = path.split("/");
  if (parts[0] !== "src") return `${path} is outside src/`;
  const unit = parts.length > 2 ? `src/${parts[1]}/` : path;
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  if (layer >= 0) return { unit, layer };
  if (unit.endsWith("/")) return { unit, layer: FEATURE_LAYER };
  return `${path} is in no layer: add it to LAYERS in tests/layers_test.ts ` +
    `and to ARCHITECTURE.md`;
}

/**
 * The source with comments blanked out and each string literal (and each
 * template literal without substitutions) replaced by `"#N"`, N indexing
 * `strings`. Regular expression literals are skipped so that a quote or
 * slash in them cannot start a string or a comment.
 */
function mask(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let code = "";
  let i = 0;
  // Open template literals' `${` brace depths, innermost last.
  const templates: number[] = [];
  let depth = 0;
  // The last character that is not whitespace, to tell a regex from `/`.
  let previous = "";
  const regexAfter = /[(,=:[!&|?{};+\-*%<>~^]/;

  const readString = (quote: string): string => {
    let value = "";
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === "\\") {
        value += source[i + 1] ?? "";
        i += 2;
      } else value += source[i++];
    }
    i++;
    return value;
  };

  // Reads template text from `i` (just past "`" or "}") to the next "`" or
  // "${"; true when it ended the literal.
  const readTemplate = (): { text: string; ended: boolean } => {
    let text = "";
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") {
        text += source[i + 1] ?? "";
        i += 2;
      } else if (c === "`") {
        i++;
        return { text, ended: true };
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        return { text, ended: false };
      } else {
        text += c;
        i++;
      }
    }
    return { text, ended: true };
  };

  const literal = (value: string) => {
    code += `"#${strings.length}"`;
    strings.push(value);
    previous = '"';
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      code += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'") {
      literal(readString(c));
    } else if (c === "`") {
      i++;
      const part = readTemplate();
      if (part.ended) literal(part.text);
      else {
        code += "``";
        templates.push(depth);
        depth++;
        previous = "{";
      }
    } else if (c === "}" && templates.at(-1) === depth - 1) {
      depth--;
      templates.pop();
      i++;
      if (!readTemplate().ended) {
        templates.push(depth);
        depth++;
      }
      previous = "`";
    } else if (c === "/" && (previous === "" || regexAfter.test(previous))) {
      let inClass = false;
      i++;
      while (i < source.length) {
        const r = source[i]!;
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if ((r === "/" && !inClass) || r === "\n") break;
        i++;
      }
      i++;
      code += " ";
      previous = "/";
    } else {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      code += c;
      if (!/\s/.test(c)) previous = c;
      i++;
    }
  }
  return { code, strings };
}

/**
 * Every module specifier of `source`: static `import` and `export ... from`
 * (types included: a type import couples the layers just the same), and
 * `import("literal")`.
 */
function importsOf(source: string): string[] {
  const { code, strings } = mask(source);
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^;"]*?\bfrom\s*"#(\d+)"/g,
    /\bimport\s*"#(\d+)"/g,
    /\bimport\s*\(\s*"#(\d+)"\s*[,)]/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) {
      found.push(strings[Number(match[1])]!);
    }
  }
  return found;
}

/**
 * What breaks the layer rule in `files` (paths relative to the project
 * root, with `/`, mapped to their source): one message per problem.
 */
function checkLayers(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, source] of files) {
    if (posix.basename(path).startsWith("_")) {
      problems.push(
        `${path}: no file in src/ starts with "_" (package exports decide ` +
          `what is public)`,
      );
    }
    const from = placeOf(path);
    if (typeof from === "string") {
      problems.push(from);
      continue;
    }
    for (const specifier of importsOf(source)) {
      // Bare specifiers (node:, npm:, the import map) are not our modules.
      if (!specifier.startsWith(".") && !specifier.startsWith("/")) continue;
      const target = posix.normalize(
        posix.join(posix.dirname(path), specifier),
      );
      const to = placeOf(target);
      if (typeof to === "string") {
        problems.push(`${path} imports ${specifier}: ${to}`);
        continue;
      }
      const sameUnit = to.unit === from.unit;
      const rootFiles = !to.unit.endsWith("/") && !from.unit.endsWith("/");
      if (to.layer > from.layer) {
        problems.push(
          `${path} imports ${target}, a higher layer ` +
            `(${layerName(from.layer)} -> ${layerName(to.layer)})`,
        );
      } else if (to.layer === from.layer && !sameUnit && !rootFiles) {
        problems.push(
          `${path} imports ${target}, a sibling in its own layer ` +
            `(${from.unit} and ${to.unit}): move the shared part lower`,
        );
      }
    }
  }
  return problems;
}

const root = join(dirname(new URL(import.meta.url).pathname), "..");

function sourcesOf(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".ts")) {
        const key = relative(root, path).split(sep).join("/");
        files.set(key, readFileSync(path, "utf8"));
      }
    }
  };
  walk(join(root, folder));
  return files;
}

/**
 * Violations that another change is removing, each with the reason. The test
 * fails when one of them is gone, so this list cannot outlive its entries.
 */
const PENDING: ReadonlyMap<string, string> = new Map([]);

describe("the layers of src/", () => {
  it("no module imports from a higher layer or a sibling folder", () => {
    const files = sourcesOf("src");
    assert.ok(files.size > 20, `read only ${files.size} files of src/`);
    const problems = checkLayers(files);
    const pending = [...PENDING.keys()];
    assert.deepEqual(
      problems.filter((p) => !pending.some((known) => p.startsWith(known))),
      [],
    );
    for (const known of pending) {
      assert.ok(
        problems.some((p) => p.startsWith(known)),
        `"${known}" is fixed: remove it from PENDING in tests/layers_test.ts`,
      );
    }
  });

  it("the checker sees every form of import", () => {
    const source = [
      `import { a } from "./a.ts";`,
      `import type {`,
      `  B,`,
      `} from "./b.ts";`,
      `import * as c from '../c.ts';`,
      `import "./d.ts";`,
      `export { e } from "./e.ts";`,
      `export type { F } from "./f.ts";`,
      `export * from "./g.ts";`,
      `const h = await import("./h.ts");`,
      `const i = await import(\`./i.ts\`);`,
      `const dynamic = await import(specifier);`,
      `// import { no } from "./comment.ts";`,
      `/** import("./jsdoc.ts") */`,
      `/*`,
      `import { no } from "./block.ts";`,
      `*/`,
      `const text = 'import { no } from "./string.ts"';`,
      `const quote = /["'\`]/g, slash = a / b / c;`,
      `const sql = \`SELECT \${"x"} -- import("./template.ts")\`;`,
      `import { j } from "./j.ts";`,
    ].join("\n");
    assert.deepEqual(importsOf(source).sort(), [
      "../c.ts",
      "./a.ts",
      "./b.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "./g.ts",
      "./h.ts",
      "./i.ts",
      "./j.ts",
    ]);
  });

  it("the checker catches a violation", () => {
    const fake = new Map([
      // Upward, statically and dynamically.
      ["src/core/store.ts", `import { main } from "../cli/main.ts";`],
      ["src/types.ts", `const m = await import("./maintenance/copy.ts");`],
      // A sibling folder in the same layer, either way round.
      ["src/sqlite/dialect.ts", `import { x } from "../postgres/dialect.ts";`],
      ["src/memory/backend.ts", `import type { Y } from "../sql/backend.ts";`],
      // A feature folder reaching into another feature folder.
      ["src/cli/main.ts", `export * from "../server/routes.ts";`],
      // Out of src/.
      ["src/url.ts", `import { z } from "../mod.ts";`],
      // Not an import, and no longer a hiding place.
      ["src/_secret.ts", ``],
      ["src/sql/_helpers.ts", ``],
      // A root file with no layer.
      ["src/stray.ts", ``],
    ]);
    const problems = checkLayers(fake);
    const expected = [
      /^src\/core\/store\.ts imports src\/cli\/main\.ts, a higher layer/,
      /^src\/types\.ts imports src\/maintenance\/copy\.ts, a higher layer/,
      /^src\/sqlite\/dialect\.ts imports src\/postgres\/dialect\.ts, a sibling/,
      /^src\/memory\/backend\.ts imports src\/sql\/backend\.ts, a sibling/,
      /^src\/cli\/main\.ts imports src\/server\/routes\.ts, a sibling/,
      /^src\/url\.ts imports \.\.\/mod\.ts: mod\.ts is outside src\//,
      /^src\/_secret\.ts: no file in src\/ starts with "_"/,
      /^src\/_secret\.ts is in no layer/,
      /^src\/sql\/_helpers\.ts: no file in src\/ starts with "_"/,
      /^src\/stray\.ts is in no layer/,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((p) => pattern.test(p)),
        `expected a problem matching ${pattern}, got:\n${problems.join("\n")}`,
      );
    }
    assert.equal(problems.length, expected.length, problems.join("\n"));
  });

  it("the checker allows what the rule allows", () => {
    const fine = new Map([
      // Down any number of layers, and within one's own folder.
      ["src/cli/main.ts", `import { a } from "../types.ts";`],
      ["src/sqlite/connection.ts", `import { b } from "../sql/lru_cache.ts";`],
      ["src/sql/backend.ts", `import { c } from "./paging.ts";`],
      ["src/sql/paging.ts", `import type { D } from "../core/backend.ts";`],
      // Root files of one layer share it.
      ["src/factory.ts", `import { e } from "./url.ts";`],
      ["src/errors.ts", `import type { F } from "./types.ts";`],
      ["src/url.ts", `import { g } from "./postgres/dialect.ts";`],
      // Not our modules.
      ["src/postgres/persistence.ts", `await import("postgres");`],
      ["src/maintenance/sink.ts", `import { open } from "node:fs/promises";`],
    ]);
    assert.deepEqual(checkLayers(fine), []);
  });
});
