//go:build js && wasm

// Command modeltest runs BLIP-2's forward passes on the reference sets in a
// browser, on WebGPU, and compares every output with Hugging Face's; then
// the training step (both stages' losses and gradients) against PyTorch's.
// web/modeltest.html loads it; web/test/browser-test.mjs drives it.
package main

import (
	"bytes"
	"context"
	"fmt"

	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/gpu"
	"blip2/model/stream"
	"blip2/model/weights"
	"blip2/wasm/jsutil"
	"blip2/wasm/testpage"
)

// tolerance for GPU kernels that reorder sums (the reference sets' README
// suggests 1e-3); generated ids must match exactly.
const tolerance = 1e-3

var sets = []string{"blip2-tiny-a", "blip2-tiny-a2"}

// trainSet is the reference set with a training reference (train/).
const trainSet = "blip2-tiny-a"

func main() {
	testpage.Run(func(say testpage.Say) (failed int) {
		d, err := gpu.Open(context.Background())
		if err != nil {
			say("FAIL no WebGPU adapter: %v", err)
			return 1
		}
		defer d.Close()
		d.Describe(jsutil.AdapterInfo())
		say("adapter: %s, class %s", d.Info, d.Info.Class)
		for _, set := range sets {
			if err := runSet(d, set, say); err != nil {
				say("FAIL %s: %v", set, err)
				failed++
			}
		}
		if err := runStream(d, say); err != nil {
			say("FAIL streamed int8 model: %v", err)
			failed++
		}
		if err := runTrain(d, trainSet, say); err != nil {
			say("FAIL %s training step: %v", trainSet, err)
			failed++
		}
		say("%d passed, %d failed", len(sets)+2-failed, failed)
		return failed
	})
}

func runSet(d *gpu.Device, set string, say testpage.Say) error {
	cfg, files, err := fetchSet(set, "model.safetensors", "inputs.safetensors", "outputs.safetensors")
	if err != nil {
		return err
	}
	m, err := blip2.Load(cfg, files["model.safetensors"])
	if err != nil {
		return err
	}
	in, err := blip2.ReadInputs(files["inputs.safetensors"])
	if err != nil {
		return err
	}
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	got, err := m.ReferenceOutputs(b, in)
	if err != nil {
		return err
	}
	problems := blip2.CompareOutputs(got, files["outputs.safetensors"], tolerance, tolerance)
	for _, p := range problems {
		say("  %s", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d outputs differ from the reference", len(problems), len(files["outputs.safetensors"].Names()))
	}
	say("PASS %s: %d outputs within %.0e of Hugging Face, generated ids exact", set, len(got), tolerance)
	return nil
}

// runStream fetches set a converted to int8 (manifest and sha256-checked
// shards), binds it, runs it on WebGPU with the image encoder packed, and
// checks it against Hugging Face's f32 outputs: the Q-Former output within
// cosine 0.999 and the generated ids unchanged.
func runStream(d *gpu.Device, say testpage.Say) error {
	base := "../testdata/stream/blip2-tiny-a-int8/"
	mjs, err := jsutil.Fetch(base + "manifest.json")
	if err != nil {
		return err
	}
	m, err := stream.ParseManifest(bytes.NewReader(mjs))
	if err != nil {
		return err
	}
	s := stream.NewStore(m, func(file string) ([]byte, error) { return jsutil.Fetch(base + file) })
	model, err := stream.LoadModel(s)
	if err != nil {
		return err
	}
	s.Release()
	files, err := fetchSafetensors("../testdata/golden/blip2-tiny-a/", "inputs.safetensors", "outputs.safetensors")
	if err != nil {
		return err
	}
	in, err := blip2.ReadInputs(files["inputs.safetensors"])
	if err != nil {
		return err
	}
	b := gpu.NewBackend(d)
	defer b.ReleaseParams()
	got, err := model.ReferenceOutputs(b, in)
	if err != nil {
		return err
	}
	want := files["outputs.safetensors"]
	for _, g := range got {
		switch g.Name {
		case "qformer_query_output":
			w, _ := want.ReadF32(g.Name)
			if c := stream.Cosine(w, g.Data.([]float32)); c < 0.999 {
				return fmt.Errorf("qformer_query_output cosine %.6f < 0.999", c)
			}
		case "generated_ids", "generated_ids_noprompt":
			w, _ := want.ReadI64(g.Name)
			if fmt.Sprint(w) != fmt.Sprint(g.Data) {
				return fmt.Errorf("%s changed: %v, want %v", g.Name, g.Data, w)
			}
		}
	}
	say("PASS streamed int8 model: %d shards fetched and verified, image encoder packed on the GPU, Q-Former output cosine ≥ 0.999, generated ids unchanged", len(m.Shards))
	return nil
}

// fetchSafetensors fetches and opens safetensors files under a base URL.
// fetchSet fetches a reference set's config.json and the named files.
func fetchSet(set string, names ...string) (*config.Blip2Config, map[string]*weights.File, error) {
	base := "../testdata/golden/" + set + "/"
	cfgJSON, err := jsutil.Fetch(base + "config.json")
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Parse(cfgJSON)
	if err != nil {
		return nil, nil, err
	}
	files, err := fetchSafetensors(base, names...)
	return cfg, files, err
}

func fetchSafetensors(base string, names ...string) (map[string]*weights.File, error) {
	files := map[string]*weights.File{}
	for _, name := range names {
		data, err := jsutil.Fetch(base + name)
		if err != nil {
			return nil, err
		}
		if files[name], err = weights.NewFile(bytes.NewReader(data), int64(len(data))); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return files, nil
}
