// A postgres.js pool as a `SqlConnection`.

import type postgres from "postgres";
import type {
  ErrorKind,
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "../sql/connection.ts";
import { LruCache } from "../sql/lru_cache.ts";

// The custom types' parsers are the connection's business, not this file's.
// deno-lint-ignore no-explicit-any
type Sql = postgres.Sql<any>;
// deno-lint-ignore no-explicit-any
type TransactionSql = postgres.TransactionSql<any>;

// Network failures, the pool ending, and the server refusing or dropping us:
// class 08 (connection exception), 28 (authorization), 3D000 (no such
// database), 53300 (too many connections), 57P0x (shutting down).
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "3D000",
  "53300",
  "57P01",
  "57P02",
  "57P03",
]);

/**
 * The pool's `types` option. Timestamps stay text: the keyset cursor must
 * repeat a stored value exactly, to the microsecond, and the rows map them
 * to Dates.
 */
export const TIMESTAMPS_AS_TEXT = {
  timestamp: {
    to: 1114,
    from: [1114],
    serialize: (value: unknown) => String(value),
    parse: (value: string) => value,
  },
};

/** Turns `?` placeholders into PostgreSQL's `$1, $2, …`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** A postgres.js pool with `?` placeholders and prepared statements. */
export class PostgresConnection implements SqlConnection {
  readonly #sql: Sql;
  readonly #texts = new LruCache<string>(1000);

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#run(this.#sql, sql, params);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.#sql.begin((tx) =>
      fn({ query: (sql, params = []) => this.#run(tx, sql, params) })
    ) as Promise<T>;
  }

  classify(error: unknown): ErrorKind | undefined {
    if (typeof error !== "object" || error === null) return undefined;
    const code = String((error as { code?: unknown }).code ?? "");
    if (code === "23505") return "unique";
    if (code === "23503") return "foreign-key";
    if (
      CONNECTION_CODES.has(code) || code.startsWith("08") ||
      code.startsWith("28")
    ) {
      return "connection";
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }

  async #run(
    session: Sql | TransactionSql,
    sql: string,
    params: readonly SqlValue[],
  ): Promise<SqlRow[]> {
    const text = this.#texts.get(sql, () => numbered(sql));
    return await session.unsafe(text, params as SqlValue[], { prepare: true });
  }
}
