package blip2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"blip2/model/config"
	"blip2/model/weights"
)

// synthetic is a Hugging Face-layout checkpoint made up in memory, so the
// model can be checked on sizes the reference sets do not have.
type synthetic struct {
	shapes map[string][]int
	data   map[string][]float32
}

func (s *synthetic) Names() []string {
	names := make([]string, 0, len(s.shapes))
	for n := range s.shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *synthetic) Info(name string) (weights.TensorInfo, bool) {
	sh, ok := s.shapes[name]
	return weights.TensorInfo{Name: name, DType: weights.F32, Shape: sh}, ok
}

func (s *synthetic) ReadF32(name string) ([]float32, error) {
	if d, ok := s.data[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("no tensor %s", name)
}

// add registers a tensor with random values: LayerNorm weights near 1,
// other vectors small, matrices with variance 1/fan-in (as the reference
// sets are built, so no block is negligible).
func (s *synthetic) add(rng *rand.Rand, name string, shape ...int) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	std := 0.1
	if len(shape) >= 2 {
		std = 1 / math.Sqrt(float64(shape[len(shape)-1]))
	}
	for i := range v {
		v[i] = float32(std * rng.NormFloat64())
	}
	if len(shape) == 1 && (strings.HasSuffix(name, "norm.weight") || strings.HasSuffix(name, "LayerNorm.weight") || strings.HasSuffix(name, "layernorm.weight") || strings.HasSuffix(name, "layer_norm1.weight") || strings.HasSuffix(name, "layer_norm2.weight")) {
		for i := range v {
			v[i] += 1
		}
	}
	s.shapes[name], s.data[name] = shape, v
}

func (s *synthetic) linear(rng *rand.Rand, name string, in, out int, bias bool) {
	s.add(rng, name+".weight", out, in)
	if bias {
		s.add(rng, name+".bias", out)
	}
}

func (s *synthetic) norm(rng *rand.Rand, name string, dim int, bias bool) {
	s.add(rng, name+".weight", dim)
	if bias {
		s.add(rng, name+".bias", dim)
	}
}

// newSynthetic writes every tensor a BLIP-2 checkpoint of config c holds.
func newSynthetic(c *config.Blip2Config, seed uint64) *synthetic {
	rng := rand.New(rand.NewPCG(seed, 99))
	s := &synthetic{shapes: map[string][]int{}, data: map[string][]float32{}}
	v, q := c.Vision, c.QFormer
	h, p := v.HiddenSize, v.PatchSize
	s.add(rng, "vision_model.embeddings.class_embedding", 1, 1, h)
	s.add(rng, "vision_model.embeddings.patch_embedding.weight", h, 3, p, p)
	s.add(rng, "vision_model.embeddings.patch_embedding.bias", h)
	s.add(rng, "vision_model.embeddings.position_embedding", 1, v.NumPositions(), h)
	for i := 0; i < v.NumHiddenLayers; i++ {
		l := fmt.Sprintf("vision_model.encoder.layers.%d.", i)
		s.norm(rng, l+"layer_norm1", h, true)
		s.norm(rng, l+"layer_norm2", h, true)
		s.linear(rng, l+"self_attn.qkv", h, 3*h, true)
		s.linear(rng, l+"self_attn.projection", h, h, true)
		s.linear(rng, l+"mlp.fc1", h, v.IntermediateSize, true)
		s.linear(rng, l+"mlp.fc2", v.IntermediateSize, h, true)
	}
	s.norm(rng, "vision_model.post_layernorm", h, true)
	H := q.HiddenSize
	s.add(rng, "query_tokens", 1, c.NumQueryTokens, H)
	s.norm(rng, "qformer.layernorm", H, true)
	for i := 0; i < q.NumHiddenLayers; i++ {
		l := fmt.Sprintf("qformer.encoder.layer.%d.", i)
		attn := func(pre string, kv int) {
			s.linear(rng, pre+"attention.query", H, H, true)
			s.linear(rng, pre+"attention.key", kv, H, true)
			s.linear(rng, pre+"attention.value", kv, H, true)
			s.linear(rng, pre+"output.dense", H, H, true)
			s.norm(rng, pre+"output.LayerNorm", H, true)
		}
		attn(l+"attention.", H)
		if q.HasCrossAttention(i) {
			attn(l+"crossattention.", q.EncoderHiddenSize)
		}
		for _, part := range [][2]string{{"intermediate_query", "output_query"}, {"intermediate", "output"}} {
			s.linear(rng, l+part[0]+".dense", H, q.IntermediateSize, true)
			s.linear(rng, l+part[1]+".dense", q.IntermediateSize, H, true)
			s.norm(rng, l+part[1]+".LayerNorm", H, true)
		}
	}
	s.add(rng, "embeddings.word_embeddings.weight", q.VocabSize, H)
	s.add(rng, "embeddings.position_embeddings.weight", q.MaxPositionEmbeddings, H)
	s.linear(rng, "vision_projection", H, c.ImageTextHiddenSize, true)
	s.linear(rng, "text_projection", H, c.ImageTextHiddenSize, true)
	s.linear(rng, "itm_head", H, 2, true)
	s.linear(rng, "language_projection", H, c.TextHiddenSize(), true)
	if o := c.OPT; o != nil {
		d, e, pre := o.HiddenSize, o.WordEmbedProjDim, "language_model.model.decoder."
		s.add(rng, pre+"embed_tokens.weight", o.VocabSize, e)
		s.add(rng, pre+"embed_positions.weight", o.MaxPositionEmbeddings+2, d)
		if e != d {
			s.linear(rng, pre+"project_in", e, d, false)
			s.linear(rng, pre+"project_out", d, e, false)
		}
		for i := 0; i < o.NumHiddenLayers; i++ {
			l := fmt.Sprintf("%slayers.%d.", pre, i)
			for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				s.linear(rng, l+"self_attn."+n, d, d, true)
			}
			s.norm(rng, l+"self_attn_layer_norm", d, true)
			s.linear(rng, l+"fc1", d, o.FFNDim, true)
			s.linear(rng, l+"fc2", o.FFNDim, d, true)
			s.norm(rng, l+"final_layer_norm", d, true)
		}
		s.norm(rng, pre+"final_layer_norm", d, true)
	}
	if t := c.T5; t != nil {
		d, inner := t.DModel, t.NumHeads*t.DKV
		s.add(rng, "language_model.shared.weight", t.VocabSize, d)
		s.add(rng, "language_model.lm_head.weight", t.VocabSize, d)
		block := func(pre string, i int, decoder bool) {
			attn := func(name string) {
				for _, n := range []string{"q", "k", "v"} {
					s.linear(rng, name+"."+n, d, inner, false)
				}
				s.linear(rng, name+".o", inner, d, false)
			}
			attn(pre + "layer.0.SelfAttention")
			if i == 0 {
				s.add(rng, pre+"layer.0.SelfAttention.relative_attention_bias.weight", t.RelativeAttentionNumBuckets, t.NumHeads)
			}
			s.norm(rng, pre+"layer.0.layer_norm", d, false)
			ff := pre + "layer.1."
			if decoder {
				attn(pre + "layer.1.EncDecAttention")
				s.norm(rng, pre+"layer.1.layer_norm", d, false)
				ff = pre + "layer.2."
			}
			if t.IsGatedAct {
				s.linear(rng, ff+"DenseReluDense.wi_0", d, t.DFF, false)
				s.linear(rng, ff+"DenseReluDense.wi_1", d, t.DFF, false)
			} else {
				s.linear(rng, ff+"DenseReluDense.wi", d, t.DFF, false)
			}
			s.linear(rng, ff+"DenseReluDense.wo", t.DFF, d, false)
			s.norm(rng, ff+"layer_norm", d, false)
		}
		for i := 0; i < t.NumLayers; i++ {
			block(fmt.Sprintf("language_model.encoder.block.%d.", i), i, false)
		}
		for i := 0; i < t.NumDecoderLayers; i++ {
			block(fmt.Sprintf("language_model.decoder.block.%d.", i), i, true)
		}
		s.norm(rng, "language_model.encoder.final_layer_norm", d, false)
		s.norm(rng, "language_model.decoder.final_layer_norm", d, false)
	}
	return s
}
