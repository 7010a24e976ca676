import { InvalidInputError } from "../errors.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import { checkSchemaName } from "../sql/identifiers.ts";
import type { PartitionBy } from "../sql/partitions.ts";

/** The `schema` option, checked by the identifier rule; refused as bad input. */
export function schemaName(schema: unknown): string {
  return checkSchemaName(
    schema,
    (quotedName, rule) =>
      new InvalidInputError("schema", `expected ${rule}, got ${quotedName}`),
  );
}

/** A stable 31-bit number for the schema's advisory lock (FNV-1a). */
function lockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const char of `@curio/persistence:${schema}`) {
    hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193);
  }
  return hash >>> 1;
}

/** The `partitionBy` option; refused as bad input unless day or month. */
export function partitionByOption(value: unknown): PartitionBy | undefined {
  if (value === undefined || value === "day" || value === "month") {
    return value;
  }
  throw new InvalidInputError(
    "partitionBy",
    `expected "day" or "month", got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/**
 * PostgreSQL's hooks for the shared SQL backend, for tables in `schema`;
 * with `partitionBy`, events and LLM-usage tables are created partitioned.
 */
export function postgresDialect(
  schema: string,
  options: { partitionBy?: PartitionBy | undefined } = {},
): SqlDialect {
  const quoted = `"${schemaName(schema)}"`;
  return {
    name: "postgres",
    partitionBy: options.partitionBy,
    table: (name) => `${quoted}.${name}`,
    primaryKey: "SERIAL PRIMARY KEY",
    preamble: [`CREATE SCHEMA IF NOT EXISTS ${quoted}`],
    // Several processes opening one fresh schema at once must not race to
    // create it: the first creates, the others wait and find it done.
    schemaLock: `SELECT pg_advisory_xact_lock(${lockKey(schema)})`,
    // pg_catalog, unlike information_schema, also shows tables the user
    // holds no privilege on, which would still block CREATE TABLE.
    columnsQuery: "SELECT attname AS name FROM pg_attribute " +
      "WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped",
    maxParameters: 60_000,
    // PostgreSQL 15 has no cast to JSON that fails softly (IS JSON came in
    // 16), and one malformed row must not fail a whole statistics query: the
    // function parses in a block that turns any error into NULL.
    jsonNumber: (column, key) =>
      `${quoted}.curio_json_number(${column}, '${key}')`,
    nullsFirst: false,
    functions: [
      // JSONB refuses NUL and lone surrogates escaped in strings, which the
      // other backends read past: the retry replaces each such escape (any
      // \u0000 or \uD800-\uDFFF, even as literal text) by \uFFFD, which
      // leaves the JSON valid and its numbers as they were.
      `CREATE OR REPLACE FUNCTION ${quoted}.curio_json_number(doc TEXT, key TEXT)
RETURNS DOUBLE PRECISION LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE value JSONB;
BEGIN
  BEGIN
    value := doc::JSONB -> key;
  EXCEPTION WHEN OTHERS THEN
    value := regexp_replace(
      doc, '\\\\u(0000|d[89a-f][0-9a-f]{2})', '\\\\ufffd', 'gi'
    )::JSONB -> key;
  END;
  IF jsonb_typeof(value) = 'number' THEN
    RETURN value::TEXT::DOUBLE PRECISION;
  END IF;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$$`,
      // The whole document, for queries reading several members (the tool
      // statistics); NULL for text that is not JSON, as above.
      `CREATE OR REPLACE FUNCTION ${quoted}.curio_json(doc TEXT)
RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  BEGIN
    RETURN doc::JSONB;
  EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(
      doc, '\\\\u(0000|d[89a-f][0-9a-f]{2})', '\\\\ufffd', 'gi'
    )::JSONB;
  END;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END
$$`,
    ],
    // Tables with their indexes and TOAST; the name is a checked identifier.
    sizeQuery: "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) " +
      "AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
      `WHERE n.nspname = '${schema}' AND c.relkind = 'r'`,
    // Plain VACUUM takes no exclusive lock: space is reused, and the tables'
    // statistics are brought up to date.
    compact: ["agent_runs", "agent_run_events", "agent_llm_usage"].map(
      (table) => `VACUUM (ANALYZE) ${quoted}.${table}`,
    ),
  };
}
