import { partitionByOption, postgresDialect } from "./postgres/dialect.ts";
import { schemaStatements } from "./sql/schema.ts";
import { sqliteDialect } from "./sqlite/dialect.ts";
import type { BackendName } from "./types.ts";

/**
 * The statements that create the schema, for an operator who creates it by
 * hand (the specification's "Manual Schema Creation"). The stores run the
 * same statements themselves when they open.
 *
 * @param dialect `sqlite` or `postgres`.
 * @param options For PostgreSQL, the schema (default `agent_sdk`), and
 * `partitionBy` (`day` or `month`) for events and LLM-usage tables
 * partitioned by `created_at`: a DEFAULT partition and those of the current
 * and next two periods as of the call (a store opened on the schema adds
 * later ones).
 * @returns The statements, in order, each without a final semicolon.
 *
 * @example Print the PostgreSQL DDL
 * ```ts
 * import { schemaSql } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const statements = schemaSql("postgres", { schema: "agents" });
 * assert.equal(statements[0], 'CREATE SCHEMA IF NOT EXISTS "agents"');
 * console.log(statements.join(";\n\n") + ";");
 * ```
 *
 * @example Partitioned by month
 * ```ts
 * import { schemaSql } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const ddl = schemaSql("postgres", { partitionBy: "month" }).join(";\n");
 * assert.match(ddl, /PARTITION BY RANGE \(created_at\)/);
 * ```
 */
export function schemaSql(
  dialect: Exclude<BackendName, "memory">,
  options: { schema?: string; partitionBy?: "day" | "month" } = {},
): string[] {
  return schemaStatements(
    dialect === "sqlite" ? sqliteDialect : postgresDialect(
      options.schema ?? "agent_sdk",
      { partitionBy: partitionByOption(options.partitionBy) },
    ),
  );
}
