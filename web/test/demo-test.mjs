// The demo page end to end, in headless Chromium with WebGPU on SwiftShader
// (the model in the page's Web Worker): it loads index.html, waits for the model to be ready, picks each image of
// CAPTIONS (the `go run ./server caption` output for them, `path<TAB>caption`
// per line) through the file input, and requires the page's caption to be
// exactly the native one; a file that is not an image, a truncated PNG and
// an empty file are each refused with a message first, and a 10000×10000
// image is redrawn smaller by the browser and captioned. A console error, a
// page error or a page that ends in data-state="error" fails it. It saves a
// screenshot after the last caption.
// Usage: node web/test/demo-test.mjs CAPTIONS.tsv SCREENSHOT.png [timeout-seconds]
import { readFile, writeFile, mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { deflateSync } from "node:zlib";
import { join, basename } from "node:path";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { root, serveRoot, launch } from "./harness.mjs";

const [captionsFile, shot] = process.argv.slice(2, 4);
const timeoutS = Number(process.argv[4] || 600);
if (!captionsFile || !shot) {
  console.log("usage: node web/test/demo-test.mjs CAPTIONS.tsv SCREENSHOT.png [timeout-seconds]");
  process.exit(2);
}
const want = (await readFile(captionsFile, "utf8")).trim().split("\n").map((l) => l.split("\t"));
// DEMO_EXPECT lists words a caption must hold, per image: "path=word word;path=word".
const expected = Object.fromEntries((process.env.DEMO_EXPECT || "").split(";").filter(Boolean)
  .map((e) => { const [p, w] = e.split("="); return [p.trim(), w.trim().split(/\s+/)]; }));

// DEMO_BASE aims the test at a running server (make test-demo starts
// `go run ./server serve`); otherwise it serves the repository itself.
const { base, server } = process.env.DEMO_BASE ? { base: process.env.DEMO_BASE, server: null } : await serveRoot();
if (!server) await healthy(base);
const browser = await launch();
const errors = [];
let failed = 0;
let expect404 = false;
// A gallery of 12 keeps the in-tab indexing short on SwiftShader.
const gallerySize = 12;
const page = `index.html?gallery=${gallerySize}`;
// What the performance table in docs/demo.md is made of (PERF, if given).
const perf = { browser: "", adapter: "", captions: [], bytesBeforeFirstCaption: 0 };
const perfFile = process.env.PERF;
try {
  const tab = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  // The model-loading checks provoke 404s on purpose; the browser logs
  // each as a console error, which is expected there and only there.
  const onConsole = (m) => {
    console.log(m.text());
    if (m.type() === "error" && !(expect404 && m.text().includes("404"))) errors.push(m.text());
  };
  // The model runs in a Web Worker, whose console is its own.
  tab.on("console", onConsole);
  tab.on("worker", (w) => w.on("console", onConsole));
  tab.on("pageerror", (e) => errors.push("page error: " + e.message));
  perf.browser = browser.version();
  let counting = true;
  tab.context().on("response", async (r) => {
    if (!counting) return;
    const n = Number(r.headers()["content-length"] || 0);
    perf.bytesBeforeFirstCaption += n;
  });
  const t0 = Date.now();
  await tab.goto(base + page);
  const status = tab.getByTestId("status");
  await tab.waitForFunction(() => {
    const s = document.querySelector('[data-testid="status"]').dataset.state;
    return s === "ready" || s === "error";
  }, null, { timeout: timeoutS * 1000 });
  if (await status.getAttribute("data-state") !== "ready") throw new Error("page: " + await status.textContent());
  perf.coldReadyS = (Date.now() - t0) / 1000;
  perf.adapter = await tab.getByTestId("adapter").textContent();
  console.log(`ready in ${perf.coldReadyS.toFixed(1)} s: ${perf.adapter}; ${await tab.getByTestId("model").textContent()}`);
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
  // A 10000×10000 image: over the decoder's limit, so the browser redraws it
  // smaller and the page captions that.
  await writeFile(join(dir, "huge.png"), grayPNG(10000, 10000));
  await tab.getByTestId("image-input").setInputFiles(join(dir, "huge.png"));
  await tab.waitForFunction(() => document.querySelector('[data-testid="timing"]').textContent.includes("model") &&
    document.querySelector('[data-testid="caption"]').dataset.state === "done", null, { timeout: timeoutS * 1000 });
  const hugeNote = await tab.getByTestId("timing").textContent();
  if (!hugeNote.includes("downscaled in the browser from 10000×10000")) throw new Error("huge image: " + hugeNote);
  console.log(`PASS huge.png captioned "${await tab.getByTestId("caption").textContent()}": ${hugeNote}`);
  await rm(dir, { recursive: true });
  for (const [path, caption] of want) {
    const t = Date.now();
    // The longest gap between two animation frames while the page itself
    // captions: what a person feels of the work on the main thread.
    await tab.evaluate(() => {
      window.frameGap = { last: performance.now(), worst: 0, running: true };
      const f = (t) => { const g = window.frameGap; g.worst = Math.max(g.worst, t - g.last); g.last = t; if (g.running) requestAnimationFrame(f); };
      requestAnimationFrame(f);
    });
    await tab.getByTestId("image-input").setInputFiles(join(root, path));
    await tab.waitForFunction(() => document.querySelector('[data-testid="caption"]').dataset.state === "pending", null, { timeout: 30000 });
    await tab.waitForFunction(() => document.querySelector('[data-testid="caption"]').dataset.state === "done", null, { timeout: timeoutS * 1000 });
    const got = (await tab.getByTestId("caption").textContent()).trim();
    const timing = await tab.getByTestId("timing").textContent();
    if (counting) {
      counting = false;
      perf.firstCaptionS = (Date.now() - t0) / 1000;
    }
    const worstFrameMs = await tab.evaluate(() => { window.frameGap.running = false; return window.frameGap.worst; });
    perf.captions.push({ path, timing, wallS: (Date.now() - t) / 1000, worstFrameMs });
    const words = expected[path] || [];
    const ok = got === caption && ["image encoder", "Q-Former", "language model"].every((w) => timing.includes(w)) &&
      words.every((w) => got.split(/\W+/).includes(w));
    if (!ok) failed++;
    const say = words.length ? `, with the expected words ${words.join(", ")}` : "";
    console.log(`${ok ? "PASS" : "FAIL"} ${path}: page "${got}", native "${caption}"${say} (${((Date.now() - t) / 1000).toFixed(1)} s; ${timing})`);
  }
  await heatmap(tab);
  await searches(tab);
  await tab.screenshot({ path: shot, fullPage: true });
  console.log("screenshot: " + shot);
  await modelLoads(tab);
  await withoutWebGPU(browser);
} catch (e) {
  console.log("demo test failed: " + e.message);
  failed++;
} finally {
  await browser.close();
  if (server) server.close();
}
for (const e of errors) console.log("console error: " + e);
if (perfFile) await writeFile(perfFile, JSON.stringify(perf, null, 1) + "\n");
const verdict = failed === 0 && errors.length === 0 ? "pass" : "fail";
console.log(`demo test: ${verdict}`);
process.exit(verdict === "pass" ? 0 : 1);

// heatmap: after a caption the cross-attention is drawn over the image,
// averaged over queries and for one query of the layer picked.
async function heatmap(tab) {
  const canvas = tab.getByTestId("heatmap");
  await tab.waitForFunction(() => document.querySelector('[data-testid="heatmap"]').dataset.state === "drawn", null, { timeout: 60000 });
  const layers = await tab.getByTestId("heatmap-layer").evaluate((s) => s.options.length);
  await tab.getByTestId("heatmap-layer").selectOption({ index: layers - 1 });
  await tab.getByTestId("heatmap-query").selectOption({ index: 3 });
  const { w, h, painted } = await canvas.evaluate((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
    return { w: c.width, h: c.height, painted };
  });
  const note = await tab.getByTestId("heatmap-note").textContent();
  if (w < 2 || w !== h || painted === 0 || !note.includes("query 3")) throw new Error(`heatmap: ${w}×${h}, ${painted} cells painted: ${note}`);
  console.log(`PASS heatmap: ${layers} layers, ${w}×${h} patches, ${painted} painted; ${note}`);
}

// searches indexes the gallery in the tab, refuses an empty query, cuts a
// 2,000-character one, and finds for a gallery image's caption the image
// `server search` ranks first over the same images, in the page's top 3.
async function searches(tab) {
  await tab.waitForFunction(() => ["ready", "error"].includes(document.querySelector('[data-testid="search-status"]').dataset.state),
    null, { timeout: timeoutS * 1000 });
  const status = await tab.getByTestId("search-status").textContent();
  if (await tab.getByTestId("search-status").getAttribute("data-state") !== "ready") throw new Error("search: " + status);
  console.log("PASS gallery indexed: " + status);
  const search = async (text) => {
    await tab.getByTestId("search-input").fill(text);
    await tab.getByTestId("search-input").press("Enter");
    await tab.waitForFunction(() => document.querySelector('[data-testid="search-results"]').dataset.state === "done", null, { timeout: timeoutS * 1000 });
    const ids = await tab.getByTestId("search-result").evaluateAll((els) => els.map((e) => e.dataset.id));
    return { ids, note: await tab.getByTestId("search-note").textContent() };
  };
  let r = await search("");
  if (r.ids.length !== 0 || !r.note.includes("type some words")) throw new Error("empty query: " + r.note);
  console.log("PASS empty query: " + r.note);
  r = await search("heart ".repeat(333) + "xx");
  if (r.ids.length === 0 || !r.note.includes("cut to")) throw new Error("2,000-character query: " + r.note);
  console.log("PASS long query: " + r.note);
  const items = JSON.parse(await readFile(join(root, "web", "gallery", "gallery.json"), "utf8")).slice(0, gallerySize);
  const dir = await mkdtemp(join(tmpdir(), "gallery-"));
  for (const it of items) await writeFile(join(dir, it.file), await readFile(join(root, "web", "gallery", it.file)));
  const query = items[3].caption;
  const bin = join(root, "build", "server");
  const [cmd, args] = existsSync(bin) ? [bin, []] : ["go", ["run", "./server"]];
  const native = JSON.parse(execFileSync(cmd, [...args, "search", "-gallery", dir, "-query", query, "-json", "-k", "3"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }));
  await rm(dir, { recursive: true });
  const nativeTop = items.find((it) => basename(native.results[0].path) === it.file).id;
  r = await search(query);
  perf.search = { images: gallerySize, note: r.note };
  const ok = r.ids.slice(0, 3).includes(nativeTop);
  console.log(`${ok ? "PASS" : "FAIL"} search "${query}": page ${r.ids.slice(0, 3).join(", ")}; native first ${nativeTop} (${r.note})`);
  if (!ok) failed++;
}

// withoutWebGPU opens the page in a browser that exposes no WebGPU: it
// says so, runs the pure-Go kernels on the CPU, and captions the first
// image as `server caption` does.
async function withoutWebGPU(browser) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined }));
  const tab = await ctx.newPage();
  const onConsole = (m) => { if (m.type() === "error") errors.push("(no WebGPU) " + m.text()); };
  tab.on("console", onConsole);
  tab.on("worker", (w) => w.on("console", onConsole));
  tab.on("pageerror", (e) => errors.push("(no WebGPU) page error: " + e.message));
  try {
    await tab.goto(base + "index.html?gallery=0");
    await tab.waitForFunction(() => ["ready", "error"].includes(document.querySelector('[data-testid="status"]').dataset.state),
      null, { timeout: timeoutS * 1000 });
    const adapter = await tab.getByTestId("adapter").textContent();
    if (await tab.getByTestId("status").getAttribute("data-state") !== "ready" || !adapter.includes("No WebGPU")) {
      throw new Error("without WebGPU: " + await tab.getByTestId("status").textContent() + " / " + adapter);
    }
    const [path, caption] = want[0];
    // The CPU may caption this small model faster than a poll sees
    // "pending": mark the element first and wait for "done".
    await tab.getByTestId("caption").evaluate((e) => { e.dataset.state = "stale"; });
    await tab.getByTestId("image-input").setInputFiles(join(root, path));
    await tab.waitForFunction(() => document.querySelector('[data-testid="caption"]').dataset.state === "done", null, { timeout: timeoutS * 1000 });
    const got = (await tab.getByTestId("caption").textContent()).trim();
    if (got !== caption) throw new Error(`without WebGPU, ${path}: page "${got}", native "${caption}"`);
    perf.withoutWebGPU = { path, timing: await tab.getByTestId("timing").textContent() };
    console.log(`PASS without WebGPU (${adapter}): ${path} "${got}" (${perf.withoutWebGPU.timing})`);
  } finally {
    await ctx.close();
  }
}

// healthy waits for a server's /healthz.
async function healthy(base) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(base + "healthz")).ok) return;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(base + "healthz never answered");
}

// modelLoads reloads the page: the shards come from the Cache API; a
// poisoned cache entry is caught by its sha256, evicted and downloaded
// again; a manifest that 404s and a shard whose sha256 is wrong end in a
// clear error, not a broken page.
async function modelLoads(tab) {
  const ready = async (url, want) => {
    await tab.goto(url);
    await tab.waitForFunction(() => ["ready", "error"].includes(document.querySelector('[data-testid="status"]').dataset.state),
      null, { timeout: timeoutS * 1000 });
    const state = await tab.getByTestId("status").getAttribute("data-state");
    const text = want === "error" ? await tab.getByTestId("status").textContent() : await tab.getByTestId("model").textContent();
    return { state, text };
  };
  const t1 = Date.now();
  let r = await ready(base + page, "ready");
  perf.warmReadyS = (Date.now() - t1) / 1000;
  if (r.state !== "ready" || !r.text.includes("from the browser's cache") || r.text.includes("downloaded")) throw new Error("reload: " + r.text);
  console.log("PASS reload: " + r.text);
  await tab.waitForFunction(() => ["ready", "error"].includes(document.querySelector('[data-testid="search-status"]').dataset.state),
    null, { timeout: timeoutS * 1000 });
  const indexed = await tab.getByTestId("search-status").textContent();
  if (!indexed.includes("from the browser's cache")) throw new Error("reload: the gallery was indexed again: " + indexed);
  console.log("PASS reload: " + indexed);
  await tab.evaluate(async () => {
    const c = await caches.open("blip2-model-shards");
    for (const k of await c.keys()) await c.put(k, new Response("poisoned"));
  });
  r = await ready(base + page, "ready");
  if (r.state !== "ready" || !r.text.includes("failed their sha256 and were downloaded again")) throw new Error("poisoned cache: " + r.text);
  console.log("PASS poisoned cache: " + r.text);
  expect404 = true;
  r = await ready(base + "index.html?model=web/models/no-such-model", "error");
  expect404 = false;
  if (r.state !== "error" || !r.text.includes("manifest")) throw new Error("a manifest that 404s: " + r.text);
  console.log("PASS missing manifest: " + r.text);
  const bad = join(root, "web", "models", "test-bad-sha");
  await rm(bad, { recursive: true, force: true });
  await mkdir(bad, { recursive: true });
  const good = join(root, "web", "models", "default");
  const manifest = JSON.parse(await readFile(join(good, "manifest.json"), "utf8"));
  for (const sh of manifest.shards) {
    await writeFile(join(bad, sh.file), await readFile(join(good, sh.file)));
    sh.sha256 = (sh.sha256[0] === "0" ? "1" : "0") + sh.sha256.slice(1);
  }
  await writeFile(join(bad, "manifest.json"), JSON.stringify(manifest));
  await tab.evaluate(() => caches.delete("blip2-model-shards"));
  try {
    r = await ready(base + "index.html?model=web/models/test-bad-sha", "error");
  } finally {
    await rm(bad, { recursive: true, force: true });
  }
  if (r.state !== "error" || !r.text.includes("sha256")) throw new Error("a shard with the wrong sha256: " + r.text);
  console.log("PASS wrong sha256: " + r.text);
  await resumedDownload(tab, ready);
}

// resumedDownload cuts every shard's first download half-way (the body
// ends early, as when a connection drops) and requires the page to ask for
// the rest with a Range request from the byte it reached, and to load.
async function resumedDownload(tab, ready) {
  await tab.evaluate(() => caches.delete("blip2-model-shards"));
  const resumed = [];
  await tab.context().route("**/shard-*.bin", async (route) => {
    const req = route.request();
    const range = req.headers()["range"];
    if (range) {
      resumed.push({ url: req.url(), range });
      return route.continue();
    }
    const full = await route.fetch();
    const body = await full.body();
    resumed.push({ url: req.url(), expect: `bytes=${body.length >> 1}-` });
    return route.fulfill({ status: 200, body: body.subarray(0, body.length >> 1), headers: { "content-type": "application/octet-stream" } });
  });
  let r;
  try {
    r = await ready(base + page, "ready");
  } finally {
    await tab.context().unroute("**/shard-*.bin");
  }
  if (r.state !== "ready") throw new Error("a cut download: " + r.text);
  const asked = resumed.filter((x) => x.expect);
  for (const a of asked) {
    const got = resumed.find((x) => x.range && x.url === a.url);
    if (!got || got.range !== a.expect) throw new Error(`${a.url}: resumed with ${got ? got.range : "no Range request"}, want ${a.expect}`);
  }
  if (asked.length === 0) throw new Error("no shard was downloaded");
  console.log(`PASS cut downloads: ${asked.length} shards resumed with Range from the byte reached; ${r.text}`);
}

// grayPNG is a w×h 8-bit grey PNG, light grey with a dark square in the
// middle, written by hand (node has no PNG encoder).
function grayPNG(w, h) {
  const row = Buffer.alloc(w + 1, 0xd0);
  row[0] = 0; // filter: none
  const dark = Buffer.from(row);
  dark.fill(0x20, 1 + (w >> 2), 1 + w - (w >> 2));
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) (y > h >> 2 && y < h - (h >> 2) ? dark : row).copy(raw, y * (w + 1));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 1 })), chunk("IEND", Buffer.alloc(0))]);
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
