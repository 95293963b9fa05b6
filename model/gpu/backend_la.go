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
	// The fused kernel reads heads as vec4: pad each head with zeros and
	// trim the output.
	pd := PaddedHeadDim(dim)
	pq, pk, pv := b.D.PadHeads(qt, a.Heads, pd), b.D.PadHeads(kt, a.Heads, pd), b.D.PadHeads(vt, a.Heads, pd)
	out, lse := b.D.Attention(pq, pk, pv, a.Heads, o)
	trimmed := b.D.TrimHeads(out, a.Heads, dim)
	for _, t := range []*Tensor{pq, pk, pv, out, lse} {
		t.Release()
	}
	return trimmed
}
