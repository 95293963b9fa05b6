//go:build !(js && wasm)

package trainer

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/weights"
)

// copySample copies the data sample, so a test can break its copy.
func copySample(t *testing.T, dst string) string {
	t.Helper()
	err := filepath.Walk(sampleData, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(sampleData, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestBadInput: every bad input stops each stage's run before training
// with an error that says what is wrong.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	d := testDevice(t)
	pairs, err := LoadPairs(sampleData, "train")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		edit       func(o *Options, dir string)
	}{
		{"no dataset", "does not exist", func(o *Options, dir string) { o.Data = filepath.Join(dir, "nowhere") }},
		{"no manifest", "no manifest.jsonl", func(o *Options, dir string) { o.Data = dir }},
		{"empty manifest", "is empty", func(o *Options, dir string) {
			o.Data = dir
			os.WriteFile(filepath.Join(dir, "manifest.jsonl"), nil, 0o644)
		}},
		{"missing image", "missing from", func(o *Options, dir string) {
			o.Data = copySample(t, filepath.Join(dir, "data"))
			os.Remove(filepath.Join(o.Data, pairs[7].File))
		}},
		{"undecodable image", pairs[9].ID, func(o *Options, dir string) {
			o.Data = copySample(t, filepath.Join(dir, "data"))
			os.WriteFile(filepath.Join(o.Data, pairs[9].File), []byte("not a png"), 0o644)
		}},
		{"vocabulary mismatch", "vocabulary has 160 tokens, its tokenizer 41", func(o *Options, dir string) {
			o.Init = filepath.Join(dir, "init")
			os.MkdirAll(o.Init, 0o755)
			for _, f := range []string{"config.json", "model.safetensors"} {
				copyFile(filepath.Join(init, f), filepath.Join(o.Init, f))
			}
			os.WriteFile(filepath.Join(o.Init, "vocab.txt"), []byte(strings.Repeat("x\n", 35)+"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n[DEC]\n"), 0o644)
		}},
		{"text past the positions", "past the Q-Former's 32 positions", func(o *Options, dir string) { o.TextLen = 40 }},
		{"batch of one", "at least 2 pairs", func(o *Options, dir string) { o.Batch = 1 }},
		{"NaN in the weights", "step 1", func(o *Options, dir string) {
			o.Init = filepath.Join(dir, "init")
			os.MkdirAll(o.Init, 0o755)
			for _, f := range []string{"config.json", "vocab.txt"} {
				copyFile(filepath.Join(init, f), filepath.Join(o.Init, f))
			}
			f, _ := weights.Open(filepath.Join(init, "model.safetensors"))
			defer f.Close()
			var ts []weights.Tensor
			for _, n := range f.Names() {
				v, _ := f.ReadF32(n)
				info, _ := f.Info(n)
				if n == "text_projection.weight" { // used by every stage
					v[0] = float32(math.NaN())
				}
				ts = append(ts, weights.Tensor{Name: n, DType: weights.F32, Shape: info.Shape, Data: v})
			}
			weights.WriteFile(filepath.Join(o.Init, "model.safetensors"), ts, nil)
		}},
	}
	for name, st := range tinyStages {
		if st.data != nil {
			continue // not an image stage: TestLoadCorpusDropsEvaluationCaptions
		}
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				o := st.opts(init)
				c.edit(&o, dir)
				_, err := st.run(context.Background(), d, filepath.Join(dir, "run"), o, false, nil)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want one containing %q", err, c.want)
				}
				t.Log(err)
			})
		}
	}
	t.Run("resume without a run", func(t *testing.T) {
		_, err := RunStage1(context.Background(), d, filepath.Join(t.TempDir(), "run"), Options{}, true, nil)
		if err == nil || !strings.Contains(err.Error(), "no run there") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a folder that holds a run", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		o := tinyOptions(init)
		o.Steps = 1
		if _, err := RunStage1(context.Background(), d, out, o, false, nil); err != nil {
			t.Fatal(err)
		}
		_, err := RunStage1(context.Background(), d, out, o, false, nil)
		if err == nil || !strings.Contains(err.Error(), "already holds a run") {
			t.Fatalf("error %v", err)
		}
	})
}
