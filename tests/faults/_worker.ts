// A child process of the fault tests. Usage: _worker.ts <mode> <url> [args]
//
// - write <url> <name> <events> <usage> <go-file>: creates run <name>, logs
//   events (in waves of 10 concurrent single writes) and usage records (one
//   at a time), then prints a JSON summary
// - read <url> <go-file> <stop-file>: iterates events and usage and reads
//   stats until <stop-file> exists, then prints a JSON summary
// - open <url> <go-file>: opens the store, then prints "opened"
//
// Every mode prints "ready" once loaded and waits for <go-file> to exist, so
// that all children start their work at the same moment.

import { existsSync } from "node:fs";
import { createPersistence } from "../../mod.ts";

const [mode, url, ...args] = process.argv.slice(2);

async function until(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 1));
}

async function ready(goFile: string): Promise<void> {
  console.log("ready");
  await until(goFile);
}

if (mode === "write") {
  const [name, events, usage, goFile] = args as [
    string,
    string,
    string,
    string,
  ];
  await ready(goFile);
  const started = performance.now();
  await using store = await createPersistence(url);
  await store.createAgentRun({ agentId: name, runId: name, status: "running" });
  for (let i = 0; i < Number(events); i += 10) {
    await Promise.all(
      Array.from(
        { length: Math.min(10, Number(events) - i) },
        (_, j) =>
          store.logAgentRunEvent({
            agentId: name,
            runId: name,
            eventType: "custom",
            data: { i: i + j },
          }),
      ),
    );
  }
  for (let i = 0; i < Number(usage); i++) {
    await store.logLlmUsage({
      agentId: name,
      runId: name,
      model: "m",
      inputTokens: 1,
      outputTokens: 2,
    });
  }
  await store.updateAgentRun(name, { status: "completed" });
  console.log(JSON.stringify({
    name,
    events: Number(events),
    usage: Number(usage),
    ms: Math.round(performance.now() - started),
  }));
} else if (mode === "read") {
  const [goFile, stopFile] = args as [string, string];
  await ready(goFile);
  await using store = await createPersistence(url);
  let passes = 0;
  let rows = 0;
  while (!existsSync(stopFile)) {
    for await (const run of store.iterateAgentRuns({ pageSize: 100 })) {
      for await (const _ of store.iterateAgentRunEvents(run.runId)) rows++;
    }
    for await (const _ of store.iterateLlmUsage({ pageSize: 500 })) rows++;
    await store.getAgentRunStats();
    passes++;
  }
  console.log(JSON.stringify({ passes, rows }));
} else if (mode === "open") {
  const [goFile] = args as [string];
  await ready(goFile);
  const store = await createPersistence(url);
  await store.close();
  console.log("opened");
} else {
  console.error(`Unknown mode ${mode}`);
  process.exit(2);
}
