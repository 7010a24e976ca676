/**
 * Where exported text goes: anything with a `write`, and a file.
 *
 * @module
 */

/**
 * Receives text. `flush`, when present, is awaited wherever the text must be
 * safely stored before going on, such as before prune deletes what it
 * archived.
 *
 * @example
 * ```ts
 * import type { TextSink } from "@curio/persistence";
 * const chunks: string[] = [];
 * const sink: TextSink = { write: (text) => void chunks.push(text) };
 * ```
 */
export interface TextSink {
  /** Takes the text; may return a promise to slow the writer down. */
  write(text: string): void | Promise<void>;
  /** Makes everything written so far durable. */
  flush?(): void | Promise<void>;
}

/**
 * A {@linkcode TextSink} writing to a file, buffered, with `close`.
 *
 * @example
 * ```ts
 * import type { FileSink } from "@curio/persistence";
 * async function finish(sink: FileSink) {
 *   await sink.close();
 * }
 * ```
 */
export interface FileSink extends TextSink {
  /** Writes the buffer to the file and syncs it to disk. */
  flush(): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/**
 * Options of {@linkcode openFileSink}.
 *
 * @example
 * ```ts
 * import type { FileSinkOptions } from "@curio/persistence";
 * const options: FileSinkOptions = { exclusive: true };
 * ```
 */
export interface FileSinkOptions {
  /** Fail when the file exists already, instead of replacing it. */
  exclusive?: boolean;
}

const BUFFER_SIZE = 256 * 1024;

/**
 * Opens a file for writing (readable by its owner only: exports hold
 * prompts and responses), replacing it unless `exclusive` is set.
 *
 * @param path The file.
 * @param options Whether an existing file is an error.
 * @returns The sink; close it when done.
 *
 * @example
 * ```ts
 * import { openFileSink } from "@curio/persistence";
 * import { readFile, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const path = join(tmpdir(), `sink-${Date.now()}.txt`);
 * const sink = await openFileSink(path);
 * await sink.write("hello\n");
 * await sink.close();
 * assert.equal(await readFile(path, "utf8"), "hello\n");
 * await rm(path);
 * ```
 */
export async function openFileSink(
  path: string,
  options: FileSinkOptions = {},
): Promise<FileSink> {
  const { open } = await import("node:fs/promises");
  const file = await open(path, options.exclusive ? "wx" : "w", 0o600);
  let buffer: string[] = [];
  let size = 0;
  const drain = async () => {
    if (size === 0) return;
    const text = buffer.join("");
    buffer = [];
    size = 0;
    await file.write(text);
  };
  let closed = false;
  return {
    async write(text) {
      buffer.push(text);
      size += text.length;
      if (size >= BUFFER_SIZE) await drain();
    },
    async flush() {
      await drain();
      await file.datasync();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await drain();
        await file.datasync();
      } finally {
        await file.close();
      }
    },
  };
}
