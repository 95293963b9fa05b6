//go:build js && wasm

// Command scaletest streams a converted full-size model into this tab's
// WebGPU device, every layer of every part resident, and checks one layer
// of each tower plus one decoding step (blip2.Model.Probe) against a
// native run of the same weights (`server probe -out`). It reports the
// GPU bytes, the wasm memory's peak and the agreement. web/scaletest.html
// loads it with ?model=URL/ (the folder) and ?want=URL (the native
// outputs); web/test/browser-test.mjs drives it.
package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"time"

	"blip2/model/blip2"
	"blip2/model/gpu"
	"blip2/model/stream"
	"blip2/model/weights"
	"blip2/wasm/jsutil"
	"blip2/wasm/testpage"
)

// heapLimit is the most the wasm memory may grow to while the GPU holds
// the model: a tab has 4 GB of address space at best, and shares it.
const heapLimit = 1 << 30

func main() {
	testpage.Run(func(say testpage.Say) (failed int) {
		if err := run(say); err != nil {
			say("FAIL %v", err)
			return 1
		}
		return 0
	})
}

func run(say testpage.Say) error {
	base, wantURL := jsutil.Query("model"), jsutil.Query("want")
	if base == "" || wantURL == "" {
		return fmt.Errorf("the page needs ?model=FOLDER-URL/ and ?want=PROBE-URL")
	}
	d, err := gpu.Open(context.Background())
	if err != nil {
		return fmt.Errorf("no WebGPU device: %w", err)
	}
	defer d.Close()
	d.Describe(jsutil.AdapterInfo())
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	binding, buffer := b.Limits()
	say("adapter: %s, class %s; bindings of at most %s, buffers of at most %s", d.Info, d.Info.Class, mb(int64(binding)), mb(int64(buffer)))

	mjs, err := jsutil.Fetch(base + "manifest.json")
	if err != nil {
		return err
	}
	m, err := stream.ParseManifest(bytes.NewReader(mjs))
	if err != nil {
		return err
	}
	var total int64
	byFile := map[string]stream.Shard{}
	for _, sh := range m.Shards {
		total += sh.Bytes
		byFile[sh.File] = sh
	}
	say("model %s: %d tensors in %d shards, %s", base, len(m.Tensors), len(m.Shards), mb(total))
	var fetched int64
	var fetchTime, checkTime time.Duration
	var s *stream.Store
	s = stream.NewStore(m, func(file string) ([]byte, error) {
		t0 := time.Now()
		b, err := jsutil.Fetch(base + file)
		if err != nil {
			return nil, err
		}
		t1 := time.Now()
		fetchTime += t1.Sub(t0)
		if sh, ok := byFile[file]; ok {
			err = stream.CheckShard(b, sh)
		} else {
			err = fmt.Errorf("not in the manifest")
		}
		checkTime += time.Since(t1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if fetched += int64(len(b)); fetched*10/total != (fetched-int64(len(b)))*10/total {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			say("  %s of %s bound (wasm memory %s, Go heap in use %s, shards held %s)", mb(fetched), mb(total), mb(int64(ms.Sys)), mb(int64(ms.HeapInuse)), mb(s.Held()))
		}
		return b, nil
	})
	s.Checked = true
	start := time.Now()
	model, err := stream.LoadResident(s, b, blip2.ResidentVision|blip2.ResidentQFormer|blip2.ResidentLM)
	s.Release()
	if err != nil {
		return err
	}
	peak := wasmMemory()
	say("bound in %.1f s (fetch %.1f s, sha256 %.1f s): %s of weights on the GPU; at most %s of shards held at once; wasm memory %s",
		time.Since(start).Seconds(), fetchTime.Seconds(), checkTime.Seconds(), mb(b.ParamBytes()), mb(s.MaxHeld()), mb(peak))

	start = time.Now()
	got, err := model.Probe(b)
	if err != nil {
		return err
	}
	say("probe in %.1f s", time.Since(start).Seconds())
	wj, err := jsutil.Fetch(wantURL)
	if err != nil {
		return err
	}
	want, err := weights.NewFile(bytes.NewReader(wj), int64(len(wj)))
	if err != nil {
		return fmt.Errorf("%s: %w", wantURL, err)
	}
	agree, err := stream.CompareProbe(got, want)
	if err != nil {
		return err
	}
	var problems []string
	for _, a := range agree {
		say("  %s", a)
		if !a.OK() {
			problems = append(problems, a.Name)
		}
	}
	if peak = max(peak, wasmMemory()); peak >= heapLimit {
		problems = append(problems, fmt.Sprintf("wasm memory %s ≥ %s", mb(peak), mb(heapLimit)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("against the native run: %v", problems)
	}
	say("PASS the whole model on the GPU (%s), wasm memory peak %s < %s, every probe output agrees with the native run (cosine ≥ %g, the same next token)",
		mb(b.ParamBytes()), mb(peak), mb(heapLimit), stream.ProbeCosine)
	return nil
}

// wasmMemory is the wasm linear memory's size: it only grows, so it is
// also its peak so far.
func wasmMemory() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
