//go:build js && wasm

package modelload

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"syscall/js"
	"time"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/nn"
	"blip2/model/stream"
	"blip2/model/tokenizer"
	"blip2/wasm/jsutil"
)

// OpenBackend is WebGPU, or, where the browser has none (or skip gives a
// reason not to try), the pure-Go reference kernels compiled into the
// wasm: slower, the same model code and the same results. It says which,
// in words.
func OpenBackend(skip string) (nn.Backend, string) {
	reason := skip
	switch {
	case reason != "":
	case !js.Global().Get("navigator").Get("gpu").Truthy():
		reason = "this browser does not expose WebGPU"
	}
	if reason == "" {
		name, isCPU := jsutil.AdapterInfo()
		d, err := gpu.Open(context.Background())
		if err == nil {
			d.Describe(name, isCPU)
			return gpu.NewBackend(d), fmt.Sprintf("%s (%s)", d.Info, d.Info.Class)
		}
		reason = fmt.Sprintf("WebGPU gave no device (%v)", err)
	}
	return cpu.New(), "No WebGPU: " + reason + ". Running the pure-Go reference kernels in WebAssembly on the CPU instead: slower, the same results."
}

// Captioner streams the model in base (a folder URL ending in "/") and its
// language-model tokenizer, reporting download progress on status, and
// returns the captioner with a line saying what was loaded from where.
func Captioner(base string, backend nn.Backend, status func(string)) (*app.Captioner, string, error) {
	mjs, err := jsutil.Fetch(base + "manifest.json")
	if err != nil {
		return nil, "", fmt.Errorf("the model's manifest: %w", err)
	}
	m, err := stream.ParseManifest(bytes.NewReader(mjs))
	if err != nil {
		return nil, "", err
	}
	start := time.Now()
	s, fetched := streamShards(status, base, m)
	var model *blip2.Model
	if _, onGPU := backend.(*gpu.Backend); onGPU {
		// Each encoder layer goes to the GPU as its shard arrives, and
		// neither the shard nor the layer stays in the wasm heap.
		model, err = stream.LoadResident(s, backend, blip2.ResidentVision) // the LM stays on the host for fine-tuning
	} else {
		model, err = stream.LoadModel(s) // the pure-Go kernels read host weights
	}
	s.Release()
	if err != nil {
		return nil, "", err
	}
	tj, err := jsutil.Fetch(base + "tokenizer.json")
	if err != nil {
		return nil, "", fmt.Errorf("the language model's tokenizer: %w", err)
	}
	tok, err := tokenizer.ParseBPE(tj, tokenizer.OPTOptions())
	if err != nil {
		return nil, "", err
	}
	line := fmt.Sprintf("%s: %s in %d shards, loaded in %.0f ms (%s); at most %s of shards held at once", strings.TrimSuffix(base, "/"), mb(fetched.total), len(m.Shards),
		float64(time.Since(start))/float64(time.Millisecond), fetched, mb(s.MaxHeld()))
	if g, onGPU := backend.(*gpu.Backend); onGPU {
		line += fmt.Sprintf("; %s of weights on the GPU so far", mb(g.ParamBytes()))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // the wasm memory only grows: Sys is its peak
	line += fmt.Sprintf("; wasm memory %s", mb(int64(ms.Sys)))
	return &app.Captioner{Model: model, Backend: backend, Tok: tok, Options: app.CaptionOptions()}, line, nil
}
