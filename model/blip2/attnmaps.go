package blip2

import (
	"math"

	"blip2/model/nn"
)

// AttentionMap is where one cross-attention layer's queries look: the
// softmax weights over the image tokens (CLS first, then the patches row
// by row), per head and query, for the first image of a batch.
type AttentionMap struct {
	Layer        int
	Heads, Q, Nv int
	Weights      []float32 // (Heads, Q, Nv)
}

// Mean is the weights averaged over heads, for query q, or over every
// query and head when q < 0: (Nv).
func (a *AttentionMap) Mean(q int) []float32 {
	out := make([]float32, a.Nv)
	n := 0
	for h := 0; h < a.Heads; h++ {
		for i := 0; i < a.Q; i++ {
			if q >= 0 && i != q {
				continue
			}
			row := a.Weights[(h*a.Q+i)*a.Nv : (h*a.Q+i+1)*a.Nv]
			for j, w := range row {
				out[j] += w
			}
			n++
		}
	}
	for j := range out {
		out[j] /= float32(n)
	}
	return out
}

// CrossAttentionMaps runs the query path over image features (B, Nv, Dv)
// and returns every cross-attention layer's weights for image 0 (the
// Q-Former's own pass, with its keys and queries read back and the
// softmax taken on the host), and the query outputs, which the caller
// frees.
func (m *Model) CrossAttentionMaps(b nn.Backend, image nn.Tensor) ([]AttentionMap, []nn.Tensor, error) {
	c := m.Config.QFormer
	heads := c.NumAttentionHeads
	d := c.HiddenSize / heads
	scale := 1 / math.Sqrt(float64(d))
	var maps []AttentionMap
	var readErr error
	batch := image.Shape()[0]
	nq := m.Config.NumQueryTokens
	q := repeat(b, &m.QueryTokens, batch, nq, c.HiddenSize)
	hidden := m.QFormer.Forward(b, QFormerInput{Embeds: q, NQ: nq, Image: image,
		OnCross: func(layer int, ca *QFormerAttention, hq nn.Tensor) {
			qt, kt := ca.Query.Forward(b, hq), ca.Key.Forward(b, image)
			qv, err1 := b.Read(qt)
			kv, err2 := b.Read(kt)
			b.Free(qt, kt)
			if err1 != nil || err2 != nil {
				readErr = firstErr(err1, err2)
				return
			}
			nv := kt.Shape()[1]
			a := AttentionMap{Layer: layer, Heads: heads, Q: nq, Nv: nv, Weights: make([]float32, heads*nq*nv)}
			for h := 0; h < heads; h++ {
				for i := 0; i < nq; i++ {
					row := a.Weights[(h*nq+i)*nv : (h*nq+i+1)*nv]
					qi := qv[i*heads*d+h*d : i*heads*d+(h+1)*d]
					softmaxDots(row, qi, kv, heads*d, h*d, scale)
				}
			}
			maps = append(maps, a)
		}})
	b.Free(q)
	return maps, hidden, firstErr(readErr, b.Err())
}

// softmaxDots fills row with softmax_j(scale · q·k_j), k_j the d values of
// row j of keys (stride apart) from offset off.
func softmaxDots(row, q, keys []float32, stride, off int, scale float64) {
	best := math.Inf(-1)
	s := make([]float64, len(row))
	for j := range row {
		var dot float64
		k := keys[j*stride+off : j*stride+off+len(q)]
		for t := range q {
			dot += float64(q[t]) * float64(k[t])
		}
		s[j] = dot * scale
		best = math.Max(best, s[j])
	}
	var sum float64
	for j := range s {
		s[j] = math.Exp(s[j] - best)
		sum += s[j]
	}
	for j := range row {
		row[j] = float32(s[j] / sum)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
