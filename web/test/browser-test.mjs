// Opens a test page in headless Chromium with WebGPU on SwiftShader,
// streams the page's console to stdout, and exits non-zero unless the page
// reports data-done="pass" on #status. Usage:
//   node test/browser-test.mjs [web/page.html] [timeout-seconds]
// The repository root is served, so pages can fetch testdata/. The page and
// its wasm must already be built into web/ (make build-wasm).
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const page = process.argv[2] || "web/kerneltest.html";
const timeoutS = Number(process.argv[3] || 900);

const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript",
  ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css",
  ".png": "image/png", ".bin": "application/octet-stream", ".safetensors": "application/octet-stream" };

// A static server on loopback only, over the repository root.
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { "Content-Type": types[extname(path)] || "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const url = `http://127.0.0.1:${server.address().port}/${page}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-webgpu-adapter=swiftshader",
    "--no-sandbox", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});
let code = 1;
try {
  const tab = await browser.newPage();
  tab.on("console", (m) => console.log(m.text()));
  tab.on("pageerror", (e) => console.log("page error: " + e.message));
  const hasGPU = await tab.goto(url).then(() => tab.evaluate(() => !!navigator.gpu));
  if (!hasGPU) throw new Error("navigator.gpu is missing: WebGPU is not enabled in this Chromium");
  await tab.waitForSelector("#status[data-done]", { timeout: timeoutS * 1000 });
  const verdict = await tab.getAttribute("#status", "data-done");
  console.log(`browser suite (${page}): ${verdict}`);
  code = verdict === "pass" ? 0 : 1;
} catch (e) {
  console.log(`browser suite (${page}) failed: ${e.message}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(code);
