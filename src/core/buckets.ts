// The time buckets of a series, computed once in JavaScript for every
// backend: SQLite has no time-zone database, and boundaries handed to each
// query as a list make every backend bucket alike.
//
// A bucket starts whenever the wall clock of the zone, cut down to the
// bucket's unit (minute, hour, day, Monday of the week, 1st of the month),
// changes. So a day lasts 23 or 25 hours across a daylight-saving change,
// the repeated hour of a change back belongs to the hour it repeats, and a
// day whose midnight is skipped starts at the change.

import { InvalidInputError } from "../errors.ts";
import type { SeriesBucket } from "../types.ts";

/** The most buckets one series may have. */
export const MAX_BUCKETS = 10_000;

const BUCKETS: readonly SeriesBucket[] = [
  "minute",
  "hour",
  "day",
  "week",
  "month",
];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A validated bucket unit. */
export function seriesBucket(value: unknown): SeriesBucket {
  if (!BUCKETS.includes(value as SeriesBucket)) {
    throw new InvalidInputError(
      "bucket",
      `expected one of ${BUCKETS.join(", ")}, got ${String(value)}`,
    );
  }
  return value as SeriesBucket;
}

const OFFSET = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** Wall-clock readings of one time zone. */
class Zone {
  readonly #format: Intl.DateTimeFormat | undefined;
  // An interval known to have one offset. Reading a zone is slow (some
  // microseconds), and zones change offset at most a few times a year: one
  // reading a day ahead vouches for every bucket until then, on the premise
  // (true of the time-zone database) that no day holds two changes.
  #from = 0;
  #to = -1;
  #offset = 0;

  constructor(timeZone: string) {
    if (typeof timeZone !== "string" || timeZone.length === 0) {
      throw new InvalidInputError(
        "timeZone",
        "expected an IANA time zone name",
      );
    }
    if (timeZone.toUpperCase() === "UTC") return;
    try {
      this.#format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        timeZoneName: "longOffset",
      });
    } catch (error) {
      throw new InvalidInputError("timeZone", `unknown time zone ${timeZone}`, {
        cause: error,
      });
    }
  }

  /** Wall clock minus UTC at `time`, in milliseconds. */
  offset(time: number): number {
    if (!this.#format) return 0;
    if (time >= this.#from && time <= this.#to) return this.#offset;
    if (time > this.#to && time - this.#to <= DAY) {
      const ahead = this.#to + DAY;
      if (this.#read(ahead) === this.#offset) {
        this.#to = ahead;
        return this.#offset;
      }
    }
    const offset = this.#read(time);
    this.#from = this.#to = time;
    this.#offset = offset;
    return offset;
  }

  #read(time: number): number {
    const match = OFFSET.exec(this.#format!.format(time));
    if (!match || match[1] === undefined) return 0;
    const [, sign, hours, minutes, seconds = "0"] = match;
    const size = Number(hours) * HOUR + Number(minutes) * MINUTE +
      Number(seconds) * 1000;
    return sign === "-" ? -size : size;
  }
}

/** The naive start of the unit containing the naive time `wall`. */
function truncate(wall: number, unit: SeriesBucket): number {
  switch (unit) {
    case "minute":
      return Math.floor(wall / MINUTE) * MINUTE;
    case "hour":
      return Math.floor(wall / HOUR) * HOUR;
    case "day":
      return Math.floor(wall / DAY) * DAY;
    case "week": {
      const day = Math.floor(wall / DAY) * DAY;
      // getUTCDay: Sunday 0; weeks start on Monday.
      return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    }
    case "month": {
      const date = new Date(wall);
      const start = new Date(0);
      start.setUTCFullYear(date.getUTCFullYear(), date.getUTCMonth(), 1);
      return start.getTime();
    }
  }
}

/** The naive start of the unit after the one starting at `start`. */
function nextUnit(start: number, unit: SeriesBucket): number {
  switch (unit) {
    case "minute":
      return start + MINUTE;
    case "hour":
      return start + HOUR;
    case "day":
      return start + DAY;
    case "week":
      return start + 7 * DAY;
    case "month": {
      const date = new Date(start);
      date.setUTCMonth(date.getUTCMonth() + 1);
      return date.getTime();
    }
  }
}

/**
 * The first instant after `time` whose offset differs from `offset`, within
 * `(time, limit]`, where `limit`'s offset is known to differ.
 */
function transition(
  zone: Zone,
  time: number,
  limit: number,
  offset: number,
): number {
  let low = time;
  let high = limit;
  while (high - low > 1) {
    const mid = low + Math.floor((high - low) / 2);
    if (zone.offset(mid) === offset) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * The bucket boundaries from the bucket containing `since` to the first
 * boundary at or after `until`: bucket `i` is `[b[i], b[i + 1])`. Throws
 * `InvalidInputError` for an unknown zone or more than `MAX_BUCKETS`
 * buckets.
 */
export function bucketBoundaries(
  unit: SeriesBucket,
  since: Date,
  until: Date,
  timeZone = "UTC",
): Date[] {
  const zone = new Zone(timeZone);
  const end = until.getTime();
  let time = since.getTime();
  let offset = zone.offset(time);
  // The first bucket starts at the unit containing `since`: found by going
  // back from `since` as from the start of its unit.
  let key = truncate(time + offset, unit);
  let start = key - offset;
  if (zone.offset(start) !== offset) {
    // A change lies between the unit's start and `since`: the bucket starts
    // at the last change, or at the unit's start read at the earlier offset.
    start = startOfBucket(zone, unit, time, key);
  }
  const boundaries = [new Date(start)];
  time = start;
  offset = zone.offset(time);
  while (time < end) {
    if (boundaries.length > MAX_BUCKETS) {
      throw new InvalidInputError(
        "bucket",
        `more than ${MAX_BUCKETS} buckets of a ${unit} between since and until`,
      );
    }
    time = nextBoundary(zone, unit, time, offset, key);
    offset = zone.offset(time);
    key = truncate(time + offset, unit);
    boundaries.push(new Date(time));
  }
  return boundaries;
}

/**
 * The first instant after `time` (whose truncated wall clock is `key`, at
 * `offset`) at which the truncated wall clock is no longer `key`.
 */
function nextBoundary(
  zone: Zone,
  unit: SeriesBucket,
  time: number,
  offset: number,
  key: number,
): number {
  const next = nextUnit(key, unit);
  // Offsets change a few times a year: a handful of rounds at most.
  while (true) {
    const candidate = next - offset;
    if (zone.offset(candidate) === offset) return candidate;
    const change = transition(zone, time, candidate, offset);
    const after = zone.offset(change);
    if (truncate(change + after, unit) !== key) return change;
    time = change;
    offset = after;
  }
}

/** The start of the bucket holding `time`, when a change precedes it in its unit. */
function startOfBucket(
  zone: Zone,
  unit: SeriesBucket,
  time: number,
  key: number,
): number {
  // Walk back over the changes within the unit: the bucket starts at the
  // earliest instant, back to the unit's wall start, whose key is `key`.
  let start = time;
  let offset = zone.offset(time);
  while (true) {
    const candidate = key - offset;
    const earlier = zone.offset(candidate);
    if (earlier === offset) return candidate;
    // The last change before `start` lies in (candidate, start].
    let low = candidate;
    let high = start;
    while (high - low > 1) {
      const mid = low + Math.floor((high - low) / 2);
      if (zone.offset(mid) === offset) high = mid;
      else low = mid;
    }
    const before = zone.offset(low);
    if (truncate(low + before, unit) !== key) return high;
    start = low;
    offset = before;
  }
}

/**
 * The length every bucket of `boundaries` shares, in milliseconds, or
 * `undefined` when lengths differ (months, or a change of offset within the
 * range). With one length, a record's bucket is arithmetic on its time:
 * ⌊(time − first boundary) / length⌋, the same partition as the list.
 */
export function equalStep(boundaries: readonly Date[]): number | undefined {
  if (boundaries.length < 2) return undefined;
  const step = boundaries[1]!.getTime() - boundaries[0]!.getTime();
  for (let i = 2; i < boundaries.length; i++) {
    if (boundaries[i]!.getTime() - boundaries[i - 1]!.getTime() !== step) {
      return undefined;
    }
  }
  return step;
}
