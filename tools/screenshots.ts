/**
 * Refreshes `docs/screenshots/`: runs the web view's browser tests (Deno,
 * headless Chromium) with their screenshots going to a temporary folder,
 * then copies each page's light, dark and phone-width shots there.
 *
 * ```sh
 * deno task screenshots
 * ```
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;
const target = `${root}docs/screenshots`;
const shots = await Deno.makeTempDir({ prefix: "curio-web-screenshots-" });
console.log(`screenshots go to ${shots}`);
const test = await new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "tests/web/browser_test.ts"],
  cwd: root,
  env: { WEB_SCREENSHOTS: shots },
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!test.success) {
  console.error("the browser tests failed: docs/screenshots/ left as it was");
  Deno.exit(1);
}
await Deno.mkdir(target, { recursive: true });
let copied = 0;
for await (const entry of Deno.readDir(shots)) {
  if (!entry.isFile || !entry.name.endsWith(".png")) continue;
  await Deno.copyFile(`${shots}/${entry.name}`, `${target}/${entry.name}`);
  copied++;
}
await Deno.remove(shots, { recursive: true });
if (copied === 0) {
  console.error("no screenshots were taken (is Chromium installed?)");
  Deno.exit(1);
}
console.log(`copied ${copied} screenshots to docs/screenshots/`);
