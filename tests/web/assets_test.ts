// The committed src/web/assets.ts is what tools/build_assets.ts makes from
// src/web/client/ and the pinned uplot: a change to either without
// regenerating fails here.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ASSETS_MODULE, renderAssetsModule } from "../../tools/build_assets.ts";
import { ASSETS } from "../../src/web/assets.ts";

describe("web assets", () => {
  it("are up to date (deno task assets regenerates them)", () => {
    assert.ok(
      readFileSync(ASSETS_MODULE, "utf8") === renderAssetsModule(),
      "src/web/assets.ts is stale: run `deno task assets`",
    );
  });

  it("hold the page, its script and styles, and uPlot", () => {
    for (
      const name of [
        "index.html",
        "app.js",
        "app.css",
        "uPlot.iife.min.js",
        "uPlot.min.css",
      ]
    ) {
      assert.ok(ASSETS[name]?.body, name);
    }
  });

  it("never parse data as HTML in the page's script", () => {
    for (const [name, asset] of Object.entries(ASSETS)) {
      if (!name.endsWith(".js") || name.startsWith("uPlot")) continue;
      assert.doesNotMatch(
        asset.body,
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
        name,
      );
    }
  });
});
