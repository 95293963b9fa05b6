package gpu

import (
	"blip2/model/cpu"
	"blip2/model/nn"
)

// Linear is x·wᵀ + bias through the matmul kernels (variant per adapter).
func (b *Backend) Linear(x, w, bias nn.Tensor) nn.Tensor {
	switch w := w.(type) {
	case *rowChunks:
		return b.linearChunks(dev(x), w, dev(bias))
	case *quantWeight:
		return b.linearQuant(dev(x), w, dev(bias))
	}
	return b.D.Linear(dev(x), dev(w), dev(bias))
}

// Attention maps nn.Attn onto the fused kernel; the bias's rank says how it
// broadcasts.
func (b *Backend) Attention(q, k, v nn.Tensor, a nn.Attn) nn.Tensor {
	o := AttentionOpts{Mode: cpu.MaskMode(a.Mode), NQ: a.NQ, Past: a.Past, Scale: a.Scale}
	if a.Bias != nil {
		t := dev(a.Bias)
		switch s := t.shape; len(s) {
		case 2: // (B, Tk) key padding
			o.Bias = t.Reshape(s[0], 1, 1, s[1])
		case 3: // (H, Tq, Tk)
			o.Bias = t.Reshape(1, s[0], s[1], s[2])
		case 4:
			o.Bias = t
		default:
			b.D.failf("attention: bias of shape %v", s)
			return q
		}
	}
	qt, kt, vt := dev(q), dev(k), dev(v)
	dim := qt.Cols() / max(a.Heads, 1)
	if dim%4 == 0 || a.Heads <= 0 {
		out, lse := b.D.Attention(qt, kt, vt, a.Heads, o)
		lse.Release()
		return out
	}
	// The fused kernel reads heads as vec4: pad each head with zeros, which
	// change neither the scores nor the weighted sums, and trim after.
	pd := (dim + 3) / 4 * 4
	pad := func(t *Tensor) *Tensor {
		p := b.D.PadLast(t.Reshape(t.Dim(0), t.Dim(1), a.Heads, dim), pd)
		return p.Reshape(t.Dim(0), t.Dim(1), a.Heads*pd)
	}
	pq, pk, pv := pad(qt), pad(kt), pad(vt)
	out, lse := b.D.Attention(pq, pk, pv, a.Heads, o)
	trimmed := b.D.TrimLast(out.Reshape(qt.Dim(0), qt.Dim(1), a.Heads, pd), dim)
	for _, t := range []*Tensor{pq, pk, pv, out, lse} {
		t.Release()
	}
	return trimmed.Reshape(qt.shape...)
}
