// `ui`: the web view over a store, until Ctrl-C (SIGINT) or SIGTERM.

import process from "node:process";
import { openForViewing, startWebServer } from "../web/mod.ts";
import { UsageError } from "./args.ts";
import { type Context, shownUrl } from "./context.ts";

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(
      `--port expects a port from 0 to 65535, got ${JSON.stringify(text)}`,
    );
  }
  return port;
}

/**
 * Listens for SIGINT and SIGTERM: `stopped` resolves on the first. Later
 * ones are ignored until `release()`, so that a second Ctrl-C (or a
 * signal delivered twice) cannot kill the process halfway through closing.
 */
function stopSignals(): { stopped: Promise<string>; release(): void } {
  let resolve: (signal: string) => void = () => {};
  const stopped = new Promise<string>((r) => (resolve = r));
  const stop = (signal: string) => resolve(signal);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return {
    stopped,
    release() {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** `ui`: serves the web view and prints its address. */
export async function ui(ctx: Context): Promise<void> {
  const { db, host, port, token } = ctx.values;
  const options = {
    ...(typeof host === "string" ? { host } : {}),
    ...(typeof port === "string" ? { port: parsePort(port) } : {}),
    ...(typeof token === "string" ? { token } : {}),
  };
  if (options.token !== undefined && options.token.length < 16) {
    throw new UsageError("--token must be at least 16 characters");
  }
  const url = typeof db === "string" ? db : undefined;
  const store = await openForViewing(url, { env: ctx.env });
  let signals: ReturnType<typeof stopSignals> | undefined;
  try {
    const server = await startWebServer({ store, ...options, log: ctx.note });
    signals = stopSignals();
    await ctx.out.write(
      `Serving ${shownUrl(ctx, url)} at ${server.url}\n` +
        (server.tokenGenerated
          ? `Open ${server.openUrl} (the token is shown only this once)\n`
          : server.token !== undefined
          ? `Open it with ?token= and the token given\n`
          : "") +
        "Ctrl-C stops it.\n",
    );
    ctx.note(`web view: ${await signals.stopped}, stopping`);
    await server.close();
    await store.close();
    ctx.note("web view: stopped");
  } finally {
    await store.close();
    signals?.release();
  }
}
