// Telling open pages that the store changed, as server-sent events: while a
// page listens, the store is asked every few seconds for its newest run and
// LLM call, and a change is sent to every page as a `change` event.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Persistence } from "../persistence.ts";

/** The polling and the open event streams of one server. */
export class LiveFeed {
  readonly #store: Persistence;
  readonly #pollMs: number;
  readonly #log: (line: string) => void;
  readonly #clients = new Set<ServerResponse>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #version = "";
  #closed = false;

  constructor(store: Persistence, pollMs: number, log: (line: string) => void) {
    this.#store = store;
    this.#pollMs = pollMs;
    this.#log = log;
  }

  /** Keeps `response` open as an event stream until the page goes. */
  subscribe(request: IncomingMessage, response: ServerResponse): void {
    if (this.#closed) {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      Connection: "keep-alive",
    });
    response.write(`retry: ${this.#pollMs}\n\n`);
    this.#clients.add(response);
    request.on("close", () => this.#clients.delete(response));
    this.#timer ??= setTimeout(() => this.#poll(), 0);
  }

  /** Ends every stream and stops polling. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  async #poll(): Promise<void> {
    try {
      const version = await this.#currentVersion();
      if (version !== this.#version) {
        this.#version = version;
        for (const client of this.#clients) {
          client.write(`event: change\ndata: ${version}\n\n`);
        }
      }
    } catch (error) {
      this.#log(
        `web view: polling the store failed: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
    this.#timer = !this.#closed && this.#clients.size > 0
      ? setTimeout(() => this.#poll(), this.#pollMs)
      : undefined;
  }

  async #currentVersion(): Promise<string> {
    const [[run], [call]] = await Promise.all([
      this.#store.getAgentRuns({ limit: 1 }),
      this.#store.getLlmUsage({ limit: 1 }),
    ]);
    return JSON.stringify([
      run?.id,
      run?.updatedAt.getTime(),
      call?.id,
    ]);
  }
}
