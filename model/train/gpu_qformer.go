package train

import (
	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/nn"
)

// gpuAttnBlock is one QFormerAttention call on the device (see attnBlock).
type gpuAttnBlock struct {
	x, kv, ctx *gpu.Tensor
	a          *gpuAttn
	ln         *gpuLN
	self       bool
}

func (s *GPUStepper) attnForward(w *blip2.QFormerAttention, x, kv *gpu.Tensor, spec *attnSpec) (*gpu.Tensor, *gpuAttnBlock) {
	heads, scale := s.m.heads()
	b := &gpuAttnBlock{x: x, kv: kv, self: x == kv}
	q, k, v := s.linear(&w.Query, x), s.linear(&w.Key, kv), s.linear(&w.Value, kv)
	ctx, a := s.attention(q, k, v, spec, heads, scale)
	b.ctx, b.a = s.keep(ctx), a
	out, ln := s.layerNorm(&w.Norm, s.add(s.linear(&w.Dense, ctx), x))
	b.ln = ln
	return out, b
}

// backward returns dx and, for a cross-attention, dkv (a self-attention's
// key and value gradients are added into dx) and releases the block's saved
// state; a cross-attention's kv (the image) is not the block's to release.
// The residual's gradient ds becomes dx: the projections' input gradients
// are added into it by their products' stores.
func (b *gpuAttnBlock) backward(s *GPUStepper, w *blip2.QFormerAttention, dout *gpu.Tensor) (dx, dkv *gpu.Tensor) {
	ds := s.layerNormBack(&w.Norm, dout, b.ln)
	dctx := s.linearBack(&w.Dense, ds, b.ctx)
	dq, dk, dv := s.attentionBackward(dctx, b.a)
	s.linearBackAdd(ds, &w.Query, dq, b.x)
	if b.self {
		s.linearBackAdd(ds, &w.Key, dk, b.kv)
		s.linearBackAdd(ds, &w.Value, dv, b.kv)
	} else {
		dkv = s.linearBack(&w.Key, dk, b.kv)
		s.linearBackAdd(dkv, &w.Value, dv, b.kv)
	}
	dx = ds
	release(b.ctx, b.a.q, b.a.k, b.a.v, dq, dk, dv, dctx)
	release(b.x)
	if b.self {
		release(b.kv)
	}
	return dx, dkv
}

// gpuFFN is one feed-forward's saved state.
type gpuFFN struct {
	x, u, a *gpu.Tensor
	ln      *gpuLN
}

func (s *GPUStepper) ffnForward(up, down *nn.Linear, norm *nn.LayerNorm, x *gpu.Tensor) (*gpu.Tensor, *gpuFFN) {
	f := &gpuFFN{x: x}
	f.u = s.linear(up, x)
	f.a = s.keep(s.d.Act(gpu.Activation(s.m.actOp), f.u))
	out, ln := s.layerNorm(norm, s.add(s.linear(down, f.a), x))
	f.ln = ln
	return out, f
}

func (f *gpuFFN) backward(s *GPUStepper, up, down *nn.Linear, norm *nn.LayerNorm, dout *gpu.Tensor) *gpu.Tensor {
	ds := s.layerNormBack(norm, dout, f.ln)
	da := s.linearBack(down, ds, f.a)
	du := s.keep(s.d.ActBackward(gpu.Activation(s.m.actOp), da, f.u))
	s.linearBackAdd(ds, up, du, f.x) // ds, the residual's gradient, becomes dx
	release(f.a, da, du, f.u, f.x)
	return ds
}

// gpuLayer is one Q-Former layer's saved state.
type gpuLayer struct {
	self, cross *gpuAttnBlock
	qffn, tffn  *gpuFFN
	tpick       *rowPick // the text rows tffn ran on (nil: all)
}

// gpuPass is one Q-Former call on the device: NQ leading query rows of T,
// the image (B, P, Dv) for the query rows' cross-attention (nil: none)
// and the self-attention's mask (nil: none).
type gpuPass struct {
	B, T, NQ int
	image    *gpu.Tensor
	spec     *attnSpec
	emb      *gpuLN
	layers   []gpuLayer
	// tokens, when not nil, is the text rows (of B·(T−NQ)) that hold
	// tokens: the text feed-forward runs on those alone (rowPick).
	tokens []int
	// What is read of the last layer's output: with outTextSet, only the
	// text rows in outText (none when it is empty), and with noQueries no
	// query row. The last layer's feed-forwards (and cross-attention) run
	// on those alone; the other rows of the output are zero.
	outText    []int
	outTextSet bool
	noQueries  bool
}

// qformerForward runs the Q-Former over emb (B, T, H), before its
// embedding LayerNorm, and returns the last hidden state (B, T, H).
func (s *GPUStepper) qformerForward(emb *gpu.Tensor, p *gpuPass) *gpu.Tensor {
	qf := s.m.QFormer
	H := s.m.Config.QFormer.HiddenSize
	B, T, NQ := p.B, p.T, p.NQ
	x, ln := s.layerNorm(&qf.Norm, emb)
	spec := p.spec
	if spec == nil {
		spec = noMask
	}
	p.emb = ln
	var text *rowPick
	if p.tokens != nil && len(p.tokens) < B*(T-NQ) {
		text = s.newRowPick(p.tokens, B*(T-NQ))
	}
	p.layers = make([]gpuLayer, len(qf.Layers))
	for i := range qf.Layers {
		l, ls := &qf.Layers[i], &p.layers[i]
		last := i == len(qf.Layers)-1
		a, sa := s.attnForward(&l.Attention, x, x, spec)
		ls.self = sa
		runText, runQueries := T > NQ, NQ > 0
		ls.tpick = text
		if last && p.outTextSet {
			runText = runText && len(p.outText) > 0
			if runText {
				ls.tpick = s.newRowPick(p.outText, B*(T-NQ))
			}
		}
		if last && p.noQueries {
			runQueries = false
		}
		var out *gpu.Tensor
		if (T > NQ && !runText) || (NQ > 0 && !runQueries) {
			out = s.keep(s.d.Zeros(B, T, H)) // the rows not run stay zero
		} else {
			out = s.keep(s.d.Scratch(B, T, H))
		}
		if runQueries {
			hq := s.rows(a, 0, NQ)
			if l.CrossAttention != nil && p.image != nil {
				hq, ls.cross = s.attnForward(l.CrossAttention, hq, p.image, noMask)
			}
			oq, sq := s.ffnForward(&l.QueryUp, &l.QueryDown, &l.QueryNorm, hq)
			ls.qffn = sq
			s.putRows(out, oq, 0)
			oq.Release()
		}
		if runText {
			ls.tffn = s.textFFNForward(l, a, out, NQ, ls.tpick)
		}
		a.Release()
		x = out
	}
	return x
}

// textFFNForward runs l's text feed-forward on the text rows of a (B, T,
// H) from NQ on, those r picks (every one when r is nil), and writes them
// into out.
func (s *GPUStepper) textFFNForward(l *blip2.QFormerLayer, a, out *gpu.Tensor, NQ int, r *rowPick) *gpuFFN {
	ot, st := s.ffnForward(l.TextUp, l.TextDown, l.TextNorm, s.pickText(a, NQ, r))
	s.putText(out, ot, NQ, r)
	return st
}

// textFFNBackward is textFFNForward's: d(text rows of dx) into da.
func (s *GPUStepper) textFFNBackward(l *blip2.QFormerLayer, f *gpuFFN, dx, da *gpu.Tensor, NQ int, r *rowPick) {
	dt := s.pickText(dx, NQ, r)
	s.putText(da, f.backward(s, l.TextUp, l.TextDown, l.TextNorm, dt), NQ, r)
	dt.Release()
}

// pickText returns the text rows of x (B, T, H) from NQ on that r picks
// ((B, T−NQ, H) when r is nil).
func (s *GPUStepper) pickText(x *gpu.Tensor, NQ int, r *rowPick) *gpu.Tensor {
	t := s.rows(x, NQ, x.Dim(1)-NQ)
	if r == nil {
		return t
	}
	p := s.pick(t, r)
	t.Release()
	return p
}

// putText writes y, pickText's rows, into the text rows of dst (B, T, H)
// from NQ on, and releases it.
func (s *GPUStepper) putText(dst, y *gpu.Tensor, NQ int, r *rowPick) {
	if r != nil {
		p := s.put(y, r)
		y.Release()
		y = p
		// putRows reads its dims from a 3-D view; the view is not released.
		s.putRows(dst, p.Reshape(dst.Dim(0), dst.Dim(1)-NQ, dst.Dim(2)), NQ)
	} else {
		s.putRows(dst, y, NQ)
	}
	y.Release()
}

// qformerBackward takes d(last hidden) and returns d(emb) and d(image)
// (nil without cross-attention); weight gradients accumulate.
func (s *GPUStepper) qformerBackward(dout *gpu.Tensor, p *gpuPass) (demb, dimage *gpu.Tensor) {
	qf := s.m.QFormer
	H := s.m.Config.QFormer.HiddenSize
	B, T, NQ := p.B, p.T, p.NQ
	dx := dout
	for i := len(qf.Layers) - 1; i >= 0; i-- {
		l, ls := &qf.Layers[i], &p.layers[i]
		var da *gpu.Tensor
		if (ls.tffn != nil || T == NQ) && (ls.qffn != nil || NQ == 0) {
			da = s.keep(s.d.Scratch(B, T, H))
		} else { // a skipped block's rows get no gradient
			da = s.keep(s.d.Zeros(B, T, H))
		}
		if ls.tffn != nil {
			s.textFFNBackward(l, ls.tffn, dx, da, NQ, ls.tpick)
		}
		if ls.qffn != nil {
			dq := s.rows(dx, 0, NQ)
			dh := ls.qffn.backward(s, &l.QueryUp, &l.QueryDown, &l.QueryNorm, dq)
			if ls.cross != nil {
				var dimg *gpu.Tensor
				dh, dimg = ls.cross.backward(s, l.CrossAttention, dh)
				if dimage == nil {
					dimage = dimg
				} else {
					dimage = s.add(dimage, dimg)
				}
			}
			s.putRows(da, dh, 0)
			release(dq, dh)
		}
		dxs, _ := ls.self.backward(s, &l.Attention, da)
		if dx != dout {
			dx.Release()
		}
		dx = dxs
		release(da)
		p.layers[i] = gpuLayer{}
	}
	demb = s.layerNormBack(&qf.Norm, dx, p.emb)
	dx.Release()
	return demb, dimage
}

// queryEmbeds repeats the query tokens over a batch: (B, Q, H).
func (s *GPUStepper) queryEmbeds(B int) *gpu.Tensor {
	Q, H := s.m.Config.NumQueryTokens, s.m.Config.QFormer.HiddenSize
	out := s.keep(s.d.Scratch(B, Q, H))
	// A block stride of 0 reads the same (Q, H) source for every batch.
	s.d.CopyRows(out, s.w(&s.m.QueryTokens), cpu.CopyRows{Batch: B, N: Q, Cols: H, SrcRow: H, DstBlock: Q * H, DstRow: H})
	return out
}

// queryBackward sums d(query embeds) (B, Q, H) over the batch into the
// query tokens' gradient: an embedding backward with every id 0.
func (s *GPUStepper) queryBackward(d *gpu.Tensor, B int) {
	g := s.grad(&s.m.QueryTokens)
	if g == nil {
		return
	}
	s.d.EmbeddingBackwardAdd(g, d, s.ids(make([]uint32, B), 1, B), 0)
}

// textEmbeds is word + position (0..T−1) embeddings of ids (B, T).
func (s *GPUStepper) textEmbeds(ids [][]int) (emb, wid, pid *gpu.Tensor) {
	e := s.m.TextEmbed
	w, p := flatIDs(ids)
	B, T := len(ids), len(ids[0])
	wid, pid = s.ids(w, e.Word.Shape[0], B, T), s.ids(p, e.Position.Shape[0], B, T)
	a, b := s.keep(s.d.Embedding(wid, s.w(&e.Word), 0)), s.keep(s.d.Embedding(pid, s.w(&e.Position), 0))
	emb = s.add(a, b)
	release(a, b)
	return emb, wid, pid
}

func (s *GPUStepper) textEmbedsBackward(d, wid, pid *gpu.Tensor) {
	e := s.m.TextEmbed
	if g := s.grad(&e.Word); g != nil {
		s.d.EmbeddingBackwardAdd(g, d, wid, 0)
	}
	if g := s.grad(&e.Position); g != nil {
		s.d.EmbeddingBackwardAdd(g, d, pid, 0)
	}
}
