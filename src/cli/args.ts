// Reading the command line's values: the errors that mean "bad arguments"
// (exit code 2), and the parsers of times, counts and statuses.

import { AGENT_RUN_STATUSES, type AgentRunStatus } from "../types.ts";

/** Bad arguments: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * A point in time: an age such as `30d`, `12h`, `90m`, `45s` or `2w` (that
 * long before `now`), or a date such as `2025-01-31` or an ISO time.
 */
export function parseTime(option: string, text: string, now: Date): Date {
  const age = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (age) {
    return new Date(now.getTime() - Number(age[1]) * UNITS[age[2]!]!);
  }
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--${option} expects an age such as 30d, 12h, 90m or 2w, or a date such as 2025-01-31, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return date;
}

/** A whole number from 1. */
export function parseCount(option: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--${option} expects a whole number from 1, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/** A run status. */
export function parseStatus(text: string): AgentRunStatus {
  if (!(AGENT_RUN_STATUSES as readonly string[]).includes(text)) {
    throw new UsageError(
      `--status expects one of ${AGENT_RUN_STATUSES.join(", ")}, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return text as AgentRunStatus;
}

/** A non-empty identifier. */
export function parseId(option: string, text: string): string {
  if (text.trim() === "") throw new UsageError(`${option} must not be empty`);
  return text;
}
