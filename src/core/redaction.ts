// Applies a `Redactor` to validated records, before they are stored.

import {
  type EventRecord,
  type RunChanges,
  type RunRecord,
  text,
  type UsageRecord,
} from "./records.ts";
import { InvalidInputError } from "../errors.ts";
import type { RedactedField, Redactor, StoreOptions } from "../types.ts";

/** Which fields of each record hold plain text, and which JSON text. */
const RUN: Fields = {
  text: ["objective", "finalSynthesisOutput", "errorMessage"],
  json: ["additionalContext", "executionHistory", "metadata"],
};
const EVENT: Fields = { text: [], json: ["data"] };
const USAGE: Fields = {
  text: ["prompt", "responseContent", "errorMessage"],
  json: ["inputParams", "usageMetrics"],
};

interface Fields {
  text: readonly RedactedField[];
  json: readonly RedactedField[];
}

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

  run(record: RunRecord): RunRecord {
    return this.#apply(record, RUN);
  }

  changes(changes: RunChanges): RunChanges {
    return this.#apply(changes, RUN);
  }

  event(record: EventRecord): EventRecord {
    return this.#apply(record, EVENT);
  }

  usage(record: UsageRecord): UsageRecord {
    return this.#apply(record, USAGE);
  }

  #apply<R extends object>(record: R, fields: Fields): R {
    const redact = this.#redact;
    if (!redact) return record;
    const copy = { ...record } as Record<string, unknown>;
    // In JSON any string can be stored (NUL and lone surrogates escaped);
    // plain text must be storable as it is.
    const one = (field: RedactedField, value: string, json = false) => {
      let result: unknown;
      try {
        result = redact(value, field);
      } catch (error) {
        throw new InvalidInputError(
          field,
          `the redact function failed: ${(error as Error)?.message}`,
          { cause: error },
        );
      }
      if (json && typeof result === "string") return result;
      return text(field, result);
    };
    for (const field of fields.text) {
      const value = copy[field];
      if (typeof value === "string") copy[field] = one(field, value);
    }
    for (const field of fields.json) {
      const value = copy[field];
      if (typeof value !== "string") continue;
      copy[field] = JSON.stringify(
        JSON.parse(
          value,
          (_key, item) =>
            typeof item === "string" ? one(field, item, true) : item,
        ),
      );
    }
    return copy as R;
  }
}
