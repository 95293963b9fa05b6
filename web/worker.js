// The dedicated worker that runs the demo page's model (wasm/worker): Go's
// wasm glue, then the program, which answers the page's messages.
importScripts("wasm_exec.js");
const go = new Go();
WebAssembly.instantiateStreaming(fetch("worker.wasm"), go.importObject)
  .then((r) => go.run(r.instance))
  .catch((e) => postMessage({ state: "error", error: "could not load worker.wasm: " + e }));
