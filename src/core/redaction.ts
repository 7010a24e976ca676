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
   * The validated `record` with its redacted fields rewritten. In a JSON
   * field each string is redacted, so that the redactor sees the strings
   * themselves.
   */
  apply<R, T extends Partial<R>>(fields: Fields<R>, record: T): T {
    if (!this.#redact) return record;
    const copy = { ...record } as Record<string, unknown>;
    const names = (Object.keys(fields) as (keyof R & string)[]).filter(
      (name) => fields[name].redacted && typeof copy[name] === "string",
    );
    // Plain text must be storable as it is; in JSON any string can be
    // stored (NUL and lone surrogates escaped). JSON fields hold the text
    // JSON.stringify made of the given value, toJSON and boxed values
    // resolved, so redacting its strings sees what the caller meant.
    for (const name of names) {
      if (fields[name].kind !== "text") continue;
      copy[name] = text(name, this.#call(name, copy[name] as string));
    }
    for (const name of names) {
      if (fields[name].kind !== "json") continue;
      copy[name] = this.#redactJson(name, copy[name] as string);
    }
    return copy as T;
  }

  /**
   * `json` with each string value in it redacted, in document order. The
   * walk keeps its own stack: a replacer or reviver recurses, and would
   * overflow on values deep enough that JSON.stringify still takes them.
   */
  #redactJson(field: string, json: string): string {
    const root: Record<string, unknown> = { value: JSON.parse(json) };
    const pending: [Record<string, unknown>, string][] = [[root, "value"]];
    while (pending.length > 0) {
      const [holder, key] = pending.pop()!;
      const item = holder[key];
      if (typeof item === "string") {
        const result = this.#call(field, item);
        // Defined, not assigned: a `__proto__` key must stay a plain key.
        Object.defineProperty(holder, key, {
          value: typeof result === "string" ? result : text(field, result),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else if (typeof item === "object" && item !== null) {
        const keys = Object.keys(item);
        for (let i = keys.length - 1; i >= 0; i--) {
          pending.push([item as Record<string, unknown>, keys[i]!]);
        }
      }
    }
    try {
      return JSON.stringify(root.value);
    } catch (error) {
      // Redacted strings longer than any string can be.
      throw new InvalidInputError(
        field,
        `cannot be serialized as JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
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
