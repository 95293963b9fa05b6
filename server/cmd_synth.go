//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"blip2/model/atomicfile"
	"blip2/model/blip2/synthetic"
	"blip2/model/stream"
	"blip2/model/weights"
)

func init() {
	register("synth", "write a full-size BLIP-2 checkpoint of random weights in the Hugging Face layout (-preset blip2-opt-2.7b|blip2-flan-t5-xl|blip2-itm-vit-g)", runSynth)
}

func runSynth(args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	preset := fs.String("preset", "", "blip2-opt-2.7b, blip2-flan-t5-xl or blip2-itm-vit-g")
	out := fs.String("out", "", "folder to write (created; files in it are replaced)")
	dtype := fs.String("dtype", "f16", "f16 or f32")
	reduced := fs.Bool("reduced", false, "the same structure at toy widths and depths (real vocabularies), for tests")
	seed := fs.Uint64("seed", 1, "seed of the random weights")
	shard := fs.Int64("max-shard", 5_000_000_000, "bytes per safetensors shard at most (save_pretrained's \"5GB\")")
	quant := fs.String("quant", "", "write the streaming format in this mode instead (as `convert -quant` of the folder would; -out is published atomically)")
	lm := fs.String("lm", "", "with -quant: the language model's mode (convert's -lm)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *preset == "" || *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: synth -preset NAME -out DIR [-dtype f16|f32] [-reduced]")
	}
	p, err := synthetic.PresetByName(*preset)
	if err != nil {
		return err
	}
	dt := map[string]weights.DType{"f16": weights.F16, "f32": weights.F32}[*dtype]
	if dt == "" {
		return fmt.Errorf("synth: -dtype %q: want f16 or f32", *dtype)
	}
	if *reduced {
		p = p.Reduced()
	}
	if dt == weights.F16 {
		p.Config["torch_dtype"] = "float16"
	}
	store, _, err := p.Published(*seed)
	if err != nil {
		return err
	}
	cfg := p.ConfigJSON()
	toks, err := p.TokenizerFiles()
	if err != nil {
		return err
	}
	total := store.Params("")
	if *quant != "" {
		return synthStream(p.Name, store, cfg, toks, *quant, *lm, *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	fmt.Printf("%s: %.3f B parameters, %.2f GB as %s, into %s\n", p.Name, float64(total)/1e9, float64(total)*float64(dt.Size())/1e9, dt, *out)
	start, last := time.Now(), time.Time{}
	err = weights.WriteSharded(*out, store, dt, *shard, func(done, n int) {
		if time.Since(last) > 5*time.Second || done == n { // a line a few seconds, not one per tensor
			last = time.Now()
			fmt.Printf("%d/%d tensors, %.0f s\n", done, n, time.Since(start).Seconds())
		}
	})
	if err != nil {
		return err
	}
	toks["config.json"] = cfg
	for name, b := range toks {
		if err := atomicfile.WriteFile(filepath.Join(*out, name), b); err != nil {
			return err
		}
	}
	return nil
}

// synthStream converts the random weights as they are drawn, with no
// Hugging Face folder in between: what a test of a full-size converted
// model needs, without 7 GB of f16 on disk first.
func synthStream(name string, store weights.Store, cfg []byte, toks map[string][]byte, quant, lm, out string) error {
	plan := stream.PlanFor(quant)
	if lm != "" {
		plan.LM = lm
	}
	start := time.Now()
	var m *stream.Manifest
	err := stream.Publish(out, func(dir string) error {
		var err error
		last := time.Time{}
		m, err = stream.ConvertPlan(store, cfg, plan, dir, func(done, total int, _ string) {
			if time.Since(last) > 5*time.Second || done == total {
				last = time.Now()
				fmt.Printf("%d/%d tensors, %.0f s\n", done, total, time.Since(start).Seconds())
			}
		})
		if err != nil {
			return err
		}
		for file, b := range toks {
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s: ", name)
	report(m)
	return nil
}
