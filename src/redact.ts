/**
 * Redaction: text rewritten before it is stored, so secrets and personal data
 * in prompts, responses and event data never reach the database.
 *
 * @module
 */

/**
 * The fields whose text a {@linkcode Redactor} is given: the free text and
 * JSON of each record, never its ids, names, types or statuses. For a JSON
 * field it is called once for every string inside the value (object keys
 * excepted).
 *
 * @example
 * ```ts
 * import type { RedactedField } from "@curio/persistence";
 * const field: RedactedField = "prompt";
 * ```
 */
export type RedactedField =
  | "objective"
  | "additionalContext"
  | "finalSynthesisOutput"
  | "executionHistory"
  | "errorMessage"
  | "metadata"
  | "data"
  | "prompt"
  | "inputParams"
  | "responseContent"
  | "usageMetrics";

/**
 * Rewrites a text before it is stored, for example to mask API keys or
 * e-mail addresses. It is called after validation, with each text of a
 * {@linkcode RedactedField}, and returns the text to store instead. The
 * lengths of a prompt and a response (`promptLength`, `responseLength`) are
 * those of the original text.
 *
 * @param text The text as given.
 * @param field Which field it comes from.
 * @returns The text to store.
 *
 * @example Mask API keys and e-mail addresses everywhere
 * ```ts
 * import type { Redactor } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const redact: Redactor = (text) =>
 *   text
 *     .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, "sk-***")
 *     .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, "***@***");
 * assert.equal(redact("mail ada@example.com", "prompt"), "mail ***@***");
 * ```
 */
export type Redactor = (text: string, field: RedactedField) => string;

/**
 * Options every store accepts, whatever its backend.
 *
 * @example Store prompts with API keys masked
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:", {
 *   redact: (text) => text.replace(/\bsk-\w+/g, "sk-***"),
 * });
 * const usage = await store.logLlmUsage({ prompt: "key sk-abc123, go" });
 * assert.equal(usage.prompt, "key sk-***, go");
 * assert.equal(usage.promptLength, 17);
 * ```
 */
export interface StoreOptions {
  /**
   * Applied to prompts, responses, event data and the other free text of
   * every record before it is stored; see {@linkcode Redactor}.
   */
  redact?: Redactor;
}
