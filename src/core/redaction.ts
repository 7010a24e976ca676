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
   * is serialised again from its value in `given`, each string in it
   * redacted on the way, so that the redactor sees the strings themselves.
   */
  apply<R, T extends Partial<R>>(
    fields: Fields<R>,
    record: T,
    given: Record<string, unknown>,
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
      copy[name] = JSON.stringify(given[name], (_key, item) => {
        const value = typeof item === "string" ? item : boxedText(item);
        if (value === undefined) return item;
        const result = this.#call(name, value);
        return typeof result === "string" ? result : text(name, result);
      });
    }
    return copy as T;
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

/** The text of a String object, which `JSON.stringify` writes as a string. */
function boxedText(item: unknown): string | undefined {
  if (!(item instanceof String)) return undefined;
  try {
    return String.prototype.valueOf.call(item);
  } catch {
    return undefined; // an object made from String.prototype, not a String
  }
}
