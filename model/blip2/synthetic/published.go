package synthetic

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"blip2/model/config"
)

// A Preset is a BLIP-2 as Salesforce publishes it on the Hugging Face hub:
// its config.json and its class, which decides the tensors it holds.
type Preset struct {
	Name      string
	Retrieval bool // Blip2ForImageTextRetrieval; otherwise Blip2ForConditionalGeneration
	Config    map[string]any
}

// Presets are the full-size checkpoints: the configurations of
// Salesforce/blip2-opt-2.7b, blip2-flan-t5-xl and blip2-itm-vit-g (ViT-g/14
// at 224 px, a BERT-base Q-Former with 32 queries; OPT-2.7B; Flan-T5-XL).
func Presets() []Preset {
	vision := map[string]any{"model_type": "blip_2_vision_model", "hidden_size": 1408, "intermediate_size": 6144,
		"num_hidden_layers": 39, "num_attention_heads": 16, "image_size": 224, "patch_size": 14, "hidden_act": "gelu",
		"layer_norm_eps": 1e-6, "qkv_bias": true}
	qformer := func(text bool) map[string]any {
		q := map[string]any{"model_type": "blip_2_qformer", "hidden_size": 768, "num_hidden_layers": 12,
			"num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu", "max_position_embeddings": 512,
			"layer_norm_eps": 1e-12, "cross_attention_frequency": 2, "encoder_hidden_size": 1408, "vocab_size": 30522}
		if text {
			q["vocab_size"], q["use_qformer_text_input"] = 30523, true
		}
		return q
	}
	opt := map[string]any{"model_type": "opt", "hidden_size": 2560, "num_hidden_layers": 32, "num_attention_heads": 32,
		"ffn_dim": 10240, "vocab_size": 50272, "max_position_embeddings": 2048, "word_embed_proj_dim": 2560,
		"activation_function": "relu", "do_layer_norm_before": true, "bos_token_id": 2, "eos_token_id": 50118, "pad_token_id": 1,
		"tie_word_embeddings": true}
	t5 := map[string]any{"model_type": "t5", "d_model": 2048, "d_ff": 5120, "d_kv": 64, "num_heads": 32, "num_layers": 24,
		"num_decoder_layers": 24, "vocab_size": 32128, "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32,
		"relative_attention_max_distance": 128, "layer_norm_epsilon": 1e-6, "tie_word_embeddings": false,
		"decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0, "is_encoder_decoder": true}
	model := func(arch string, q, text map[string]any) map[string]any {
		return map[string]any{"architectures": []string{arch}, "model_type": "blip-2", "num_query_tokens": 32,
			"image_text_hidden_size": 256, "initializer_range": 0.02, "initializer_factor": 1.0,
			"vision_config": vision, "qformer_config": q, "text_config": text, "torch_dtype": "float32"}
	}
	return []Preset{
		{Name: "blip2-opt-2.7b", Config: model("Blip2ForConditionalGeneration", qformer(false), opt)},
		{Name: "blip2-flan-t5-xl", Config: model("Blip2ForConditionalGeneration", qformer(false), t5)},
		{Name: "blip2-itm-vit-g", Retrieval: true, Config: model("Blip2ForImageTextRetrieval", qformer(true), opt)},
	}
}

// PresetByName finds a preset.
func PresetByName(name string) (Preset, error) {
	var names []string
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Preset{}, fmt.Errorf("synthetic: no preset %q (have %s)", name, strings.Join(names, ", "))
}

// Reduced is the preset at toy size with the same structure (every tower,
// the same head counts, the real vocabularies and token ids, cross-
// attention every 2nd layer, gated GELU for T5): what a test can run end
// to end through the code path of the full size.
func (p Preset) Reduced() Preset {
	r := Preset{Name: p.Name + "-reduced", Retrieval: p.Retrieval, Config: map[string]any{}}
	for k, v := range p.Config {
		r.Config[k] = v
	}
	sub := func(key string, set map[string]any) {
		m := map[string]any{}
		for k, v := range p.Config[key].(map[string]any) {
			m[k] = v
		}
		for k, v := range set {
			m[k] = v
		}
		r.Config[key] = m
	}
	sub("vision_config", map[string]any{"hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 3, "image_size": 56})
	sub("qformer_config", map[string]any{"hidden_size": 48, "intermediate_size": 192, "num_hidden_layers": 2, "encoder_hidden_size": 64})
	switch p.Config["text_config"].(map[string]any)["model_type"] {
	case "opt":
		sub("text_config", map[string]any{"hidden_size": 64, "ffn_dim": 256, "num_hidden_layers": 2, "word_embed_proj_dim": 64})
	case "t5":
		sub("text_config", map[string]any{"d_model": 64, "d_ff": 160, "d_kv": 2, "num_layers": 2, "num_decoder_layers": 2})
	}
	return r
}

// ConfigJSON is the preset's config.json.
func (p Preset) ConfigJSON() []byte {
	b, err := json.MarshalIndent(p.Config, "", "  ")
	if err != nil {
		panic(err) // maps of plain values always marshal
	}
	return append(b, '\n')
}

// qformerText matches the Q-Former's text feed-forward, which
// generation checkpoints do not hold.
var qformerText = regexp.MustCompile(`^qformer\.encoder\.layer\.\d+\.(intermediate|output)\.`)

// Published is the preset's checkpoint with lazily drawn random weights:
// each tensor is drawn when read, from seed and its name, so a full-size
// one is never whole in memory. A generation checkpoint has no Q-Former
// text input (no word or position embeddings, no text feed-forward, no
// ITC/ITM heads) and OPT's head tied to its embedding; a retrieval one
// has no language model or projection.
func (p Preset) Published(seed uint64) (*Store, *config.Blip2Config, error) {
	c, err := config.Parse(p.ConfigJSON())
	if err != nil {
		return nil, nil, fmt.Errorf("synthetic: preset %s: %w", p.Name, err)
	}
	s := &Store{shapes: map[string][]int{}, data: map[string][]float32{}, lazy: true, seed: seed}
	fill(s, c)
	for _, n := range s.Names() {
		lm := strings.HasPrefix(n, "language_model.") || strings.HasPrefix(n, "language_projection.")
		text := strings.HasPrefix(n, "embeddings.") || qformerText.MatchString(n) ||
			strings.HasPrefix(n, "vision_projection.") || strings.HasPrefix(n, "text_projection.") || strings.HasPrefix(n, "itm_head.")
		if p.Retrieval && lm || !p.Retrieval && text {
			s.Delete(n)
		}
	}
	return s, c, nil
}

// Params counts the values of the tensors whose names start with prefix
// ("" for all).
func (s *Store) Params(prefix string) int64 {
	var n int64
	for k, shape := range s.shapes {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		c := int64(1)
		for _, d := range shape {
			c *= int64(d)
		}
		n += c
	}
	return n
}
