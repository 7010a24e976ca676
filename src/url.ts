/**
 * Parsing of connection URLs into typed settings, with no I/O.
 *
 * @module
 */

import { InvalidUrlError } from "./errors.ts";
import type { PostgresConfig } from "./types.ts";
import { checkSchemaName } from "./sql/identifiers.ts";

/**
 * What a connection URL names.
 *
 * @example
 * ```ts
 * import { parseConnectionUrl } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const target = parseConnectionUrl("sqlite:./data/agent.db");
 * assert.deepEqual(target, { backend: "sqlite", path: "./data/agent.db" });
 * ```
 */
export type ConnectionTarget =
  | { backend: "memory" }
  | { backend: "sqlite"; path: string; readOnly?: boolean }
  | { backend: "postgres"; config: PostgresConfig; readOnly?: boolean };

/** The URL used when none is given and `DATABASE_URL` is not set. */
export const DEFAULT_URL = "sqlite:./agent_sdk.db";

const SCHEMES = "memory:, sqlite:, postgres: or postgresql:";

/** Environment variables, by name. */
export type Env = Record<string, string | undefined>;

/** The PostgreSQL settings an option may set over what the URL says. */
const OVERRIDABLE = [
  "schema",
  "maxConnections",
  "minConnections",
  "connectTimeoutSeconds",
  "sslMode",
] as const;

/** What decides the target besides the URL: the environment, and overrides. */
export interface ResolveOptions
  extends Pick<PostgresConfig, typeof OVERRIDABLE[number]> {
  /**
   * Where `postgres:` with no host, and a call with no URL, read their
   * variables; default the process environment.
   */
  env?: Env;
}

/**
 * The URL a store is opened at: `url` when given, else `DATABASE_URL`, else
 * {@linkcode DEFAULT_URL}.
 */
export function resolveUrl(url: string | undefined, env: Env): string {
  return url ?? env.DATABASE_URL ?? DEFAULT_URL;
}

/**
 * What a store is opened on: the target of {@linkcode resolveUrl}'s URL,
 * with the PostgreSQL settings of `options` set over the URL's (the
 * password stays hidden).
 */
export function resolveConnectionTarget(
  url: string | undefined,
  options: ResolveOptions = {},
): ConnectionTarget {
  const env = options.env ?? processEnv();
  const target = parseConnectionUrl(resolveUrl(url, env), env);
  if (target.backend === "postgres") {
    for (const key of OVERRIDABLE) {
      if (options[key] !== undefined) {
        (target.config as Record<string, unknown>)[key] = options[key];
      }
    }
  }
  return target;
}

/** The process environment on Deno, Node and Bun alike. */
function processEnv(): Env {
  const process = (globalThis as { process?: { env: Env } }).process;
  return process?.env ?? {};
}

const POSTGRES_PARAMETERS = [
  "schema",
  "max",
  "min",
  "connect_timeout",
  "sslmode",
  "mode",
  "partition",
] as const;

/**
 * Reads a connection URL.
 *
 * - `memory:`
 * - `sqlite:./agent.db`, `sqlite:agent.db`, `sqlite:/abs/path.db`,
 *   `sqlite:///abs/path.db`, `sqlite::memory:` (a plain path: `sqlite:file:`
 *   URIs are refused, as the runtimes' drivers read them differently), with
 *   `?mode=ro` for read-only mode (`?mode=rw`, the default, is the only other
 *   query a `sqlite:` URL takes)
 * - `postgres://user:pass@host:5432/db?schema=agent_sdk&max=10&min=1`
 *   (also `postgresql://`; `connect_timeout`, `sslmode`, `mode=ro|rw` and
 *   `partition=day|month` too). `postgres:`
 *   with no host takes `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`,
 *   `DB_PASSWORD` and `DB_SCHEMA` from `env`.
 *
 * @param url The URL.
 * @param env Environment variables, read for `postgres:` with no host.
 * @returns The backend and its settings.
 * @throws {InvalidUrlError} When the URL is malformed or its scheme unknown;
 * the message never repeats a password.
 *
 * @example
 * ```ts
 * import { parseConnectionUrl } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const target = parseConnectionUrl("postgres://me:pw@db:6543/agents?max=4");
 * assert.equal(target.backend, "postgres");
 * if (target.backend === "postgres") {
 *   assert.equal(target.config.port, 6543);
 *   assert.equal(target.config.maxConnections, 4);
 *   assert.equal(JSON.stringify(target).includes("pw"), false);
 * }
 * ```
 */
export function parseConnectionUrl(
  url: string,
  env: Record<string, string | undefined> = {},
): ConnectionTarget {
  if (typeof url !== "string") {
    throw new InvalidUrlError(
      `Expected a connection URL string, got ${typeof url}`,
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case "memory":
      if (!/^memory:(\/\/)?$/i.test(url)) {
        throw new InvalidUrlError(
          `A memory: URL takes nothing after the scheme`,
        );
      }
      return { backend: "memory" };
    case "sqlite": {
      const rest = url.slice(7);
      const query = rest.indexOf("?");
      const path = sqlitePath(query === -1 ? rest : rest.slice(0, query));
      const readOnly = query === -1
        ? undefined
        : sqliteMode(rest.slice(query + 1));
      return readOnly
        ? { backend: "sqlite", path, readOnly }
        : { backend: "sqlite", path };
    }
    case "postgres":
    case "postgresql": {
      const { config, readOnly } = postgresConfig(url, env);
      return readOnly
        ? { backend: "postgres", config, readOnly }
        : { backend: "postgres", config };
    }
    default:
      throw new InvalidUrlError(
        `Unsupported connection URL ${
          JSON.stringify(maskUrlPassword(url).slice(0, 80))
        }: use ${SCHEMES}`,
      );
  }
}

/**
 * Whether a `sqlite:` URL's query asks for read-only mode: `mode=ro` or
 * `mode=rw` is the one parameter it takes, so that a `?` meant as part of
 * a file name, or a URI parameter one runtime's driver would read and
 * another ignore, is refused rather than opening some other file.
 */
function sqliteMode(query: string): boolean {
  const match = /^mode=(ro|rw)$/.exec(query);
  if (!match) {
    throw new InvalidUrlError(
      `A sqlite: URL takes one parameter, mode=ro or mode=rw, got ${
        JSON.stringify(`?${query}`.slice(0, 80))
      }`,
    );
  }
  return match[1] === "ro";
}

function sqlitePath(rest: string): string {
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  let path = rest;
  if (rest.startsWith("//")) {
    // sqlite:///abs/path.db: an empty authority, then an absolute path.
    if (!rest.startsWith("///")) {
      throw new InvalidUrlError(
        "A sqlite: URL takes no host: write sqlite:./file.db or sqlite:///abs/file.db",
      );
    }
    path = rest.slice(2);
  }
  if (path.trim().length === 0) {
    throw new InvalidUrlError(
      "A sqlite: URL needs a file path, such as sqlite:./agent.db, or :memory:",
    );
  }
  if (/^file:/i.test(path)) {
    // node:sqlite and bun:sqlite disagree on what a "file:" name means (a URI
    // on one, a file literally named so on the other): refused everywhere.
    throw new InvalidUrlError(
      "A sqlite: URL takes a plain path, not a file: URI: write sqlite:/abs/file.db or sqlite:./file.db",
    );
  }
  if (/[/\\]$/.test(path)) {
    throw new InvalidUrlError(
      `A sqlite: URL names a file, not a folder: ${
        JSON.stringify(path)
      } ends with a slash`,
    );
  }
  if (path.includes("\0")) {
    throw new InvalidUrlError("A sqlite: path must not contain NUL characters");
  }
  return path;
}

function postgresConfig(
  url: string,
  env: Env,
): { config: PostgresConfig; readOnly: boolean } {
  const withoutHost = /^postgres(ql)?:(\/\/)?(\?.*)?$/i.test(url);
  if (hasUnencodedPasswordDelimiter(url)) {
    throw new InvalidUrlError(
      `Malformed PostgreSQL URL ${
        JSON.stringify(maskUrlPassword(url))
      }: a "/", "?", "#" or "@" in the user name, password or database name must be percent-encoded (%2F, %3F, %23, %40); expected postgres://user:password@host:port/database`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(
      withoutHost ? `postgres://env${url.replace(/^[^?]*/, "")}` : url,
    );
  } catch {
    throw new InvalidUrlError(
      `Malformed PostgreSQL URL ${JSON.stringify(maskUrlPassword(url))}: ${
        whatIsWrong(url)
      }expected postgres://user:password@host:port/database`,
    );
  }
  const config: PostgresConfig = {};
  let readOnly = false;
  if (withoutHost) {
    setIfDefined(config, "host", env.DB_HOST);
    if (env.DB_PORT !== undefined) config.port = port(env.DB_PORT, "DB_PORT");
    setIfDefined(config, "database", env.DB_NAME);
    setIfDefined(config, "user", env.DB_USER);
    if (env.DB_PASSWORD !== undefined) hidePassword(config, env.DB_PASSWORD);
    if (env.DB_SCHEMA) config.schema = urlSchema(env.DB_SCHEMA, "DB_SCHEMA");
  } else {
    if (parsed.hostname === "") {
      throw new InvalidUrlError(
        "A PostgreSQL URL needs a host, or no authority at all (postgres:) to read DB_HOST and the other DB_ variables",
      );
    }
    config.host = decode(parsed.hostname.replace(/^\[(.*)\]$/, "$1"));
    if (parsed.port !== "") config.port = port(parsed.port, "port");
    const database = decode(parsed.pathname.replace(/^\//, ""));
    if (database.includes("/")) {
      throw new InvalidUrlError(
        `A PostgreSQL URL names one database, got ${JSON.stringify(database)}`,
      );
    }
    if (database !== "") config.database = database;
    if (parsed.username !== "") config.user = decode(parsed.username);
    if (parsed.password !== "") hidePassword(config, decode(parsed.password));
  }
  for (const [key, value] of parsed.searchParams) {
    switch (key as typeof POSTGRES_PARAMETERS[number]) {
      case "schema":
        config.schema = urlSchema(value, "schema");
        break;
      case "max":
        config.maxConnections = whole(value, "max", 1);
        break;
      case "min":
        config.minConnections = whole(value, "min", 0);
        break;
      case "connect_timeout":
        config.connectTimeoutSeconds = whole(value, "connect_timeout", 1);
        break;
      case "sslmode":
        if (!["disable", "require", "prefer", "verify-full"].includes(value)) {
          throw new InvalidUrlError(
            `Unsupported sslmode ${
              JSON.stringify(value)
            }: use disable, require, prefer or verify-full`,
          );
        }
        config.sslMode = value as PostgresConfig["sslMode"] & string;
        break;
      case "mode":
        if (value !== "ro" && value !== "rw") {
          throw new InvalidUrlError(
            `Unsupported mode ${JSON.stringify(value)}: use ro or rw`,
          );
        }
        readOnly = value === "ro";
        break;
      case "partition":
        if (value !== "day" && value !== "month") {
          throw new InvalidUrlError(
            `Unsupported partition ${JSON.stringify(value)}: use day or month`,
          );
        }
        config.partitionBy = value;
        break;
      default:
        throw new InvalidUrlError(
          `Unknown PostgreSQL URL parameter ${JSON.stringify(key)}: use ${
            POSTGRES_PARAMETERS.join(", ")
          }`,
        );
    }
  }
  return { config, readOnly };
}

/**
 * Stores the password where `JSON.stringify`, `console.log` and inspection
 * do not look: a non-enumerable accessor, so that even an inspection that
 * shows hidden properties prints `[Getter/Setter]` rather than its value.
 */
function hidePassword(config: PostgresConfig, password: string): void {
  let secret = password;
  Object.defineProperty(config, "password", {
    get: () => secret,
    set: (value: string) => {
      secret = value;
    },
    enumerable: false,
    configurable: true,
  });
}

/** A schema name from the URL or the environment, refused as a bad URL. */
function urlSchema(value: string, name: string): string {
  return checkSchemaName(
    value,
    (quotedName, rule) =>
      new InvalidUrlError(`Invalid ${name} ${quotedName}: expected ${rule}`),
  );
}

function setIfDefined<K extends "host" | "database" | "user">(
  config: PostgresConfig,
  key: K,
  value: string | undefined,
): void {
  if (value !== undefined && value !== "") config[key] = value;
}

function port(value: string, name: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1 || number > 65535) {
    throw new InvalidUrlError(
      `Invalid ${name} ${
        JSON.stringify(value)
      }: expected a number from 1 to 65535`,
    );
  }
  return number;
}

function whole(value: string, name: string, min: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > 10_000) {
    throw new InvalidUrlError(
      `Invalid ${name} ${
        JSON.stringify(value)
      }: expected a whole number from ${min} to 10000`,
    );
  }
  return number;
}

/** Names the part of a URL that `new URL` refused, when it can tell. */
function whatIsWrong(url: string): string {
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0].length;
  if (start === undefined) return "";
  // The host begins after the last "@": a password may hold "/", "?" or "#".
  const hostStart = Math.max(start, url.lastIndexOf("@") + 1);
  const hostPort = /^[^/?#]*/.exec(url.slice(hostStart))![0];
  const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  if (match?.[1] === "") return "no host; ";
  const port = match?.[2];
  if (port !== undefined && port !== "") {
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
      return `port ${JSON.stringify(port)} is not a number from 1 to 65535; `;
    }
  }
  return "";
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidUrlError("Malformed percent-encoding in PostgreSQL URL");
  }
}

/** A URL's scheme and `//`. */
const URL_START = /[a-z][a-z0-9+.-]*:\/\//gi;

/**
 * Where the password of each URL in `text` lies, as `[start, end)`. A
 * password may hold any character, `/`, `?`, `#`, `:` and `@` included, and
 * need not be percent-encoded by whoever wrote it, so everything from the
 * colon after the user name to the last `@` of the URL counts as password. A
 * URL ends at the end of its line or where the next URL starts after a space,
 * quote or bracket (`x://` inside a password starts no new URL).
 */
function passwordSpans(text: string): [number, number][] {
  const starts = [...text.matchAll(URL_START)].map((match) => ({
    start: match.index,
    authority: match.index + match[0].length,
    delimited: match.index === 0 ||
      /[\s"'`(<[{,;=]/.test(text[match.index - 1]!),
  }));
  const spans: [number, number][] = [];
  let end = 0;
  for (const [i, { start, authority }] of starts.entries()) {
    if (start < end) continue; // inside the URL before
    const next = starts.slice(i + 1).find((url) => url.delimited);
    const lineEnd = text.indexOf("\n", authority);
    end = Math.min(
      next?.start ?? text.length,
      lineEnd === -1 ? text.length : lineEnd,
    );
    const at = text.lastIndexOf("@", end - 1);
    const colon = text.indexOf(":", authority);
    if (at >= authority && colon !== -1 && colon < at) {
      spans.push([colon + 1, at]);
    }
  }
  return spans;
}

/**
 * `text` with the password of every URL in it replaced by `***`, safe to
 * show. What counts as password is everything from the colon after the user
 * name to the last `@` of the URL, so that a password holding `/`, `?`, `#`,
 * `:` or `@` unencoded is hidden whole; a URL ends at the end of its line or
 * where another URL starts.
 */
export function maskUrlPassword(text: string): string {
  let masked = "";
  let shown = 0;
  for (const [start, end] of passwordSpans(text)) {
    masked += `${text.slice(shown, start)}***`;
    shown = end;
  }
  return masked + text.slice(shown);
}

/**
 * The passwords of the URLs in `text` as written and decoded, the same
 * stretches {@linkcode maskUrlPassword} hides: for hiding them where they
 * appear without their URL.
 */
export function urlPasswords(text: string): string[] {
  const found = new Set<string>();
  for (const [start, end] of passwordSpans(text)) {
    const password = text.slice(start, end);
    found.add(password);
    try {
      found.add(decodeURIComponent(password));
    } catch {
      // not percent-encoded: as written is all there is
    }
  }
  return [...found].filter((password) => password.length > 0);
}

/**
 * Whether the part of a URL that {@linkcode maskUrlPassword} takes for user
 * name and password holds a `/`, `?` or `#`. The URL parser ends the
 * authority there, so it would read part of the password as host, port,
 * database or parameter, and show it in an error or connect somewhere else.
 */
function hasUnencodedPasswordDelimiter(url: string): boolean {
  const authority = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0].length;
  if (authority === undefined) return false;
  const userinfo = url.slice(
    authority,
    Math.max(authority, url.lastIndexOf("@")),
  );
  return userinfo.includes(":") && /[/?#]/.test(userinfo);
}
