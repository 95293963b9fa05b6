package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"blip2/model/blip2"
	"blip2/model/config"
	"blip2/model/weights"
)

// memStore is a Hugging Face-layout checkpoint made up in memory: a model
// of any size without files.
type memStore struct {
	shapes map[string][]int
	data   map[string][]float32
	rng    *rand.Rand
}

func (s *memStore) Names() []string {
	out := make([]string, 0, len(s.shapes))
	for n := range s.shapes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *memStore) Info(name string) (weights.TensorInfo, bool) {
	sh, ok := s.shapes[name]
	return weights.TensorInfo{Name: name, DType: weights.F32, Shape: sh}, ok
}

func (s *memStore) ReadF32(name string) ([]float32, error) {
	if d, ok := s.data[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("no tensor %s", name)
}

// put adds a random tensor: matrices with variance 1/fan-in, so no block
// is negligible; vectors small, LayerNorm scales near 1.
func (s *memStore) put(name string, shape ...int) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	std := 0.1
	if len(shape) >= 2 {
		std = 1 / math.Sqrt(float64(shape[len(shape)-1]))
	}
	v := make([]float32, n)
	scale := len(shape) == 1 && strings.HasSuffix(name, ".weight") && strings.Contains(strings.ToLower(name), "norm")
	for i := range v {
		v[i] = float32(std * s.rng.NormFloat64())
		if scale {
			v[i]++
		}
	}
	s.shapes[name], s.data[name] = shape, v
}

func (s *memStore) lin(name string, in, out int, bias bool) {
	s.put(name+".weight", out, in)
	if bias {
		s.put(name+".bias", out)
	}
}

func (s *memStore) ln(name string, dim int) {
	s.put(name+".weight", dim)
	s.put(name+".bias", dim)
}

func newMemStore(seed uint64) *memStore {
	return &memStore{shapes: map[string][]int{}, data: map[string][]float32{}, rng: rand.New(rand.NewPCG(seed, 77))}
}

// syntheticModel builds a training model (ViT, Q-Former with its ITG head,
// OPT) of config js with random weights.
func syntheticModel(js string, seed uint64) (*Model, error) {
	c, err := config.Parse([]byte(js))
	if err != nil {
		return nil, err
	}
	s := newMemStore(seed)
	v, q := c.Vision, c.QFormer
	h := v.HiddenSize
	s.put("vision_model.embeddings.class_embedding", 1, 1, h)
	s.put("vision_model.embeddings.patch_embedding.weight", h, 3, v.PatchSize, v.PatchSize)
	s.put("vision_model.embeddings.patch_embedding.bias", h)
	s.put("vision_model.embeddings.position_embedding", 1, v.NumPositions(), h)
	for i := 0; i < v.NumHiddenLayers; i++ {
		l := fmt.Sprintf("vision_model.encoder.layers.%d.", i)
		s.ln(l+"layer_norm1", h)
		s.ln(l+"layer_norm2", h)
		s.lin(l+"self_attn.qkv", h, 3*h, true)
		s.lin(l+"self_attn.projection", h, h, true)
		s.lin(l+"mlp.fc1", h, v.IntermediateSize, true)
		s.lin(l+"mlp.fc2", v.IntermediateSize, h, true)
	}
	s.ln("vision_model.post_layernorm", h)
	H := q.HiddenSize
	s.put("query_tokens", 1, c.NumQueryTokens, H)
	s.ln("qformer.layernorm", H)
	for i := 0; i < q.NumHiddenLayers; i++ {
		l := fmt.Sprintf("qformer.encoder.layer.%d.", i)
		attn := func(pre string, kv int) {
			s.lin(pre+"attention.query", H, H, true)
			s.lin(pre+"attention.key", kv, H, true)
			s.lin(pre+"attention.value", kv, H, true)
			s.lin(pre+"output.dense", H, H, true)
			s.ln(pre+"output.LayerNorm", H)
		}
		attn(l+"attention.", H)
		if q.HasCrossAttention(i) {
			attn(l+"crossattention.", q.EncoderHiddenSize)
		}
		for _, part := range [][2]string{{"intermediate_query", "output_query"}, {"intermediate", "output"}} {
			s.lin(l+part[0]+".dense", H, q.IntermediateSize, true)
			s.lin(l+part[1]+".dense", q.IntermediateSize, H, true)
			s.ln(l+part[1]+".LayerNorm", H)
		}
	}
	s.put("embeddings.word_embeddings.weight", q.VocabSize, H)
	s.put("embeddings.position_embeddings.weight", q.MaxPositionEmbeddings, H)
	s.lin("vision_projection", H, c.ImageTextHiddenSize, true)
	s.lin("text_projection", H, c.ImageTextHiddenSize, true)
	s.lin("itm_head", H, 2, true)
	o := c.OPT
	s.lin("language_projection", H, o.HiddenSize, true)
	d, e, pre := o.HiddenSize, o.WordEmbedProjDim, "language_model.model.decoder."
	s.put(pre+"embed_tokens.weight", o.VocabSize, e)
	s.put(pre+"embed_positions.weight", o.MaxPositionEmbeddings+2, d)
	if e != d {
		s.lin(pre+"project_in", e, d, false)
		s.lin(pre+"project_out", d, e, false)
	}
	for i := 0; i < o.NumHiddenLayers; i++ {
		l := fmt.Sprintf("%slayers.%d.", pre, i)
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			s.lin(l+"self_attn."+n, d, d, true)
		}
		s.ln(l+"self_attn_layer_norm", d)
		s.lin(l+"fc1", d, o.FFNDim, true)
		s.lin(l+"fc2", o.FFNDim, d, true)
		s.ln(l+"final_layer_norm", d)
	}
	s.ln(pre+"final_layer_norm", d)
	bm, err := blip2.Load(c, s)
	if err != nil {
		return nil, err
	}
	hs := newMemStore(seed + 1000)
	hs.lin("cls.predictions.transform.dense", H, H, true)
	hs.ln("cls.predictions.transform.LayerNorm", H)
	hs.put("cls.predictions.bias", q.VocabSize)
	head, err := LoadITGHead(bm, hs)
	if err != nil {
		return nil, err
	}
	return New(bm, head, 0.07)
}

// syntheticBatch is a batch of B pairs for m: random pixels, Q-Former text
// of length T and LM text of length L, every other row padded, fixed ITM
// negatives (the next image, the previous text).
func syntheticBatch(m *Model, B, T, L int, seed uint64) *Batch {
	rng := rand.New(rand.NewPCG(seed, 3))
	c := m.Config
	S := c.Vision.ImageSize
	b := &Batch{PixelShape: []int{B, 3, S, S}, DecID: c.QFormer.VocabSize - 1}
	for i := 0; i < B*3*S*S; i++ {
		b.Pixels = append(b.Pixels, float32(rng.NormFloat64()))
	}
	text := func(n, vocab, first int) (ids, mask [][]int) {
		for i := 0; i < B; i++ {
			valid := n - (i%2)*(1+i%(n-2))
			var row, mrow []int
			for j := 0; j < n; j++ {
				id, mk := 0, 0
				if j < valid {
					id, mk = 3+rng.IntN(vocab-4), 1
					if j == 0 {
						id = first
					}
				}
				row, mrow = append(row, id), append(mrow, mk)
			}
			ids, mask = append(ids, row), append(mask, mrow)
		}
		return ids, mask
	}
	b.IDs, b.Mask = text(T, c.QFormer.VocabSize, 1)
	b.LMIDs, b.LMMask = text(L, c.OPT.VocabSize, 2)
	for i := range b.LMIDs {
		lab := make([]int, L)
		for j := range lab {
			lab[j] = b.LMIDs[i][j]
			if b.LMMask[i][j] == 0 {
				lab[j] = -100
			}
		}
		b.LMLabels = append(b.LMLabels, lab)
		b.NegImage = append(b.NegImage, (i+1)%B)
		b.NegText = append(b.NegText, (i+B-1)%B)
	}
	return b
}
