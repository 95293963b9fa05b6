// The model in a dedicated Web Worker (web/workertest.html, wasm/worker),
// in headless Chromium on SwiftShader: the worker opens WebGPU itself,
// streams the default model, and captions the first image of CAPTIONS as
// `go run ./server caption` does. While it captions, the page's main
// thread keeps drawing frames: the test reports the longest gap between
// two animation frames, to compare with the same caption on the main
// thread (PERF's figure from the demo test, if given).
// Usage: node web/test/worker-test.mjs CAPTIONS.tsv [timeout-seconds]
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { root, serveRoot, launch } from "./harness.mjs";

const [captionsFile] = process.argv.slice(2, 3);
const timeoutS = Number(process.argv[3] || 600);
const [path, want] = (await readFile(captionsFile, "utf8")).trim().split("\n")[0].split("\t");
const { base, server } = process.env.DEMO_BASE ? { base: process.env.DEMO_BASE, server: null } : await serveRoot();
const browser = await launch();
let verdict = "fail";
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  tab.on("pageerror", (e) => errors.push("page error: " + e.message));
  await tab.goto(base + "web/workertest.html");
  await tab.waitForFunction(() => ["ready", "error"].includes(document.querySelector('[data-testid="worker-state"]').dataset.state),
    null, { timeout: timeoutS * 1000 });
  const state = await tab.getByTestId("worker-state").textContent();
  if (await tab.getByTestId("worker-state").getAttribute("data-state") !== "ready") throw new Error("worker: " + state);
  console.log(`worker ready: ${await tab.getByTestId("worker-adapter").textContent()}; ${state}`);
  const bytes = [...await readFile(join(root, path))];
  const r = await tab.evaluate(async (arr) => {
    let last = performance.now(), worst = 0, running = true;
    const frame = (t) => { worst = Math.max(worst, t - last); last = t; if (running) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    const out = await window.caption(new Uint8Array(arr));
    running = false;
    return { ...out, worstFrameMs: worst };
  }, bytes);
  if (r.error || r.caption !== want) throw new Error(`worker caption of ${path}: "${r.caption}" (${r.error || "no error"}), native "${want}"`);
  if (errors.length) throw new Error("console errors: " + errors.join("; "));
  console.log(`PASS worker caption of ${path}: "${r.caption}" (${r.timing}); longest main-thread frame gap meanwhile ${r.worstFrameMs.toFixed(0)} ms`);
  if (process.env.PERF) await writeFile(process.env.PERF, JSON.stringify({ path, timing: r.timing, worstFrameMs: r.worstFrameMs }, null, 1) + "\n");
  verdict = "pass";
} catch (e) {
  console.log("worker test failed: " + e.message);
} finally {
  await browser.close();
  if (server) server.close();
}
console.log(`worker test: ${verdict}`);
process.exit(verdict === "pass" ? 0 : 1);
