// The Worker end to end, offline: a converted model goes into a local R2
// bucket (wrangler r2 object put --local), `wrangler dev --local` runs
// build/ (make build-workers) on workerd, and every shard comes back
// through ranged requests and must hash to its manifest's sha256; the
// manifest must arrive as uploaded whatever the Accept-Encoding, and the
// handler's other answers must hold (HEAD, 304, 416, If-Range, 404, 405).
//
//   node workers/test/roundtrip.mjs MODEL_DIR
//
// Exits non-zero on the first failure, printing wrangler's output; the
// wrangler process group and the temporary state go on every exit path.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";

const workers = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(workers, "node_modules", "wrangler", "bin", "wrangler.js");
const prefix = "models/tiny/";
const deadline = 150_000; // ms for the whole run; `make test-workers` must stay well under 3 minutes

let dev = null; // the wrangler dev child, leader of its own process group
let devLog = "";

const modelDir = process.argv[2];
if (!modelDir || !existsSync(join(modelDir, "manifest.json"))) fail(`usage: roundtrip.mjs MODEL_DIR (a folder with manifest.json), got ${modelDir}`);
if (!existsSync(wrangler)) fail("no wrangler in workers/node_modules: run .ci/setup");
if (!existsSync(join(workers, "build", "app.wasm"))) fail("no workers/build/app.wasm: run make build-workers");
const bucket = /bucket_name\s*=\s*"([^"]+)"/.exec(readFileSync(join(workers, "wrangler.toml"), "utf8"))?.[1];
if (!bucket) fail("no bucket_name in workers/wrangler.toml");

// Offline and anonymous: no account token, no metrics, no Request.cf download.
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
delete env.CLOUDFLARE_API_TOKEN;
delete env.CLOUDFLARE_ACCOUNT_ID;
const state = mkdtempSync(join(tmpdir(), "blip2-worker-"));
env.WRANGLER_LOG_PATH = join(state, "logs");

function cleanup() {
  if (dev) {
    const pid = dev.pid;
    dev = null; // its exit is ours now, not a failure
    try { process.kill(-pid, "SIGKILL"); } catch {} // the whole group: node, esbuild, workerd
  }
  rmSync(state, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => fail(`interrupted (${sig})`));
setTimeout(() => fail(`took over ${deadline / 1000} s`), deadline).unref();

function fail(msg) {
  if (devLog) console.error("--- wrangler dev output ---\n" + devLog.slice(-6000) + "\n---");
  console.error("FAIL: " + msg);
  process.exit(1); // runs cleanup
}
function check(ok, msg) {
  if (!ok) fail(msg);
}

const t0 = Date.now();
const ms = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

// Seed the local bucket before workerd opens it: the model, and
// precompressed siblings of its manifest (as `server precompress` writes
// them), which the Worker must not send as they are (see edge in main.go).
const manifestBytes = readFileSync(join(modelDir, "manifest.json"));
const manifest = JSON.parse(manifestBytes);
check(Array.isArray(manifest.shards) && manifest.shards.length > 0, "the manifest lists no shards");
const siblings = join(state, "siblings");
mkdirSync(siblings);
writeFileSync(join(siblings, "manifest.json.br"), brotliCompressSync(manifestBytes));
writeFileSync(join(siblings, "manifest.json.gz"), gzipSync(manifestBytes));
const files = [...readdirSync(modelDir).filter((f) => !f.startsWith(".")).map((f) => join(modelDir, f)),
  join(siblings, "manifest.json.br"), join(siblings, "manifest.json.gz")];
for (const file of files) {
  const f = basename(file);
  try {
    execFileSync(process.execPath, [wrangler, "r2", "object", "put", `${bucket}/${prefix}${f}`, "--file", file,
      "--local", "--persist-to", state], { cwd: workers, env, stdio: "pipe" });
  } catch (e) {
    fail(`wrangler r2 object put ${f}: ${e.stderr || e.stdout || e.message}`);
  }
}
console.log(`seeded ${files.length} files under ${bucket}/${prefix} (${ms()})`);

const port = await freePort();
const inspector = await freePort();
dev = spawn(process.execPath, [wrangler, "dev", "--local", "--persist-to", state, "--ip", "127.0.0.1", "--port", String(port),
  "--inspector-port", String(inspector), "--show-interactive-dev-session=false"], { cwd: workers, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
dev.stdout.on("data", (d) => { devLog += d; });
dev.stderr.on("data", (d) => { devLog += d; });
dev.on("exit", (code, sig) => { if (dev) fail(`wrangler dev exited early (${sig || code})`); });

const base = `http://127.0.0.1:${port}/${prefix}`;
await ready(base + "manifest.json");
console.log(`wrangler dev ready on port ${port} (${ms()})`);

// The manifest: revalidated (no-cache), with a strong ETag.
const m = await get("manifest.json");
check(m.status === 200, `manifest.json: status ${m.status}`);
check(m.headers.get("content-type") === "application/json", `manifest.json: content-type ${m.headers.get("content-type")}`);
check(m.headers.get("cache-control") === "no-cache", `manifest.json: cache-control ${m.headers.get("cache-control")}`);
const etag = m.headers.get("etag");
check(/^"[^"]+"$/.test(etag || ""), `manifest.json: ETag ${etag} is not a strong quoted tag`);
// fetch decodes what Content-Encoding names, so a sibling sent twice
// encoded, or unlabelled, shows as different bytes.
check(m.body.equals(manifestBytes), `manifest.json: ${m.body.length} bytes differ from the uploaded file's ${manifestBytes.length} (Content-Encoding ${m.headers.get("content-encoding")})`);
for (const enc of ["identity", "br", "gzip"]) {
  const r = await get("manifest.json", { headers: { "accept-encoding": enc } });
  check(r.status === 200 && r.body.equals(manifestBytes), `manifest.json, Accept-Encoding ${enc}: status ${r.status}, ${r.body.length} bytes differ from the uploaded file`);
}

// Every shard in uneven ranges (the last one open-ended), reassembled.
let requests = 0;
for (const s of manifest.shards) {
  const cuts = [0, Math.floor(s.bytes / 7), Math.floor(s.bytes / 2), s.bytes - 1, s.bytes].filter((c, i, a) => i === 0 || c > a[i - 1]);
  const parts = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1] - 1];
    const range = b === s.bytes - 1 && i > 0 ? `bytes=${a}-` : `bytes=${a}-${b}`;
    const r = await get(s.file, { headers: { range } });
    requests++;
    check(r.status === 206, `${s.file} ${range}: status ${r.status}`);
    check(r.headers.get("content-range") === `bytes ${a}-${b}/${s.bytes}`, `${s.file} ${range}: Content-Range ${r.headers.get("content-range")}`);
    check(r.body.length === b - a + 1 && r.headers.get("content-length") === String(b - a + 1),
      `${s.file} ${range}: ${r.body.length} bytes, Content-Length ${r.headers.get("content-length")}, want ${b - a + 1}`);
    parts.push(r.body);
  }
  const whole = Buffer.concat(parts);
  check(whole.length === s.bytes, `${s.file}: reassembled ${whole.length} bytes, manifest says ${s.bytes}`);
  const sum = createHash("sha256").update(whole).digest("hex");
  check(sum === s.sha256, `${s.file}: sha256 ${sum}, manifest says ${s.sha256}`);
}
console.log(`${manifest.shards.length} shard(s) reassembled from ${requests} range requests, sha256 as in the manifest (${ms()})`);

const shard = manifest.shards[0];
const sh = await get(shard.file, { method: "HEAD" });
check(sh.status === 200, `HEAD ${shard.file}: status ${sh.status}`);
check(sh.headers.get("content-length") === String(shard.bytes), `HEAD ${shard.file}: Content-Length ${sh.headers.get("content-length")}, want ${shard.bytes}`);
check(sh.body.length === 0, `HEAD ${shard.file}: ${sh.body.length} body bytes`);
check(sh.headers.get("cache-control") === "public, max-age=31536000, immutable", `${shard.file}: cache-control ${sh.headers.get("cache-control")}`);
const shardTag = sh.headers.get("etag");

const nm = await get("manifest.json", { headers: { "if-none-match": etag } });
check(nm.status === 304 && nm.body.length === 0, `If-None-Match ${etag}: status ${nm.status}, ${nm.body.length} bytes`);

const past = await get(shard.file, { headers: { range: `bytes=${shard.bytes}-` } });
check(past.status === 416, `range past the end: status ${past.status}`);
check(past.headers.get("content-range") === `bytes */${shard.bytes}`, `range past the end: Content-Range ${past.headers.get("content-range")}`);

const stale = await get(shard.file, { headers: { range: "bytes=0-9", "if-range": '"stale"' } });
check(stale.status === 200 && stale.body.length === shard.bytes, `If-Range with a stale tag: status ${stale.status}, ${stale.body.length} bytes`);
const fresh = await get(shard.file, { headers: { range: "bytes=0-9", "if-range": shardTag } });
check(fresh.status === 206 && fresh.body.length === 10, `If-Range with the current tag: status ${fresh.status}, ${fresh.body.length} bytes`);

const missing = await get("no-such-file.bin");
check(missing.status === 404, `missing name: status ${missing.status}`);
const post = await get("manifest.json", { method: "POST", body: "x" });
check(post.status === 405 && post.headers.get("allow") === "GET, HEAD", `POST: status ${post.status}, Allow ${post.headers.get("allow")}`);

console.log(`ok: the manifest as uploaded whatever the Accept-Encoding, HEAD, 304, 416, If-Range, 404, 405 (${ms()})`);
process.exit(0);

async function get(name, init = {}) {
  const r = await fetch(base + name, { ...init, signal: AbortSignal.timeout(30_000) });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

// ready polls until the Worker answers url (wrangler prints "Ready" before
// the first request has compiled the wasm).
async function ready(url) {
  for (;;) {
    try {
      const r = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
      if (r.status === 200) return;
      if (r.status !== 503) fail(`HEAD ${url}: status ${r.status} while waiting for the Worker`);
    } catch {}
    await new Promise((res) => setTimeout(res, 250));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}
