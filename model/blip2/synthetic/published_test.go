package synthetic_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/blip2/synthetic"
	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/tokenizer"
	"blip2/model/weights"
)

// TestPresetsHaveThePublishedSizes: the full-size layouts hold the
// parameter counts of the published models (OPT-2.7B and Flan-T5-XL as
// released, BLIP-2's 105.16 M query path, blip2-opt-2.7b's 3.74 B), with
// no values drawn.
func TestPresetsHaveThePublishedSizes(t *testing.T) {
	want := map[string]map[string]int64{
		"blip2-opt-2.7b":   {"": 3744679936, "language_model.": 2651596800, "qformer.": 105137664, "vision_model.": 985952256},
		"blip2-flan-t5-xl": {"language_model.": 2849757184, "qformer.": 105137664, "vision_model.": 985952256},
		"blip2-itm-vit-g":  {"language_model.": 0, "embeddings.": 30523*768 + 512*768, "vision_model.": 985952256},
	}
	for _, p := range synthetic.Presets() {
		s, c, err := p.Published(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		for prefix, n := range want[p.Name] {
			if got := s.Params(prefix); got != n {
				t.Errorf("%s: %q holds %d parameters, want %d", p.Name, prefix, got, n)
			}
		}
	}
}

// TestReducedPresetsRunEndToEnd: each preset at toy size is written as
// save_pretrained writes (f16 shards and an index), read back through the
// loader's strict binding, and captions (or scores a pair) with finite
// numbers through the same code as the full size.
func TestReducedPresetsRunEndToEnd(t *testing.T) {
	for _, full := range synthetic.Presets() {
		p := full.Reduced()
		dir := t.TempDir()
		s, _, err := p.Published(7)
		if err != nil {
			t.Fatal(err)
		}
		if err := weights.WriteSharded(dir, s, weights.F16, 1<<20, nil); err != nil {
			t.Fatal(err)
		}
		files, err := p.TokenizerFiles()
		if err != nil {
			t.Fatal(err)
		}
		files["config.json"] = p.ConfigJSON()
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		src, closer, err := weights.OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer closer.Close()
		if sh, ok := src.(*weights.Sharded); !ok || len(sh.Shards) < 2 {
			t.Errorf("%s: want several shards behind an index, got %T", p.Name, src)
		}
		cfg, err := config.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		m, err := blip2.Load(cfg, src)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		size := cfg.Vision.ImageSize
		px := make([]float32, 3*size*size)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range px {
			px[i] = float32(rng.NormFloat64())
		}
		if p.Retrieval {
			f, err := os.Open(filepath.Join(dir, "vocab.txt"))
			if err != nil {
				t.Fatal(err)
			}
			vocab, err := tokenizer.ReadVocabTxt(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			tok, err := tokenizer.NewWordPiece(vocab)
			if err != nil {
				t.Fatal(err)
			}
			x := &app.Index{Model: m, Backend: cpu.New(), Tok: tok, Rerank: 1}
			if err := x.Add([]string{"a"}, [][]float32{px}); err != nil {
				t.Fatal(err)
			}
			hits, _, err := x.Search("a dog on the beach", 1)
			if err != nil || len(hits) != 1 || math.IsNaN(float64(hits[0].Score)) || math.IsInf(float64(hits[0].Score), 0) {
				t.Errorf("%s: search %v, %v", p.Name, hits, err)
			}
			continue
		}
		var tok interface {
			Encode(string) []int
			Decode([]int, bool) string
		}
		if cfg.T5 != nil {
			tok, err = tokenizer.LoadT5(dir)
		} else {
			tok, err = tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
		}
		if err != nil {
			t.Fatal(err)
		}
		// The tokenizer reads a prompt; four tokens are forced past any
		// end token, and every step's logits must be finite.
		prompt := tok.Encode("Question: what is this? Answer:")
		ones := make([]int, len(prompt))
		for i := range ones {
			ones[i] = 1
		}
		b := cpu.New()
		g, err := m.Generate(b, b.Upload(px, 1, 3, size, size), [][]int{prompt}, [][]int{ones},
			blip2.GenerateOptions{MinNewTokens: 4, MaxNewTokens: 4, NumBeams: 1})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		for step, rows := range g.Scores {
			for _, v := range rows[0] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s: step %d: logit %v", p.Name, step, v)
				}
			}
		}
		if len(g.Scores) != 4 {
			t.Errorf("%s: %d decoding steps, want 4", p.Name, len(g.Scores))
		}
		t.Logf("%s: generated ids %v", p.Name, g.IDs[0])
	}
}
