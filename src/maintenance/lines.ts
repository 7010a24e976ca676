/**
 * Lines of a text stream, split where an export file ends its lines.
 *
 * @module
 */

/**
 * Splits text, as strings or UTF-8 bytes, into lines at `\n` only (a `\r`
 * before it is dropped too). Unlike `node:readline`, which also ends a line
 * at a lone `\r`, U+2028 and U+2029, this keeps every line of an export file
 * whole, also of files written before those characters were escaped. A
 * character split across two chunks is put together again; a last line
 * without `\n` is yielded too. Only one line is held at a time.
 *
 * @param chunks The text, such as a file stream (`node:fs`'s
 * `createReadStream`, `process.stdin`) yields.
 * @returns The lines, without their line ends.
 *
 * @example Import a file
 * ```ts
 * import {
 *   createPersistence,
 *   exportStore,
 *   importLines,
 *   openFileSink,
 *   splitLines,
 * } from "@curio/persistence";
 * import { createReadStream } from "node:fs";
 * import { rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * await using from = await createPersistence("memory:");
 * await from.createAgentRun({ agentId: "a", runId: "r", objective: "a\u2028b" });
 * const path = join(tmpdir(), `export-${Date.now()}.jsonl`);
 * const file = await openFileSink(path);
 * await exportStore(from, file);
 * await file.close();
 *
 * await using to = await createPersistence("memory:");
 * await importLines(to, splitLines(createReadStream(path)));
 * assert.equal((await to.getAgentRun("r"))?.objective, "a\u2028b");
 * await rm(path);
 * ```
 *
 * @example Lines of text
 * ```ts
 * import { splitLines } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const lines = [];
 * for await (const line of splitLines(["a\r\nb\u2028", "c\rd\n", "e"])) {
 *   lines.push(line);
 * }
 * assert.deepEqual(lines, ["a", "b\u2028c\rd", "e"]);
 * ```
 */
export async function* splitLines(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  // The pieces of the line not yet ended, so a long line costs no copies.
  let pending: string[] = [];
  for await (const chunk of chunks) {
    const text = typeof chunk === "string"
      ? chunk
      : decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = text.indexOf("\n");
    while (end !== -1) {
      pending.push(text.slice(start, end));
      yield withoutCarriageReturn(pending.join(""));
      pending = [];
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  pending.push(decoder.decode());
  const last = pending.join("");
  if (last !== "") yield withoutCarriageReturn(last);
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
