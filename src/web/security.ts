// Who may talk to the web view: the Host check that stops DNS rebinding, the
// access token a non-loopback server asks for, and the headers every
// response carries so that what the page shows cannot run as code.

import { randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { networkInterfaces } from "node:os";

/** The Content-Security-Policy of every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Headers set on every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/** Whether `host` (as given to `--host`) reaches only this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** A fresh access token: 192 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(24).toString("base64url");
}

/** `host` as it appears in a URL or a Host header: IPv6 in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * The Host header values a request may carry: the bound address, localhost
 * and 127.0.0.1, each with the port. A wildcard bind (0.0.0.0, ::) is
 * reached through the machine's own addresses, so those count as bound.
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host, "localhost", "127.0.0.1"]);
  if (host === "0.0.0.0" || host === "::") {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.add(address.address);
    }
  }
  return new Set(
    [...names].map((name) => `${hostForUrl(name).toLowerCase()}:${port}`),
  );
}

/** The cookie that keeps the token; one per port, as cookies ignore ports. */
export function tokenCookieName(port: number): string {
  return `curio_view_${port}`;
}

/** Whether `given` is the token, in time that does not depend on where they differ. */
export function tokenMatches(
  given: string | undefined,
  token: string,
): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(
  header: string | undefined,
  name: string,
): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/** The Set-Cookie header that keeps the token for the session. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
