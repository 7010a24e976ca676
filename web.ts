/**
 * The web view of `@curio/persistence`: a local server that shows a store's
 * runs, their timelines and LLM usage in a browser. The command-line tool
 * starts it as `ui`; this module starts it from a program.
 *
 * It binds 127.0.0.1 by default. Any other address asks every client for an
 * access token; every request whose `Host` is not the server's own is
 * refused, and every response carries a strict Content-Security-Policy.
 * The page's script, styles and chart library are embedded: the server
 * reads no file.
 *
 * @example Serve a store on a free port
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { startWebServer } from "@curio/persistence/web";
 *
 * await using store = await createPersistence("memory:");
 * const server = await startWebServer({ store, port: 0 });
 * const response = await fetch(new URL("api/runs", server.url));
 * console.log(await response.json()); // { items: [] }
 * await server.close();
 * ```
 *
 * @module
 */

export {
  DEFAULT_PORT,
  openForViewing,
  startWebServer,
  type WebServer,
  type WebServerOptions,
} from "./src/web/mod.ts";
