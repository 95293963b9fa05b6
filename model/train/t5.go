package train

import (
	"math"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/nn"
)

// The frozen T5 (BLIP-2's Flan-T5 layout) on the host: forward with saved
// state, and a backward that forms input gradients only. The encoder reads
// the soft visual prompt and the prompt text; the decoder reads the
// caption shifted right and cross-attends to the encoder, so the caption
// loss reaches the prompt through every decoder block's cross-attention
// keys and values and then the encoder.

// rmsSave holds what an RMSNorm backward needs.
type rmsSave struct {
	x, rstd []float32
	rows    int
}

func rmsNorm(n *nn.RMSNorm, x []float32, rows int) ([]float32, rmsSave) {
	y := make([]float32, len(x))
	s := rmsSave{x: x, rstd: make([]float32, rows), rows: rows}
	cpu.RMSNormForward(y, s.rstd, x, n.Weight.Data, rows, len(x)/rows, n.Eps)
	return y, s
}

// rmsNormBackward returns dx; the weight is frozen.
func rmsNormBackward(n *nn.RMSNorm, dy []float32, s rmsSave) []float32 {
	dx := make([]float32, len(dy))
	cpu.RMSNormBackwardInput(dx, dy, s.x, n.Weight.Data, s.rstd, s.rows, len(dy)/s.rows)
	return dx
}

// t5FFSave is one feed-forward's saved forward: wi (or wi_0) output u, its
// activation a, and for the gated form wi_1's output l and h = a·l.
type t5FFSave struct{ u, a, l, h []float32 }

func t5FF(f *blip2.T5FF, n []float32, rows, op int) ([]float32, t5FFSave) {
	var s t5FFSave
	if f.WI0 != nil {
		s.u = linearW(&f.WI0.Weight, nil, n, rows)
		s.a = act(s.u, op)
		s.l = linearW(&f.WI1.Weight, nil, n, rows)
		s.h = make([]float32, len(s.a))
		cpu.MulForward(s.h, s.a, s.l, len(s.a), len(s.a))
	} else {
		s.u = linearW(&f.WI.Weight, nil, n, rows)
		s.h = act(s.u, op)
	}
	return linearW(&f.WO.Weight, nil, s.h, rows), s
}

// t5FFBackward returns d(n).
func t5FFBackward(f *blip2.T5FF, dy []float32, s t5FFSave, rows, op int) []float32 {
	dh := inputGrad(&f.WO.Weight, dy, rows)
	if f.WI0 == nil {
		return inputGrad(&f.WI.Weight, actBackward(dh, s.u, op), rows)
	}
	da, dl := make([]float32, len(dh)), make([]float32, len(dh))
	cpu.MulForward(da, dh, s.l, len(dh), len(dh))
	cpu.MulForward(dl, dh, s.a, len(dh), len(dh))
	dn := inputGrad(&f.WI0.Weight, actBackward(da, s.u, op), rows)
	addTo(dn, inputGrad(&f.WI1.Weight, dl, rows))
	return dn
}

// t5AttnSave is one attention's saved forward.
type t5AttnSave struct {
	ctx []float32
	a   attnSave
}

// t5Attend runs a T5 attention: q from x (rows of p.Tq), k and v from kv
// (rows of p.Tk), no scaling, the bias at p's strides.
func t5Attend(at *blip2.T5Attention, x, kv, bias []float32, p cpu.AttentionParams) ([]float32, t5AttnSave) {
	q := linearW(&at.Q.Weight, nil, x, p.B*p.Tq)
	k, v := linearW(&at.K.Weight, nil, kv, p.B*p.Tk), linearW(&at.V.Weight, nil, kv, p.B*p.Tk)
	var s t5AttnSave
	s.ctx, s.a = attention(q, k, v, bias, p)
	return linearW(&at.O.Weight, nil, s.ctx, p.B*p.Tq), s
}

// t5AttendBackward returns d(x) and d(kv).
func t5AttendBackward(at *blip2.T5Attention, dy []float32, s t5AttnSave) (dx, dkv []float32) {
	p := s.a.p
	dq, dk, dv := attentionGrad(inputGrad(&at.O.Weight, dy, p.B*p.Tq), s.a)
	dkv = inputGrad(&at.K.Weight, dk, p.B*p.Tk)
	addTo(dkv, inputGrad(&at.V.Weight, dv, p.B*p.Tk))
	return inputGrad(&at.Q.Weight, dq, p.B*p.Tq), dkv
}

// t5BlockSave is one encoder or decoder block's saved forward.
type t5BlockSave struct {
	selfN, crossN, ffN rmsSave
	self, cross        t5AttnSave
	ff                 t5FFSave
}

// t5Pass is the frozen T5's saved forward.
type t5Pass struct {
	B, Le, T           int
	op                 int
	enc, dec           []t5BlockSave
	encFinal, decFinal rmsSave
	encOut             []float32
	headScale          float32 // d_model^-0.5 for a tied head, else 1
}

// t5Params are one T5 attention's kernel parameters: no scaling, the
// bias (B|1, H, Tq, Tk) or key padding (B, 1, 1, Tk) at its strides.
func t5Params(B, Tq, Tk, heads, dkv int, mode cpu.MaskMode, perHead bool) cpu.AttentionParams {
	p := cpu.AttentionParams{B: B, Tq: Tq, Tk: Tk, H: heads, D: dkv, Scale: 1, Mode: mode, SB: Tk}
	if perHead {
		p.SB, p.SH, p.SI = heads*Tq*Tk, Tq*Tk, Tk
	}
	return p
}

// t5Forward runs the frozen T5: the encoder over embeddings x (B, Le, d)
// with encMask (B, Le), the decoder over decIDs with decMask (B, T). It
// returns the logits (B·T, V).
func (m *Model) t5Forward(x []float32, encMask, decIDs, decMask [][]int) ([]float32, *t5Pass) {
	t5, c := m.T5, m.Config.T5
	op, _ := cpu.ActOp(c.DenseActFn)
	B, Le, T := len(encMask), len(encMask[0]), len(decIDs[0])
	s := &t5Pass{B: B, Le: Le, T: T, op: op, headScale: 1}
	er, dr := B*Le, B*T
	encP := t5Params(B, Le, Le, c.NumHeads, c.DKV, cpu.MaskNone, true)
	encBias := t5.PositionBias(t5.Encoder.Blocks[0].SelfAttn.RelBias, encMask, Le, 0, true)
	h := x
	s.enc = make([]t5BlockSave, len(t5.Encoder.Blocks))
	for i := range t5.Encoder.Blocks {
		bl, bs := &t5.Encoder.Blocks[i], &s.enc[i]
		var n, o []float32
		n, bs.selfN = rmsNorm(&bl.SelfNorm, h, er)
		o, bs.self = t5Attend(&bl.SelfAttn, n, n, encBias, encP)
		h1 := residualAdd(h, o)
		n, bs.ffN = rmsNorm(&bl.FFNorm, h1, er)
		o, bs.ff = t5FF(&bl.FF, n, er, op)
		h = residualAdd(h1, o)
	}
	s.encOut, s.encFinal = rmsNorm(&t5.Encoder.FinalNorm, h, er)

	w, _ := flatIDs(decIDs)
	h = make([]float32, dr*c.DModel)
	cpu.EmbeddingForward(h, w, t5.Shared.Data, len(w), t5.Shared.Shape[0], c.DModel, 0)
	selfP := t5Params(B, T, T, c.NumHeads, c.DKV, cpu.MaskCausal, true)
	selfBias := t5.PositionBias(t5.Decoder.Blocks[0].SelfAttn.RelBias, decMask, T, 0, false)
	crossP := t5Params(B, T, Le, c.NumHeads, c.DKV, cpu.MaskNone, false)
	crossBias := keyBias(encMask)
	s.dec = make([]t5BlockSave, len(t5.Decoder.Blocks))
	for i := range t5.Decoder.Blocks {
		bl, bs := &t5.Decoder.Blocks[i], &s.dec[i]
		var n, o []float32
		n, bs.selfN = rmsNorm(&bl.SelfNorm, h, dr)
		o, bs.self = t5Attend(&bl.SelfAttn, n, n, selfBias, selfP)
		h1 := residualAdd(h, o)
		n, bs.crossN = rmsNorm(&bl.CrossNorm, h1, dr)
		o, bs.cross = t5Attend(&bl.CrossAttn, n, s.encOut, crossBias, crossP)
		h2 := residualAdd(h1, o)
		n, bs.ffN = rmsNorm(&bl.FFNorm, h2, dr)
		o, bs.ff = t5FF(&bl.FF, n, dr, op)
		h = residualAdd(h2, o)
	}
	last, fs := rmsNorm(&t5.Decoder.FinalNorm, h, dr)
	s.decFinal = fs
	if c.TieWordEmbeddings {
		// A tied head rescales by d_model^-0.5 first (Mesh TensorFlow).
		s.headScale = float32(1 / math.Sqrt(float64(c.DModel)))
		for i := range last {
			last[i] *= s.headScale
		}
	}
	return linearW(&t5.LMHead, nil, last, dr), s
}

// t5Backward takes d(logits) and returns d(x), the encoder input's
// gradient.
func (m *Model) t5Backward(dlogits []float32, s *t5Pass) []float32 {
	t5 := m.T5
	er, dr := s.B*s.Le, s.B*s.T
	dl := inputGrad(&t5.LMHead, dlogits, dr)
	for i := range dl {
		dl[i] *= s.headScale
	}
	dh := rmsNormBackward(&t5.Decoder.FinalNorm, dl, s.decFinal)
	denc := make([]float32, len(s.encOut))
	for i := len(t5.Decoder.Blocks) - 1; i >= 0; i-- {
		bl, bs := &t5.Decoder.Blocks[i], &s.dec[i]
		dh2 := residualAdd(dh, rmsNormBackward(&bl.FFNorm, t5FFBackward(&bl.FF, dh, bs.ff, dr, s.op), bs.ffN))
		dn, dkv := t5AttendBackward(&bl.CrossAttn, dh2, bs.cross)
		addTo(denc, dkv)
		dh1 := residualAdd(dh2, rmsNormBackward(&bl.CrossNorm, dn, bs.crossN))
		dn, dkv = t5AttendBackward(&bl.SelfAttn, dh1, bs.self)
		addTo(dn, dkv)
		dh = residualAdd(dh1, rmsNormBackward(&bl.SelfNorm, dn, bs.selfN))
	}
	dh = rmsNormBackward(&t5.Encoder.FinalNorm, denc, s.encFinal)
	for i := len(t5.Encoder.Blocks) - 1; i >= 0; i-- {
		bl, bs := &t5.Encoder.Blocks[i], &s.enc[i]
		dh1 := residualAdd(dh, rmsNormBackward(&bl.FFNorm, t5FFBackward(&bl.FF, dh, bs.ff, er, s.op), bs.ffN))
		dn, dkv := t5AttendBackward(&bl.SelfAttn, dh1, bs.self)
		addTo(dn, dkv)
		dh = residualAdd(dh1, rmsNormBackward(&bl.SelfNorm, dn, bs.selfN))
	}
	return dh
}

// residualAdd returns a new a + b.
func residualAdd(a, b []float32) []float32 {
	out := append([]float32(nil), a...)
	addTo(out, b)
	return out
}

// T5DecoderInputs turns HF's labels (B, T; −100 ignored) into the
// decoder's input ids (the labels shifted right after start, −100 read as
// pad), its mask (1 up to the last real label) and the flat targets.
func T5DecoderInputs(labels [][]int, start, pad int) (ids, mask [][]int, targets []int32) {
	for _, row := range labels {
		id, mk := make([]int, len(row)), make([]int, len(row))
		for t := range row {
			id[t], mk[t] = start, 1
			if t > 0 {
				id[t] = row[t-1]
				if row[t-1] == -100 {
					id[t], mk[t] = pad, 0
				}
			}
			targets = append(targets, int32(row[t]))
		}
		ids, mask = append(ids, id), append(mask, mk)
	}
	return ids, mask, targets
}
