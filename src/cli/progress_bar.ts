// A progress bar on standard error, drawn only when it is a terminal: piped
// or redirected output gets none.

import process from "node:process";

/** Draws progress towards `total` (or a running count when unknown). */
export interface ProgressBar {
  update(done: number): void;
  /** Removes the bar. */
  done(): void;
}

/** Where the bar is drawn. */
export interface Terminal {
  isTTY?: boolean;
  write(text: string): unknown;
}

const WIDTH = 30;
const INTERVAL_MS = 100;

/** A bar labelled `label`, or one that draws nothing off a terminal. */
export function progressBar(
  label: string,
  total: number | undefined,
  stream: Terminal = process.stderr,
): ProgressBar {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  const draw = (done: number) => {
    let text: string;
    if (total && total > 0) {
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * WIDTH);
      text = `${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${
        Math.floor(fraction * 100).toString().padStart(3)
      }% ${done}/${total}`;
    } else {
      text = `${label} ${done}`;
    }
    stream.write(`\r${text}\x1b[K`);
    drawn = true;
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < INTERVAL_MS) return;
      last = now;
      draw(done);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
