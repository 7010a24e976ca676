// Timestamps travel to both SQL databases as naive UTC text,
// `YYYY-MM-DD HH:MM:SS.mmm`: the form SQLite's CURRENT_TIMESTAMP and Python's
// `str(datetime)` write, which sorts correctly as text and which PostgreSQL
// reads into a TIMESTAMP column unchanged.

/** The stored text of a Date. */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * The Date of stored text: ours, SQLite's `CURRENT_TIMESTAMP`, PostgreSQL's
 * output and the Python SDK's naive ISO strings. Text without a zone is UTC.
 */
export function parseTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value).trim();
  const match = TIMESTAMP.exec(text);
  if (!match) return new Date(text);
  const [, day, minutes = "00:00", seconds = "00", fraction = "", zone] = match;
  const millis = fraction.padEnd(3, "0").slice(0, 3);
  let offset = zone === undefined || zone.toUpperCase() === "Z" ? "Z" : zone;
  if (/^[+-]\d{2}$/.test(offset)) offset += ":00";
  else if (/^[+-]\d{4}$/.test(offset)) {
    offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  }
  return new Date(`${day}T${minutes}:${seconds}.${millis}${offset}`);
}
