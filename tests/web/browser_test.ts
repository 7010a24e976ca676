/// <reference lib="dom" />
// The web view in a real browser: Debian's Chromium, headless, driven by
// playwright-core, against a seeded SQLite store and a seeded PostgreSQL
// store. Deno only, to keep the suite's time bounded (the server itself is
// tested on every runtime by server_test.ts). Without /usr/bin/chromium
// the tests are skipped with a notice; with CI=true that is a failure. The
// test command (tools/test.ts) installs Chromium when it runs as root.
//
// Screenshots of each page (light, dark, phone width) go to the folder in
// WEB_SCREENSHOTS, else to a temporary folder this prints;
// `deno task screenshots` copies a fresh set to docs/screenshots/.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { createPersistence, type Persistence } from "../../mod.ts";
import { startWebServer, type WebServer } from "../../web.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "../_postgres.ts";
import { tempPath } from "../_temp.ts";
import { raw, TRAVERSALS } from "./_http.ts";
import { BIG_RUN, expectedRuns, HOSTILE, seed } from "./_seed.ts";

const CHROMIUM = "/usr/bin/chromium";
const isDeno = "Deno" in globalThis;
const hasBrowser = existsSync(CHROMIUM);

// Only the types: the module itself is loaded on Deno alone.
type Playwright = typeof import("playwright-core");
type BrowserContext = Awaited<
  ReturnType<Playwright["chromium"]["launchPersistentContext"]>
>;
type Page = Awaited<ReturnType<BrowserContext["newPage"]>>;

if (!isDeno) {
  it("web view in a browser", {
    skip: "browser tests run on Deno only",
  }, () => {});
} else if (!hasBrowser) {
  const message = `${CHROMIUM} is missing: the browser tests cannot run. ` +
    "Install it with `apt-get install -y chromium` (the test command does " +
    "when it runs as root).";
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! SKIPPING BROWSER TESTS !!!\n${message}\n`);
  it("web view in a browser", { skip: "no Chromium" }, () => {});
} else {
  browserTests();
}

function browserTests(): void {
  const BASE = new Date(Date.now() - 2 * 86_400_000);
  let context: BrowserContext;
  let profile: string;
  const shots = process.env.WEB_SCREENSHOTS ??
    mkdtempSync(join(tmpdir(), "curio-web-screenshots-"));
  mkdirSync(shots, { recursive: true });

  before(async () => {
    const { chromium } = await import("playwright-core") as Playwright;
    profile = mkdtempSync(join(tmpdir(), "curio-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 860 },
    });
    context.setDefaultTimeout(15_000);
  });
  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    console.log(`web view screenshots: ${shots}`);
  });

  const backends: [string, () => string][] = [
    ["sqlite", () => `sqlite:${tempPath("web.db")}`],
  ];
  if (postgresUrl) {
    backends.push([
      "postgres",
      () => postgresUrlWith({ schema: uniqueSchema("web") }),
    ]);
  }

  for (const [name, newUrl] of backends) {
    describe(`web view in Chromium on ${name}`, () => {
      let store: Persistence;
      let server: WebServer;
      const expected = expectedRuns(BASE);
      const allIds = [
        ...expected.map((r) => r.runId),
        HOSTILE.runId,
        BIG_RUN.runId,
      ];

      before(async () => {
        store = await createPersistence(newUrl());
        await seed(store, BASE);
        server = await startWebServer({ store, port: 0, pollMs: 250 });
      });
      after(async () => {
        await server?.close();
        await store?.close();
      });

      /** A page that records console errors, page errors and dialogs. */
      async function open(path: string) {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error") {
            problems.push(`console: ${message.text()}`);
          }
        });
        page.on("pageerror", (error) => problems.push(`page: ${error}`));
        page.on("dialog", (dialog) => {
          problems.push(`dialog: ${dialog.message()}`);
          dialog.dismiss().catch(() => {});
        });
        await page.goto(new URL(path, server.url).href);
        return {
          page,
          async done() {
            await page.close();
            assert.deepEqual(problems, [], "no console errors or dialogs");
          },
        };
      }

      const rowIds = (page: Page) =>
        page.$$eval(
          "tr[data-run-id]",
          (rows) => rows.map((row) => row.getAttribute("data-run-id")),
        );

      /** Waits until the runs table lists exactly `ids`, in order. */
      async function showsRows(page: Page, ids: string[]): Promise<void> {
        try {
          await page.waitForFunction(
            (want) =>
              JSON.stringify(
                [...document.querySelectorAll("tr[data-run-id]")].map((row) =>
                  row.getAttribute("data-run-id")
                ),
              ) === want,
            JSON.stringify(ids),
            { timeout: 5_000 },
          );
        } catch {
          assert.deepEqual(await rowIds(page), ids);
        }
      }

      it("lists the seeded runs newest first with their figures", async () => {
        const { page, done } = await open("/");
        await page.waitForSelector("tr[data-run-id]");
        assert.deepEqual(await rowIds(page), allIds);
        for (const run of expected) {
          const cells = await page.$$eval(
            `tr[data-run-id="${run.runId}"] td`,
            (tds) => tds.map((td) => td.textContent),
          );
          assert.equal(cells[0], run.runId);
          assert.equal(cells[2], run.status);
          assert.equal(cells[3], run.objective);
          assert.equal(cells[6], String(run.totalIterations));
          assert.equal(cells[7], String(run.llmCalls));
          assert.equal(
            cells[8],
            (run.inputTokens + run.outputTokens).toLocaleString("en-US"),
          );
          assert.equal(cells[9], `$${run.costUsd.toFixed(4)}`);
          assert.equal(
            cells[5],
            run.durationMs === null ? "–" : `${run.durationMs / 1000}.0 s`,
          );
        }
        await done();
      });

      it("filters and pages return exactly the expected rows", async () => {
        const { page, done } = await open("/");
        await page.waitForSelector("tr[data-run-id]");
        await page.selectOption("select[name=status]", "error");
        await showsRows(page, [
          ...expected.filter((r) => r.status === "error").map((r) => r.runId),
          HOSTILE.runId,
        ]);
        await page.selectOption("select[name=status]", "");
        await page.fill("input[name=agent]", "writer");
        await page.click("form.filters button");
        await page.waitForURL(/agent=writer/);
        await showsRows(
          page,
          expected.filter((r) => r.agentId === "writer").map((r) => r.runId),
        );
        await page.fill("input[name=agent]", "");
        await page.fill("input[name=search]", "number 1");
        await page.press("input[name=search]", "Enter");
        await showsRows(page, ["r-11", "r-10", "r-01"]);
        await page.fill("input[name=search]", "");

        // The date range: inclusive UTC days, from and to.
        const created = new Map<string, Date>([
          ...expected.map((r) => [r.runId, r.createdAt] as const),
          [HOSTILE.runId, new Date(BASE.getTime() - 3_600_000)],
          [BIG_RUN.runId, new Date(BASE.getTime() - 7_200_000)],
        ]);
        const day = (date: Date, plus = 0) =>
          new Date(date.getTime() + plus * 86_400_000).toISOString()
            .slice(0, 10);
        const between = (from: string, to: string) =>
          allIds.filter((id) => {
            const d = day(created.get(id)!);
            return d >= from && d <= to;
          });
        const range = async (from: string, to: string) => {
          await page.fill("input[name=from]", from);
          await page.fill("input[name=to]", to);
          await page.click("form.filters button");
          const want = new URLSearchParams();
          if (from) want.set("from", from);
          if (to) want.set("to", to);
          await page.waitForURL((url) => url.search === `?${want}`);
          const ids = between(from || "0000", to || "9999");
          if (ids.length === 0) {
            await page.waitForSelector("text=No runs match.");
          }
          await showsRows(page, ids);
        };
        const first = day(BASE);
        // Each range that may list no run follows one that lists some, so
        // that the notice seen is the new one's.
        await range(first, first);
        await range(day(BASE, 1), "");
        await range(day(BASE, -1), first);
        await range("", day(BASE, -1));
        await range(first, "");
        await range(day(BASE, -1), day(BASE, -1));
        await page.fill("input[name=from]", "");
        await page.fill("input[name=to]", "");

        // Cursor paging, five at a time, and back to the newest.
        await page.goto(new URL("/?limit=5", server.url).href);
        const seen: (string | null)[] = [];
        for (let pageNumber = 0;; pageNumber++) {
          await page.waitForSelector("tr[data-run-id]");
          const ids = await rowIds(page);
          seen.push(...ids);
          const older = await page.$("a.older");
          if (!older) break;
          await older.click();
          await page.waitForFunction(
            (first) =>
              document.querySelector("tr[data-run-id]")?.getAttribute(
                "data-run-id",
              ) !== first,
            ids[0],
          );
        }
        assert.deepEqual(seen, allIds);
        await page.click("a.first");
        await page.waitForFunction(() =>
          document.querySelector("tr[data-run-id]")?.getAttribute(
            "data-run-id",
          ) === "r-11"
        );
        await done();
      });

      it("a run shows its events in order and its LLM calls", async () => {
        const run = expected.find((r) => r.runId === "r-05")!;
        const { page, done } = await open("/");
        await page.click('a[href="/runs/r-05"]');
        await page.waitForURL(/\/runs\/r-05$/);
        await page.waitForSelector(".tl-row");
        await page.waitForFunction(() =>
          !document.querySelector(".tl-status")?.textContent?.includes(
            "loading",
          )
        );
        assert.equal(await page.textContent("h1.run-id"), "r-05");
        const events = await page.$$eval(
          ".tl-row.event .tl-name",
          (names) => names.map((n) => n.textContent),
        );
        assert.deepEqual(events, run.events);
        const calls = await page.$$eval(
          "tr.call",
          (rows) =>
            rows.map((row) =>
              [...row.querySelectorAll("td")].slice(1).map((td) =>
                td.textContent
              )
            ),
        );
        assert.deepEqual(calls, [
          ["openai/gpt-4o-mini", "100", "10", "500 ms", "$0.0010", "success"],
          [
            "anthropic/claude-sonnet",
            "200 (40% cached)",
            "20",
            "1.0 s",
            "$0.0020",
            "success",
          ],
          [
            "openai/gpt-4o-mini",
            "300 (80% cached)",
            "30",
            "1.5 s",
            "$0.0030",
            "success",
          ],
        ]);
        assert.equal(await page.locator(".tl-row.call").count(), 3);

        // Each call's bar spans createdAt − latencyMs to createdAt on the
        // run's axis, which runs from its start to its finish (15 s).
        const axis = await page.$eval(".timeline", (el) => ({
          start: Number(el.getAttribute("data-start")),
          end: Number(el.getAttribute("data-end")),
        }));
        const created = run.createdAt.getTime();
        assert.deepEqual(axis, { start: created, end: created + 15_000 });
        const bars = await page.$$eval(
          ".tl-row.call .tl-bar",
          (nodes) =>
            nodes.map((bar) => {
              const track = bar.parentElement!.getBoundingClientRect();
              const box = bar.getBoundingClientRect();
              return {
                start: Number(bar.getAttribute("data-start")),
                end: Number(bar.getAttribute("data-end")),
                left: (box.left - track.left) / track.width,
                width: box.width / track.width,
              };
            }),
        );
        assert.equal(bars.length, 3);
        bars.forEach((bar, k) => {
          const end = created + 2000 + k * 1500;
          const latency = 500 * (k + 1);
          assert.equal(bar.end, end, `call ${k} ends at its createdAt`);
          assert.equal(bar.start, end - latency, `call ${k} starts`);
          const near = (got: number, want: number, what: string) =>
            assert.ok(
              Math.abs(got - want) < 0.005,
              `${what}: ${got} ≠ ${want}`,
            );
          near(bar.left, (end - latency - created) / 15_000, `call ${k} left`);
          near(bar.width, latency / 15_000, `call ${k} width`);
        });

        await page.click(".tl-row.event >> nth=1");
        assert.equal(await page.textContent(".detail h3"), "planning_started");
        const data = JSON.parse((await page.textContent(".detail pre"))!);
        assert.deepEqual(data, { step: 1, note: "event 1 of r-05" });

        await page.click(".tl-row.call >> nth=1");
        const fields = Object.fromEntries(
          await page.$$eval(
            ".detail dl div",
            (nodes) =>
              nodes.map((n) => [
                n.querySelector("dt")?.textContent,
                n.querySelector("dd")?.textContent,
              ]),
          ),
        );
        assert.equal(fields["Tokens"], "200 in (40% cached) · 20 out");
        assert.equal(fields["Latency"], "1.0 s");
        const pres = await page.$$eval(
          ".detail pre",
          (nodes) => nodes.map((n) => n.textContent),
        );
        assert.equal(pres[0], "Prompt 1 of r-05");
        assert.equal(
          pres[1],
          JSON.stringify({ answer: 1, run: "r-05" }, null, 2),
        );
        await done();
      });

      it("a run of many events opens at once and scrolls", async () => {
        const { page, done } = await open(`/runs/${BIG_RUN.runId}`);
        await page.waitForSelector(".tl-row");
        await page.waitForFunction(
          (n) =>
            document.querySelector(".tl-status")?.textContent?.startsWith(
              `${n.toLocaleString("en-US")} events`,
            ) && !document.querySelector(".tl-status")?.textContent?.includes(
              "loading",
            ),
          BIG_RUN.events,
        );
        const drawn = await page.locator(".tl-row").count();
        assert.ok(drawn < 100, `only the rows in view are drawn (${drawn})`);
        await page.$eval(
          ".tl-scroll",
          (el) => (el.scrollTop = el.scrollHeight),
        );
        await page.waitForFunction(
          (last) =>
            [...document.querySelectorAll(".tl-row")].some((row) =>
              row.getAttribute("data-index") === String(last)
            ),
          BIG_RUN.events - 1,
        );
        await page.click(`.tl-row[data-index="${BIG_RUN.events - 1}"]`);
        const data = JSON.parse((await page.textContent(".detail pre"))!);
        assert.deepEqual(data, { index: BIG_RUN.events - 1 });
        await done();
      });

      it("a run written while the page is open appears", async () => {
        const { page, done } = await open("/");
        await page.waitForSelector("tr[data-run-id]");
        await page.waitForSelector(".live.on");
        await store.createAgentRun({
          agentId: "late",
          runId: "r-late",
          objective: "Written while watching",
          status: "running",
          startedAt: new Date(),
        });
        await page.waitForSelector('tr[data-run-id="r-late"]');
        assert.equal((await rowIds(page))[0], "r-late");
        await store.deleteAgentRun("r-late");
        await done();
      });

      it("shows hostile text as text: no dialog, no element", async () => {
        const { page, done } = await open("/");
        await page.waitForSelector(`tr[data-run-id="${HOSTILE.runId}"]`);
        assert.equal(
          await page.textContent(`tr[data-run-id="${HOSTILE.runId}"] td.obj`),
          HOSTILE.objective,
        );
        await page.click(`a[href="/runs/${HOSTILE.runId}"]`);
        await page.waitForSelector(".tl-row.event");
        assert.equal(await page.textContent("p.objective"), HOSTILE.objective);
        await page.click(".tl-row.event");
        assert.equal(await page.textContent(".detail h3"), HOSTILE.eventType);
        await page.click(".tl-row.call");
        assert.equal(
          await page.textContent(".detail pre >> nth=0"),
          HOSTILE.prompt,
        );
        await page.goto(new URL("/usage", server.url).href);
        await page.waitForSelector("table.breakdown");
        const injected = await page.evaluate(() => ({
          images: document.querySelectorAll("img").length,
          scripts: [...document.scripts].map((s) => s.getAttribute("src")),
          bold: document.querySelectorAll("main b, main i").length,
        }));
        assert.deepEqual(injected, {
          images: 0,
          scripts: ["/assets/uPlot.iife.min.js", "/assets/app.js"],
          bold: 0,
        });
        await done();
      });

      it("the usage page shows the figures and a bar per day", async () => {
        const { page, done } = await open("/usage");
        await page.waitForSelector(".chart canvas");
        const cards = Object.fromEntries(
          await page.$$eval(
            ".card",
            (nodes) =>
              nodes.map((n) => [
                n.querySelector(".card-label")?.textContent,
                n.querySelector(".card-value")?.textContent,
              ]),
          ),
        );
        assert.equal(cards["Runs"], "14");
        const calls = expected.reduce((sum, r) => sum + r.llmCalls, 0) + 1;
        assert.equal(cards["LLM calls"], String(calls));
        assert.equal(await page.locator(".chart canvas").count(), 4);
        const points = () =>
          page.$$eval(
            ".chart",
            (nodes) => nodes.map((n) => n.getAttribute("data-points")),
          );
        assert.deepEqual(await points(), ["7", "7", "7", "7"]);
        const days = await page.evaluate(async () =>
          (await (await fetch("/api/usage?days=7")).json()).days.length
        );
        assert.equal(days, 7);
        // A chosen range of ten days: ten bars in every chart.
        const to = new Date().toISOString().slice(0, 10);
        const from = new Date(Date.now() - 9 * 86_400_000).toISOString()
          .slice(0, 10);
        await page.goto(
          new URL(`/usage?from=${from}&to=${to}`, server.url).href,
        );
        await page.waitForSelector(".chart[data-points='10'] canvas");
        assert.deepEqual(await points(), ["10", "10", "10", "10"]);
        assert.ok(await page.locator("table.agents").count() === 1);
        await done();
      });

      it("answers 403 to a foreign Host and 404 to traversal", async () => {
        const port = new URL(server.url).port;
        for (const host of ["evil.example", `evil.example:${port}`]) {
          const reply = await raw(server.url, "/api/runs", {
            headers: { Host: host },
          });
          assert.equal(reply.status, 403, host);
        }
        for (const path of TRAVERSALS) {
          const reply = await raw(server.url, path);
          assert.equal(reply.status, 404, path);
          assert.doesNotMatch(reply.body, /root:/);
        }
      });

      it("off loopback, asks for the token", async () => {
        const open = await startWebServer({ store, host: "0.0.0.0", port: 0 });
        try {
          const port = new URL(open.url).port;
          const headers = { Host: `127.0.0.1:${port}` };
          for (const path of ["/", "/api/runs", "/api/runs/r-05"]) {
            const reply = await raw(open.url, path, { headers });
            assert.equal(reply.status, 401, path);
            assert.doesNotMatch(reply.body, /r-05/);
          }
          const foreign = await raw(open.url, "/api/runs", {
            headers: { Host: "evil.example" },
          });
          assert.equal(foreign.status, 403);
          const login = await raw(open.url, `/?token=${open.token}`, {
            headers,
          });
          assert.equal(login.status, 303);
          const cookie = String(login.headers["set-cookie"]).split(";")[0]!;
          const runs = await raw(open.url, "/api/runs", {
            headers: { ...headers, Cookie: cookie },
          });
          assert.equal(runs.status, 200);
          assert.deepEqual(
            JSON.parse(runs.body).items.map((r: { runId: string }) => r.runId),
            allIds,
          );
        } finally {
          await open.close();
        }
      });

      if (name === "sqlite") {
        it("screenshots of each page: light, dark, phone", async () => {
          const { page, done } = await open("/");
          const pages = [
            ["runs", "/"],
            ["run", "/runs/r-05"],
            ["usage", "/usage"],
          ] as const;
          const looks = [
            ["light", { width: 1280, height: 860 }, "light"],
            ["dark", { width: 1280, height: 860 }, "dark"],
            ["phone", { width: 390, height: 844 }, "light"],
          ] as const;
          /** Each page's body background, by look. */
          const backgrounds: Record<string, string[]> = {};
          for (const [look, viewport, scheme] of looks) {
            await page.setViewportSize(viewport);
            await page.emulateMedia({ colorScheme: scheme });
            for (const [pageName, path] of pages) {
              await page.goto(new URL(path, server.url).href);
              await page.waitForSelector(
                pageName === "runs"
                  ? "tr[data-run-id]"
                  : pageName === "run"
                  ? ".tl-row"
                  : ".chart canvas",
              );
              (backgrounds[look] ??= []).push(
                await page.evaluate(() =>
                  getComputedStyle(document.body).backgroundColor
                ),
              );
              if (look === "phone") {
                const { scrollWidth, width } = await page.evaluate(
                  () => ({
                    scrollWidth: document.documentElement.scrollWidth,
                    width: globalThis.innerWidth,
                  }),
                );
                assert.ok(
                  scrollWidth <= width,
                  `${pageName} at phone width: ${scrollWidth} px wide in ${width}`,
                );
              }
              if (pageName === "run") await page.click(".tl-row.call");
              await page.screenshot({
                path: join(shots, `${pageName}-${look}.png`),
                fullPage: true,
              });
            }
          }
          for (let i = 0; i < pages.length; i++) {
            assert.notEqual(
              backgrounds.light![i],
              backgrounds.dark![i],
              `${pages[i]![0]}: dark differs from light`,
            );
          }
          await done();
        });
      }
    });
  }
}
