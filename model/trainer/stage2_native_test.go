//go:build !(js && wasm)

package trainer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"blip2/model/app"
	"blip2/model/atomicfile"
	"blip2/model/gpu"
	"blip2/model/tokenizer"
	"blip2/model/train"
)

// tinyLM is a tiny init under tmp and a language model trained on it for
// steps (what stage 2 starts from), with the test device.
func tinyLM(t *testing.T, tmp string, steps int) (init, lm string, d *gpu.Device) {
	t.Helper()
	init = tinyInit(t, filepath.Join(tmp, "init"))
	lmData(t, tmp)
	d = testDevice(t)
	lo := tinyLMOptions(init)
	lo.Steps = steps
	lm = filepath.Join(tmp, "lm")
	if _, err := RunStage0LM(context.Background(), d, lm, lo, false, nil); err != nil {
		t.Fatal(err)
	}
	return init, FinalModel(lm), d
}

// TestStage2TinyRun trains a tiny language model for 3 steps, then 10
// stage-2 steps on top with pinned losses.
func TestStage2TinyRun(t *testing.T) {
	tmp := t.TempDir()
	init, lmOut, d := tinyLM(t, tmp, 3)
	out := filepath.Join(tmp, "run")
	sum, err := RunStage2(context.Background(), d, out, tinyStage2Options(lmOut), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	pinLosses(t, filepath.Join("..", "..", "testdata", "train", "stage2_tiny_losses.json"), got)
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v", got)
	}
	if _, err := tokenizer.LoadBPE(FinalModel(out), tokenizer.OPTOptions()); err != nil {
		t.Errorf("the final model lost the language model's tokenizer: %v", err)
	}
	// The sample's sentences have several starts: the model carries them.
	raw, err := os.ReadFile(filepath.Join(FinalModel(out), app.PrefixesFile))
	if err != nil {
		t.Fatalf("the final model has no caption prefixes: %v", err)
	}
	if p, err := app.ParsePrefixes(raw); err != nil {
		t.Error(err)
	} else {
		t.Logf("caption prefixes: %d, the first %q", len(p.Prefixes), p.Prefixes[0].Text)
	}
	if _, err := RunStage2(context.Background(), d, filepath.Join(tmp, "bad"), tinyStage2Options(init), false, nil); err == nil {
		t.Error("stage 2 from a model without a language-model tokenizer was accepted")
	}
}

// TestCaptionTarget: BOS, the prompt without loss, the caption and the
// end-of-sequence token with loss, padding without.
func TestCaptionTarget(t *testing.T) {
	vocab, merges, err := tokenizer.TrainBPE([]string{"a red heart", "a picture of"}, 280, tokenizer.OPTSpecials)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := tokenizer.BPETokenizerJSON(vocab, merges, tokenizer.OPTSpecials)
	dir := t.TempDir()
	atomicfile.WriteFile(filepath.Join(dir, "tokenizer.json"), js)
	tok, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	prompt := tok.Encode("a picture of")[1:]
	ids, mask, labels := train.CaptionTarget(tok, prompt, "red heart", 40)
	n := 1 + len(prompt)
	if ids[0] != 2 || labels[0] != -100 || labels[n-1] != -100 || labels[n] != ids[n] || mask[n] != 1 {
		t.Errorf("ids %v labels %v", ids, labels)
	}
	end := 0
	for end < len(mask) && mask[end] == 1 {
		end++
	}
	if ids[end-1] != 2 || labels[end-1] != 2 || ids[end] != 1 || labels[end] != -100 {
		t.Errorf("no </s> with loss before the padding: ids %v labels %v", ids, labels)
	}
	if got := tok.Decode(ids[n:end-1], true); got != " red heart" {
		t.Errorf("caption tokens decode to %q", got)
	}
}

// TestStage2FreezeQFormer: with -freeze-qformer stage 2 trains the
// language projection alone; the published model's Q-Former and query
// tokens are the init's, bit for bit.
func TestStage2FreezeQFormer(t *testing.T) {
	tmp := t.TempDir()
	_, lmOut, d := tinyLM(t, tmp, 2)
	o := tinyStage2Options(lmOut)
	o.Steps, o.FreezeQFormer = 4, true
	out := filepath.Join(tmp, "run")
	if _, err := RunStage2(context.Background(), d, out, o, false, nil); err != nil {
		t.Fatal(err)
	}
	before, _, err := LoadModel(lmOut, 1)
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := LoadModel(FinalModel(out), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before.QueryTokens.Data, after.QueryTokens.Data) ||
		!slices.Equal(before.QFormer.Layers[0].CrossAttention.Query.Weight.Data, after.QFormer.Layers[0].CrossAttention.Query.Weight.Data) {
		t.Error("stage 2 with -freeze-qformer moved the Q-Former")
	}
	if slices.Equal(before.LangProj.Weight.Data, after.LangProj.Weight.Data) {
		t.Error("stage 2 with -freeze-qformer did not train the language projection")
	}
	bad := tinyStage2Options(lmOut)
	bad.Stage = "stage1"
	bad.FreezeQFormer = true
	if err := bad.check(); err == nil {
		t.Error("-freeze-qformer was accepted for stage 1")
	}
}
