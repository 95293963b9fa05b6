// Package synthetic makes up BLIP-2 checkpoints in memory, in the exact
// Hugging Face layout of any config, with random weights: tests check the
// model and the trainer on sizes no reference set has. Strict binding
// checks the layout: a missing or misnamed tensor fails to load.
package synthetic

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"blip2/model/config"
	"blip2/model/weights"
)

// Store is a checkpoint in memory; it implements weights.Store. A lazy
// one (Published) holds only names and shapes, and draws a tensor's
// values when it is read.
type Store struct {
	shapes map[string][]int
	data   map[string][]float32
	rng    *rand.Rand
	lazy   bool
	seed   uint64
}

func (s *Store) Names() []string {
	names := make([]string, 0, len(s.shapes))
	for n := range s.shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Store) Info(name string) (weights.TensorInfo, bool) {
	sh, ok := s.shapes[name]
	return weights.TensorInfo{Name: name, DType: weights.F32, Shape: sh}, ok
}

func (s *Store) ReadF32(name string) ([]float32, error) {
	if d, ok := s.data[name]; ok {
		return d, nil
	}
	if sh, ok := s.shapes[name]; ok && s.lazy {
		// Each tensor's own stream, from the seed and its name: the same
		// values whatever is read first.
		h := fnv.New64a()
		h.Write([]byte(name))
		return values(rand.New(rand.NewPCG(s.seed, h.Sum64())), name, sh), nil
	}
	return nil, fmt.Errorf("no tensor %s", name)
}

// Add registers a tensor with random values: LayerNorm weights near 1,
// other vectors small, matrices with variance 1/fan-in (as the reference
// sets are built, so no block is negligible).
func (s *Store) Add(name string, shape ...int) {
	s.shapes[name] = shape
	if !s.lazy {
		s.data[name] = values(s.rng, name, shape)
	}
}

// Delete drops a tensor.
func (s *Store) Delete(name string) { delete(s.shapes, name); delete(s.data, name) }

func values(rng *rand.Rand, name string, shape []int) []float32 {
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
	return v
}

func (s *Store) Linear(name string, in, out int, bias bool) {
	s.Add(name+".weight", out, in)
	if bias {
		s.Add(name+".bias", out)
	}
}

func (s *Store) Norm(name string, dim int, bias bool) {
	s.Add(name+".weight", dim)
	if bias {
		s.Add(name+".bias", dim)
	}
}

// New returns an empty store whose random values follow seed.
func New(seed uint64) *Store {
	return &Store{shapes: map[string][]int{}, data: map[string][]float32{}, rng: rand.New(rand.NewPCG(seed, 99))}
}

// Checkpoint writes every tensor a BLIP-2 checkpoint of config c holds, for
// both the generation and the retrieval classes.
func Checkpoint(c *config.Blip2Config, seed uint64) *Store {
	s := New(seed)
	fill(s, c)
	return s
}

// fill adds every tensor of both classes of config c, in a fixed order.
func fill(s *Store, c *config.Blip2Config) {
	v, q := c.Vision, c.QFormer
	h, p := v.HiddenSize, v.PatchSize
	s.Add("vision_model.embeddings.class_embedding", 1, 1, h)
	s.Add("vision_model.embeddings.patch_embedding.weight", h, 3, p, p)
	s.Add("vision_model.embeddings.patch_embedding.bias", h)
	s.Add("vision_model.embeddings.position_embedding", 1, v.NumPositions(), h)
	for i := 0; i < v.NumHiddenLayers; i++ {
		l := fmt.Sprintf("vision_model.encoder.layers.%d.", i)
		s.Norm(l+"layer_norm1", h, true)
		s.Norm(l+"layer_norm2", h, true)
		s.Linear(l+"self_attn.qkv", h, 3*h, true)
		s.Linear(l+"self_attn.projection", h, h, true)
		s.Linear(l+"mlp.fc1", h, v.IntermediateSize, true)
		s.Linear(l+"mlp.fc2", v.IntermediateSize, h, true)
	}
	s.Norm("vision_model.post_layernorm", h, true)
	H := q.HiddenSize
	s.Add("query_tokens", 1, c.NumQueryTokens, H)
	s.Norm("qformer.layernorm", H, true)
	for i := 0; i < q.NumHiddenLayers; i++ {
		l := fmt.Sprintf("qformer.encoder.layer.%d.", i)
		attn := func(pre string, kv int) {
			s.Linear(pre+"attention.query", H, H, true)
			s.Linear(pre+"attention.key", kv, H, true)
			s.Linear(pre+"attention.value", kv, H, true)
			s.Linear(pre+"output.dense", H, H, true)
			s.Norm(pre+"output.LayerNorm", H, true)
		}
		attn(l+"attention.", H)
		if q.HasCrossAttention(i) {
			attn(l+"crossattention.", q.EncoderHiddenSize)
		}
		for _, part := range [][2]string{{"intermediate_query", "output_query"}, {"intermediate", "output"}} {
			s.Linear(l+part[0]+".dense", H, q.IntermediateSize, true)
			s.Linear(l+part[1]+".dense", q.IntermediateSize, H, true)
			s.Norm(l+part[1]+".LayerNorm", H, true)
		}
	}
	s.Add("embeddings.word_embeddings.weight", q.VocabSize, H)
	s.Add("embeddings.position_embeddings.weight", q.MaxPositionEmbeddings, H)
	s.Linear("vision_projection", H, c.ImageTextHiddenSize, true)
	s.Linear("text_projection", H, c.ImageTextHiddenSize, true)
	s.Linear("itm_head", H, 2, true)
	s.Linear("language_projection", H, c.TextHiddenSize(), true)
	if o := c.OPT; o != nil {
		d, e, pre := o.HiddenSize, o.WordEmbedProjDim, "language_model.model.decoder."
		s.Add(pre+"embed_tokens.weight", o.VocabSize, e)
		s.Add(pre+"embed_positions.weight", o.MaxPositionEmbeddings+2, d)
		if e != d {
			s.Linear(pre+"project_in", e, d, false)
			s.Linear(pre+"project_out", d, e, false)
		}
		for i := 0; i < o.NumHiddenLayers; i++ {
			l := fmt.Sprintf("%slayers.%d.", pre, i)
			for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				s.Linear(l+"self_attn."+n, d, d, true)
			}
			s.Norm(l+"self_attn_layer_norm", d, true)
			s.Linear(l+"fc1", d, o.FFNDim, true)
			s.Linear(l+"fc2", o.FFNDim, d, true)
			s.Norm(l+"final_layer_norm", d, true)
		}
		s.Norm(pre+"final_layer_norm", d, true)
	}
	if t := c.T5; t != nil {
		d, inner := t.DModel, t.NumHeads*t.DKV
		s.Add("language_model.shared.weight", t.VocabSize, d)
		s.Add("language_model.lm_head.weight", t.VocabSize, d)
		block := func(pre string, i int, decoder bool) {
			attn := func(name string) {
				for _, n := range []string{"q", "k", "v"} {
					s.Linear(name+"."+n, d, inner, false)
				}
				s.Linear(name+".o", inner, d, false)
			}
			attn(pre + "layer.0.SelfAttention")
			if i == 0 {
				s.Add(pre+"layer.0.SelfAttention.relative_attention_bias.weight", t.RelativeAttentionNumBuckets, t.NumHeads)
			}
			s.Norm(pre+"layer.0.layer_norm", d, false)
			ff := pre + "layer.1."
			if decoder {
				attn(pre + "layer.1.EncDecAttention")
				s.Norm(pre+"layer.1.layer_norm", d, false)
				ff = pre + "layer.2."
			}
			if t.IsGatedAct {
				s.Linear(ff+"DenseReluDense.wi_0", d, t.DFF, false)
				s.Linear(ff+"DenseReluDense.wi_1", d, t.DFF, false)
			} else {
				s.Linear(ff+"DenseReluDense.wi", d, t.DFF, false)
			}
			s.Linear(ff+"DenseReluDense.wo", t.DFF, d, false)
			s.Norm(ff+"layer_norm", d, false)
		}
		for i := 0; i < t.NumLayers; i++ {
			block(fmt.Sprintf("language_model.encoder.block.%d.", i), i, false)
		}
		for i := 0; i < t.NumDecoderLayers; i++ {
			block(fmt.Sprintf("language_model.decoder.block.%d.", i), i, true)
		}
		s.Norm("language_model.encoder.final_layer_norm", d, false)
		s.Norm("language_model.decoder.final_layer_norm", d, false)
	}
}
