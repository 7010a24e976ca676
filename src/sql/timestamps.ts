// Timestamps travel to both SQL databases as naive UTC text,
// `YYYY-MM-DD HH:MM:SS.mmm`: the form SQLite's CURRENT_TIMESTAMP and Python's
// `str(datetime)` write, which sorts correctly as text and which PostgreSQL
// reads into a TIMESTAMP column unchanged.

/** The stored text of a Date. */
export function formatTimestamp(date: Date): string {
  // A record's timestamps, and a batch's, are mostly one and the same time.
  const time = date.getTime();
  if (time === lastFormatted.time) return lastFormatted.text;
  const iso = date.toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  lastFormatted = { time, text };
  return text;
}

let lastFormatted = { time: NaN, text: "" };

const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * The Date of stored text: ours, SQLite's `CURRENT_TIMESTAMP`, PostgreSQL's
 * output and the Python SDK's naive ISO strings. Text without a zone is UTC.
 */
export function parseTimestamp(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  if (typeof value === "string" && value.length >= 19) {
    const time = ownTimestamp(value);
    if (time !== undefined) return new Date(time);
  }
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

/** The number written by the digits of `text` from `start` to `end`, or -1. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The time of text in the form this module writes, or PostgreSQL prints
 * (`YYYY-MM-DD HH:MM:SS`, then nothing or `.` and 1 to 9 digits), computed
 * without the date parser: reading a long history parses two timestamps a
 * row, and the parser is the slowest step. `undefined` for anything else
 * (including dates the parser might treat differently), which takes the
 * general path.
 */
function ownTimestamp(text: string): number | undefined {
  const length = text.length;
  if (
    length !== 19 &&
    (length < 21 || length > 29 || text.charCodeAt(19) !== 46)
  ) {
    return undefined;
  }
  // Each separator named in code, and the day remembered (`ownDay`): half
  // of the time Bun took for 50 rows, which a loop over a table of the
  // separators and a Date.UTC of every row had spent (12 µs down to 6).
  if (
    text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const hours = digits(text, 11, 13);
  const minutes = digits(text, 14, 16);
  const seconds = digits(text, 17, 19);
  // The first three digits of the fraction, as the general path reads them;
  // any further ones must be digits too.
  const millis = length === 19
    ? 0
    : digits(text, 20, Math.min(length, 23)) * 10 ** Math.max(0, 23 - length);
  if (length > 23 && digits(text, 23, length) < 0) return undefined;
  if (
    hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 ||
    seconds > 59 || millis < 0
  ) {
    return undefined; // invalid: the general path decides
  }
  const day = text.startsWith(lastDay.text) ? lastDay.time : ownDay(text);
  if (day === undefined) return undefined;
  return day + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/**
 * The time at which the day `YYYY-MM-DD` that `text` starts with begins, or
 * `undefined` (invalid: the general path decides). Remembered, since the
 * rows a listing reads are mostly of one day.
 */
function ownDay(text: string): number | undefined {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (
    year < 1 || month < 1 || month > 12 || day < 1 ||
    day > daysInMonth(year, month)
  ) {
    return undefined;
  }
  const time = Date.UTC(year, month - 1, day);
  // Date.UTC reads the years 0 to 99 as 1900 to 1999.
  const start = year < 100 ? new Date(time).setUTCFullYear(year) : time;
  lastDay = { text: text.slice(0, 10), time: start };
  return start;
}

/** The day `ownDay` read last, as its text and its start (a valid day). */
let lastDay = { text: "1970-01-01", time: 0 };

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// SQLite keeps TIMESTAMP columns as text and compares them as text, which
// orders instants only if every row has one form. The Python SDK writes
// `YYYY-MM-DDTHH:MM:SS.ffffff` (a `T`, six digits, none when zero, maybe an
// offset), which sorts after this module's form on the same day. So SQLite
// stores keep one canonical form, rewritten by SQL alone (other programs
// write without this module's code):
// `YYYY-MM-DD HH:MM:SS.fff`, or `.ffffff` (or more digits) when the instant
// needs them; naive text taken as UTC, text with an offset moved to UTC.
// The digits are the written ones, so microseconds survive; trailing zeros
// past three or six are dropped, so one instant has one text and text order
// is instant order, and the plain column indexes stay valid.

/** A GLOB matching this module's own text, the form almost every row has. */
const OWN_FORM =
  "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]'";

/**
 * A SQLite expression for the canonical text of the timestamp `value`;
 * anything it cannot read (NULL, numbers, other text) unchanged. Only core
 * functions every SQLite 3 has, since the Python SDK's SQLite runs it too.
 */
export function canonicalTimestampSql(value: string): string {
  // After `YYYY-MM-DD?HH:MM:SS`: a fraction, then maybe spaces and a zone.
  const rest = `substr(${value}, 20)`;
  const zone = `upper(ltrim(${rest}, '.,0123456789 '))`;
  const fraction =
    `rtrim(substr(${rest}, 1, length(${rest}) - length(${zone})), ' ')`;
  // strftime reads `+HH:MM` and `Z`; `+HHMM` and `+HH` are ISO too.
  const offset = `CASE WHEN ${zone} GLOB '[+-][0-9][0-9][0-9][0-9]' ` +
    `THEN substr(${zone}, 1, 3) || ':' || substr(${zone}, 4) ` +
    `WHEN ${zone} GLOB '[+-][0-9][0-9]' THEN ${zone} || ':00' ` +
    `ELSE ${zone} END`;
  // Whole seconds only: strftime keeps milliseconds and would round.
  const seconds =
    `strftime('%Y-%m-%d %H:%M:%S', substr(${value}, 1, 10) || ' ' || substr(${value}, 12, 8) || ${offset})`;
  const digits = `rtrim(substr(${fraction}, 2), '0')`;
  const padded = `CASE WHEN length(${digits}) <= 3 ` +
    `THEN substr(${digits} || '000', 1, 3) ` +
    `WHEN length(${digits}) <= 6 THEN substr(${digits} || '000', 1, 6) ` +
    `ELSE ${digits} END`;
  const readable =
    `${value} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' ` +
    `AND (${fraction} = '' OR (${fraction} GLOB '[.,][0-9]*' ` +
    `AND substr(${fraction}, 2) NOT GLOB '*[^0-9]*')) ` +
    `AND ${seconds} IS NOT NULL`;
  return `CASE WHEN ${readable} THEN ${seconds} || '.' || ${padded} ` +
    `ELSE ${value} END`;
}

/**
 * A GLOB the triggers (from schema version 6) let pass unchanged: this
 * module's form, and text of its shape with something other than a digit
 * among its first 19 characters, which is no timestamp and which
 * `canonicalTimestampSql` returns unchanged anyway. The outcome is the
 * same as `OWN_FORM`'s, at a fraction of the cost: each `[0-9]` class is
 * parsed again for every row, `?` is one step, and every insert pays the
 * WHEN (about 0.3 µs of an event's 0.9 µs of trigger, per row).
 */
const KEPT_FORM = "'????-??-?? ??:??:??.[0-9][0-9][0-9]'";

/**
 * SQLite statements that rewrite the timestamps of `table` already stored
 * into the canonical form, and triggers that rewrite those other programs
 * write from now on. Rows in this module's form pass the triggers' WHEN and
 * cost one GLOB per column. (Schema version 4; version 6 replaces the
 * triggers with `timestampTriggers`.)
 */
export function canonicalTimestampStatements(
  table: string,
  columns: readonly string[],
): string[] {
  const changed = columns.map((c) => `${c} NOT GLOB ${OWN_FORM}`).join(
    " OR ",
  );
  const set = assignments(columns);
  return [
    `UPDATE ${table} SET ${set} WHERE ${changed}`,
    ...triggers(table, columns, OWN_FORM),
  ];
}

/**
 * The triggers of `table` replaced by ones whose WHEN costs less (see
 * `KEPT_FORM`); each keeps its name. Rerunning them changes nothing.
 */
export function timestampTriggers(
  table: string,
  columns: readonly string[],
): string[] {
  return [
    `DROP TRIGGER IF EXISTS curio_${table}_utc_insert`,
    `DROP TRIGGER IF EXISTS curio_${table}_utc_update`,
    ...triggers(table, columns, KEPT_FORM),
  ];
}

function assignments(columns: readonly string[]): string {
  return columns.map((c) => `${c} = ${canonicalTimestampSql(c)}`).join(", ");
}

function triggers(
  table: string,
  columns: readonly string[],
  kept: string,
): string[] {
  const changedRow = columns.map((c) => `NEW.${c} NOT GLOB ${kept}`).join(
    " OR ",
  );
  const set = assignments(columns);
  const columnList = columns.join(", ");
  return [
    `CREATE TRIGGER IF NOT EXISTS curio_${table}_utc_insert ` +
    `AFTER INSERT ON ${table} WHEN ${changedRow} ` +
    `BEGIN UPDATE ${table} SET ${set} WHERE id = NEW.id; END`,
    `CREATE TRIGGER IF NOT EXISTS curio_${table}_utc_update ` +
    `AFTER UPDATE OF ${columnList} ON ${table} WHEN ${changedRow} ` +
    `BEGIN UPDATE ${table} SET ${set} WHERE id = NEW.id; END`,
  ];
}
