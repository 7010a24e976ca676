/**
 * Stores what AI agents do — their runs, the events inside each run, and
 * every LLM call with its tokens, latency and cost — in memory, in SQLite or
 * in PostgreSQL, behind one {@linkcode Persistence} interface. Start on an
 * embedded SQLite file; move to PostgreSQL by changing the URL.
 *
 * Runs on Deno (2.2+), Node (22.13+) and Bun (1.1+).
 *
 * @example Record a run, its events and an LLM call
 * ```ts
 * import { createPersistence, getCostUsd } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * await store.createAgentRun({
 *   agentId: "researcher",
 *   runId: "run-1",
 *   objective: "Summarise today's AI news",
 *   status: "running",
 *   startedAt: new Date(),
 * });
 * await store.logAgentRunEvent({
 *   agentId: "researcher",
 *   runId: "run-1",
 *   eventType: "action_execution_completed",
 *   data: { action: "fetch_articles", duration_ms: 1234 },
 * });
 * const usage = await store.logLlmUsage({
 *   agentId: "researcher",
 *   runId: "run-1",
 *   provider: "openai",
 *   model: "gpt-4o-mini",
 *   prompt: "Summarise: …",
 *   inputTokens: 150,
 *   outputTokens: 50,
 *   usageMetrics: { cost_usd: 0.0003 },
 * });
 * await store.updateAgentRun("run-1", { status: "completed", totalIterations: 1 });
 *
 * assert.equal(getCostUsd(usage), 0.0003);
 * const stats = await store.getAgentRunStats({ agentId: "researcher" });
 * assert.equal(stats.completedRuns, 1);
 * assert.equal(stats.totalInputTokens, 150);
 * ```
 *
 * @module
 */

export * from "./src/types.ts";
export type * from "./src/persistence.ts";
export * from "./src/errors.ts";
export * from "./src/accessors.ts";
export {
  type ConnectionTarget,
  DEFAULT_URL,
  parseConnectionUrl,
} from "./src/url.ts";
export { createPersistence, type PersistenceOptions } from "./src/factory.ts";
export {
  InMemoryPersistence,
  type MemoryData,
} from "./src/memory/persistence.ts";
export {
  type SqliteOptions,
  SqlitePersistence,
  type SqlitePersistenceConstructor,
} from "./src/sqlite/persistence.ts";
export {
  PostgresPersistence,
  type PostgresPersistenceConstructor,
} from "./src/postgres/persistence.ts";
export { schemaSql } from "./src/schema_sql.ts";
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportRecord,
  formatExportLine,
  parseExportLine,
} from "./src/maintenance/export_format.ts";
export {
  type FileSink,
  type FileSinkOptions,
  openFileSink,
  type TextSink,
} from "./src/maintenance/sink.ts";
export type { ProgressCallback } from "./src/maintenance/progress_callback.ts";
export {
  type ExportOptions,
  exportRecords,
  exportStore,
} from "./src/maintenance/export.ts";
export {
  importLines,
  type ImportOptions,
  importRecords,
  type ImportResult,
} from "./src/maintenance/import.ts";
export { splitLines } from "./src/maintenance/lines.ts";
export {
  type CopyOptions,
  type CopyResult,
  copyStore,
} from "./src/maintenance/copy.ts";
export {
  type PruneOptions,
  type PruneResult,
  type PruneRules,
  pruneStore,
} from "./src/maintenance/prune.ts";
export {
  type ExportArchive,
  exportArchive,
} from "./src/maintenance/retention.ts";
export {
  diagnoseStore,
  type Diagnosis,
  schemaAdvice,
} from "./src/maintenance/doctor.ts";
