//go:build !(js && wasm)

package trainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestStage0LMKeywordLinesContinue: a stage0-lm run from a model that has
// a language model goes on with its tokenizer, mixes keyword lines in,
// and writes the keyword probe.
func TestStage0LMKeywordLinesContinue(t *testing.T) {
	tmp := t.TempDir()
	init := tinyInit(t, filepath.Join(tmp, "init"))
	lmData(t, tmp)
	first := filepath.Join(tmp, "first")
	if _, err := RunStage0LM(t.Context(), testDevice(t), first, tinyLMOptions(init), false, nil); err != nil {
		t.Fatal(err)
	}
	o := tinyLMOptions(init)
	o.Init, o.KeywordLines = FinalModel(first), 0.5
	out := filepath.Join(tmp, "kw")
	sum, err := RunStage0LM(t.Context(), testDevice(t), out, o, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v → %v", sum.FirstLoss, sum.LastLoss)
	}
	a, err := readFileString(filepath.Join(FinalModel(first), "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := readFileString(filepath.Join(FinalModel(out), "tokenizer.json")); err != nil || a != b {
		t.Errorf("the continued run's tokenizer is not its init's (%v)", err)
	}
	var h struct {
		KeywordProbe *KeywordProbe `json:"keyword_probe"`
	}
	readJSON(t, HeldOutFile(out), &h)
	if h.KeywordProbe == nil || h.KeywordProbe.Lines == 0 || !(h.KeywordProbe.Own > 0) || !(h.KeywordProbe.Other > 0) {
		t.Errorf("keyword probe %+v", h.KeywordProbe)
	}
}

func readFileString(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
