// Opens a test page in headless Chromium with WebGPU on SwiftShader,
// streams the page's console to stdout, and exits non-zero unless the page
// reports data-done="pass" on #status. Usage:
//   node test/browser-test.mjs [web/page.html] [timeout-seconds]
// The repository root is served, so pages can fetch testdata/. The page and
// its wasm must already be built into web/ (make build-wasm).
import { serveRoot, launch } from "./harness.mjs";

const page = process.argv[2] || "web/kerneltest.html";
const timeoutS = Number(process.argv[3] || 900);

const { base, server } = await serveRoot();
const url = base + page;
const browser = await launch();
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
