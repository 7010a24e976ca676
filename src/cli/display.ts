// How the command-line tool shows things to a person: tables, times,
// durations, sizes, money, and one-line summaries of event data, with
// nothing stored able to act on the terminal.

import { getCostUsd } from "../accessors.ts";
import type { AgentLlmUsage, JsonValue } from "../types.ts";

/**
 * Characters a terminal acts on or that reorder what it shows: C0 controls,
 * DEL, C1 controls (ESC and CSI, OSC and the rest start escape sequences that
 * move the cursor, recolour, set the window title or write to the clipboard),
 * bidirectional marks, embeddings, overrides and isolates, and the Unicode
 * line and paragraph separators.
 */
const UNPRINTABLE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const SHORT_ESCAPES: Record<string, string> = {
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * `text` fit for a terminal: every character of {@linkcode UNPRINTABLE}
 * shown as an escape (`\x1b`, `\u202e`, `\n`) that does nothing. Line ends
 * stay when `keepLineEnds` (for whole messages, whose lines the tool made).
 */
export function printable(
  text: string,
  options: { keepLineEnds?: boolean } = {},
): string {
  return text.replace(UNPRINTABLE, (char) => {
    if (char === "\n" && options.keepLineEnds) return char;
    const short = SHORT_ESCAPES[char];
    if (short) return short;
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * A table with a header row; numbers and `right` columns align right. Cells
 * are made {@linkcode printable} before they are measured.
 */
export function table(
  headers: string[],
  rows: (string | number)[][],
  right: ReadonlySet<number> = new Set(),
): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((row) => row.map((cell) => printable(String(cell))));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => row[i]!.length))
  );
  const line = (row: string[], isHeader = false) =>
    row.map((cell, i) => {
      const alignRight = !isHeader &&
        (right.has(i) || typeof rows[0]![i] === "number");
      return alignRight ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    }).join("  ").trimEnd();
  return [
    line(headers, true),
    line(widths.map((w) => "-".repeat(w)), true),
    ...cells.map((row) => line(row)),
  ].join("\n") + "\n";
}

/** `label  value` lines, the labels padded to one width; values printable. */
export function fields(entries: [string, string | number][]): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) =>
    `${(label + ":").padEnd(width + 1)}  ${printable(String(value))}`
  ).join("\n") + "\n";
}

/** `2025-01-02 03:04:05` in UTC, or `-`. */
export function time(date: Date | null | undefined): string {
  if (!date) return "-";
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 04h`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms < 0) return `-${duration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${pad((s % 86400) / 3600)}h`;
}

/** `+1.2s` from a start time. */
export function offset(from: Date | null, to: Date): string {
  return from ? `+${duration(to.getTime() - from.getTime())}` : "-";
}

/** `$0.000123`, or `-` when unknown. */
export function money(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "-";
  return `$${usd.toFixed(6)}`;
}

/**
 * The share of input read from the prompt cache, `25%` (`<1%` when some but
 * under one percent), or `-` when no input is known.
 */
export function cachedShare(
  cacheReadTokens: number | null | undefined,
  inputTokens: number | null | undefined,
): string {
  if (
    !inputTokens || cacheReadTokens === null || cacheReadTokens === undefined
  ) {
    return "-";
  }
  const percent = (cacheReadTokens / inputTokens) * 100;
  if (percent > 0 && percent < 1) return "<1%";
  return `${Math.round(percent)}%`;
}

/** An LLM call with a token count but no cost: no price is known for it. */
export function isUnpriced(call: AgentLlmUsage): boolean {
  return getCostUsd(call) === undefined &&
    (call.inputTokens !== null || call.outputTokens !== null);
}

/** An LLM call's cost, `unpriced` when none is known, or `-`. */
export function callCost(call: AgentLlmUsage): string {
  return isUnpriced(call) ? "unpriced" : money(getCostUsd(call));
}

/** `, 2 unpriced calls not counted` after a total, or nothing. */
export function unpricedNote(unpriced: number): string {
  return unpriced === 0
    ? ""
    : ` (${plural(unpriced, "unpriced call")} not counted)`;
}

/** `1,234`, or `-`. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? "-" : n.toLocaleString("en-US");
}

/** `1 run`, `2 runs`. */
export function plural(n: number, word: string, words = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : words}`;
}

/** `12.0 KiB`, or `-`. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `text` on one line, at most `max` characters. */
export function clip(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Event data on one line: `key=value` pairs, or the value itself. */
export function summary(data: JsonValue, max = 70): string {
  if (data === null) return "";
  if (typeof data !== "object" || Array.isArray(data)) {
    return clip(typeof data === "string" ? data : JSON.stringify(data), max);
  }
  const parts = Object.entries(data).map(([key, value]) =>
    `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`
  );
  return clip(parts.join(" "), max);
}
