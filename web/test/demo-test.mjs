// The demo page end to end, in headless Chromium with WebGPU on SwiftShader:
// it loads index.html, waits for the model to be ready, picks each image of
// CAPTIONS (the `go run ./server caption` output for them, `path<TAB>caption`
// per line) through the file input, and requires the page's caption to be
// exactly the native one; a file that is not an image, a truncated PNG and
// an empty file are each refused with a message first. A console error, a
// page error or a page that ends in data-state="error" fails it. It saves a
// screenshot after the last caption.
// Usage: node web/test/demo-test.mjs CAPTIONS.tsv SCREENSHOT.png [timeout-seconds]
import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, serveRoot, launch } from "./harness.mjs";

const [captionsFile, shot] = process.argv.slice(2, 4);
const timeoutS = Number(process.argv[4] || 600);
if (!captionsFile || !shot) {
  console.log("usage: node web/test/demo-test.mjs CAPTIONS.tsv SCREENSHOT.png [timeout-seconds]");
  process.exit(2);
}
const want = (await readFile(captionsFile, "utf8")).trim().split("\n").map((l) => l.split("\t"));

const { base, server } = await serveRoot();
const browser = await launch();
const errors = [];
let failed = 0;
try {
  const tab = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  tab.on("console", (m) => { console.log(m.text()); if (m.type() === "error") errors.push(m.text()); });
  tab.on("pageerror", (e) => errors.push("page error: " + e.message));
  const t0 = Date.now();
  await tab.goto(base + "index.html");
  const status = tab.getByTestId("status");
  await tab.waitForFunction(() => {
    const s = document.querySelector('[data-testid="status"]').dataset.state;
    return s === "ready" || s === "error";
  }, null, { timeout: timeoutS * 1000 });
  if (await status.getAttribute("data-state") !== "ready") throw new Error("page: " + await status.textContent());
  console.log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await tab.getByTestId("adapter").textContent()}; ${await tab.getByTestId("model").textContent()}`);
  // Bad input first: each is refused with a message and the page goes on.
  const dir = await mkdtemp(join(tmpdir(), "demo-"));
  const png = await readFile(join(root, want[0][0]));
  const bad = [["not-an-image.png", Buffer.from("this is text, not a picture\n")], ["truncated.png", png.subarray(0, 100)],
    ["empty.png", Buffer.alloc(0)]];
  for (const [name, bytes] of bad) {
    await writeFile(join(dir, name), bytes);
    await tab.getByTestId("image-input").setInputFiles(join(dir, name));
    await tab.waitForFunction((n) => document.querySelector('[data-testid="timing"]').textContent.includes("Not captioned") &&
      document.querySelector('[data-testid="caption"]').dataset.state === "done", name, { timeout: 60000 });
    const msg = await tab.getByTestId("timing").textContent();
    console.log(`PASS ${name} refused: ${msg}`);
    await tab.getByTestId("timing").evaluate((e) => { e.textContent = ""; });
  }
  await rm(dir, { recursive: true });
  for (const [path, caption] of want) {
    const t = Date.now();
    await tab.getByTestId("image-input").setInputFiles(join(root, path));
    await tab.waitForFunction(() => document.querySelector('[data-testid="caption"]').dataset.state === "pending", null, { timeout: 30000 });
    await tab.waitForFunction(() => document.querySelector('[data-testid="caption"]').dataset.state === "done", null, { timeout: timeoutS * 1000 });
    const got = (await tab.getByTestId("caption").textContent()).trim();
    const timing = await tab.getByTestId("timing").textContent();
    const ok = got === caption;
    if (!ok) failed++;
    console.log(`${ok ? "PASS" : "FAIL"} ${path}: page "${got}", native "${caption}" (${((Date.now() - t) / 1000).toFixed(1)} s; ${timing})`);
  }
  await tab.screenshot({ path: shot, fullPage: true });
  console.log("screenshot: " + shot);
} catch (e) {
  console.log("demo test failed: " + e.message);
  failed++;
} finally {
  await browser.close();
  server.close();
}
for (const e of errors) console.log("console error: " + e);
const verdict = failed === 0 && errors.length === 0 ? "pass" : "fail";
console.log(`demo test: ${verdict}`);
process.exit(verdict === "pass" ? 0 : 1);
