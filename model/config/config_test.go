package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var goldenSets = []string{"blip2-tiny-a", "blip2-tiny-a2"}

func goldenDir(set string) string { return filepath.Join("..", "..", "testdata", "golden", set) }

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// toMap renders a struct through its json tags, i.e. with HF field names.
func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	return m
}

// compareModeled checks every field we model against the resolved config;
// fields we do not model (generation defaults, id2label, ...) are skipped.
func compareModeled(t *testing.T, where string, ours, resolved map[string]any) {
	t.Helper()
	for k, v := range ours {
		want, ok := resolved[k]
		if !ok {
			t.Errorf("%s.%s: not in config_resolved.json", where, k)
			continue
		}
		if sub, isMap := v.(map[string]any); isMap {
			compareModeled(t, where+"."+k, sub, want.(map[string]any))
			continue
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("%s.%s = %v, resolved has %v", where, k, v, want)
		}
	}
}

func TestLoadReproducesResolvedConfig(t *testing.T) {
	for _, set := range goldenSets {
		c, err := LoadDir(goldenDir(set))
		if err != nil {
			t.Fatalf("%s: %v", set, err)
		}
		resolved := readJSON(t, filepath.Join(goldenDir(set), "config_resolved.json"))
		compareModeled(t, set, toMap(t, c), resolved)
		var text any = c.OPT
		if c.T5 != nil {
			text = c.T5
		}
		compareModeled(t, set+".text_config", toMap(t, text), resolved["text_config"].(map[string]any))
	}
}

func TestGoldenConfigsHaveExpectedShapes(t *testing.T) {
	a, err := LoadDir(goldenDir("blip2-tiny-a"))
	if err != nil {
		t.Fatal(err)
	}
	if a.OPT == nil || a.T5 != nil || !a.UseDecoderOnlyLanguageModel || a.OPT.WordEmbedProjDim != 40 ||
		a.OPT.LayerNormEps != 1e-5 || a.Vision.NumPositions() != 17 || !a.QFormer.HasCrossAttention(0) ||
		a.QFormer.HasCrossAttention(1) || a.TextHiddenSize() != 40 || a.ImageTokenIndex != nil {
		t.Errorf("set a resolved wrongly: %+v %+v", a, a.OPT)
	}
	b, err := LoadDir(goldenDir("blip2-tiny-a2"))
	if err != nil {
		t.Fatal(err)
	}
	t5 := b.T5
	if t5 == nil || b.OPT != nil || b.UseDecoderOnlyLanguageModel || !t5.IsGatedAct || t5.DenseActFn != "gelu_new" ||
		t5.NumDecoderLayers != 2 || *t5.DecoderStartTokenID != 0 || b.TieWordEmbeddings ||
		b.Vision.NumPositions() != 26 || !b.QFormer.HasCrossAttention(1) || b.TextHiddenSize() != 40 {
		t.Errorf("set a2 resolved wrongly: %+v %+v", b, t5)
	}
}

func TestDefaultsMatchFullSizeBlip2(t *testing.T) {
	c, err := Parse([]byte(`{"model_type":"blip-2","text_config":{"model_type":"opt"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Vision.HiddenSize != 1408 || c.Vision.NumHiddenLayers != 39 || c.Vision.NumPositions() != 257 ||
		c.QFormer.EncoderHiddenSize != 1408 || c.QFormer.LayerNormEps != 1e-12 || c.NumQueryTokens != 32 ||
		c.OPT.WordEmbedProjDim != 768 || *c.OPT.BOSTokenID != 2 || !c.TieWordEmbeddings {
		t.Errorf("defaults wrong: %+v %+v", c, c.OPT)
	}
	t5, err := Parse([]byte(`{"model_type":"blip-2","text_config":{"model_type":"t5","feed_forward_proj":"gated-silu","num_layers":3}}`))
	if err != nil {
		t.Fatal(err)
	}
	if t5.T5.DenseActFn != "silu" || !t5.T5.IsGatedAct || t5.T5.NumDecoderLayers != 3 || t5.T5.DecoderStartTokenID != nil {
		t.Errorf("t5 derivation wrong: %+v", t5.T5)
	}
}

func TestEncoderHiddenSizeFollowsVisionWidth(t *testing.T) {
	c, err := Parse([]byte(`{"model_type":"blip-2","vision_config":{"hidden_size":64,"num_attention_heads":4},
		"qformer_config":{"encoder_hidden_size":7},"text_config":{"model_type":"opt"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.QFormer.EncoderHiddenSize != 64 {
		t.Errorf("encoder_hidden_size = %d, HF sets it to the vision width 64", c.QFormer.EncoderHiddenSize)
	}
}

func TestParseRejectsBadConfigs(t *testing.T) {
	cases := map[string]string{
		`{"text_config":{"model_type":"opt"}}`:                         `missing required field "model_type"`,
		`{"model_type":"blip"}`:                                        `want "blip-2"`,
		`{"model_type":"blip-2"}`:                                      "missing required field text_config",
		`{"model_type":"blip-2","text_config":{}}`:                     "text_config.model_type",
		`{"model_type":"blip-2","text_config":{"model_type":"llama"}}`: `"llama" is not supported`,
		`{"model_type":"blip-2","text_config":[1]}`:                    "text_config: not a JSON object",
		`[]`: "not a JSON object",
		`{"model_type":"blip-2","num_query_tokens":"x","text_config":{"model_type":"opt"}}`:                   "num_query_tokens",
		`{"model_type":"blip-2","text_config":{"model_type":"t5","feed_forward_proj":"fancy-gelu"}}`:          "feed_forward_proj",
		`{"model_type":"blip-2","vision_config":{"hidden_size":30},"text_config":{"model_type":"opt"}}`:       "multiple of 16 heads",
		`{"model_type":"blip-2","qformer_config":{"num_hidden_layers":0},"text_config":{"model_type":"opt"}}`: "qformer_config.num_hidden_layers must be positive",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s): error %v, want %q", in, err, want)
		}
	}
}

func ExampleParse() {
	c, _ := Parse([]byte(`{"model_type":"blip-2","text_config":{"model_type":"t5","feed_forward_proj":"gated-gelu"}}`))
	fmt.Println(c.T5.DenseActFn, c.T5.IsGatedAct, c.QFormer.HiddenSize)
	// Output: gelu_new true 768
}
