package train

import (
	"math"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/nn"
)

// attnBlock is the saved state of one QFormerAttention call:
// LN(x + dense(MHA(q(x), k(kv), v(kv)))).
type attnBlock struct {
	x, kv, ctx []float32
	a          attnSave
	ln         lnSave
	rows, kvn  int // B·Tq rows of x, B·Tk rows of kv
}

func attnForward(w *blip2.QFormerAttention, x, kv []float32, p cpu.AttentionParams, bias []float32) ([]float32, *attnBlock) {
	s := &attnBlock{x: x, kv: kv, rows: p.B * p.Tq, kvn: p.B * p.Tk}
	q := linear(&w.Query, x, s.rows)
	k := linear(&w.Key, kv, s.kvn)
	v := linear(&w.Value, kv, s.kvn)
	s.ctx, s.a = attention(q, k, v, bias, p)
	d := linear(&w.Dense, s.ctx, s.rows)
	addTo(d, x)
	out, ln := layerNorm(&w.Norm, d, s.rows)
	s.ln = ln
	return out, s
}

// backward returns dx and dkv (for self-attention the caller adds them).
func (s *attnBlock) backward(g Grads, w *blip2.QFormerAttention, dout []float32) (dx, dkv []float32) {
	ds := layerNormBackward(g, &w.Norm, dout, s.ln)
	dctx := linearBackward(g, &w.Dense, ds, s.ctx, s.rows, true)
	dq, dk, dv := attentionGrad(dctx, s.a)
	dx = ds // the residual
	addTo(dx, linearBackward(g, &w.Query, dq, s.x, s.rows, true))
	dkv = linearBackward(g, &w.Key, dk, s.kv, s.kvn, true)
	addTo(dkv, linearBackward(g, &w.Value, dv, s.kv, s.kvn, true))
	*s = attnBlock{}
	return dx, dkv
}

// ffnBlock is the saved state of one feed-forward: LN(x + down(act(up(x)))).
type ffnBlock struct {
	x, u, a []float32
	ln      lnSave
	rows    int
}

func ffnForward(up, down *nn.Linear, norm *nn.LayerNorm, x []float32, rows, op int) ([]float32, *ffnBlock) {
	s := &ffnBlock{x: x, rows: rows}
	s.u = linear(up, x, rows)
	s.a = act(s.u, op)
	d := linear(down, s.a, rows)
	addTo(d, x)
	out, ln := layerNorm(norm, d, rows)
	s.ln = ln
	return out, s
}

func (s *ffnBlock) backward(g Grads, up, down *nn.Linear, norm *nn.LayerNorm, dout []float32, op int) []float32 {
	ds := layerNormBackward(g, norm, dout, s.ln)
	da := linearBackward(g, down, ds, s.a, s.rows, true)
	du := actBackward(da, s.u, op)
	dx := ds
	addTo(dx, linearBackward(g, up, du, s.x, s.rows, true))
	*s = ffnBlock{}
	return dx
}

// qfLayer is the saved state of one Q-Former layer.
type qfLayer struct {
	self       *attnBlock
	cross      *attnBlock
	qffn, tffn *ffnBlock
}

// qfPass is one Q-Former call: NQ leading query rows, T−NQ text rows, the
// image (B, P, Dv) for cross-attention of the query rows (nil for none),
// a structural mask mode and a key-padding bias (B, T) or nil.
type qfPass struct {
	B, T, NQ, P int
	image       []float32
	mode        cpu.MaskMode
	bias        []float32
	embLN       lnSave
	layers      []qfLayer
}

func (m *Model) heads() (int, float32) {
	c := m.Config.QFormer
	return c.NumAttentionHeads, float32(1 / math.Sqrt(float64(c.HiddenSize/c.NumAttentionHeads)))
}

// qformerForward runs the Q-Former over emb (B, T, H) (before its embedding
// LayerNorm) and returns the last hidden state (B, T, H).
func (m *Model) qformerForward(emb []float32, s *qfPass) []float32 {
	qf := m.QFormer
	H := m.Config.QFormer.HiddenSize
	heads, scale := m.heads()
	op := m.actOp
	B, T, NQ := s.B, s.T, s.NQ
	x, ln := layerNorm(&qf.Norm, emb, B*T)
	s.embLN = ln
	s.layers = make([]qfLayer, len(qf.Layers))
	for i := range qf.Layers {
		l, ls := &qf.Layers[i], &s.layers[i]
		p := cpu.AttentionParams{B: B, Tq: T, Tk: T, H: heads, D: H / heads, Scale: scale, Mode: s.mode, NQ: NQ}
		a, sa := attnForward(&l.Attention, x, x, p, s.bias)
		ls.self = sa
		out := make([]float32, B*T*H)
		if NQ > 0 {
			hq := takeRows(a, B, T, H, 0, NQ)
			if l.CrossAttention != nil && s.image != nil {
				cp := cpu.AttentionParams{B: B, Tq: NQ, Tk: s.P, H: heads, D: H / heads, Scale: scale}
				hq, ls.cross = attnForward(l.CrossAttention, hq, s.image, cp, nil)
			}
			oq, sq := ffnForward(&l.QueryUp, &l.QueryDown, &l.QueryNorm, hq, B*NQ, op)
			ls.qffn = sq
			putRows(out, oq, B, T, H, 0, NQ)
		}
		if T > NQ {
			ht := takeRows(a, B, T, H, NQ, T-NQ)
			ot, st := ffnForward(l.TextUp, l.TextDown, l.TextNorm, ht, B*(T-NQ), op)
			ls.tffn = st
			putRows(out, ot, B, T, H, NQ, T-NQ)
		}
		x = out
	}
	return x
}

// qformerBackward takes d(last hidden) and returns d(emb) and d(image)
// (nil without cross-attention). Gradients of the Q-Former weights
// accumulate into g.
func (m *Model) qformerBackward(g Grads, dout []float32, s *qfPass) (demb, dimage []float32) {
	qf := m.QFormer
	H := m.Config.QFormer.HiddenSize
	op := m.actOp
	B, T, NQ := s.B, s.T, s.NQ
	if s.image != nil {
		dimage = make([]float32, len(s.image))
	}
	dx := dout
	for i := len(qf.Layers) - 1; i >= 0; i-- {
		l, ls := &qf.Layers[i], &s.layers[i]
		da := make([]float32, B*T*H)
		if T > NQ {
			dt := takeRows(dx, B, T, H, NQ, T-NQ)
			putRows(da, ls.tffn.backward(g, l.TextUp, l.TextDown, l.TextNorm, dt, op), B, T, H, NQ, T-NQ)
		}
		if NQ > 0 {
			dq := takeRows(dx, B, T, H, 0, NQ)
			dh := ls.qffn.backward(g, &l.QueryUp, &l.QueryDown, &l.QueryNorm, dq, op)
			if ls.cross != nil {
				var dimg []float32
				dh, dimg = ls.cross.backward(g, l.CrossAttention, dh)
				addTo(dimage, dimg)
			}
			putRows(da, dh, B, T, H, 0, NQ)
		}
		dxs, dkv := ls.self.backward(g, &l.Attention, da)
		addTo(dxs, dkv)
		dx = dxs
		s.layers[i] = qfLayer{}
	}
	demb = layerNormBackward(g, &qf.Norm, dx, s.embLN)
	return demb, dimage
}
