// One page of a run's events, oldest first. The store's iterator starts at a
// run's first event, so a later page reads and passes over the ones before
// it; a store-level cursor would make each page one query, and this file is
// the one to change then.

import type { Persistence } from "../persistence.ts";
import type { AgentRunEvent } from "../types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

/** Events of one page and the cursor of the next when there is one. */
export interface EventPage {
  items: AgentRunEvent[];
  next?: string;
}

/** Up to `limit` events of `runId` after the `after` cursor. */
export async function getEventPage(
  store: Persistence,
  runId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<EventPage> {
  const position = after === undefined ? undefined : decodeCursor(after);
  const items: AgentRunEvent[] = [];
  let more = false;
  for await (
    const event of store.iterateAgentRunEvents(runId, { pageSize: 1000 })
  ) {
    const time = event.timestamp.getTime();
    if (
      position !== undefined &&
      (time < position.time ||
        (time === position.time && event.id <= position.id))
    ) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(event);
  }
  const last = items[items.length - 1];
  return more && last
    ? {
      items,
      next: encodeCursor({ time: last.timestamp.getTime(), id: last.id }),
    }
    : { items };
}
