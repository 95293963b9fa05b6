//go:build !(js && wasm)

package trainer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"blip2/model/app"
	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/tokenizer"
)

// tinyT5Init is tinyInit's model with a Flan-style T5 (set a2's language
// model) in place of the OPT, and a character-level T5 tokenizer.json.
func tinyT5Init(t *testing.T, dir string) string {
	t.Helper()
	tinyInit(t, dir)
	pieces := [][]any{{"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}, {"▁", -2.0}}
	for c := 'a'; c <= 'z'; c++ {
		pieces = append(pieces, []any{string(c), -3.0}, []any{"▁" + string(c), -3.5})
	}
	tj := map[string]any{
		"added_tokens": []any{map[string]any{"id": 0, "content": "<pad>", "special": true},
			map[string]any{"id": 1, "content": "</s>", "special": true}, map[string]any{"id": 2, "content": "<unk>", "special": true}},
		"pre_tokenizer": map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true},
		"post_processor": map[string]any{"type": "TemplateProcessing", "single": []any{
			map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
			map[string]any{"SpecialToken": map[string]any{"id": "</s>", "type_id": 0}}}},
		"model": map[string]any{"type": "Unigram", "unk_id": 2, "vocab": pieces, "byte_fallback": false},
	}
	var cfg, a2 map[string]any
	for path, dst := range map[string]*map[string]any{filepath.Join(dir, "config.json"): &cfg,
		filepath.Join("..", "..", "testdata", "golden", "blip2-tiny-a2", "config.json"): &a2} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	text := a2["text_config"].(map[string]any)
	text["vocab_size"] = len(pieces)
	cfg["text_config"], cfg["use_decoder_only_language_model"] = text, false
	raw, _ := json.MarshalIndent(cfg, "", "  ")
	c, err := config.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	writeSynthetic(t, dir, c, 5)
	js, _ := json.Marshal(tj)
	for name, data := range map[string][]byte{"config.json": raw, "tokenizer.json": js} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestStage2T5TinyRun: 10 stage-2 steps through a frozen T5 with a
// prompt, pinned losses, and the tokenizer carried into the final model.
func TestStage2T5TinyRun(t *testing.T) {
	tmp := t.TempDir()
	init := tinyT5Init(t, filepath.Join(tmp, "init"))
	o := tinyStage2Options(init)
	o.Prompt = "a picture of"
	out := filepath.Join(tmp, "run")
	sum, err := RunStage2(context.Background(), testDevice(t), out, o, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := losses(t, out)
	t.Logf("losses %v", got)
	pinLosses(t, filepath.Join("..", "..", "testdata", "train", "stage2_t5_tiny_losses.json"), got)
	if !(sum.LastLoss < sum.FirstLoss) {
		t.Errorf("the run does not learn: %v", got)
	}
	tok, err := tokenizer.LoadT5(FinalModel(out))
	if err != nil {
		t.Fatalf("the final model lost the T5 tokenizer: %v", err)
	}
	// The published model captions through the same path as `caption`.
	m, err := blip2.LoadDir(FinalModel(out))
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := LoadPairs(sampleData, "train")
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(sampleData, pairs[0].File))
	if err != nil {
		t.Fatal(err)
	}
	opts := app.CaptionOptions()
	opts.MaxNewTokens = 6
	c := &app.Captioner{Model: m, Backend: cpu.New(), Tok: tok, Options: opts}
	if _, _, err := c.CaptionBytes(png, o.Prompt); err != nil {
		t.Errorf("captioning with the stage-2 T5 model: %v", err)
	}
}

// TestT5Target: the prompt with its </s> in the encoder, the caption and
// its </s> as labels, cut so that </s> stays, −100 after.
func TestT5Target(t *testing.T) {
	ids, mask, labels := t5Target([]int{7, 8, 9, 1}, []int{5, 6, 1}, 3)
	if len(ids) != 3 || mask[2] != 1 || ids[2] != 1 {
		t.Errorf("encoder text %v mask %v", ids, mask)
	}
	if labels[0] != 7 || labels[1] != 8 || labels[2] != 1 {
		t.Errorf("labels %v: the caption cut to keep </s>", labels)
	}
	_, _, labels = t5Target([]int{7, 1}, nil, 4)
	if labels[1] != 1 || labels[2] != -100 || labels[3] != -100 {
		t.Errorf("labels %v", labels)
	}
}
