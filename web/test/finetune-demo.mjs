// The fine-tuning demonstration of docs/finetune.md, in headless Chromium
// with WebGPU on SwiftShader: picks every PNG of a folder and its
// captions.tsv in the demo page, trains for STEPS steps, and writes what
// the page showed (held-out captions and ranks before and after, the
// losses, the time) as JSON, with a screenshot of the panel.
// Usage: node web/test/finetune-demo.mjs FOLDER STEPS OUT.json SHOT.png
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serveRoot, launch } from "./harness.mjs";

const [folder, steps, out, shot] = process.argv.slice(2, 6);
if (!shot) {
  console.log("usage: node web/test/finetune-demo.mjs FOLDER STEPS OUT.json SHOT.png");
  process.exit(2);
}
const { base, server } = await serveRoot();
const browser = await launch();
try {
  const tab = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  const losses = [];
  tab.on("console", (m) => console.log(m.text()));
  await tab.goto(base + "index.html?gallery=48");
  await tab.waitForFunction(() => document.querySelector('[data-testid="search-status"]').dataset.state === "ready", null, { timeout: 900000 });
  const files = (await readdir(folder)).filter((f) => f.endsWith(".png") || f === "captions.tsv").map((f) => join(folder, f));
  await tab.getByTestId("finetune-input").setInputFiles(files);
  await tab.waitForFunction(() => document.querySelector('[data-testid="finetune-status"]').textContent.includes("picked"), null, { timeout: 60000 });
  await tab.getByTestId("finetune-steps").fill(steps);
  const t0 = Date.now();
  await tab.getByTestId("finetune-start").click();
  await tab.waitForFunction(() => ["done", "error"].includes(document.querySelector('[data-testid="finetune-status"]').dataset.state) &&
    document.querySelector('[data-testid="finetune-status"]').dataset.steps !== "0", null, { timeout: 3600000 });
  const wallS = (Date.now() - t0) / 1000;
  const st = tab.getByTestId("finetune-status");
  const rows = await tab.locator('[data-testid="finetune-eval"] tr').evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  await tab.getByTestId("finetune-status").scrollIntoViewIfNeeded();
  await tab.locator("section.finetune").screenshot({ path: shot });
  const result = {
    browser: browser.version(), adapter: await tab.getByTestId("adapter").textContent(),
    pairs: files.length - 1, steps: Number(await st.getAttribute("data-steps")),
    lossFirst: Number(await st.getAttribute("data-loss-first")), lossLast: Number(await st.getAttribute("data-loss-last")),
    status: await st.textContent(), wallS, heldOut: rows,
  };
  await writeFile(out, JSON.stringify(result, null, 1) + "\n");
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  server.close();
}
