package blip2

import (
	"math"

	"blip2/model/nn"
)

// attend runs one T5 attention: q from x, k/v from kv (or from the cache),
// no scaling, additive position bias and key mask.
func (a *T5Attention) attend(b nn.Backend, x, k, v nn.Tensor, heads int, mode nn.MaskMode, past int, bias nn.Tensor) nn.Tensor {
	q := a.Q.Forward(b, x)
	ctx := b.Attention(q, k, v, nn.Attn{Heads: heads, Scale: 1, Mode: mode, Past: past, Bias: bias})
	out := a.O.Forward(b, ctx)
	b.Free(q, ctx)
	return out
}

// residual returns x + f(norm(x)).
func residual(b nn.Backend, x nn.Tensor, norm *nn.RMSNorm, f func(n nn.Tensor) nn.Tensor) nn.Tensor {
	n := norm.Forward(b, x)
	y := f(n)
	out := b.Add(x, y)
	b.Free(n, y)
	return out
}

// Encode runs the encoder over embeddings (B, T, d) with mask (B, T). It
// returns every hidden state; the last is after the final RMSNorm and is
// what the decoder attends to.
func (m *T5) Encode(b nn.Backend, x nn.Tensor, mask [][]int) []nn.Tensor {
	_, t, _ := nn.Dims(x)
	heads := m.cfg.NumHeads
	bias := m.positionBias(b, m.Encoder.Blocks[0].SelfAttn.RelBias, mask, t, 0, true)
	hidden := []nn.Tensor{x}
	h := x
	for i := range m.Encoder.Blocks {
		bl := &m.Encoder.Blocks[i]
		h1 := residual(b, h, &bl.SelfNorm, func(n nn.Tensor) nn.Tensor {
			k, v := bl.SelfAttn.K.Forward(b, n), bl.SelfAttn.V.Forward(b, n)
			defer b.Free(k, v)
			return bl.SelfAttn.attend(b, n, k, v, heads, nn.MaskNone, 0, bias)
		})
		h = residual(b, h1, &bl.FFNorm, func(n nn.Tensor) nn.Tensor { return bl.FF.Forward(b, n, m.cfg.DenseActFn) })
		b.Free(h1)
		hidden = append(hidden, h)
	}
	b.Free(bias)
	last := m.Encoder.FinalNorm.Forward(b, h)
	b.Free(h)
	hidden[len(hidden)-1] = last
	return hidden
}

// T5Cache is the decoder's state across generation steps: self-attention
// keys and values per block, and the cross-attention keys and values of the
// encoder output, computed once.
type T5Cache struct {
	SelfK, SelfV   []nn.Tensor
	CrossK, CrossV []nn.Tensor
	Past           int
}

// Decode runs the decoder over token ids (B, T) attending to the encoder
// output enc with encoder mask encMask. decMask (B, past+T) masks decoder
// keys. It returns the hidden states (the last after the final RMSNorm) and
// the logits (B, T, V). With a cache, the new positions follow the cached
// ones and the cache is extended.
func (m *T5) Decode(b nn.Backend, ids [][]int, enc nn.Tensor, encMask, decMask [][]int, cache *T5Cache) (hidden []nn.Tensor, logits nn.Tensor) {
	batch, t := len(ids), len(ids[0])
	heads := m.cfg.NumHeads
	past := 0
	if cache != nil {
		past = cache.Past
	}
	x := b.Reshape(b.Embed(b.Param(&m.Shared), flatten(ids)), batch, t, m.cfg.DModel)
	bias := m.positionBias(b, m.Decoder.Blocks[0].SelfAttn.RelBias, decMask, t, past, false)
	crossMask := keyMask(b, encMask)
	hidden = []nn.Tensor{x}
	h := x
	for i := range m.Decoder.Blocks {
		bl := &m.Decoder.Blocks[i]
		h1 := residual(b, h, &bl.SelfNorm, func(n nn.Tensor) nn.Tensor {
			k, v := bl.SelfAttn.K.Forward(b, n), bl.SelfAttn.V.Forward(b, n)
			if cache != nil {
				if past > 0 {
					k2, v2 := b.Concat(cache.SelfK[i], k), b.Concat(cache.SelfV[i], v)
					b.Free(cache.SelfK[i], cache.SelfV[i], k, v)
					k, v = k2, v2
				} else {
					cache.SelfK, cache.SelfV = append(cache.SelfK, nil), append(cache.SelfV, nil)
				}
				cache.SelfK[i], cache.SelfV[i] = k, v
			} else {
				defer b.Free(k, v)
			}
			return bl.SelfAttn.attend(b, n, k, v, heads, nn.MaskCausal, past, bias)
		})
		h2 := residual(b, h1, &bl.CrossNorm, func(n nn.Tensor) nn.Tensor {
			var k, v nn.Tensor
			if cache != nil && len(cache.CrossK) > i {
				k, v = cache.CrossK[i], cache.CrossV[i]
			} else {
				k, v = bl.CrossAttn.K.Forward(b, enc), bl.CrossAttn.V.Forward(b, enc)
				if cache != nil {
					cache.CrossK, cache.CrossV = append(cache.CrossK, k), append(cache.CrossV, v)
				} else {
					defer b.Free(k, v)
				}
			}
			return bl.CrossAttn.attend(b, n, k, v, heads, nn.MaskNone, 0, crossMask)
		})
		h = residual(b, h2, &bl.FFNorm, func(n nn.Tensor) nn.Tensor { return bl.FF.Forward(b, n, m.cfg.DenseActFn) })
		b.Free(h1, h2)
		hidden = append(hidden, h)
	}
	b.Free(bias, crossMask)
	last := m.Decoder.FinalNorm.Forward(b, h)
	b.Free(h)
	hidden[len(hidden)-1] = last
	out := last
	if m.cfg.TieWordEmbeddings {
		// A tied head rescales by d_model^-0.5 first (Mesh TensorFlow).
		s := make([]float32, m.cfg.DModel)
		for i := range s {
			s[i] = float32(1 / math.Sqrt(float64(m.cfg.DModel)))
		}
		st := b.Upload(s, m.cfg.DModel)
		out = b.Mul(last, st)
		b.Free(st)
	}
	logits = b.Linear(out, b.Param(m.head()), nil)
	if out != last {
		b.Free(out)
	}
	if cache != nil {
		cache.Past = past + t
	}
	return hidden, logits
}
