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

// Separators of `YYYY-MM-DD HH:MM:SS`, by position.
const SEPARATORS: [number, number][] = [
  [4, 45], // -
  [7, 45], // -
  [10, 32], // space
  [13, 58], // :
  [16, 58], // :
];

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
  for (const [at, code] of SEPARATORS) {
    if (text.charCodeAt(at) !== code) return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
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
    year < 1 || month < 1 || month > 12 || day < 1 ||
    day > daysInMonth(year, month) || hours < 0 || hours > 23 ||
    minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59 || millis < 0
  ) {
    return undefined; // invalid: the general path decides
  }
  const time = Date.UTC(year, month - 1, day, hours, minutes, seconds, millis);
  // Date.UTC reads the years 0 to 99 as 1900 to 1999.
  return year < 100 ? new Date(time).setUTCFullYear(year) : time;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
