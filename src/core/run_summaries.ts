// The runs list with each run's figures: the search text as every backend
// compares it, the opaque cursor, and the record a backend's row becomes.

import { InvalidInputError } from "../errors.ts";
import type { AgentRunSummary } from "../types.ts";
import type { Cursor, RunSummaryRow } from "./backend.ts";
import { toAgentRun } from "./records.ts";

/**
 * Lower case for ASCII letters only: what SQLite's LOWER does, and what
 * every backend compares, so that a search matches the same runs on each.
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The search as backends take it: trimmed, ASCII-lowered; blank is none. */
export function searchNeedle(search: unknown): string | undefined {
  if (search === undefined) return undefined;
  if (typeof search !== "string") {
    throw new InvalidInputError("search", "expected a string");
  }
  const needle = asciiLower(search.trim());
  return needle === "" ? undefined : needle;
}

/**
 * `needle` as a LIKE pattern's literal part: `\`, `%` and `_` escaped with
 * `\`, for `LIKE ? ESCAPE '\'`.
 */
export function likeLiteral(needle: string): string {
  return needle.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The backend's cursor as a string the caller hands back unchanged. */
export function encodeSummaryCursor(cursor: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify(cursor));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The backend's cursor in `after`; its shape is for the backend to check. */
export function decodeSummaryCursor(after: unknown): Cursor | undefined {
  if (after === undefined) return undefined;
  if (typeof after === "string" && /^[A-Za-z0-9_-]+$/.test(after)) {
    try {
      const binary = atob(after.replace(/-/g, "+").replace(/_/g, "/"));
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch { /* not ours */ }
  }
  throw notACursor();
}

/** The error for an `after` that is not a `next` of this listing. */
export function notACursor(): InvalidInputError {
  return new InvalidInputError(
    "after",
    "expected the next of a page of getAgentRunSummaries",
  );
}

/** A backend's row as the summary callers get. */
export function toAgentRunSummary(row: RunSummaryRow): AgentRunSummary {
  const run = toAgentRun(row.id, row.record);
  return {
    ...run,
    durationMs: run.startedAt && run.finishedAt
      ? run.finishedAt.getTime() - run.startedAt.getTime()
      : null,
    llmCalls: row.llmCalls,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    // One division of the exact integer sum, as every statistic does.
    costUsd: row.nanos / 1e9,
  };
}
