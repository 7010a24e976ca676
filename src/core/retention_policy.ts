// A retention policy, checked once, as the cut-off ages the engine applies.

import { InvalidInputError } from "../errors.ts";
import {
  AGENT_RUN_STATUSES,
  type AgentRunStatus,
  type Duration,
  type RetentionArchive,
  type RetentionPolicy,
} from "../types.ts";

/** Statuses that `runs` covers: a pending or running run is still in use. */
const FINISHED: readonly AgentRunStatus[] = ["completed", "error", "cancelled"];

const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A checked policy: ages in milliseconds. */
export interface CheckedPolicy {
  /** Per status, the age after which its runs go. */
  runs: Map<AgentRunStatus, number>;
  orphanLlmCalls: number | undefined;
  content: number | undefined;
  contentAction: "clear" | "redact";
  everyMs: number | undefined;
  batchSize: number;
  archive: RetentionArchive | undefined;
}

/** `value` as milliseconds; throws `InvalidInputError` naming `field`. */
export function durationMs(field: string, value: Duration): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (typeof value === "string") {
    const age = /^(\d+)([smhdw])$/.exec(value.trim());
    if (age) {
      const ms = Number(age[1]) * UNITS[age[2]!]!;
      if (Number.isSafeInteger(ms)) return ms;
    }
  }
  throw new InvalidInputError(
    field,
    `expected milliseconds from 0 or an age such as 30d, 12h, 90m, 45s or 2w, got ${
      JSON.stringify(value) ?? String(value)
    }`,
  );
}

/** Checks `policy`; throws `InvalidInputError` on the first fault. */
export function checkPolicy(policy: unknown): CheckedPolicy {
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    throw new InvalidInputError("retention", "expected a policy object");
  }
  const given = policy as Record<string, unknown>;
  const known = new Set([
    "runs",
    "runsByStatus",
    "orphanLlmCalls",
    "content",
    "contentAction",
    "everyMs",
    "batchSize",
    "archive",
  ]);
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new InvalidInputError(`retention.${key}`, "is not a policy field");
    }
  }
  const optionalAge = (field: string, value: unknown) =>
    value === undefined
      ? undefined
      : durationMs(`retention.${field}`, value as Duration);
  const runs = new Map<AgentRunStatus, number>();
  const all = optionalAge("runs", given.runs);
  if (all !== undefined) {
    for (const status of FINISHED) {
      runs.set(status, all);
    }
  }
  const byStatus = given.runsByStatus;
  if (byStatus !== undefined) {
    if (typeof byStatus !== "object" || byStatus === null) {
      throw new InvalidInputError(
        "retention.runsByStatus",
        "expected an object of ages by status",
      );
    }
    for (const [status, age] of Object.entries(byStatus)) {
      if (!(AGENT_RUN_STATUSES as readonly string[]).includes(status)) {
        throw new InvalidInputError(
          "retention.runsByStatus",
          `${JSON.stringify(status)} is not a run status (${
            AGENT_RUN_STATUSES.join(", ")
          })`,
        );
      }
      if (age === undefined) continue;
      runs.set(
        status as AgentRunStatus,
        durationMs(`retention.runsByStatus.${status}`, age as Duration),
      );
    }
  }
  const contentAction = given.contentAction ?? "clear";
  if (contentAction !== "clear" && contentAction !== "redact") {
    throw new InvalidInputError(
      "retention.contentAction",
      `expected "clear" or "redact", got ${JSON.stringify(contentAction)}`,
    );
  }
  const everyMs = given.everyMs;
  if (
    everyMs !== undefined &&
    !(typeof everyMs === "number" && Number.isSafeInteger(everyMs) &&
      everyMs >= 1 && everyMs <= 2 ** 31 - 1)
  ) {
    throw new InvalidInputError(
      "retention.everyMs",
      `expected whole milliseconds from 1 to ${2 ** 31 - 1}, got ${
        String(everyMs)
      }`,
    );
  }
  const batchSize = given.batchSize ?? 500;
  if (
    typeof batchSize !== "number" || !Number.isSafeInteger(batchSize) ||
    batchSize < 1
  ) {
    throw new InvalidInputError(
      "retention.batchSize",
      `expected a whole number from 1, got ${String(batchSize)}`,
    );
  }
  const archive = given.archive;
  if (
    archive !== undefined &&
    typeof (archive as RetentionArchive | null)?.write !== "function"
  ) {
    throw new InvalidInputError(
      "retention.archive",
      "expected an object with a write(records) method",
    );
  }
  return {
    runs,
    orphanLlmCalls: optionalAge("orphanLlmCalls", given.orphanLlmCalls),
    content: optionalAge("content", given.content),
    contentAction,
    everyMs: everyMs as number | undefined,
    batchSize,
    archive: archive as RetentionArchive | undefined,
  };
}

/** Checks the store's own policy, if any: `RetentionPolicy` is optional. */
export function storePolicy(
  policy: RetentionPolicy | undefined,
): CheckedPolicy | undefined {
  return policy === undefined ? undefined : checkPolicy(policy);
}
