package train

import (
	"math"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// The trained ViT on the device, mirroring vit.go.

type gpuViTLayer struct {
	ln1, ln2           *gpuLN
	n, n2, ctx, f1, av *gpu.Tensor
	a                  *gpuAttn
}

type gpuViT struct {
	B, T, P          int
	op               int
	patches          *gpu.Tensor
	clsIDs, posIDs   *gpu.Tensor
	layers           []gpuViTLayer
	post             *gpuLN
	patchW           *gpu.Tensor // the conv weight viewed (h, 3·p·p)
	patchG, posTable *gpu.Tensor
}

// vitForward returns post_layernorm(CLS) (B, 1, h) for pixels (B, 3, S, S).
func (s *GPUStepper) vitForward(px *gpu.Tensor) (*gpu.Tensor, *gpuViT) {
	v, c := s.m.Vision, s.m.Config.Vision
	d := s.d
	B, S, p, h := px.Dim(0), px.Dim(2), c.PatchSize, c.HiddenSize
	op, _ := cpu.ActOp(c.HiddenAct)
	P := (S / p) * (S / p)
	T := 1 + P
	vs := &gpuViT{B: B, T: T, P: P, op: op}
	vs.patches = s.keep(d.Im2Col(px, p))
	e := &v.Embeddings
	vs.patchW = s.w(&e.Patch.Weight).Reshape(h, 3*p*p)
	xp := s.keep(d.Linear(vs.patches, vs.patchW, s.w(&e.Patch.Bias)))
	vs.clsIDs = s.ids(make([]uint32, B), 1, B, 1)
	cls := s.keep(d.Embedding(vs.clsIDs, s.w(&e.Class).Reshape(1, h), 0))
	pos := make([]uint32, 0, B*T)
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			pos = append(pos, uint32(t))
		}
	}
	vs.posIDs = s.ids(pos, T, B, T)
	pe := s.keep(d.Embedding(vs.posIDs, s.w(&e.Position).Reshape(T, h), 0))
	tok := s.keep(d.Concat(cls, xp))
	x := s.add(tok, pe)
	release(xp, cls, tok, pe)
	heads := c.NumAttentionHeads
	scale := float32(1 / math.Sqrt(float64(h/heads)))
	vs.layers = make([]gpuViTLayer, len(v.Layers))
	for i := range v.Layers {
		l, ls := &v.Layers[i], &vs.layers[i]
		q, k, val := l.SelfAttn.Projections()
		ls.n, ls.ln1 = s.layerNorm(&l.LayerNorm1, x)
		ctx, a := s.attention(s.linear(q, ls.n), s.linear(k, ls.n), s.linear(val, ls.n), noMask, heads, scale)
		ls.ctx, ls.a = s.keep(ctx), a
		pr := s.linear(&l.SelfAttn.Projection, ctx)
		x1 := s.add(pr, x)
		pr.Release()
		ls.n2, ls.ln2 = s.layerNorm(&l.LayerNorm2, x1)
		ls.f1 = s.linear(&l.MLP.FC1, ls.n2)
		ls.av = s.keep(d.Act(gpu.Activation(op), ls.f1))
		f2 := s.linear(&l.MLP.FC2, ls.av)
		x = s.add(f2, x1)
		f2.Release()
	}
	out, post := s.layerNorm(&v.Post, s.rows(x, 0, 1))
	vs.post = post
	return out, vs
}

// vitBackward accumulates every ViT gradient from d(post-LN CLS) (B, 1, h).
func (s *GPUStepper) vitBackward(dcls *gpu.Tensor, vs *gpuViT) {
	v, d := s.m.Vision, s.d
	h := s.m.Config.Vision.HiddenSize
	dx := s.keep(d.Zeros(vs.B, vs.T, h))
	s.putRows(dx, s.layerNormBack(&v.Post, dcls, vs.post), 0)
	act := gpu.Activation(vs.op)
	for i := len(v.Layers) - 1; i >= 0; i-- {
		l, ls := &v.Layers[i], &vs.layers[i]
		q, k, val := l.SelfAttn.Projections()
		da := s.linearBack(&l.MLP.FC2, dx, ls.av)
		df1 := s.keep(d.ActBackward(act, da, ls.f1))
		dn2 := s.linearBack(&l.MLP.FC1, df1, ls.n2)
		dx1 := s.add(s.layerNormBack(&l.LayerNorm2, dn2, ls.ln2), dx)
		release(da, df1, dn2, ls.av, ls.f1, ls.n2)
		dctx := s.linearBack(&l.SelfAttn.Projection, dx1, ls.ctx)
		dq, dk, dv := s.attentionBackward(dctx, ls.a)
		dn := s.linearBack(q, dq, ls.n)
		s.linearBackAdd(dn, k, dk, ls.n)
		s.linearBackAdd(dn, val, dv, ls.n)
		dx = s.add(s.layerNormBack(&l.LayerNorm1, dn, ls.ln1), dx1)
		release(dctx, dq, dk, dv, ls.ctx, ls.a.q, ls.a.k, ls.a.v, ls.n, dx1)
		vs.layers[i] = gpuViTLayer{}
	}
	e := &v.Embeddings
	if g := s.grad(&e.Class); g != nil {
		d.EmbeddingBackwardAdd(g.Reshape(1, h), s.rows(dx, 0, 1), vs.clsIDs, 0)
	}
	if g := s.grad(&e.Position); g != nil {
		d.EmbeddingBackwardAdd(g.Reshape(vs.T, h), dx, vs.posIDs, 0)
	}
	dxp := s.rows(dx, 1, vs.P)
	s.keep(d.LinearBackward(dxp, vs.patches, vs.patchW, s.grad(&e.Patch.Weight), s.grad(&e.Patch.Bias)))
	release(dxp, vs.patches)
}
