// Reading the command line's values: the errors that mean "bad arguments"
// (exit code 2), and the parsers of times, counts and statuses.

import { timestamp } from "../core/validate.ts";
import { InvalidInputError } from "../errors.ts";
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
 * long before `now`), or a date such as `2025-01-31` (midnight UTC) or an ISO
 * time (`2025-01-31T10:00:00Z`; local time without an offset). A day that
 * does not exist (`2025-02-30`) or a time outside the years a store holds is
 * a usage error, never a neighbouring day or a failed operation.
 */
export function parseTime(option: string, text: string, now: Date): Date {
  const age = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  const date = age
    ? new Date(now.getTime() - Number(age[1]) * UNITS[age[2]!]!)
    : parseDate(option, text);
  if (date === undefined) {
    throw new UsageError(
      `--${option} expects an age such as 30d, 12h, 90m or 2w, or a date such as 2025-01-31, got ${
        JSON.stringify(text)
      }`,
    );
  }
  try {
    return timestamp(option, date);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new UsageError(
      `--${option} ${JSON.stringify(text)} is out of range: ${
        error.message.replace(/^Invalid [^:]*: /, "")
      }`,
    );
  }
}

/**
 * `YYYY-MM-DD`, optionally with `[T ]HH:MM[:SS[.fff]]` and `Z` or `±HH:MM`;
 * `undefined` for anything else. A day or time that does not exist is a
 * usage error, rather than the neighbour `Date` would roll it over to.
 */
function parseDate(option: string, text: string): Date | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i
      .exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((
    part,
  ) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const milliseconds = Math.floor(Number(`0.${match[7] ?? 0}`) * 1000);
  const zone = match[8];
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour > 23 || minute > 59 || second > 59
  ) {
    throw noSuchTime(option, text);
  }
  const parts = [month - 1, day, hour, minute, second, milliseconds] as const;
  if (match[4] !== undefined && zone === undefined) {
    // A time without an offset is local time, as ECMAScript reads it.
    const local = new Date(2000, ...parts);
    local.setFullYear(year, month - 1, day);
    return local;
  }
  // setUTCFullYear, as Date.UTC reads the years 0 to 99 as 1900 to 1999.
  const utc = new Date(Date.UTC(2000, ...parts));
  utc.setUTCFullYear(year, month - 1, day);
  if (zone === undefined || zone.toUpperCase() === "Z") return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offsetHours = Number(offset[2]);
  const offsetMinutes = Number(offset[3]);
  if (offsetHours > 23 || offsetMinutes > 59) throw noSuchTime(option, text);
  const sign = offset[1] === "-" ? -1 : 1;
  return new Date(
    utc.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000,
  );
}

function noSuchTime(option: string, text: string): UsageError {
  return new UsageError(
    `--${option} got ${
      JSON.stringify(text)
    }, a day or time that does not exist (check the month's days, hours 0-23, minutes and seconds 0-59)`,
  );
}

/** The days of a month (1 to 12) in the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
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
