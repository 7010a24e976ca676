/**
 * The export file: JSON Lines, one record per line. A header line opens it,
 * then each run is followed by its events and its LLM calls, then come the
 * LLM calls that belong to no stored run, and an end line with the counts
 * closes it, so that a cut-off file is recognised.
 *
 * @module
 */

import {
  EVENT_FIELDS,
  fieldsOfKind,
  RUN_FIELDS,
  USAGE_FIELDS,
} from "../core/fields.ts";
import { PersistenceError } from "../errors.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  RecordCounts,
} from "../types.ts";

/** The `format` of an export file's header line. */
export const EXPORT_FORMAT = "@curio/persistence export";

/**
 * The version of the export file format this module writes. Version 2 added
 * the LLM call fields `cacheReadTokens`, `cacheWriteTokens`,
 * `reasoningTokens`, `costUsd` and `costSource`; import reads versions 1 and
 * 2, and prices a version-1 call as a new write would, at its `createdAt`.
 */
export const EXPORT_VERSION = 2;

/**
 * One line of an export file. Records are stored without their `id`, which
 * belongs to the store that assigned it.
 *
 * @example
 * ```ts
 * import type { ExportRecord } from "@curio/persistence";
 * const line: ExportRecord = {
 *   type: "end",
 *   counts: { runs: 0, events: 0, llmUsage: 0 },
 * };
 * ```
 */
export type ExportRecord =
  | {
    type: "header";
    format: typeof EXPORT_FORMAT;
    version: number;
    exportedAt: Date;
  }
  | { type: "run"; record: Omit<AgentRun, "id"> }
  | { type: "event"; record: Omit<AgentRunEvent, "id"> }
  | { type: "llm_usage"; record: Omit<AgentLlmUsage, "id"> }
  | { type: "end"; counts: RecordCounts };

/** Fields holding a time, per record type. */
const DATES: Record<string, readonly string[]> = {
  header: ["exportedAt"],
  run: fieldsOfKind(RUN_FIELDS, "timestamp"),
  event: fieldsOfKind(EVENT_FIELDS, "timestamp"),
  llm_usage: fieldsOfKind(USAGE_FIELDS, "timestamp"),
  end: [],
};

/** The two line breaks `JSON.stringify` leaves unescaped. */
const LINE_SEPARATORS = /[\u2028\u2029]/g;

/**
 * The line (without its newline) of an export record. U+2028 and U+2029 are
 * written as `\u2028` and `\u2029` escapes: JSON allows them raw, but some
 * line readers (`node:readline` among them) end a line there.
 *
 * @param record The record.
 * @returns Its JSON text, free of any character a line reader splits at.
 *
 * @example
 * ```ts
 * import { formatExportLine } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const line = formatExportLine({
 *   type: "end",
 *   counts: { runs: 1, events: 2, llmUsage: 3 },
 * });
 * assert.equal(line, '{"type":"end","counts":{"runs":1,"events":2,"llmUsage":3}}');
 * ```
 */
export function formatExportLine(record: ExportRecord): string {
  // JSON.stringify escapes \n, \r and lone surrogates already.
  return JSON.stringify(record).replace(
    LINE_SEPARATORS,
    (char) => char === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

/**
 * The export record of a line, its times turned back into Dates.
 *
 * @param line One line of an export file.
 * @param lineNumber Its number, for the error message.
 * @returns The record.
 * @throws {PersistenceError} When the line is not JSON or not a record of
 * the format.
 *
 * @example
 * ```ts
 * import { parseExportLine } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const record = parseExportLine(
 *   '{"type":"event","record":{"agentId":"a","runId":"r","agentName":"",' +
 *     '"timestamp":"2025-01-02T03:04:05.678Z","eventType":"run_started",' +
 *     '"data":null,"createdAt":"2025-01-02T03:04:05.678Z"}}',
 * );
 * assert.equal(record.type, "event");
 * if (record.type === "event") {
 *   assert.ok(record.record.timestamp instanceof Date);
 * }
 * ```
 */
export function parseExportLine(line: string, lineNumber = 1): ExportRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new PersistenceError(`Line ${lineNumber} is not JSON`);
  }
  const type = (value as { type?: unknown } | null)?.type;
  const dates = typeof type === "string" ? DATES[type] : undefined;
  if (!dates || !Object.hasOwn(DATES, type as string)) {
    throw new PersistenceError(
      `Line ${lineNumber} is not a record of an export file: expected a type of ${
        Object.keys(DATES).join(", ")
      }`,
    );
  }
  const line_ = value as Record<string, unknown>;
  const target = type === "header" || type === "end"
    ? line_
    : line_.record as Record<string, unknown> | undefined;
  if (typeof target !== "object" || target === null) {
    throw new PersistenceError(`Line ${lineNumber} has no record`);
  }
  for (const field of dates) {
    const text = target[field];
    if (text === null || text === undefined) continue;
    const date = new Date(String(text));
    if (Number.isNaN(date.getTime())) {
      throw new PersistenceError(
        `Line ${lineNumber}: ${field} is not a time: ${
          JSON.stringify(text).slice(0, 40)
        }`,
      );
    }
    target[field] = date;
  }
  return value as ExportRecord;
}
