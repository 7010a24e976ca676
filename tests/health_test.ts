// healthCheck() is bounded by the connect timeout, also when the server
// accepts a connection and then stops answering, and the connection it gave
// up on does not stay in the pool.

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { ConnectionError, createPersistence } from "../mod.ts";
import { postgresUrl, skipWithoutPostgres, uniqueSchema } from "./_postgres.ts";
import { TcpProxy } from "./_tcp_proxy.ts";

const CONNECT_TIMEOUT_S = 1;
/** The connect timeout, with room for a loaded machine. */
const BOUND_MS = CONNECT_TIMEOUT_S * 1000 + 2000;

/** `[what settled, ms it took]`, failing if still pending after `ms`. */
async function timed<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<[T, number]> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const value = await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what} still pending after ${ms} ms`)),
          ms,
        );
      }),
    ]);
    return [value, performance.now() - start];
  } finally {
    clearTimeout(timer);
  }
}

async function eventually(check: () => boolean, ms: number, what: string) {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The test server's URL, through `proxy`, with `params`. */
function throughProxy(proxy: TcpProxy, params: Record<string, string>) {
  const url = new URL(postgresUrl!);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  for (const [key, value] of Object.entries(params)) {
    url.searchParams.set(key, value);
  }
  return url.toString();
}

/** Starts a proxy to the test server. */
function proxyToServer(): Promise<TcpProxy> {
  const target = new URL(postgresUrl!);
  return TcpProxy.start(target.hostname, Number(target.port || 5432));
}

describe("healthCheck on a server that stops answering", () => {
  it("refuses to open on a server that accepts and never answers", async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve)
    );
    const { port } = server.address() as net.AddressInfo;
    try {
      const [error] = await timed(
        createPersistence(
          `postgres://u@127.0.0.1:${port}/db?connect_timeout=${CONNECT_TIMEOUT_S}`,
        ).then(() => undefined, (error: unknown) => error),
        BOUND_MS,
        "open",
      );
      assert.ok(error instanceof ConnectionError, String(error));
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it(
    "is false within connect_timeout when an open connection falls silent, and drops it",
    {
      ...skipWithoutPostgres,
      timeout: 60_000,
    },
    async () => {
      const proxy = await proxyToServer();
      // One connection: were the silent one kept, nothing else could run.
      const store = await createPersistence(throughProxy(proxy, {
        schema: uniqueSchema("health"),
        max: "1",
        connect_timeout: String(CONNECT_TIMEOUT_S),
      }));
      try {
        assert.equal(await store.healthCheck(), true);
        proxy.silenceOpenConnections();
        const [healthy, ms] = await timed(
          store.healthCheck(),
          BOUND_MS,
          "healthCheck()",
        );
        assert.equal(healthy, false);
        assert.ok(ms >= CONNECT_TIMEOUT_S * 1000 - 50, `false after ${ms} ms`);

        await timed(store.getAgentRuns(), BOUND_MS, "a query after it");
        assert.equal(await store.healthCheck(), true);
        // The silent connection is ended, one connect timeout later.
        await eventually(
          () => proxy.silentConnections === 0,
          BOUND_MS,
          "the silent connection is still open",
        );
        await timed(store.close(), BOUND_MS, "close()");
      } finally {
        await store.close();
        await proxy.close();
      }
    },
  );

  it(
    "is false within connect_timeout when the server accepts and never answers",
    {
      ...skipWithoutPostgres,
      timeout: 60_000,
    },
    async () => {
      const proxy = await proxyToServer();
      const store = await createPersistence(throughProxy(proxy, {
        schema: uniqueSchema("health"),
        max: "2",
        connect_timeout: String(CONNECT_TIMEOUT_S),
      }));
      try {
        assert.equal(await store.healthCheck(), true);
        proxy.silenceOpenConnections();
        proxy.acceptSilently(true);
        // The first gives up on an open connection, the second on a new one.
        for (const attempt of [1, 2]) {
          const [healthy] = await timed(
            store.healthCheck(),
            BOUND_MS,
            `healthCheck() ${attempt}`,
          );
          assert.equal(healthy, false);
        }
        await timed(store.close(), BOUND_MS, "close()");
      } finally {
        await store.close();
        await proxy.close();
      }
    },
  );
});
