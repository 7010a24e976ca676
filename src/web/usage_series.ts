// LLM calls summed per UTC day over the last days, for the usage charts.
// Read from the store's newest-first iterator, stopping at the range's
// start, until the analytics API gives series of its own: this file is the
// one to replace then.

import { getCostUsd } from "../accessors.ts";
import type { Persistence } from "../persistence.ts";

/** Figures of one UTC day. */
export interface UsageDay {
  /** The day's start, in milliseconds since the epoch. */
  day: number;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const DAY_MS = 86_400_000;

/** One entry per UTC day of the `days` days ending today, oldest first. */
export async function getDailyUsage(
  store: Persistence,
  { days, agentId, now = new Date() }: {
    days: number;
    agentId?: string | undefined;
    now?: Date;
  },
): Promise<UsageDay[]> {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const start = today - (days - 1) * DAY_MS;
  const series: UsageDay[] = Array.from({ length: days }, (_, i) => ({
    day: start + i * DAY_MS,
    calls: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  }));
  for await (
    const call of store.iterateLlmUsage({
      ...(agentId === undefined ? {} : { agentId }),
      pageSize: 1000,
    })
  ) {
    const time = call.createdAt.getTime();
    if (time < start) break;
    const entry = series[Math.floor((time - start) / DAY_MS)];
    if (!entry) continue; // written "in the future" by a skewed clock
    entry.calls++;
    if (call.status === "error") entry.failedCalls++;
    entry.inputTokens += call.inputTokens ?? 0;
    entry.outputTokens += call.outputTokens ?? 0;
    entry.costUsd += getCostUsd(call) ?? 0;
  }
  return series;
}
