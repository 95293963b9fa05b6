package train

import (
	"math"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/weights"
)

// The ViT as a trained model (stage 0): the same pre-LN blocks the
// inference code runs, with the activations each backward needs. Only the
// CLS token leaves the encoder here, through post_layernorm; stage 1 later
// retrains that LayerNorm as ln_vision over every token.

type vitLayerSave struct {
	ln1, ln2             lnSave
	n, n2, ctx, f1, actv []float32
	a                    attnSave
}

type vitPass struct {
	B, T, P, h, op int
	patches        []float32 // (B, P, 3·p·p)
	layers         []vitLayerSave
	post           lnSave
}

// patchMatrix views the conv weight (h, 3, p, p) as the (h, 3·p·p) matrix
// it is used as; the view keeps the name, so gradients land on it.
func patchMatrix(v *blip2.VisionModel) *weights.Param {
	w := &v.Embeddings.Patch.Weight
	return &weights.Param{Name: w.Name, Shape: []int{w.Shape[0], len(w.Data) / w.Shape[0]}, Data: w.Data}
}

// vitParams are the ViT's trainable tensors: every bound one except the
// fused qkv, which trains through its split views, and the never-present
// k bias.
func vitParams(v *blip2.VisionModel) []*weights.Param {
	var ps []*weights.Param
	for _, p := range weights.Params(v) {
		if n := p.Name; !isFusedQKV(n) {
			ps = append(ps, p)
		}
	}
	for i := range v.Layers {
		a := &v.Layers[i].SelfAttn
		q, k, val := a.Projections()
		ps = append(ps, &q.Weight, &k.Weight, &val.Weight)
		if a.QKVBias != nil || a.QBias != nil {
			ps = append(ps, &q.Bias, &val.Bias)
		}
	}
	return ps
}

func isFusedQKV(name string) bool {
	for _, s := range []string{"self_attn.qkv.weight", "self_attn.qkv.bias", "self_attn.q_bias", "self_attn.v_bias"} {
		if len(name) >= len(s) && name[len(name)-len(s):] == s {
			return true
		}
	}
	return false
}

// vitForward returns post_layernorm(CLS) (B, h) for pixels (B, 3, S, S).
func (m *Model) vitForward(pixels []float32, shape []int) ([]float32, *vitPass) {
	v, c := m.Vision, m.Config.Vision
	B, S, p, h := shape[0], shape[2], c.PatchSize, c.HiddenSize
	op, _ := cpu.ActOp(c.HiddenAct)
	P := (S / p) * (S / p)
	T := 1 + P
	s := &vitPass{B: B, T: T, P: P, h: h, op: op, patches: make([]float32, B*P*3*p*p)}
	cpu.Im2ColForward(s.patches, pixels, B, 3, S, S, p)
	xp := linearW(patchMatrix(v), v.Embeddings.Patch.Bias.Data, s.patches, B*P)
	x := make([]float32, B*T*h)
	pos := v.Embeddings.Position.Data
	for b := 0; b < B; b++ {
		blk := x[b*T*h : (b+1)*T*h]
		copy(blk[:h], v.Embeddings.Class.Data)
		copy(blk[h:], xp[b*P*h:(b+1)*P*h])
		addTo(blk, pos)
	}
	heads := c.NumAttentionHeads
	ap := cpu.AttentionParams{B: B, Tq: T, Tk: T, H: heads, D: h / heads, Scale: float32(1 / math.Sqrt(float64(h/heads))), Mode: cpu.MaskNone}
	rows := B * T
	s.layers = make([]vitLayerSave, len(v.Layers))
	for i := range v.Layers {
		l, ls := &v.Layers[i], &s.layers[i]
		q, k, val := l.SelfAttn.Projections()
		ls.n, ls.ln1 = layerNorm(&l.LayerNorm1, x, rows)
		ls.ctx, ls.a = attention(linear(q, ls.n, rows), linear(k, ls.n, rows), linear(val, ls.n, rows), nil, ap)
		x1 := linear(&l.SelfAttn.Projection, ls.ctx, rows)
		addTo(x1, x)
		ls.n2, ls.ln2 = layerNorm(&l.LayerNorm2, x1, rows)
		ls.f1 = linear(&l.MLP.FC1, ls.n2, rows)
		ls.actv = act(ls.f1, op)
		x = linear(&l.MLP.FC2, ls.actv, rows)
		addTo(x, x1)
	}
	out, post := layerNorm(&v.Post, takeRows(x, B, T, h, 0, 1), B)
	s.post = post
	return out, s
}

// vitBackward accumulates every ViT gradient from d(post-LN CLS) (B, h).
func (m *Model) vitBackward(g Grads, dcls []float32, s *vitPass) {
	v := m.Vision
	B, T, P, h, rows := s.B, s.T, s.P, s.h, s.B*s.T
	dx := make([]float32, rows*h)
	putRows(dx, layerNormBackward(g, &v.Post, dcls, s.post), B, T, h, 0, 1)
	for i := len(v.Layers) - 1; i >= 0; i-- {
		l, ls := &v.Layers[i], &s.layers[i]
		q, k, val := l.SelfAttn.Projections()
		da := linearBackward(g, &l.MLP.FC2, dx, ls.actv, rows, true)
		dn2 := linearBackward(g, &l.MLP.FC1, actBackward(da, ls.f1, s.op), ls.n2, rows, true)
		dx1 := layerNormBackward(g, &l.LayerNorm2, dn2, ls.ln2)
		addTo(dx1, dx)
		dq, dk, dv := attentionGrad(linearBackward(g, &l.SelfAttn.Projection, dx1, ls.ctx, rows, true), ls.a)
		dn := linearBackward(g, q, dq, ls.n, rows, true)
		addTo(dn, linearBackward(g, k, dk, ls.n, rows, true))
		addTo(dn, linearBackward(g, val, dv, ls.n, rows, true))
		dx = layerNormBackward(g, &l.LayerNorm1, dn, ls.ln1)
		addTo(dx, dx1)
		s.layers[i] = vitLayerSave{}
	}
	dcl, dpos := g.Of(&v.Embeddings.Class), g.Of(&v.Embeddings.Position)
	for b := 0; b < B; b++ {
		blk := dx[b*T*h : (b+1)*T*h]
		addTo(dcl, blk[:h])
		addTo(dpos, blk)
	}
	dxp := takeRows(dx, B, T, h, 1, P)
	weightGrad(g, patchMatrix(v), dxp, s.patches, B*P)
	biasGrad(g, &v.Embeddings.Patch.Bias, dxp, B*P)
}
