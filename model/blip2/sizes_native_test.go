//go:build !(js && wasm)

package blip2

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"blip2/model/blip2/synthetic"
	"blip2/model/config"
	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/gpu/gputest"
	"blip2/model/weights"
)

// sizeConfigs differ from the reference sets and from each other in every
// size: widths, head counts (odd head dims), query counts, patch grids,
// vocabularies, layer counts, cross-attention frequencies; T5 with a plain
// ReLU feed-forward.
var sizeConfigs = []string{
	`{"model_type":"blip-2","num_query_tokens":5,"image_text_hidden_size":12,
	  "vision_config":{"hidden_size":20,"intermediate_size":36,"num_hidden_layers":3,"num_attention_heads":4,"image_size":20,"patch_size":5},
	  "qformer_config":{"hidden_size":30,"intermediate_size":44,"num_hidden_layers":3,"num_attention_heads":3,"cross_attention_frequency":3,"vocab_size":53,"max_position_embeddings":16},
	  "text_config":{"model_type":"opt","vocab_size":71,"hidden_size":36,"word_embed_proj_dim":36,"num_hidden_layers":3,"num_attention_heads":6,"ffn_dim":52,"max_position_embeddings":40,"pad_token_id":1,"bos_token_id":2,"eos_token_id":2}}`,
	`{"model_type":"blip-2","num_query_tokens":3,"image_text_hidden_size":8,
	  "vision_config":{"hidden_size":16,"intermediate_size":28,"num_hidden_layers":1,"num_attention_heads":1,"image_size":21,"patch_size":7},
	  "qformer_config":{"hidden_size":20,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":5,"cross_attention_frequency":1,"vocab_size":41,"max_position_embeddings":12},
	  "text_config":{"model_type":"t5","vocab_size":47,"d_model":24,"d_kv":7,"d_ff":30,"num_heads":3,"num_layers":1,"num_decoder_layers":3,"feed_forward_proj":"relu","relative_attention_num_buckets":10,"relative_attention_max_distance":14}}`,
}

// randomInputs makes inputs for a config: padded Q-Former text, a padded
// LM prompt, a generation prompt, and T5 decoder ids.
func randomInputs(c *config.Blip2Config, rng *rand.Rand) *Inputs {
	const batch = 2
	s := c.Vision.ImageSize
	in := &Inputs{PixelShape: []int{batch, 3, s, s}}
	for i := 0; i < batch*3*s*s; i++ {
		in.Pixels = append(in.Pixels, float32(rng.NormFloat64()))
	}
	ids := func(vocab, n, pad int) ([][]int, [][]int) {
		out, mask := make([][]int, batch), make([][]int, batch)
		for b := range out {
			valid := n - b // the second row is padded
			for j := 0; j < n; j++ {
				if j < valid {
					out[b] = append(out[b], 3+rng.IntN(vocab-3))
					mask[b] = append(mask[b], 1)
				} else {
					out[b] = append(out[b], pad)
					mask[b] = append(mask[b], 0)
				}
			}
		}
		return out, mask
	}
	in.QFormerIDs, in.QFormerMask = ids(c.QFormer.VocabSize, 5, 0)
	lmVocab := 0
	if c.OPT != nil {
		lmVocab = c.OPT.VocabSize
	} else {
		lmVocab = c.T5.VocabSize
	}
	in.InputIDs, in.AttentionMask = ids(lmVocab, 4, 0)
	in.GenIDs, in.GenMask = ids(lmVocab, 3, 0)
	in.GenIDs[1][2], in.GenMask[1][2] = 3, 1 // generation prompts unpadded
	if c.T5 != nil {
		in.DecoderIDs, in.DecoderMask = ids(lmVocab, 3, 0)
	}
	return in
}

// TestOtherSizesMatchTheHostReference runs models of other sizes through the
// GPU kernels and through the host reference (which matches Hugging Face on
// the reference sets) and compares every output.
func TestOtherSizesMatchTheHostReference(t *testing.T) {
	d := gputest.Open(t)
	for i, js := range sizeConfigs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			cfg, err := config.Parse([]byte(js))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(cfg, synthetic.Checkpoint(cfg, uint64(i)))
			if err != nil {
				t.Fatal(err)
			}
			in := randomInputs(cfg, rand.New(rand.NewPCG(uint64(i), 5)))
			want, err := m.ReferenceOutputs(cpu.New(), in)
			if err != nil {
				t.Fatal(err)
			}
			b := gpu.NewBackend(d)
			defer b.ReleaseParams()
			got, err := m.ReferenceOutputs(b, in)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := weights.Write(&buf, want, nil); err != nil {
				t.Fatal(err)
			}
			ref, err := weights.NewFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range CompareOutputs(got, ref, 1e-4, 1e-4) {
				if isIDs(p) && closeCall(want) {
					t.Logf("%s (a near-tie in the logits; allowed)", p)
					continue
				}
				t.Error(p)
			}
			t.Logf("%d outputs compared", len(want))
		})
	}
}

func isIDs(problem string) bool { return len(problem) > 13 && problem[:13] == "generated_ids" }

// closeCall reports whether some greedy step had its top two logits within
// 1e-3, where float summation order may legitimately pick either.
func closeCall(outs []weights.Tensor) bool {
	for _, o := range outs {
		if len(o.Shape) != 3 || o.Name[:min(16, len(o.Name))] != "generated_scores" {
			continue
		}
		v := o.Data.([]float32)
		n := o.Shape[2]
		for r := 0; r+n <= len(v); r += n {
			a, b := math.Inf(-1), math.Inf(-1)
			for _, x := range v[r : r+n] {
				if float64(x) > a {
					a, b = float64(x), a
				} else if float64(x) > b {
					b = float64(x)
				}
			}
			if a-b < 1e-3 {
				return true
			}
		}
	}
	return false
}
