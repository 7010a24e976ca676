// The opaque cursors of the JSON API: a position in a listing, as the
// client hands it back to get the next page.

import { Buffer } from "node:buffer";

/** Where a page ended: the sort time (milliseconds) and id of its last row. */
export interface Position {
  time: number;
  id: number;
  /** Whether the listing has passed rows without a sort time. */
  undatedListed?: boolean;
}

/** `position` as a string the client passes back unchanged. */
export function encodeCursor(position: Position): string {
  return Buffer.from(
    JSON.stringify([
      position.time,
      position.id,
      position.undatedListed ? 1 : 0,
    ]),
  ).toString("base64url");
}

/** The position in `cursor`, or `undefined` when it is not one of ours. */
export function decodeCursor(cursor: string): Position | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (
      Array.isArray(value) && (value.length === 2 || value.length === 3) &&
      value.every((n) => Number.isSafeInteger(n))
    ) {
      return { time: value[0], id: value[1], undatedListed: value[2] === 1 };
    }
  } catch { /* not JSON: not a cursor */ }
  return undefined;
}
