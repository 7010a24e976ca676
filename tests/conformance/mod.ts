// The conformance suite: every backend must pass every test here, unchanged.

import { describe } from "node:test";
import {
  type ExecForeign,
  freshStore,
  type Open,
  type WriteForeign,
} from "./_context.ts";
import { analytics } from "./analytics.ts";
import { costRounding } from "./cost_rounding.ts";
import { costs } from "./costs.ts";
import { dates } from "./dates.ts";
import { events } from "./events.ts";
import { lifecycle } from "./lifecycle.ts";
import { rollup } from "./rollup.ts";
import { runs } from "./runs.ts";
import { stats } from "./stats.ts";
import { summaries } from "./summaries.ts";
import { text } from "./text.ts";
import { usage } from "./usage.ts";
import { validation } from "./validation.ts";
import { missingNames } from "./missing_names.ts";

export type { ExecForeign, Open, WriteForeign } from "./_context.ts";

/**
 * Runs the whole suite against the stores `open` returns, fresh for each
 * test; with `foreign`, also the cases of rows other programs wrote, and
 * with `exec` those of statements other programs run.
 */
export function conformance(
  name: string,
  open: Open,
  foreign?: WriteForeign,
  exec?: ExecForeign,
): void {
  describe(`conformance: ${name}`, () => {
    const ctx = freshStore(open);
    runs(ctx);
    events(ctx);
    usage(ctx);
    stats(ctx);
    analytics(ctx);
    rollup(ctx, exec);
    summaries(ctx, foreign);
    missingNames(ctx, foreign);
    costs(ctx, open);
    costRounding(ctx, foreign);
    validation(ctx);
    dates(ctx);
    text(ctx);
    lifecycle(ctx, open);
  });
}
