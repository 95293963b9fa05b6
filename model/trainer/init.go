package trainer

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"blip2/model/atomicfile"
	"blip2/model/blip2"
	"blip2/model/blip2/synthetic"
	"blip2/model/config"
	"blip2/model/tokenizer"
	"blip2/model/train"
	"blip2/model/weights"
)

// Sizes are the shapes of a new model. Attention heads are 64 wide, as in
// every BLIP-2 tower.
type Sizes struct {
	VisionWidth, VisionLayers, ImageSize, Patch int
	QFormerWidth, QFormerLayers, Queries, Embed int
	TextPositions, Vocab                        int
	LMWidth, LMLayers, LMVocab, LMPositions     int
}

// DefaultSizes are the shipped model's shapes (docs/training.md has the
// calibration behind them).
func DefaultSizes() Sizes {
	return Sizes{VisionWidth: 256, VisionLayers: 6, ImageSize: 64, Patch: 8, QFormerWidth: 128, QFormerLayers: 4, Queries: 16,
		Embed: 128, TextPositions: 32, Vocab: 8000, LMWidth: 256, LMLayers: 4, LMVocab: 8000, LMPositions: 64}
}

func (z Sizes) check() error {
	for _, w := range []int{z.VisionWidth, z.QFormerWidth, z.LMWidth} {
		if w < 64 || w%64 != 0 {
			return fmt.Errorf("trainer: width %d: widths are positive multiples of the 64-wide heads", w)
		}
	}
	if z.Patch < 1 || z.ImageSize%z.Patch != 0 {
		return fmt.Errorf("trainer: image size %d is not a multiple of the patch %d", z.ImageSize, z.Patch)
	}
	for _, n := range []int{z.VisionLayers, z.QFormerLayers, z.Queries, z.Embed, z.TextPositions, z.Vocab, z.LMLayers, z.LMVocab, z.LMPositions} {
		if n < 1 {
			return fmt.Errorf("trainer: sizes %+v: every size must be positive", z)
		}
	}
	return nil
}

// Config is the Hugging Face config.json of a model of these sizes.
func (z Sizes) Config() map[string]any {
	return map[string]any{
		"architectures":          []string{"Blip2ForConditionalGeneration", "Blip2ForImageTextRetrieval"},
		"model_type":             "blip-2",
		"num_query_tokens":       z.Queries,
		"image_text_hidden_size": z.Embed,
		"initializer_range":      0.02,
		"torch_dtype":            "float32",
		"vision_config": map[string]any{"model_type": "blip_2_vision_model", "hidden_size": z.VisionWidth, "intermediate_size": 4 * z.VisionWidth,
			"num_attention_heads": z.VisionWidth / 64, "num_hidden_layers": z.VisionLayers, "image_size": z.ImageSize, "patch_size": z.Patch},
		"qformer_config": map[string]any{"model_type": "blip_2_qformer", "hidden_size": z.QFormerWidth, "intermediate_size": 4 * z.QFormerWidth,
			"num_attention_heads": z.QFormerWidth / 64, "num_hidden_layers": z.QFormerLayers, "encoder_hidden_size": z.VisionWidth,
			"max_position_embeddings": z.TextPositions, "vocab_size": z.Vocab, "use_qformer_text_input": true},
		"text_config": map[string]any{"model_type": "opt", "hidden_size": z.LMWidth, "ffn_dim": 4 * z.LMWidth, "word_embed_proj_dim": z.LMWidth,
			"num_attention_heads": z.LMWidth / 64, "num_hidden_layers": z.LMLayers, "vocab_size": z.LMVocab, "max_position_embeddings": z.LMPositions},
		"use_decoder_only_language_model": true,
	}
}

// InitModel writes a new, randomly initialised model folder at out: the
// config, the weights (BERT's and ViT's initialisation: N(0, 0.02²)
// matrices and embeddings, zero biases, LayerNorms at 1 and 0, separate
// q_bias and v_bias as Hugging Face stores them) and a WordPiece
// vocabulary built from the train split's captions of dataDir.
func InitModel(out, dataDir string, z Sizes, seed uint64) error {
	if err := z.check(); err != nil {
		return err
	}
	pairs, err := LoadPairs(dataDir, "train")
	if err != nil {
		return err
	}
	var texts []string
	for _, p := range pairs {
		texts = append(texts, p.Captions...)
	}
	vocab, err := tokenizer.BuildWordPieceVocab(texts, z.Vocab)
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(z.Config(), "", "  ")
	cfg, err := config.Parse(raw)
	if err != nil {
		return err
	}
	m, err := blip2.Load(cfg, hfVisionBias(cfg, synthetic.Checkpoint(cfg, seed)))
	if err != nil {
		return err
	}
	train.RandomInit(weights.Params(m), rand.New(rand.NewPCG(seed, 5)), 0.02, 0)
	return publishDir(out, func(tmp string) error {
		if err := writeParams(filepath.Join(tmp, "model.safetensors"), dedupe(weights.Params(m))); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(tmp, "config.json"), append(raw, '\n')); err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(tmp, "vocab.txt"), []byte(tokenizer.VocabTxt(vocab)))
	})
}

// hfVisionBias re-lays a synthetic checkpoint's fused qkv.bias as the
// q_bias and v_bias Hugging Face's Blip2 classes hold.
func hfVisionBias(c *config.Blip2Config, st *synthetic.Store) weights.Store {
	out := synthetic.New(0)
	h := c.Vision.HiddenSize
	for _, n := range st.Names() {
		info, _ := st.Info(n)
		if len(n) > len("qkv.bias") && n[len(n)-len("qkv.bias"):] == "qkv.bias" {
			pre := n[:len(n)-len("qkv.bias")]
			out.Add(pre+"q_bias", h)
			out.Add(pre+"v_bias", h)
			continue
		}
		out.Add(n, info.Shape...)
	}
	return out
}

// dedupe drops the second name of a tied tensor.
func dedupe(ps []*weights.Param) []*weights.Param {
	seen := map[string]bool{}
	var out []*weights.Param
	for _, p := range ps {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	return out
}

// RandomModel is a model of cfg's shapes with InitModel's random weights,
// a new ITG head and a new stage-0 dual head, in memory: what a step costs
// does not depend on the values, so benchmarks time any configuration,
// the shipped model's or a real checkpoint's, without its weights.
func RandomModel(cfg *config.Blip2Config, seed uint64) (*train.Model, error) {
	bm, err := blip2.Load(cfg, hfVisionBias(cfg, synthetic.Checkpoint(cfg, seed)))
	if err != nil {
		return nil, err
	}
	train.RandomInit(weights.Params(bm), rand.New(rand.NewPCG(seed, 5)), 0.02, 0)
	q := cfg.QFormer
	head, err := train.NewRandomITGHead(q.HiddenSize, q.VocabSize, q.LayerNormEps, seed)
	if err != nil {
		return nil, err
	}
	m, err := train.New(bm, head, 0.07)
	if err != nil {
		return nil, err
	}
	m.Dual = train.NewDualHead(cfg.Vision.HiddenSize, cfg.ImageTextHiddenSize)
	train.RandomInit(weights.Params(m.Dual), rand.New(rand.NewPCG(seed, 11)), 0.02, 0)
	return m, nil
}
