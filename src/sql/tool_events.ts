// What the tool statistics read of a tool event, as SQL shared to the letter
// by the tool events' index (schema.ts) and the statistics' query
// (series.ts): SQLite uses a partial index only when the query states its
// condition as written, and reads an indexed expression from the index only
// when the query computes the very same expression text.

/**
 * The tool events' condition: the partial index's WHERE, and a term of the
 * tool statistics' WHERE.
 */
export const TOOL_EVENTS = "substr(event_type, 1, 17) = 'action_execution_'";

/**
 * SQLite's expressions over a tool event's `event_type` and `data` that the
 * tool statistics sum, with the meaning `ToolStats` documents. Since schema
 * version 9 the tool events' index holds each one, so a date range's
 * statistics are read from the index alone, without parsing any JSON.
 *
 * SQLite evaluates an index's expressions on every insert and update of a
 * tool event: one that raised an error would refuse the write. So every
 * JSON function is reached only for valid JSON text (`json_type` raises on
 * malformed JSON), and no arithmetic can overflow (`abs` raises on the
 * least 64-bit integer).
 */
export const SQLITE_TOOL_CALL: {
  /** The tool's name: the data's `action` when it is a string, else NULL. */
  readonly action: string;
  /** 1 when the call failed, else 0. */
  readonly failed: string;
  /** The data's finite numeric `duration_ms`, else NULL. */
  readonly duration: string;
} = {
  action: `(CASE WHEN json_valid(data) AND json_type(data, '$.action') = 'text'
    THEN json_extract(data, '$.action') END)`,
  failed: `(CASE WHEN event_type <> 'action_execution_completed' THEN 1
    WHEN NOT json_valid(data) THEN 0
    WHEN json_type(data, '$.success') = 'false'
      OR COALESCE(json_type(data, '$.error'), 'null') NOT IN ('null', 'false')
      OR (json_type(data, '$.result.status') = 'text'
        AND json_extract(data, '$.result.status') = 'error') THEN 1
    ELSE 0 END)`,
  // Infinite for a number too large for a double, such as 1e999.
  duration: `(CASE WHEN json_valid(data)
    AND json_type(data, '$.duration_ms') IN ('integer', 'real')
    AND json_extract(data, '$.duration_ms')
      BETWEEN -${Number.MAX_VALUE} AND ${Number.MAX_VALUE}
    THEN json_extract(data, '$.duration_ms') END)`,
};
