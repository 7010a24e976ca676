// Raw HTTP for the web view's tests: node:http rather than fetch, so that a
// test can send any Host header and a path exactly as written (fetch
// normalises `/assets/../x` before it leaves).

import { request } from "node:http";

/**
 * Paths that try to leave the assets folder, plain and encoded: each must
 * be 404, with no file's content.
 */
export const TRAVERSALS: readonly string[] = [
  "/assets/../../etc/passwd",
  "/assets/%2e%2e/%2e%2e/etc/passwd",
  "/assets/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
  "/assets/%252e%252e/%252e%252e/etc/passwd",
  "/assets/..%2f..%2fetc%2fpasswd",
  "/assets/..\\..\\etc\\passwd",
  "/assets/",
  "/assets/constructor",
  "/assets/__proto__",
  "/etc/passwd",
  "/../etc/passwd",
  "/assets/app.js/../../../etc/passwd",
];

/** What came back. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET (or `method`) `path` on `url`'s host and port, with `headers`. */
export function raw(
  url: string,
  path: string,
  { headers = {}, method = "GET" }: {
    headers?: Record<string, string>;
    method?: string;
  } = {},
): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname === "0.0.0.0" ? "127.0.0.1" : target.hostname,
      port: target.port,
      path,
      method,
      headers: { Host: target.host, Connection: "close", ...headers },
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on(
        "end",
        () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}
