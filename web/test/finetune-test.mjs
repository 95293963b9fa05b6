// Fine-tuning in the demo page, end to end, in headless Chromium with
// WebGPU on SwiftShader: pick six sample pairs with their captions.tsv plus
// three bad ones (a text file named .png, an image with no caption, a
// caption over the Q-Former's text limit); the bad ones are listed and
// skipped. A run stopped after its first step leaves a working page, and
// "back to the base model" gives the native base captions again. A full
// run then lowers the loss; the page's captions of two images with the
// tuned weights equal `server caption -checkpoint EXPORTED.safetensors`
// on the exported file. A console error or a page error fails it.
// Usage: node web/test/finetune-test.mjs BASE-CAPTIONS.tsv [timeout-seconds]
import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { root, serveRoot, launch } from "./harness.mjs";

const [baseCaptions] = process.argv.slice(2, 3);
const timeoutS = Number(process.argv[3] || 900);
if (!baseCaptions) {
  console.log("usage: node web/test/finetune-test.mjs BASE-CAPTIONS.tsv [timeout-seconds]");
  process.exit(2);
}
// The images captioned before and after: `server caption` of the base model.
const base = (await readFile(baseCaptions, "utf8")).trim().split("\n").map((l) => l.split("\t"));
const steps = 6;
const { base: url, server } = await serveRoot();
const browser = await launch();
const errors = [];
let failed = 0;
const dir = await mkdtemp(join(tmpdir(), "finetune-"));
try {
  const tab = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  const onConsole = (m) => { console.log(m.text()); if (m.type() === "error") errors.push(m.text()); };
  tab.on("console", onConsole);
  tab.on("worker", (w) => w.on("console", onConsole));
  tab.on("pageerror", (e) => errors.push("page error: " + e.message));
  await tab.goto(url + "index.html?gallery=4");
  await until(tab, "status", ["ready", "error"]);
  if (await state(tab, "status") !== "ready") throw new Error("page: " + await text(tab, "status"));
  const files = await pairs();
  await tab.getByTestId("finetune-input").setInputFiles(files);
  await tab.waitForFunction((n) => document.querySelectorAll('[data-testid="finetune-pairs"] input').length === n &&
    document.querySelector('[data-testid="finetune-status"]').textContent.includes("picked"), files.length - 1, { timeout: 60000 });
  const boxes = await tab.locator('[data-testid="finetune-pairs"] input').count();
  console.log(`PASS picked ${boxes} images and captions.tsv`);

  // Stopped after the first step: the page goes on, and the base comes back.
  await tab.getByTestId("finetune-steps").fill("20");
  await tab.getByTestId("finetune-start").click();
  await tab.waitForFunction(() => Number(document.querySelector('[data-testid="finetune-status"]').dataset.steps) >= 1,
    null, { timeout: timeoutS * 1000 });
  await tab.getByTestId("finetune-stop").click();
  await until(tab, "finetune-status", ["done", "idle", "error"]);
  const stopped = await tab.getByTestId("finetune-status").getAttribute("data-steps");
  if (await state(tab, "finetune-status") !== "done" || Number(stopped) >= 20) throw new Error("stop: " + await text(tab, "finetune-status"));
  console.log(`PASS stopped after ${stopped} steps: ${await text(tab, "finetune-status")}`);
  const skipped = await tab.locator('[data-testid="finetune-skipped"] li').allTextContents();
  for (const name of ["notes.png", "nocaption.png", "long.png"]) {
    if (!skipped.some((s) => s.startsWith(name + ":"))) throw new Error(`${name} not listed as skipped: ${skipped.join(" | ")}`);
  }
  console.log("PASS skipped: " + skipped.join(" | "));
  await tab.getByTestId("finetune-reset").click();
  await until(tab, "finetune-status", ["idle", "error"]);
  for (const [path, want] of base) {
    const got = await caption(tab, path);
    if (got !== want) { failed++; console.log(`FAIL base model after reset, ${path}: page "${got}", native "${want}"`); }
  }
  console.log("PASS back to the base model: the native base captions again");

  // A full run: the loss falls; the exported weights caption natively as here.
  await tab.getByTestId("finetune-steps").fill(String(steps));
  // The longest gap between the page's animation frames while the worker
  // trains: reported, not asserted.
  await tab.evaluate(() => {
    window.frameGap = { last: performance.now(), worst: 0, running: true };
    const f = (t) => { const g = window.frameGap; g.worst = Math.max(g.worst, t - g.last); g.last = t; if (g.running) requestAnimationFrame(f); };
    requestAnimationFrame(f);
  });
  await tab.getByTestId("finetune-start").click();
  await until(tab, "finetune-status", ["running"]);
  await until(tab, "finetune-status", ["done", "error"]);
  const worstFrameMs = await tab.evaluate(() => { window.frameGap.running = false; return window.frameGap.worst; });
  const st = tab.getByTestId("finetune-status");
  const [n, first, last] = await Promise.all(["data-steps", "data-loss-first", "data-loss-last"].map((a) => st.getAttribute(a)));
  if (await state(tab, "finetune-status") !== "done" || Number(n) !== steps || !(Number(last) < Number(first))) {
    throw new Error(`run: ${await text(tab, "finetune-status")} (steps ${n}, loss ${first} → ${last})`);
  }
  console.log(`PASS ${n} steps, loss ${first} → ${last}: ${await text(tab, "finetune-status")} (longest gap between the page's frames meanwhile: ${worstFrameMs.toFixed(1)} ms)`);
  const tuned = [];
  for (const [path] of base) tuned.push([path, await caption(tab, path)]);
  const download = tab.waitForEvent("download");
  await tab.getByTestId("finetune-export").click();
  const file = join(dir, "tuned.safetensors");
  await (await download).saveAs(file);
  const bin = join(root, "build", "server");
  const [cmd, args] = existsSync(bin) ? [bin, []] : ["go", ["run", "./server"]];
  const native = execFileSync(cmd, [...args, "caption", "-checkpoint", file, ...base.map((b) => b[0])], { cwd: root, encoding: "utf8" })
    .trim().split("\n").map((l) => l.split("\t"));
  for (let i = 0; i < tuned.length; i++) {
    const ok = native[i][1] === tuned[i][1];
    if (!ok) failed++;
    console.log(`${ok ? "PASS" : "FAIL"} tuned ${tuned[i][0]}: page "${tuned[i][1]}", native with the exported file "${native[i][1]}" (base "${base[i][1]}")`);
  }
  await tab.screenshot({ path: join(root, "build", "finetune.png"), fullPage: true });

  // The tuned weights come back on a reload; back to base, then imported.
  await tab.reload();
  await until(tab, "finetune-status", ["done", "error"]);
  const restored = await text(tab, "finetune-status");
  if (!restored.includes("Restored")) throw new Error("reload: " + restored);
  await sameCaptions(tab, tuned, "after a reload: " + restored);
  await tab.getByTestId("finetune-reset").click();
  await until(tab, "finetune-status", ["idle", "error"]);
  await sameCaptions(tab, base, "back to base");
  await tab.getByTestId("finetune-import").setInputFiles(file);
  await until(tab, "finetune-status", ["done", "error"]);
  await sameCaptions(tab, tuned, "imported: " + await text(tab, "finetune-status"));
} catch (e) {
  console.log("fine-tuning test failed: " + e.message);
  failed++;
} finally {
  await browser.close();
  server.close();
  await rm(dir, { recursive: true, force: true });
}
for (const e of errors) console.log("console error: " + e);
const verdict = failed === 0 && errors.length === 0 ? "pass" : "fail";
console.log(`fine-tuning test: ${verdict}`);
process.exit(verdict === "pass" ? 0 : 1);

// pairs writes six sample pairs, their captions.tsv and three bad pairs
// into dir and returns their paths.
async function pairs() {
  const lines = (await readFile(join(root, "testdata", "data-sample", "manifest.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
  const seen = new Set();
  const out = [];
  let tsv = "# file\tcaption\n";
  for (const p of lines) {
    const name = basename(p.file);
    if (seen.has(name) || out.length === 6) continue;
    seen.add(name);
    const path = join(dir, name);
    await writeFile(path, await readFile(join(root, "testdata", "data-sample", p.file)));
    out.push(path);
    tsv += `${name}\t${p.caption}\n`;
  }
  await writeFile(join(dir, "notes.png"), "this is text, not a picture\n");
  await writeFile(join(dir, "nocaption.png"), await readFile(out[0]));
  await writeFile(join(dir, "long.png"), await readFile(out[1]));
  tsv += `notes.png\ta note\nlong.png\t${"word ".repeat(40)}\n`;
  await writeFile(join(dir, "captions.tsv"), tsv);
  return [...out, join(dir, "notes.png"), join(dir, "nocaption.png"), join(dir, "long.png"), join(dir, "captions.tsv")];
}

// sameCaptions requires the page's captions to be want's.
async function sameCaptions(tab, want, what) {
  for (const [path, w] of want) {
    const got = await caption(tab, path);
    if (got !== w) throw new Error(`${what}: ${path} "${got}", want "${w}"`);
  }
  console.log("PASS " + what);
}

// caption captions one image in the page and returns the caption.
async function caption(tab, path) {
  await tab.getByTestId("caption").evaluate((e) => { e.dataset.state = "stale"; });
  await tab.getByTestId("image-input").setInputFiles(join(root, path));
  await until(tab, "caption", ["done"]);
  return (await tab.getByTestId("caption").textContent()).trim();
}

async function until(tab, id, states) {
  await tab.waitForFunction(([id, states]) => states.includes(document.querySelector(`[data-testid="${id}"]`).dataset.state),
    [id, states], { timeout: timeoutS * 1000 });
}

async function state(tab, id) { return tab.getByTestId(id).getAttribute("data-state"); }

async function text(tab, id) { return tab.getByTestId(id).textContent(); }
