// One page of a run's events, in the store's order (by timestamp, then id).
// A page after the first reads from its cursor's time on, so a run of
// 10,000 events is read once in all, not once per page. Events other
// programs wrote without a timestamp (read as the epoch) sort where the
// database puts NULL: before all others on SQLite, after them on
// PostgreSQL. Reading from a time leaves them out, so the cursor says
// whether they have been listed, and they are read on their own when due.

import type { Persistence } from "../persistence.ts";
import type { AgentRunEvent } from "../types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

/** Events of one page and the cursor of the next when there is one. */
export interface EventPage {
  items: AgentRunEvent[];
  next?: string;
}

/** Whether `event` has no timestamp: the store reads NULL as the epoch. */
function undated(event: AgentRunEvent): boolean {
  return event.timestamp.getTime() === 0;
}

/** Up to `limit` events of `runId` after the `after` cursor. */
export async function getEventPage(
  store: Persistence,
  runId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<EventPage> {
  const position = after === undefined ? undefined : decodeCursor(after);
  const items: AgentRunEvent[] = [];
  let undatedListed = position?.undatedListed ?? false;
  let more = false;
  /** Adds `event` to the page; `false` once the page is full. */
  const take = (event: AgentRunEvent): boolean => {
    if (items.length === limit) {
      more = true;
      return false;
    }
    items.push(event);
    if (undated(event)) undatedListed = true;
    return true;
  };
  const read = (since?: Date) =>
    store.iterateAgentRunEvents(runId, {
      pageSize: Math.min(limit + 1, 1000),
      ...(since ? { since } : {}),
    });

  if (position === undefined) {
    for await (const event of read()) if (!take(event)) break;
  } else if (position.time !== 0) {
    for await (const event of read(new Date(position.time))) {
      const time = event.timestamp.getTime();
      if (time === position.time && event.id <= position.id) continue;
      if (!take(event)) break;
    }
    if (!more && !undatedListed) {
      // The dated events are done; undated ones not listed yet sort after
      // them, where there are any.
      for await (const event of read()) {
        if (undated(event) && !take(event)) break;
      }
    }
  } else {
    // Among the undated events: those after the cursor's, then the dated
    // ones if the undated sort first (else those were listed before them).
    let datedFirst: boolean | undefined;
    for await (const event of read()) {
      datedFirst ??= !undated(event);
      if (undated(event) ? event.id <= position.id : datedFirst) continue;
      if (!take(event)) break;
    }
  }
  const last = items[items.length - 1];
  return more && last
    ? {
      items,
      next: encodeCursor({
        time: last.timestamp.getTime(),
        id: last.id,
        undatedListed,
      }),
    }
    : { items };
}
