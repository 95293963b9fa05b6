package train

import (
	"fmt"
	"math"

	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/weights"
)

// Stage 2 on the device, mirroring stage2.go: the LM loss through the
// frozen OPT, whose backward forms input gradients only.

type gpuOPTLayer struct {
	ln1, ln2            *gpuLN
	n, n2, ctx, f1, act *gpu.Tensor
	a                   *gpuAttn
}

type gpuOPT struct {
	B, L               int
	op                 int
	projIn, last, proj *gpu.Tensor
	posIDs             *gpu.Tensor
	layers             []gpuOPTLayer
	final              *gpuLN
}

// optForward returns the output rows that predict tokens (positions
// q−1 … L−2, (B, L−q, E)) and the saved state.
func (s *GPUStepper) optForward(x *gpu.Tensor, mask [][]int, q int) (*gpu.Tensor, *gpuOPT, error) {
	o, c := s.m.OPT, s.m.Config.OPT
	d := s.d
	op, ok := cpu.ActOp(c.ActivationFunction)
	if !ok {
		return nil, nil, fmt.Errorf("train: OPT activation %q", c.ActivationFunction)
	}
	B, L := len(mask), len(mask[0])
	H, heads := c.HiddenSize, c.NumAttentionHeads
	os := &gpuOPT{B: B, L: L, op: op}
	if o.ProjectIn != nil {
		os.projIn = x
		x = s.keep(d.Linear(x, s.w(&o.ProjectIn.Weight), nil))
	}
	var pos []uint32
	for _, row := range mask {
		n := 0
		for _, v := range row {
			n += v
			pos = append(pos, uint32(n*v-1+2))
		}
	}
	os.posIDs = s.ids(pos, o.Positions.Shape[0], B, L)
	pe := s.keep(d.Embedding(os.posIDs, s.w(&o.Positions), 0))
	h := s.add(pe, x)
	pe.Release()
	am := s.newAttnSpec(cpu.MaskCausal, 0, mask)
	scale := float32(1 / math.Sqrt(float64(H/heads)))
	os.layers = make([]gpuOPTLayer, len(o.Layers))
	for i := range o.Layers {
		l, ls := &o.Layers[i], &os.layers[i]
		ls.n, ls.ln1 = s.layerNorm(&l.AttnNorm, h)
		qv, kv, vv := s.linear(&l.Q, ls.n), s.linear(&l.K, ls.n), s.linear(&l.V, ls.n)
		ctx, a := s.attention(qv, kv, vv, am, heads, scale)
		ls.ctx, ls.a = s.keep(ctx), a
		ov := s.linear(&l.Out, ctx)
		h1 := s.add(ov, h)
		ov.Release()
		ls.n2, ls.ln2 = s.layerNorm(&l.FinalNorm, h1)
		ls.f1 = s.linear(&l.FC1, ls.n2)
		ls.act = s.keep(d.Act(gpu.Activation(op), ls.f1))
		f2 := s.linear(&l.FC2, ls.act)
		h = s.add(f2, h1)
		f2.Release()
	}
	os.last = h
	if o.FinalNorm != nil {
		os.last, os.final = s.layerNorm(o.FinalNorm, h)
	}
	os.proj = os.last
	if o.ProjectOut != nil {
		os.proj = s.keep(d.Linear(os.last, s.w(&o.ProjectOut.Weight), nil))
	}
	return s.rows(os.proj, q-1, L-q), os, nil
}

// optBackward takes d(rows q−1 … L−2 of the output) and returns d(x);
// the OPT weights' gradients accumulate where they are trained (the
// language model's own training; in stage 2 they are not).
func (s *GPUStepper) optBackward(dy *gpu.Tensor, os *gpuOPT, q int) *gpu.Tensor {
	o := s.m.OPT
	d := s.d
	dh := s.keep(d.Zeros(os.proj.Shape()...))
	s.putRows(dh, dy, q-1)
	if o.ProjectOut != nil {
		dh = s.keep(d.LinearBackward(dh, os.last, s.w(&o.ProjectOut.Weight), s.grad(&o.ProjectOut.Weight), nil))
	}
	if o.FinalNorm != nil {
		dh = s.layerNormBack(o.FinalNorm, dh, os.final)
	}
	act := gpu.Activation(os.op)
	for i := len(o.Layers) - 1; i >= 0; i-- {
		l, ls := &o.Layers[i], &os.layers[i]
		da := s.linearBack(&l.FC2, dh, ls.act)
		df1 := s.keep(d.ActBackward(act, da, ls.f1))
		dn2 := s.linearBack(&l.FC1, df1, ls.n2)
		dh1 := s.add(s.layerNormBack(&l.FinalNorm, dn2, ls.ln2), dh)
		release(da, df1, dn2, ls.act, ls.f1, ls.n2)
		dctx := s.linearBack(&l.Out, dh1, ls.ctx)
		dq, dk, dv := s.attentionBackward(dctx, ls.a)
		dn := s.linearBack(&l.Q, dq, ls.n)
		s.linearBackAdd(dn, &l.K, dk, ls.n)
		s.linearBackAdd(dn, &l.V, dv, ls.n)
		dh = s.add(s.layerNormBack(&l.AttnNorm, dn, ls.ln1), dh1)
		release(dctx, dq, dk, dv, ls.ctx, ls.a.q, ls.a.k, ls.a.v, ls.n, dh1)
		os.layers[i] = gpuOPTLayer{}
	}
	if g := s.grad(&o.Positions); g != nil {
		d.EmbeddingBackwardAdd(g, dh, os.posIDs, 0)
	}
	if o.ProjectIn != nil {
		dh = s.keep(d.LinearBackward(dh, os.projIn, s.w(&o.ProjectIn.Weight), s.grad(&o.ProjectIn.Weight), nil))
	}
	return dh
}

// Step2 runs one stage-2 training step on the device (forward, backward,
// clipped AdamW over Stage2Params) and returns the losses.
func (s *GPUStepper) Step2(b *Batch) (*Stage2Result, error) {
	if s.Opt == nil {
		return nil, fmt.Errorf("train: a GPU step needs an optimizer")
	}
	return s.stage2(b, true)
}

// Stage2 runs the stage-2 forward and backward on the device without an
// update and reads back the loss and gradients, as Model.Stage2 does.
func (s *GPUStepper) Stage2(b *Batch) (*Stage2Result, error) {
	r, err := s.stage2(b, false)
	if err != nil {
		return nil, err
	}
	r.Grads, err = s.readGrads(s.m.Stage2Params())
	return r, err
}

func (s *GPUStepper) stage2(b *Batch, update bool) (*Stage2Result, error) {
	m := s.m
	if err := m.checkStage2(b); err != nil {
		return nil, err
	}
	params := m.Stage2Params()
	s.begin(params)
	pass, bos := s.captionPass()
	if err := pass(b, 1); err != nil {
		return nil, err
	}
	return s.finish2(params, update, bos)
}

// captionPass is the stage-2 pass of the model's language model and the
// stats slot of its loss with the BOS target (T5 has none: its own loss).
func (s *GPUStepper) captionPass() (pass func(b *Batch, g float32) error, bosSlot int) {
	if s.m.T5 != nil {
		return s.stage2T5Pass, slotLM
	}
	return s.stage2Pass, slotLMBOS
}

// stage2Pass is what one stage-2 step with the OPT language model adds
// between begin and finish: the captioning loss's forward and the
// backward of g times it, down to the visual prompt's parameters.
func (s *GPUStepper) stage2Pass(b *Batch, g float32) error {
	m, d := s.m, s.d
	B := len(b.LMIDs)
	Q, T := m.Config.NumQueryTokens, len(b.LMIDs[0])
	prompt, vp := s.visualPrompt(b) // (B, Q, E)
	w, _ := flatIDs(b.LMIDs)
	tok := s.keep(d.Embedding(s.ids(w, m.OPT.Embed.Shape[0], B, T), s.w(&m.OPT.Embed), 0))
	x := s.keep(d.Concat(prompt, tok))
	release(prompt, tok)
	out, os, err := s.optForward(x, onesThen(Q, b.LMMask), Q)
	if err != nil {
		s.abort()
		return err
	}
	lm := &m.OPT.LMHead
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
	// Row r of each batch of out is position Q−1+r.
	sel, lists := s.labelledRows(B*T, withBOS, labels)
	rows := s.pick(out, sel)
	logits := s.keep(d.Linear(rows, s.w(lm), nil))
	lb, lab := s.labels(lists[0]), s.labels(lists[1])
	lossB, lseB := d.CrossEntropy(logits, lb, 0)
	s.keep(lossB, lseB)
	d.LossMean(s.stats, lossB, lb, slotLMBOS)
	loss, lse := d.CrossEntropy(logits, lab, 0)
	s.keep(loss, lse)
	d.LossMean(s.stats, loss, lab, slotLM)
	dl := s.keep(d.CrossEntropyBackward(logits, lab, lse, s.stats, slotLM, 0, g))
	drows := s.keep(d.LinearBackward(dl, rows, s.w(lm), nil, nil))
	dout := s.put(drows, sel).Reshape(out.Shape()...)
	release(dl, logits, rows, drows, out)
	dx := s.optBackward(dout, os, Q)
	s.visualPromptBack(s.rows(dx, 0, Q), vp)
	return nil
}

// gpuPrompt is the soft visual prompt's saved forward.
type gpuPrompt struct {
	z   *gpu.Tensor
	zs  *gpuPass
	vln *gpuLN
}

// visualPrompt is language_projection of the Q-Former's query outputs over
// the batch's frozen features (after ln_vision): (B, Q, LM width).
func (s *GPUStepper) visualPrompt(b *Batch) (*gpu.Tensor, *gpuPrompt) {
	m := s.m
	p := &gpuPrompt{}
	v, vln := s.layerNorm(&m.Vision.Post, s.features(b))
	p.vln = vln
	p.z, p.zs = s.imagePass(v, len(b.LMIDs))
	return s.linear(m.LangProj, p.z), p
}

// visualPromptBack back-propagates d(prompt) to language_projection, the
// query path, the query tokens and ln_vision.
func (s *GPUStepper) visualPromptBack(dprompt *gpu.Tensor, p *gpuPrompt) {
	dz := s.linearBack(s.m.LangProj, dprompt, p.z)
	release(dprompt)
	if s.m.FreezeQFormer {
		return // nothing below the projection trains
	}
	s.visionBackward(s.imagePassBackward(dz, p.zs), p.vln)
}

// finish2 ends a stage-2 step: the update (if asked), the losses read back.
func (s *GPUStepper) finish2(params []*weights.Param, update bool, bosSlot int) (*Stage2Result, error) {
	st, err := s.finish(params, update)
	if err != nil {
		return nil, err
	}
	s.ar.release()
	return &Stage2Result{Loss: st[slotLM], LossWithBOS: st[bosSlot]}, nil
}

// stage2T5Pass is stage2Pass with a T5 language model (Model.stage2T5 on
// the device).
func (s *GPUStepper) stage2T5Pass(b *Batch, g float32) error {
	m, d := s.m, s.d
	c := m.Config.T5
	B, Q, P := len(b.LMIDs), m.Config.NumQueryTokens, len(b.LMIDs[0])
	x, vp := s.visualPrompt(b) // (B, Q, d)
	if P > 0 {
		w, _ := flatIDs(b.LMIDs)
		tok := s.keep(d.Embedding(s.ids(w, m.T5.Shared.Shape[0], B, P), s.w(&m.T5.Shared), 0))
		x = s.keep(d.Concat(x, tok))
	}
	decIDs, decMask, labels := T5DecoderInputs(b.LMLabels, idOrZero(c.DecoderStartTokenID), idOrZero(c.PadTokenID))
	logits, r, err := s.t5Forward(x, onesThen(Q, b.LMMask), decIDs, decMask)
	if err != nil {
		s.abort()
		return err
	}
	lab := s.labels(labels)
	loss, lse := d.CrossEntropy(logits, lab, 0)
	s.keep(loss, lse)
	d.LossMean(s.stats, loss, lab, slotLM)
	dl := s.keep(d.CrossEntropyBackward(logits, lab, lse, s.stats, slotLM, 0, g))
	s.visualPromptBack(s.rows(s.t5Backward(dl, r), 0, Q), vp)
	return nil
}
