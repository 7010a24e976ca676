// The database file on disk: created private to its owner before SQLite
// opens it, and switched to WAL even while other processes open it too.

import { InvalidUrlError } from "../errors.ts";
import { isSqliteBusy, type SqliteDatabase } from "./runtime.ts";

/**
 * Switches the database to WAL. When several processes open one fresh file
 * at once, SQLite answers the switch with "database is locked" at once,
 * without waiting for the busy timeout; so wait here, up to that timeout.
 */
export function enableWal(
  db: SqliteDatabase,
  timeoutMs: number,
): Promise<void> {
  return retryWhileBusy(() => db.exec("PRAGMA journal_mode = WAL"), timeoutMs);
}

/**
 * Runs `operation` again while SQLite answers "database is locked", up to
 * `timeoutMs`: while another process switches the journal mode, SQLite
 * answers at once rather than through the busy handler.
 */
export async function retryWhileBusy<T>(
  operation: () => T | Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await operation();
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) =>
        setTimeout(resolve, 5 + Math.random() * 20)
      );
    }
  }
}

/**
 * Creates the file and its folders before SQLite does, so that it is
 * readable and writable by its owner only: it holds prompts and responses.
 * SQLite gives the WAL and shared-memory files the same permissions. A path
 * where no file can be created is refused as a bad URL, naming why.
 */
export async function createPrivateFile(path: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  try {
    // Each missing folder in turn: Node's recursive mkdir never returns for
    // a place that answers every creation with ENOENT, such as /proc.
    const missing: string[] = [];
    for (
      let folder = dirname(path);
      !(await fs.stat(folder).then(() => true, () => false));
      folder = dirname(folder)
    ) {
      missing.unshift(folder);
      if (dirname(folder) === folder) break;
    }
    for (const folder of missing) {
      await fs.mkdir(folder).catch(async (error) => {
        // Made by another process meanwhile: fine if it is a folder.
        const made = await fs.stat(folder).then(
          (stat) => stat.isDirectory(),
          () => false,
        );
        if (!made) throw error;
      });
    }
    const file = await fs.open(path, "a", 0o600);
    await file.close();
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? "");
    throw new InvalidUrlError(
      `Cannot create the SQLite database ${JSON.stringify(path)}: ${
        FILE_PROBLEMS[code] ?? (error as Error).message
      }${code ? ` (${code})` : ""}`,
      { cause: error },
    );
  }
}

/** Why a database file cannot be created, by the file system's error code. */
const FILE_PROBLEMS: Record<string, string> = {
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "a part of the path is a file, not a folder",
  ENOENT: "its folder is missing and cannot be created there",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
};

/**
 * The file's path with symbolic links resolved, so that every name of one
 * file finds the process's one connection to it.
 */
export async function realPath(path: string): Promise<string> {
  const fs = await import("node:fs/promises");
  return await fs.realpath(path);
}

/**
 * Gives a database without tables `auto_vacuum=INCREMENTAL`, so that prune
 * and retention can return freed pages to the file system in short steps.
 * The mode holds only when set before the first table is created; a file
 * that has tables keeps its mode (switching it takes a whole-file VACUUM:
 * `compact({ incremental: true })`).
 */
export function useIncrementalVacuumWhenNew(db: SqliteDatabase): void {
  const [schema] = db.prepare("SELECT COUNT(*) AS n FROM sqlite_schema")
    .all() as { n: number }[];
  if (Number(schema?.n) === 0) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
}
