// Applies a `Redactor` to validated records, before they are stored.

import type { Fields } from "./fields.ts";
import { text } from "./validate.ts";
import { InvalidInputError } from "../errors.ts";
import type { RedactedField, Redactor, StoreOptions } from "../types.ts";

/** Redacts records with the store's redactor; does nothing without one. */
export class Redaction {
  readonly #redact: Redactor | undefined;

  constructor(options: StoreOptions = {}) {
    const redact = options.redact;
    if (redact !== undefined && typeof redact !== "function") {
      throw new InvalidInputError(
        "redact",
        `expected a function, got ${typeof redact}`,
      );
    }
    this.#redact = redact;
  }

  /** Whether the store has a redactor. */
  get active(): boolean {
    return this.#redact !== undefined;
  }

  /**
   * The validated `record` with its redacted fields rewritten. A JSON field
   * is redacted string by string on the value it was made from (`given`,
   * the caller's input), then serialised once; without `given` (text
   * already stored), on the value its text holds.
   */
  apply<R, T extends Partial<R>>(
    fields: Fields<R>,
    record: T,
    given: Record<string, unknown> = {},
  ): T {
    if (!this.#redact) return record;
    const copy = { ...record } as Record<string, unknown>;
    const names = (Object.keys(fields) as (keyof R & string)[]).filter(
      (name) => fields[name].redacted && typeof copy[name] === "string",
    );
    // Plain text must be storable as it is; in JSON any string can be
    // stored (NUL and lone surrogates escaped).
    for (const name of names) {
      if (fields[name].kind !== "text") continue;
      copy[name] = text(name, this.#call(name, copy[name] as string));
    }
    for (const name of names) {
      if (fields[name].kind !== "json") continue;
      const value = Object.hasOwn(given, name)
        ? given[name]
        : JSON.parse(copy[name] as string);
      copy[name] = serialise(name, this.#redactValue(name, value));
    }
    return copy as T;
  }

  /**
   * `value` as `JSON.stringify` reads it (`toJSON` called, boxed values
   * unboxed, what JSON cannot hold left out or null), as plain data with
   * each string redacted in document order. The walk keeps its own stack:
   * a replacer or reviver recurses, and would overflow on values deep
   * enough that `JSON.stringify` still takes them.
   */
  #redactValue(field: string, value: unknown): unknown {
    const root: Record<string, unknown> = {};
    const pending: Pending[] = [{ value, key: "", into: root, as: "value" }];
    while (pending.length > 0) {
      const { value, key, into, as, inArray } = pending.pop()!;
      const item = jsonView(value, key);
      let out: unknown;
      if (typeof item === "string") {
        const result = this.#call(field, item);
        out = typeof result === "string" ? result : text(field, result);
      } else if (typeof item === "number") {
        out = Number.isFinite(item) ? item : null;
      } else if (typeof item === "boolean" || item === null) {
        out = item;
      } else if (Array.isArray(item)) {
        out = new Array(item.length);
        for (let i = item.length - 1; i >= 0; i--) {
          pending.push({
            value: item[i],
            key: String(i),
            into: out as unknown[],
            as: i,
            inArray: true,
          });
        }
      } else if (typeof item === "object") {
        out = {};
        const keys = Object.keys(item);
        for (let i = keys.length - 1; i >= 0; i--) {
          pending.push({
            value: (item as Record<string, unknown>)[keys[i]!],
            key: keys[i]!,
            into: out as Record<string, unknown>,
            as: keys[i]!,
          });
        }
      } else {
        // undefined, a function or a symbol: null in an array, left out of
        // an object, as JSON.stringify does.
        if (!inArray) continue;
        out = null;
      }
      // Defined, not assigned: a `__proto__` key must stay a plain key.
      Object.defineProperty(into, as, {
        value: out,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return root.value;
  }

  #call(field: string, value: string): unknown {
    try {
      return this.#redact!(value, field as RedactedField);
    } catch (error) {
      throw new InvalidInputError(
        field,
        `the redact function failed: ${(error as Error)?.message}`,
        { cause: error },
      );
    }
  }
}

/** A value still to be redacted, and where its redacted copy goes. */
interface Pending {
  value: unknown;
  /** Its key, as `toJSON` receives it. */
  key: string;
  into: Record<string, unknown> | unknown[];
  as: string | number;
  inArray?: boolean;
}

/** What `JSON.stringify` serialises of `value` under `key`. */
function jsonView(value: unknown, key: string): unknown {
  let item = value;
  if (
    item !== null && (typeof item === "object" || typeof item === "bigint") &&
    typeof (item as { toJSON?: unknown }).toJSON === "function"
  ) {
    item = (item as { toJSON(key: string): unknown }).toJSON(key);
  }
  if (item instanceof String) return String(item);
  if (item instanceof Number) return Number(item);
  if (item instanceof Boolean) return item.valueOf();
  return item;
}

/** The JSON text of redacted plain data. */
function serialise(field: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // Redacted strings longer than any string can be.
    throw new InvalidInputError(
      field,
      `cannot be serialized as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
