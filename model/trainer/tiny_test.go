package trainer

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"blip2/model/blip2/synthetic"
	"blip2/model/config"
	"blip2/model/tokenizer"
	"blip2/model/weights"
)

// sampleData is the committed 300-pair dataset sample.
var sampleData = filepath.Join("..", "..", "testdata", "data-sample")

// tinyInit writes a tiny random BLIP-2 checkpoint folder into dir: the
// shapes of reference set a (32-pixel images in 8-pixel patches, 8
// queries, a 2-layer Q-Former of width 24, a 2-layer OPT of width 40 with
// 300 tokens) with a WordPiece vocabulary of 160 built from the sample's
// training captions.
func tinyInit(t testing.TB, dir string) string {
	t.Helper()
	pairs, err := LoadPairs(sampleData, "train")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range pairs {
		texts = append(texts, p.Captions...)
	}
	vocab, err := tokenizer.BuildWordPieceVocab(texts, 160)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "blip2-tiny-a", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = regexp.MustCompile(`("vocab_size": )80`).ReplaceAll(raw, []byte("${1}160"))
	// A byte-level BPE needs 4 specials and 256 bytes before its merges.
	raw = regexp.MustCompile(`("vocab_size": )96`).ReplaceAll(raw, []byte("${1}300"))
	cfg, err := config.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.QFormer.VocabSize != 160 {
		t.Fatalf("Q-Former vocabulary %d after the edit", cfg.QFormer.VocabSize)
	}
	writeSynthetic(t, dir, cfg, 3)
	for name, data := range map[string][]byte{"config.json": raw, "vocab.txt": []byte(tokenizer.VocabTxt(vocab))} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeSynthetic writes cfg's synthetic checkpoint of seed as
// dir/model.safetensors.
func writeSynthetic(t testing.TB, dir string, cfg *config.Blip2Config, seed uint64) {
	t.Helper()
	store := synthetic.Checkpoint(cfg, seed)
	var ts []weights.Tensor
	for _, n := range store.Names() {
		info, _ := store.Info(n)
		v, _ := store.ReadF32(n)
		ts = append(ts, weights.Tensor{Name: n, DType: weights.F32, Shape: info.Shape, Data: v})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := weights.WriteFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		t.Fatal(err)
	}
}

// tinyOptions is a 10-step stage-1 run at batch 4 with a checkpoint
// every 3 steps.
func tinyOptions(init string) Options { return tiny(Stage1Defaults(), init) }

// tinyStage0Options is the same for stage 0.
func tinyStage0Options(init string) Options { return tiny(Stage0VisionDefaults(), init) }

func tiny(o Options, init string) Options {
	o.Init, o.Data = init, sampleData
	o.Steps, o.Batch, o.TextLen, o.SaveEvery = 10, 4, 16, 3
	o.LR, o.MinLR, o.WarmupLR, o.Warmup = 3e-3, 3e-4, 3e-4, 2
	o.Seed = 11
	return o
}

// tinyLMOptions is a 10-step language-model run at batch 4 over
// sequences of 16 tokens, on the sample with a corpus (lmData) beside init.
func tinyLMOptions(init string) Options {
	o := tiny(Stage0LMDefaults(), init)
	o.Data = filepath.Join(filepath.Dir(init), "lmdata")
	return o
}

// tinyStage2Options is a 10-step stage-2 run at batch 4; init must hold a
// language-model tokenizer (a stage0-lm model).
func tinyStage2Options(init string) Options {
	o := tiny(Stage2Defaults(), init)
	o.TextLen = 12
	return o
}
