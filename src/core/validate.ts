// The primitive checks every record and query is validated with, so that
// each backend accepts and rejects exactly the same input.

import { InvalidInputError } from "../errors.ts";

// PostgreSQL's INTEGER is 32-bit; every backend holds the same range.
const MAX_INTEGER = 2_147_483_647;
// Years outside 1..9999 do not sort as ISO text and PostgreSQL rejects some.
// Not Date.UTC(1, …): it reads the years 0 to 99 as 1900 to 1999.
const MIN_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

const SURROGATE = /[\uD800-\uDFFF]/;

/** Number of Unicode code points in `text`, as Python's `len` counts. */
export function codePointLength(text: string): number {
  // Most text has no surrogates; the regex scans it natively.
  if (!SURROGATE.test(text)) return text.length;
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

// `includes` searches for one character natively, faster than a regex.
const NUL = "\u0000";

/**
 * Every backend must store a text exactly; PostgreSQL cannot hold NUL and no
 * backend can hold a lone surrogate, so both are refused everywhere.
 */
export function text(
  field: string,
  value: unknown,
  maxLength?: number,
): string {
  if (typeof value !== "string") {
    throw new InvalidInputError(field, `expected a string, got ${kind(value)}`);
  }
  if (value.includes(NUL)) {
    throw new InvalidInputError(field, "NUL characters cannot be stored");
  }
  if (!value.isWellFormed()) {
    throw new InvalidInputError(field, "contains a lone surrogate");
  }
  if (maxLength !== undefined && value.length > maxLength) {
    const length = codePointLength(value);
    if (length > maxLength) {
      throw new InvalidInputError(
        field,
        `at most ${maxLength} characters, got ${length}`,
      );
    }
  }
  return value;
}

/** A text that is not empty. */
export function nonEmptyText(
  field: string,
  value: unknown,
  maxLength?: number,
): string {
  const checked = text(field, value, maxLength);
  if (checked.length === 0) {
    throw new InvalidInputError(field, "must not be empty");
  }
  return checked;
}

/** A non-empty identifier of at most 255 characters. */
export function identifier(field: string, value: unknown): string {
  return nonEmptyText(field, value, 255);
}

/** A whole number that every backend's INTEGER holds, from 0. */
export function integer(field: string, value: unknown): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 0 ||
    value > MAX_INTEGER
  ) {
    throw new InvalidInputError(
      field,
      `expected a whole number from 0 to ${MAX_INTEGER}, got ${
        describe(value)
      }`,
    );
  }
  // -0 is a whole number too, but SQL stores it as 0: store 0 everywhere.
  return value === 0 ? 0 : value;
}

/** A finite number from 0, such as a cost. */
export function nonNegative(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(
      field,
      `expected a finite number from 0, got ${describe(value)}`,
    );
  }
  return value === 0 ? 0 : value;
}

/** A valid Date within the years 1 to 9999, copied. */
export function timestamp(field: string, value: unknown): Date {
  if (!(value instanceof Date)) {
    throw new InvalidInputError(field, `expected a Date, got ${kind(value)}`);
  }
  const time = value.getTime();
  if (Number.isNaN(time)) {
    throw new InvalidInputError(field, "invalid Date");
  }
  if (time < MIN_TIME || time > MAX_TIME) {
    throw new InvalidInputError(
      field,
      `must lie within the years 1 to 9999, got ${value.toISOString()}`,
    );
  }
  return new Date(time);
}

/** One of the `allowed` values. */
export function oneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidInputError(
      field,
      `expected one of ${allowed.join(", ")}, got ${describe(value)}`,
    );
  }
  return value as T;
}

/** JSON text of `value`, or `null` for `null` and `undefined`. */
export function jsonText(field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(
      field,
      `cannot be serialized as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (json === undefined) {
    throw new InvalidInputError(
      field,
      `cannot be serialized as JSON: ${kind(value)}`,
    );
  }
  return json;
}

/** A `limit`, `offset` or `pageSize`: a whole number from 0. */
export function wholeNumberOr(
  field: string,
  value: unknown,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 0
  ) {
    throw new InvalidInputError(
      field,
      `expected a whole number from 0, got ${describe(value)}`,
    );
  }
  return value;
}

/** A `pageSize`: a whole number from 1. */
export function pageSize(value: unknown): number {
  const size = wholeNumberOr("pageSize", value, 1000);
  if (size === 0) throw new InvalidInputError("pageSize", "must be at least 1");
  return size;
}

/** A plain object, not an array. */
export function object(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      field,
      `expected an object, got ${kind(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return typeof value;
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.slice(0, 50));
  if (typeof value === "bigint") return `${value}n`;
  return kind(value);
}
