// Temporary folders for test databases, removed when the process exits.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let root: string | undefined;
let counter = 0;

/** A path for a new file in this process's temporary folder. */
export function tempPath(name = "store.db"): string {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), "curio-persistence-"));
    const folder = root;
    const remove = () => rmSync(folder, { recursive: true, force: true });
    process.on("exit", remove);
    // `deno test` ends without Node's exit event, but dispatches unload.
    globalThis.addEventListener?.("unload", remove);
  }
  return join(root, `${++counter}-${name}`);
}
