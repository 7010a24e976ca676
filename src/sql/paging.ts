// Keyset paging over one table: the filters of a listing, and the page after
// a cursor, including rows whose sort key is NULL.

import type { Cursor, Stored } from "../core/backend.ts";
import type { SqlRow, SqlSession, SqlValue, SqlValues } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import {
  columnPositions,
  decodeOwnedRow,
  decodeOwnedValues,
  decodeRow,
  decodeValues,
  type Table,
} from "./tables.ts";

/** Conditions joined by AND, and their parameters. */
export class Where {
  readonly #conditions: string[] = [];
  readonly params: SqlValue[] = [];

  /** Adds `condition` with its parameters, unless `value` is undefined. */
  add(condition: string, ...values: (SqlValue | undefined)[]): this {
    if (values.some((value) => value === undefined)) return this;
    this.#conditions.push(condition);
    this.params.push(...values as SqlValue[]);
    return this;
  }

  /** A copy, to add conditions to without changing this one. */
  clone(): Where {
    const copy = new Where();
    copy.#conditions.push(...this.#conditions);
    copy.params.push(...this.params);
    return copy;
  }

  toString(): string {
    return this.#conditions.length === 0
      ? ""
      : `WHERE ${this.#conditions.join(" AND ")}`;
  }
}

/** Which rows a listing pages through, and in which order. */
export interface Listing<R> {
  /** The table's name as it appears in SQL. */
  table: string;
  definition: Table<R>;
  /** The column sorted by; `id` breaks ties, in the same direction. */
  sortColumn: string;
  direction: "ascending" | "descending";
  filters: Where;
  /**
   * Records decoded in the public layout and marked `owned`, for a caller
   * that turns them into public records in place.
   */
  owned?: boolean;
}

/** Where a page starts and how many rows it holds at most. */
export interface PageRequest {
  after: Cursor | undefined;
  limit: number;
  offset?: number | undefined;
}

/**
 * One page of a listing, starting after the cursor. The common case is one
 * indexed row-value comparison. Rows that other programs wrote with a NULL
 * sort key stay where the database sorts them (SQLite: before every value;
 * PostgreSQL: after) and are paged by id, so that a NULL at a page boundary
 * cannot end the iteration early.
 */
export async function selectPage<R>(
  session: SqlSession,
  dialect: Pick<SqlDialect, "nullsFirst">,
  listing: Listing<R>,
  request: PageRequest,
): Promise<Stored<R>[]> {
  const { table, definition, sortColumn: column, filters } = listing;
  const descending = listing.direction === "descending";
  const order = descending ? "DESC" : "ASC";
  const beyond = descending ? "<" : ">";
  const select = async (where: Where, limit: number) => {
    const offset = request.offset;
    const sql = `SELECT * FROM ${table} ${where} ` +
      `ORDER BY ${column} ${order}, id ${order} LIMIT ?` +
      (offset === undefined ? "" : " OFFSET ?");
    const params = [
      ...where.params,
      limit,
      ...(offset === undefined ? [] : [offset]),
    ];
    if (session.queryValues) {
      const result = await session.queryValues(sql, params);
      return storedValues(definition, result, column, listing.owned);
    }
    const rows = await session.query(sql, params);
    return rows.map((row) => storedRow(definition, row, column, listing.owned));
  };
  if (request.after === undefined) {
    return await select(filters, request.limit);
  }
  const [value, id] = request.after as [SqlValue, SqlValue];
  const nullsLast = descending === dialect.nullsFirst;
  const page = value === null
    ? await select(
      filters.clone().add(`${column} IS NULL AND id ${beyond} ?`, id),
      request.limit,
    )
    : await select(
      filters.clone().add(`(${column}, id) ${beyond} (?, ?)`, value, id),
      request.limit,
    );
  // Past the last NULL when NULLs come first, past the last value when
  // they come last: the other kind follows from its beginning.
  if (page.length === request.limit || (value === null) === nullsLast) {
    return page;
  }
  const rest = filters.clone().add(
    `${column} IS ${value === null ? "NOT " : ""}NULL`,
  );
  return [...page, ...await select(rest, request.limit - page.length)];
}

/** Rows given as arrays, as records with their ids and cursors. */
function storedValues<R>(
  definition: Table<R>,
  { columns, rows }: SqlValues,
  sortColumn: string,
  owned = false,
): Stored<R>[] {
  const at = columnPositions(definition, columns);
  const id = columns.lastIndexOf("id");
  const sort = columns.lastIndexOf(sortColumn);
  if (owned) {
    return rows.map((values) => ({
      id: Number(values[id]),
      record: decodeOwnedValues(definition, at, values),
      cursor: [values[sort], values[id]],
      owned: true,
    }));
  }
  return rows.map((values) => ({
    id: Number(values[id]),
    record: decodeValues(definition, at, values),
    cursor: [values[sort], values[id]],
  }));
}

/** A row as a record, with its id and the cursor that pages past it. */
export function storedRow<R>(
  definition: Table<R>,
  row: SqlRow,
  sortColumn: string,
  owned = false,
): Stored<R> {
  if (owned) {
    return {
      id: Number(row.id),
      record: decodeOwnedRow(definition, row),
      cursor: [row[sortColumn], row.id],
      owned: true,
    };
  }
  return {
    id: Number(row.id),
    record: decodeRow(definition, row),
    cursor: [row[sortColumn], row.id],
  };
}
