//go:build !(js && wasm)

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/stream"
	"blip2/model/weights"
)

func init() {
	register("convert", "convert a Hugging Face BLIP-2 folder into the streaming format (f32, f16, int8, int4)", runConvert)
}

func runConvert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	from := fs.String("from", "", "Hugging Face BLIP-2 folder")
	to := fs.String("to", "", "output folder, published atomically: a link to a versioned folder beside it, switched in one rename")
	quant := fs.String("quant", "int8", "f32, f16, int8 or int4: the image encoder's mode, and the others' default (int8/int4 keep the Q-Former f32 and the language model f16)")
	qformer := fs.String("qformer", "", "the Q-Former's mode, if not -quant's default: f32, f16, int8 or int4")
	lm := fs.String("lm", "", "the language model's mode, if not -quant's default: f32, f16, int8 or int4 (its Linear weights packed like the image encoder's)")
	device := fs.String("device", "gpu", "gpu or cpu: where the caption prefixes' examples ("+app.PrefixesFile+") are embedded for "+app.PrefixEmbedsFile)
	check := fs.String("check", "", "inputs.safetensors of a reference set: report the end-to-end drift against the unconverted model (host reference; small models only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return fmt.Errorf("-from and -to are required")
	}
	cfgJSON, err := os.ReadFile(filepath.Join(*from, "config.json"))
	if err != nil {
		return err
	}
	if _, err := config.Parse(cfgJSON); err != nil {
		return err
	}
	src, closer, err := weights.OpenDir(*from)
	if err != nil {
		return err
	}
	defer closer.Close()
	if src, err = withTrainingTensors(src, *from); err != nil {
		return err
	}
	// The folder appears whole or not at all (stream.Publish), so a server
	// reading it never sees a half-written model.
	var m *stream.Manifest
	err = stream.Publish(*to, func(dir string) error {
		var err error
		plan := stream.PlanFor(*quant)
		if *qformer != "" {
			plan.QFormer = *qformer
		}
		if *lm != "" {
			plan.LM = *lm
		}
		m, err = stream.ConvertPlan(src, cfgJSON, plan, dir, func(done, total int, name string) {
			fmt.Fprintf(os.Stderr, "\r[%d/%d] %-70.70s", done, total, name)
		})
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return err
		}
		if err := copyTokenizerFiles(*from, dir); err != nil {
			return err
		}
		return writePrefixEmbeds(dir, *device)
	})
	if err != nil {
		return err
	}
	report(m)
	if *check == "" {
		return nil
	}
	return checkDrift(*from, *to, *check)
}

// report prints the storage per dtype and the worst quantization errors.
func report(m *stream.Manifest) {
	var bytes int64
	for _, s := range m.Shards {
		bytes += s.Bytes
	}
	count := map[string]int{}
	var lossy []stream.Tensor
	for _, t := range m.Tensors {
		count[t.DType]++
		if t.RelError > 0 {
			lossy = append(lossy, t)
		}
	}
	fmt.Printf("%d tensors in %d shards, %.1f MiB; by dtype: %v\n", len(m.Tensors), len(m.Shards), float64(bytes)/(1<<20), count)
	sort.Slice(lossy, func(a, b int) bool { return lossy[a].RelError > lossy[b].RelError })
	for i, t := range lossy {
		if i == 10 {
			fmt.Printf("  … %d more\n", len(lossy)-10)
			break
		}
		fmt.Printf("  %-4s relative error %.5f  %s\n", t.DType, t.RelError, t.Name)
	}
}

func checkDrift(from, to, inputs string) error {
	base, err := loadCheckpoint(from)
	if err != nil {
		return err
	}
	s, err := stream.OpenDir(to)
	if err != nil {
		return err
	}
	conv, err := stream.LoadModel(s)
	if err != nil {
		return err
	}
	in, err := readInputs(inputs)
	if err != nil {
		return err
	}
	d, err := stream.MeasureDrift(cpu.New(), base, conv, in)
	if err != nil {
		return err
	}
	fmt.Println("drift against the unconverted model:", d)
	return nil
}

// tokenizerFiles are copied beside the converted weights so that caption and
// search find them there (and the caption prefixes stage 2 writes).
var tokenizerFiles = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
	"vocab.json", "merges.txt", "vocab.txt", "added_tokens.json", "spiece.model", "preprocessor_config.json", app.PrefixesFile}

func copyTokenizerFiles(from, to string) error {
	for _, name := range tokenizerFiles {
		b, err := os.ReadFile(filepath.Join(from, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// withTrainingTensors adds what a folder written by `server train` keeps
// beside the model, for fine-tuning the converted one: the ITG head
// (itg_head.safetensors) and the ITC temperature (temp, in
// train_state.safetensors, whose optimizer moments stay behind). A
// Hugging Face folder has neither and converts as it is.
func withTrainingTensors(src weights.Store, dir string) (weights.Store, error) {
	stores := []weights.Store{src}
	for _, part := range []struct {
		file string
		keep func(string) bool
	}{{"itg_head.safetensors", weights.Prefixed("cls")}, {blip2.TrainStateFile, func(n string) bool { return n == "temp" }}} {
		f, err := weights.Open(filepath.Join(dir, part.file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// The files stay open until the command exits.
		stores = append(stores, weights.Only(f, part.keep))
	}
	if len(stores) == 1 {
		return src, nil
	}
	return weights.Merge(stores...)
}
