// A child process of the crash test. Usage: _crasher.ts <url>
//
// Logs events for ever: four loops of single writes, printing "e <id>" after
// each write resolves, and one loop of batches of random size, printing
// "b <key>" after each batch resolves. Every event of a batch carries
// `{ batch: key }`, where key is "<pid>-<n>-<size>". It is meant to be
// killed.

import { createPersistence, DuplicateRunError } from "../../mod.ts";

const url = process.argv[2]!;
const store = await createPersistence(url);
try {
  await store.createAgentRun({ agentId: "crash", runId: "crash" });
} catch (error) {
  if (!(error instanceof DuplicateRunError)) throw error;
}

const event = (data: unknown) => ({
  agentId: "crash",
  runId: "crash",
  eventType: "custom" as const,
  data,
});

async function singles(): Promise<never> {
  while (true) {
    const { id } = await store.logAgentRunEvent(event({ pid: process.pid }));
    console.log(`e ${id}`);
  }
}

async function batches(): Promise<never> {
  for (let n = 0;; n++) {
    // Every fourth batch is beyond one statement's parameters (4,571 events
    // on SQLite), so it spans several statements in one transaction.
    const size = n % 4 === 3
      ? 4600 + Math.floor(Math.random() * 400)
      : 1 + Math.floor(Math.random() * 500);
    const key = `${process.pid}-${n}-${size}`;
    await store.logAgentRunEvents(
      Array.from({ length: size }, () => event({ batch: key })),
    );
    console.log(`b ${key}`);
  }
}

await Promise.all([singles(), singles(), singles(), singles(), batches()]);
