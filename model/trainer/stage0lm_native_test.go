//go:build !(js && wasm)

package trainer

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/dataset"
	"blip2/model/tokenizer"
)

// lmData copies the data sample to dir/lmdata with a corpus.txt of every
// caption and alternate of every split, as `server data` writes it.
func lmData(t *testing.T, dir string) string {
	t.Helper()
	out := copySample(t, filepath.Join(dir, "lmdata"))
	es, err := dataset.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range es {
		for _, c := range append([]string{e.Caption}, e.Alternates...) {
			b.WriteString(c + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(out, "corpus.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoadCorpusDropsEvaluationCaptions: no val or test caption reaches
// the language model, and a held-out part is kept aside.
func TestLoadCorpusDropsEvaluationCaptions(t *testing.T) {
	data := lmData(t, t.TempDir())
	c, err := LoadCorpus(data)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadPairs(data, "test")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range append(c.Train, c.HeldOut...) {
		seen[l] = true
	}
	for _, p := range test {
		if seen[p.Captions[0]] {
			t.Errorf("test caption %q is in the corpus", p.Captions[0])
		}
	}
	if c.Dropped == 0 || len(c.HeldOut) == 0 {
		t.Errorf("%d dropped, %d held out", c.Dropped, len(c.HeldOut))
	}
	if _, err := LoadCorpus(sampleData); err == nil || !strings.Contains(err.Error(), "no corpus.txt") {
		t.Errorf("a dataset without corpus.txt: %v", err)
	}
}

// TestStage0LMTinyRun trains a BPE and 10 language-model steps on the
// sample's corpus and pins the losses; the final model carries both
// tokenizers and the held-out perplexity is written.
func TestStage0LMTinyRun(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	lmData(t, tmp)
	out := filepath.Join(tmp, "run")
	sum, err := RunStage0LM(context.Background(), testDevice(t), out, tinyLMOptions(init), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	pinLosses(t, filepath.Join("..", "..", "testdata", "train", "stage0_lm_tiny_losses.json"), got)
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v", got)
	}
	bpe, err := tokenizer.LoadBPE(FinalModel(out), tokenizer.OPTOptions())
	if err != nil || bpe.VocabSize() != 300 {
		t.Fatalf("the language-model tokenizer: %v", err)
	}
	if wp, err := tokenizer.LoadWordPiece(FinalModel(out)); err != nil || wp.VocabSize() != 160 {
		t.Fatalf("the Q-Former tokenizer beside it: %v", err)
	}
	m, _, err := LoadModel(FinalModel(out), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.OPT.LMHead.Data[7] != m.OPT.Embed.Data[7] {
		t.Error("the LM head is not the trained embedding")
	}
	raw, err := os.ReadFile(HeldOutFile(out))
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Lines      int
		Perplexity float64
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.Lines == 0 || math.IsNaN(h.Perplexity) || h.Perplexity < 1 || h.Perplexity > 300 {
		t.Errorf("held-out: %s (%v)", raw, err)
	}
}

// TestStage0LMPacked: with -pack the language model trains on sequences
// that hold several corpus lines, learns, and records the choice; -pack
// is refused for other stages.
func TestStage0LMPacked(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	lmData(t, tmp)
	o := tinyLMOptions(init)
	o.Pack = true
	out := filepath.Join(tmp, "packed")
	var log strings.Builder
	sum, err := RunStage0LM(context.Background(), testDevice(t), out, o, false, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the packed run does not learn: %v", losses(t, out))
	}
	if !strings.Contains(log.String(), "packed into") {
		t.Errorf("no packing line in the progress:\n%s", log.String())
	}
	if raw, err := os.ReadFile(filepath.Join(out, "run.json")); err != nil || !strings.Contains(string(raw), `"pack": true`) {
		t.Errorf("run.json does not record -pack: %s %v", raw, err)
	}
	s1 := tiny(Stage1Defaults(), init)
	s1.Pack = true
	if err := s1.check(); err == nil || !strings.Contains(err.Error(), "-pack") {
		t.Errorf("-pack on stage 1: %v", err)
	}
}
