package train

import (
	"fmt"
	"math"

	"blip2/model/cpu"
)

// optLayerSave is one frozen OPT decoder layer's saved forward. Only the
// input gradient is ever formed: the language model gets no weight
// gradients.
type optLayerSave struct {
	ln1, ln2 lnSave
	n, n2    []float32
	a        attnSave
	ctx      []float32
	f1, act  []float32
}

// optPass is the frozen OPT decoder over input embeddings x (B, L, E).
type optPass struct {
	B, L   int
	pos    []uint32  // position ids (B·L)
	projIn []float32 // x before project_in, if any
	layers []optLayerSave
	final  lnSave
	last   []float32 // after the final LayerNorm (B·L, H)
	proj   []float32 // after project_out (B·L, E), or last
}

// optForward returns the rows of the final output that predict tokens
// (positions Q−1 … L−2: (B·T, E), T = L − Q) and the saved state.
func (m *Model) optForward(x []float32, mask [][]int, q int) ([]float32, *optPass, error) {
	o, c := m.OPT, m.Config.OPT
	op, ok := cpu.ActOp(c.ActivationFunction)
	if !ok {
		return nil, nil, fmt.Errorf("train: OPT activation %q", c.ActivationFunction)
	}
	B, L := len(mask), len(mask[0])
	H, heads := c.HiddenSize, c.NumAttentionHeads
	s := &optPass{B: B, L: L}
	if o.ProjectIn != nil {
		s.projIn = x
		x = linearW(&o.ProjectIn.Weight, nil, x, B*L)
	}
	// Positions count real tokens: cumsum(mask)·mask − 1, offset by 2.
	var pos []uint32
	for _, row := range mask {
		n := 0
		for _, v := range row {
			n += v
			pos = append(pos, uint32(n*v-1+2))
		}
	}
	s.pos = pos
	h := make([]float32, B*L*H)
	cpu.EmbeddingForward(h, pos, o.Positions.Data, len(pos), o.Positions.Shape[0], H, 0)
	addTo(h, x)
	p := cpu.AttentionParams{B: B, Tq: L, Tk: L, H: heads, D: H / heads, Scale: float32(1 / math.Sqrt(float64(H/heads))), Mode: cpu.MaskCausal}
	bias := keyBias(mask)
	s.layers = make([]optLayerSave, len(o.Layers))
	for i := range o.Layers {
		l, ls := &o.Layers[i], &s.layers[i]
		ls.n, ls.ln1 = layerNorm(&l.AttnNorm, h, B*L)
		qv, kv, vv := linear(&l.Q, ls.n, B*L), linear(&l.K, ls.n, B*L), linear(&l.V, ls.n, B*L)
		ls.ctx, ls.a = attention(qv, kv, vv, bias, p)
		h1 := linear(&l.Out, ls.ctx, B*L)
		addTo(h1, h)
		ls.n2, ls.ln2 = layerNorm(&l.FinalNorm, h1, B*L)
		ls.f1 = linear(&l.FC1, ls.n2, B*L)
		ls.act = act(ls.f1, op)
		h = linear(&l.FC2, ls.act, B*L)
		addTo(h, h1)
	}
	s.last = h
	if o.FinalNorm != nil {
		s.last, s.final = layerNorm(o.FinalNorm, h, B*L)
	}
	s.proj = s.last
	if o.ProjectOut != nil {
		s.proj = linearW(&o.ProjectOut.Weight, nil, s.last, B*L)
	}
	e := len(s.proj) / (B * L)
	return takeRows(s.proj, B, L, e, q-1, L-q), s, nil
}

// optBackward takes d(rows Q−1 … L−2 of the output) and returns d(x).
// With g nil the language model is frozen and forms input gradients only
// (stage 2); otherwise every OPT weight's gradient accumulates into g
// (the language model's own training; the tied LM head is the caller's).
func (m *Model) optBackward(g Grads, d []float32, s *optPass, q int) []float32 {
	o, c := m.OPT, m.Config.OPT
	op, _ := cpu.ActOp(c.ActivationFunction)
	B, L := s.B, s.L
	rows := B * L
	e := len(s.proj) / rows
	dp := make([]float32, len(s.proj))
	putRows(dp, d, B, L, e, q-1, L-q)
	dh := dp
	if o.ProjectOut != nil {
		if g != nil {
			weightGrad(g, &o.ProjectOut.Weight, dp, s.last, rows)
		}
		dh = inputGrad(&o.ProjectOut.Weight, dp, rows)
	}
	if o.FinalNorm != nil {
		dh = layerNormBackward(g, o.FinalNorm, dh, s.final)
	}
	for i := len(o.Layers) - 1; i >= 0; i-- {
		l, ls := &o.Layers[i], &s.layers[i]
		da := linearBackward(g, &l.FC2, dh, ls.act, rows, true)
		df1 := actBackward(da, ls.f1, op)
		dh1 := layerNormBackward(g, &l.FinalNorm, linearBackward(g, &l.FC1, df1, ls.n2, rows, true), ls.ln2)
		addTo(dh1, dh)
		dctx := linearBackward(g, &l.Out, dh1, ls.ctx, rows, true)
		dq, dk, dv := attentionGrad(dctx, ls.a)
		dn := linearBackward(g, &l.Q, dq, ls.n, rows, true)
		addTo(dn, linearBackward(g, &l.K, dk, ls.n, rows, true))
		addTo(dn, linearBackward(g, &l.V, dv, ls.n, rows, true))
		dh = layerNormBackward(g, &l.AttnNorm, dn, ls.ln1)
		addTo(dh, dh1)
		s.layers[i] = optLayerSave{}
	}
	if g != nil {
		H := c.HiddenSize
		cpu.EmbeddingBackward(g.Of(&o.Positions), dh, s.pos, len(s.pos), o.Positions.Shape[0], H, 0)
	}
	if o.ProjectIn != nil {
		if g != nil {
			weightGrad(g, &o.ProjectIn.Weight, dh, s.projIn, rows)
		}
		dh = inputGrad(&o.ProjectIn.Weight, dh, rows)
	}
	return dh
}

// Stage2Result is one stage-2 step.
type Stage2Result struct {
	Loss float32
	// LossWithBOS is LAVIS's convention (the BOS label is a target too,
	// predicted from the last query position); informational, no gradient.
	LossWithBOS float32
	Grads       Grads
}

// checkStage2 checks the model and the batch of a stage-2 step.
func (m *Model) checkStage2(b *Batch) error {
	if m.LangProj == nil || (m.OPT == nil) == (m.T5 == nil) {
		return fmt.Errorf("train: stage 2 needs an OPT or T5 language model and language_projection")
	}
	B := len(b.LMIDs)
	if B == 0 || len(b.LMMask) != B || len(b.LMLabels) != B || len(b.PixelShape) != 4 || b.PixelShape[0] != B {
		return fmt.Errorf("train: stage 2 batch: %d ids, %d masks, %d labels, pixels %v", B, len(b.LMMask), len(b.LMLabels), b.PixelShape)
	}
	for i := range b.LMIDs {
		if len(b.LMIDs[i]) != len(b.LMIDs[0]) || len(b.LMMask[i]) != len(b.LMIDs[i]) || len(b.LMLabels[i]) != len(b.LMLabels[0]) || len(b.LMLabels[0]) == 0 {
			return fmt.Errorf("train: stage 2 row %d: %d ids, %d mask entries, %d labels (rows must agree)", i, len(b.LMIDs[i]), len(b.LMMask[i]), len(b.LMLabels[i]))
		}
	}
	if m.OPT != nil && len(b.LMLabels[0]) != len(b.LMIDs[0]) {
		return fmt.Errorf("train: stage 2 with OPT: %d labels per row for %d ids", len(b.LMLabels[0]), len(b.LMIDs[0]))
	}
	return nil
}

// Stage2 runs the LM loss through the frozen OPT: input
// [language_projection(Z) ; embed_tokens(ids)], the logit at text position
// t predicts LMLabels[t+1] (no smoothing, −100 ignored, the visual prompt
// never a target), and back-propagates to the visual prompt only, then
// language_projection, the Q-Former query path, query tokens, ln_vision.
// With a T5 language model it is stage2T5's encoder–decoder loss.
func (m *Model) Stage2(b *Batch) (*Stage2Result, error) {
	if err := m.checkStage2(b); err != nil {
		return nil, err
	}
	if m.T5 != nil {
		return m.stage2T5(b)
	}
	B := len(b.LMIDs)
	Q := m.Config.NumQueryTokens
	T := len(b.LMIDs[0])
	v, vs, err := m.batchVision(b)
	if err != nil {
		return nil, err
	}
	z, zs := m.imagePass(v, vs)
	prompt := linear(m.LangProj, z, B*Q) // (B, Q, E)
	e := len(prompt) / (B * Q)
	w, _ := flatIDs(b.LMIDs)
	tok := make([]float32, B*T*e)
	cpu.EmbeddingForward(tok, w, m.OPT.Embed.Data, len(w), m.OPT.Embed.Shape[0], e, 0)
	x := concatRows(prompt, tok, B, Q, T, e)
	out, os, err := m.optForward(x, onesThen(Q, b.LMMask), Q)
	if err != nil {
		return nil, err
	}
	lm := &m.OPT.LMHead
	logits := linearW(lm, nil, out, B*T) // row r of each batch: position Q−1+r
	vocab := lm.Shape[0]
	labels, withBOS := make([]int32, 0, B*T), make([]int32, 0, B*T)
	for _, row := range b.LMLabels {
		for r := 0; r < T; r++ {
			y := int32(row[r])
			withBOS = append(withBOS, y)
			if r == 0 {
				y = -100
			}
			labels = append(labels, y)
		}
	}
	res := &Stage2Result{Grads: Grads{}}
	res.LossWithBOS, _ = crossEntropy(logits, withBOS, vocab, 0)
	loss, ce := crossEntropy(logits, labels, vocab, 0)
	res.Loss = loss
	dout := inputGrad(lm, ce.grad(1), B*T)
	dx := m.optBackward(nil, dout, os, Q)
	dprompt := takeRows(dx, B, Q+T, e, 0, Q)
	dz := linearBackward(res.Grads, m.LangProj, dprompt, z, B*Q, true)
	dv := m.imagePassBackward(res.Grads, dz, zs)
	m.visionBackward(res.Grads, dv, vs)
	return res, nil
}
