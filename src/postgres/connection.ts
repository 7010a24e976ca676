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
// deno-lint-ignore no-explicit-any
type ReservedSql = postgres.ReservedSql<any>;

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
  readonly #openPool: () => Sql;
  readonly #pingTimeoutMs: number;
  readonly #texts = new LruCache<string>(1000);
  /**
   * An INSERT's numbered text with `RETURNING id`, by the INSERT's own text:
   * appending the clause at every call made a new string, copied (a batch's
   * INSERT runs to tens of kilobytes) and hashed again for the lookup.
   */
  readonly #inserts = new LruCache<string>(1000);
  #sql: Sql;
  /** Pools given up on by a ping, each with the timer that ends it. */
  readonly #retired = new Map<Sql, ReturnType<typeof setTimeout>>();

  /**
   * @param openPool Opens a pool; called again when a ping finds the pool's
   * connection unresponsive.
   * @param pingTimeoutMs How long `ping` waits: the connect timeout.
   */
  constructor(openPool: () => Sql, pingTimeoutMs: number) {
    this.#openPool = openPool;
    this.#pingTimeoutMs = pingTimeoutMs;
    this.#sql = openPool();
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#run(this.#sql, sql, params);
  }

  insert(sql: string, params: readonly SqlValue[]): Promise<number[]> {
    return this.#insert(this.#sql, sql, params);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.#sql.begin((tx) =>
      fn({
        query: (sql, params = []) => this.#run(tx, sql, params),
        insert: (sql, params) => this.#insert(tx, sql, params),
      })
    ) as Promise<T>;
  }

  /**
   * `SELECT 1` on a connection of its own, within the connect timeout.
   *
   * postgres.js bounds connecting, not a query: on a connection the server
   * (or a proxy, or a dead route) has stopped answering, a query waits
   * forever, and so does every query later sent on it. The connection is
   * taken out of the pool, so the ping cannot wait behind other work, and
   * when it goes unanswered the pool is replaced; the old one keeps its
   * work under way for one more connect timeout, then is ended, dropping
   * the silent connection.
   */
  async ping(): Promise<void> {
    const pool = this.#sql;
    let gaveUp = false;
    let reserved: ReservedSql | undefined;
    const answered = (async () => {
      const session = await pool.reserve();
      if (gaveUp) return session.release(); // came too late: give it back
      reserved = session;
      try {
        await session.unsafe("SELECT 1");
      } finally {
        session.release();
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(
              new Error(
                `PostgreSQL did not answer within ${this.#pingTimeoutMs} ms`,
              ),
              { code: "CONNECT_TIMEOUT" },
            ),
          ),
        this.#pingTimeoutMs,
      );
    });
    try {
      await Promise.race([answered, timedOut]);
    } catch (error) {
      gaveUp = true;
      answered.catch(() => {});
      if (reserved) this.#retire(pool);
      throw error;
    } finally {
      clearTimeout(timer);
    }
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

  /**
   * Ends the pools at once: the store has already waited for its work, or
   * stopped waiting.
   */
  async close(): Promise<void> {
    const pools = [this.#sql, ...this.#retired.keys()];
    for (const timer of this.#retired.values()) clearTimeout(timer);
    this.#retired.clear();
    await Promise.all(pools.map((pool) => pool.end({ timeout: 0 })));
  }

  /** Sends new work to a fresh pool, and ends `pool` one timeout later. */
  #retire(pool: Sql): void {
    if (pool !== this.#sql) return; // another ping did it already
    this.#sql = this.#openPool();
    this.#retired.set(
      pool,
      setTimeout(() => {
        this.#retired.delete(pool);
        pool.end({ timeout: 0 }).catch(() => {});
      }, this.#pingTimeoutMs),
    );
  }

  /** PostgreSQL numbers rows by a sequence, which others share: ask. */
  async #insert(
    session: Sql | TransactionSql,
    sql: string,
    params: readonly SqlValue[],
  ): Promise<number[]> {
    const text = this.#inserts.get(sql, () => numbered(`${sql} RETURNING id`));
    const rows = await session.unsafe(text, params as SqlValue[], {
      prepare: true,
    });
    // Ids rise in the order rows are inserted, which is VALUES order;
    // RETURNING itself promises no order.
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
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
