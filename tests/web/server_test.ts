// The web view's server on every runtime: who gets in (Host check, token,
// cookie), the headers, what paths can reach, and the JSON API's pages and
// filters, with plain HTTP requests.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPersistence, type Persistence } from "../../mod.ts";
import { startWebServer, type WebServer } from "../../web.ts";
import { raw, TRAVERSALS } from "./_http.ts";
import { BIG_RUN, expectedRuns, HOSTILE, seed } from "./_seed.ts";

const BASE = new Date(Date.now() - 2 * 86_400_000);

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'; form-action 'self'";

function assertSecurityHeaders(headers: Record<string, unknown>): void {
  assert.equal(headers["content-security-policy"], CSP);
  assert.equal(headers["x-content-type-options"], "nosniff");
  assert.equal(headers["referrer-policy"], "no-referrer");
}

describe("web view on loopback", () => {
  let store: Persistence;
  let server: WebServer;
  before(async () => {
    store = await createPersistence("memory:");
    await seed(store, BASE);
    server = await startWebServer({ store, port: 0 });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it("serves the page with a strict CSP and no token", async () => {
    assert.equal(server.token, undefined);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const path of ["/", "/usage", "/runs/r-01", "/assets/app.js"]) {
      const reply = await raw(server.url, path);
      assert.equal(reply.status, 200, path);
      assertSecurityHeaders(reply.headers);
    }
    const page = await raw(server.url, "/");
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.match(page.body, /<script type="module" src="\/assets\/app\.js">/);
  });

  it("answers 403 to a foreign Host, loopback included", async () => {
    const port = new URL(server.url).port;
    for (
      const host of [
        "evil.example",
        `evil.example:${port}`,
        `127.0.0.1.nip.io:${port}`,
        `localhost:${Number(port) + 1}`,
        "127.0.0.1",
      ]
    ) {
      const reply = await raw(server.url, "/", { headers: { Host: host } });
      assert.equal(reply.status, 403, host);
      assertSecurityHeaders(reply.headers);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const reply = await raw(server.url, "/", { headers: { Host: host } });
      assert.equal(reply.status, 200, host);
    }
  });

  it("serves assets by exact name only: traversal is 404", async () => {
    for (const path of TRAVERSALS) {
      const reply = await raw(server.url, path);
      assert.equal(reply.status, 404, path);
      assert.doesNotMatch(reply.body, /root:/);
      assertSecurityHeaders(reply.headers);
    }
  });

  it("takes GET and HEAD only", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const reply = await raw(server.url, "/api/runs", { method });
      assert.equal(reply.status, 405, method);
    }
    const head = await raw(server.url, "/", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
  });

  it("lists runs newest first with their figures, a page at a time", async () => {
    const expected = expectedRuns(BASE);
    const seen: string[] = [];
    let after = "";
    let pages = 0;
    do {
      const reply = await raw(
        server.url,
        `/api/runs?limit=5${after ? `&after=${after}` : ""}`,
      );
      assert.equal(reply.status, 200);
      const page = JSON.parse(reply.body);
      assert.ok(page.items.length <= 5);
      seen.push(...page.items.map((r: { runId: string }) => r.runId));
      for (const item of page.items) {
        const want = expected.find((run) => run.runId === item.runId);
        if (!want) continue;
        assert.equal(item.llmCalls, want.llmCalls, item.runId);
        assert.equal(item.inputTokens, want.inputTokens);
        assert.equal(item.outputTokens, want.outputTokens);
        assert.ok(Math.abs(item.costUsd - want.costUsd) < 1e-9);
        assert.equal(item.durationMs, want.durationMs);
        assert.equal(item.totalIterations, want.totalIterations);
      }
      after = page.next ?? "";
      pages++;
    } while (after);
    assert.deepEqual(seen, [
      ...expected.map((run) => run.runId),
      HOSTILE.runId,
      "r-big",
    ]);
    assert.equal(pages, 3);
  });

  it("filters by agent, status and search, exactly", async () => {
    const expected = expectedRuns(BASE);
    const get = async (query: string) =>
      JSON.parse((await raw(server.url, `/api/runs?${query}`)).body).items
        .map((r: { runId: string }) => r.runId);
    assert.deepEqual(
      await get("agent=writer"),
      expected.filter((r) => r.agentId === "writer").map((r) => r.runId),
    );
    assert.deepEqual(
      await get("status=error&agent=researcher"),
      expected.filter((r) => r.status === "error" && r.agentId === "researcher")
        .map((r) => r.runId),
    );
    assert.deepEqual(await get("search=R-1"), ["r-11", "r-10"]);
    assert.deepEqual(await get("search=NUMBER%201"), ["r-11", "r-10", "r-01"]);
    assert.deepEqual(await get("search=onerror"), [HOSTILE.runId]);
    assert.deepEqual(await get("search=%25"), []);
    const since = new Date(BASE.getTime() + 3 * 60_000).toISOString();
    const until = new Date(BASE.getTime() + 6 * 60_000).toISOString();
    assert.deepEqual(
      await get(`since=${since}&until=${until}`),
      expected.filter((r) =>
        r.createdAt.toISOString() >= since && r.createdAt.toISOString() < until
      ).map((r) => r.runId),
    );
    for (const bad of ["status=bogus", "after=nope", "since=yesterday"]) {
      const reply = await raw(server.url, `/api/runs?${bad}`);
      assert.equal(reply.status, 400, bad);
    }
  });

  it("pages a run's events in order and lists its LLM calls", async () => {
    const run = JSON.parse((await raw(server.url, "/api/runs/r-03")).body);
    assert.equal(run.run.runId, "r-03");
    assert.equal(run.llmCalls.length, 1);
    const events: string[] = [];
    let after = "";
    do {
      const page = JSON.parse(
        (await raw(
          server.url,
          `/api/runs/r-big/events?limit=1000${after ? `&after=${after}` : ""}`,
        )).body,
      );
      events.push(
        ...page.items.map((e: { data: { index: number } }) =>
          String(e.data.index)
        ),
      );
      after = page.next ?? "";
    } while (after);
    assert.equal(events.length, BIG_RUN.events);
    assert.deepEqual(
      events,
      Array.from({ length: BIG_RUN.events }, (_, i) => String(i)),
    );
    assert.equal((await raw(server.url, "/api/runs/nope")).status, 404);
    assert.equal((await raw(server.url, "/api/nothing")).status, 404);
  });

  it("sums usage: stats, breakdown and seven days", async () => {
    const usage = JSON.parse((await raw(server.url, "/api/usage")).body);
    assert.equal(usage.stats.totalRuns, 14);
    assert.equal(usage.days.length, 7);
    const calls = usage.days.reduce(
      (sum: number, day: { calls: number }) => sum + day.calls,
      0,
    );
    assert.equal(calls, usage.stats.totalLlmCalls);
  });
});

describe("web view on another address", () => {
  let store: Persistence;
  let server: WebServer;
  before(async () => {
    store = await createPersistence("memory:");
    server = await startWebServer({ store, host: "0.0.0.0", port: 0 });
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  it("asks for a generated token, then keeps it in a cookie", async () => {
    assert.ok(server.tokenGenerated);
    assert.ok((server.token ?? "").length >= 32);
    const port = new URL(server.url).port;
    const headers = { Host: `127.0.0.1:${port}` };
    for (const path of ["/", "/api/runs", "/assets/app.js", "/?token=wrong"]) {
      const reply = await raw(server.url, path, { headers });
      assert.equal(reply.status, 401, path);
      assertSecurityHeaders(reply.headers);
    }
    const foreign = await raw(server.url, `/?token=${server.token}`, {
      headers: { Host: "evil.example" },
    });
    assert.equal(foreign.status, 403, "Host is checked before the token");

    const login = await raw(server.url, `/usage?token=${server.token}&x=1`, {
      headers,
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, "/usage?x=1");
    const cookie = String(login.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const pair = cookie.split(";")[0]!;
    const page = await raw(server.url, "/usage", {
      headers: { ...headers, Cookie: pair },
    });
    assert.equal(page.status, 200);
    const wrong = await raw(server.url, "/usage", {
      headers: { ...headers, Cookie: `${pair.split("=")[0]}=nope` },
    });
    assert.equal(wrong.status, 401);
  });

  it("takes a token given", async () => {
    await using given = await createPersistence("memory:");
    const token = "a-token-of-my-own-choosing";
    const own = await startWebServer({ store: given, port: 0, token });
    try {
      assert.equal(own.tokenGenerated, false);
      assert.equal((await raw(own.url, "/")).status, 401);
      const login = await raw(own.url, `/?token=${token}`);
      assert.equal(login.status, 303);
    } finally {
      await own.close();
    }
  });
});
