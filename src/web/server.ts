// The web view's HTTP server: node:http on every runtime. Each request is
// checked (Host, then token), then served from the embedded assets, the
// page shell or the JSON API; nothing is read from files at run time.

import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Persistence } from "../persistence.ts";
import { answerApi } from "./api.ts";
import { ASSETS } from "./assets.ts";
import { LiveFeed } from "./live.ts";
import {
  allowedHosts,
  generateToken,
  hostForUrl,
  isLoopback,
  readCookie,
  SECURITY_HEADERS,
  tokenCookie,
  tokenCookieName,
  tokenMatches,
} from "./security.ts";

/** How {@linkcode startWebServer} serves. */
export interface WebServerOptions {
  /** The store to show; the caller opens and closes it. */
  store: Persistence;
  /** The address to bind; default `127.0.0.1`. */
  host?: string;
  /** The port; default 7340, 0 for any free one. */
  port?: number;
  /**
   * The access token. Required from every client when given; when the host
   * is not a loopback address and none is given, one is generated.
   */
  token?: string;
  /** How often open pages are told of new records; default 2000 ms. */
  pollMs?: number;
  /** Where unexpected errors are reported; default standard error. */
  log?: (line: string) => void;
}

/** A running web view. */
export interface WebServer {
  /** The address to open, without the token. */
  url: string;
  /** The address with `?token=` when a token is asked for, else `url`. */
  openUrl: string;
  /** The token clients must present, if any. */
  token: string | undefined;
  /** Whether the token was generated here (and so is to be printed). */
  tokenGenerated: boolean;
  /** Stops accepting requests, ends open pages' streams and closes. */
  close(): Promise<void>;
}

/** The port the web view listens on when none is given. */
export const DEFAULT_PORT = 7340;

const PAGES = /^\/(?:|usage|runs\/[^/]+)$/;

/**
 * Starts the web view over `options.store` and resolves once it listens.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import { startWebServer } from "@curio/persistence/web";
 *
 * await using store = await createPersistence("memory:");
 * const server = await startWebServer({ store, port: 0 });
 * console.log(`open ${server.openUrl}`);
 * await server.close();
 * ```
 */
export async function startWebServer(
  options: WebServerOptions,
): Promise<WebServer> {
  const host = options.host ?? "127.0.0.1";
  const tokenGenerated = options.token === undefined && !isLoopback(host);
  const token = options.token ?? (tokenGenerated ? generateToken() : undefined);
  const log = options.log ?? ((line) => console.error(line));
  const live = new LiveFeed(options.store, options.pollMs ?? 2000, log);
  let hosts = new Set<string>();
  let port = 0;

  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      response.setHeader(name, value);
    }
    handle(request, response).catch((error) => {
      log(`web view: ${error instanceof Error ? error.message : error}`);
      if (!response.headersSent) send(response, 500, "internal error");
      else response.end();
    });
  });

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (!hosts.has((request.headers.host ?? "").toLowerCase())) {
      return send(response, 403, "forbidden host");
    }
    const raw = request.url ?? "/";
    const query = raw.indexOf("?");
    const path = query < 0 ? raw : raw.slice(0, query);
    const params = new URLSearchParams(query < 0 ? "" : raw.slice(query + 1));
    if (token !== undefined) {
      const given = params.get("token");
      if (given !== null && tokenMatches(given, token)) {
        params.delete("token");
        const rest = params.toString();
        response.setHeader("Set-Cookie", tokenCookie(port, token));
        response.setHeader("Location", rest ? `${path}?${rest}` : path);
        return send(response, 303, "");
      }
      const cookie = readCookie(request.headers.cookie, tokenCookieName(port));
      if (!tokenMatches(cookie, token)) {
        return send(response, 401, "open the address with ?token=");
      }
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      return send(response, 405, "method not allowed");
    }
    if (path.startsWith("/assets/")) {
      const asset = Object.hasOwn(ASSETS, path.slice(8))
        ? ASSETS[path.slice(8)]
        : undefined;
      if (!asset) return send(response, 404, "not found");
      response.writeHead(200, { "Content-Type": asset.type });
      response.end(asset.body);
      return;
    }
    if (PAGES.test(path)) {
      const shell = ASSETS["index.html"]!;
      response.writeHead(200, { "Content-Type": shell.type });
      response.end(shell.body);
      return;
    }
    if (path === "/api/live") return live.subscribe(request, response);
    if (path.startsWith("/api/")) {
      let segments: string[];
      try {
        segments = path.slice(5).split("/").map(decodeURIComponent);
      } catch {
        return send(response, 400, "bad path");
      }
      const answer = await answerApi(options.store, segments, params);
      if (answer) {
        response.writeHead(answer.status, {
          "Content-Type": "application/json; charset=utf-8",
        });
        response.end(JSON.stringify(answer.body));
        return;
      }
    }
    send(response, 404, "not found");
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  const url = `http://${hostForUrl(host)}:${port}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl: token === undefined
      ? url
      : `${url}?token=${encodeURIComponent(token)}`,
    token,
    tokenGenerated,
    close() {
      closing ??= (async () => {
        live.close();
        const closed = new Promise<void>((resolve) =>
          server.close(() => resolve())
        );
        (server as { closeAllConnections?: () => void }).closeAllConnections
          ?.call(server);
        await closed;
      })();
      return closing;
    },
  };
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(text);
}
