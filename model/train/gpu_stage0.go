package train

import (
	"fmt"

	"blip2/model/cpu"
)

// Step0 runs one stage-0 training step on the device (forward, backward,
// clipped AdamW over Stage0Params) and returns the losses.
func (s *GPUStepper) Step0(b *Batch) (*Stage0Result, error) {
	if s.Opt == nil {
		return nil, fmt.Errorf("train: a GPU step needs an optimizer")
	}
	return s.stage0(b, true)
}

// Stage0 runs the stage-0 forward and backward on the device without an
// update and reads back the losses, logits and gradients, as Model.Stage0
// returns them.
func (s *GPUStepper) Stage0(b *Batch) (*Stage0Result, error) {
	s.keepOutputs = true
	defer func() { s.keepOutputs = false }()
	r, err := s.stage0(b, false)
	if err != nil {
		return nil, err
	}
	r.Grads, err = s.readGrads(s.m.Stage0Params())
	return r, err
}

func (s *GPUStepper) stage0(b *Batch, update bool) (*Stage0Result, error) {
	m := s.m
	if m.Dual == nil || !m.Retrieval() {
		return nil, fmt.Errorf("train: stage 0 needs the dual-encoder head and a retrieval checkpoint")
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	d := s.d
	params := m.Stage0Params()
	s.begin(params)
	B, T := len(b.IDs), len(b.IDs[0])
	E, H := m.Config.ImageTextHiddenSize, m.Config.QFormer.HiddenSize
	cls, vs := s.vitForward(s.upload(b.Pixels, b.PixelShape...))
	imgP := s.linear(&m.Dual.VisualProj, cls)
	imgF := s.keep(d.L2Normalize(imgP, l2eps))
	emb, wid, pid := s.textEmbeds(b.IDs)
	text := &gpuPass{B: B, T: T, spec: s.newAttnSpec(cpu.MaskNone, 0, b.Mask), tokens: tokenRows(b.Mask, B, T),
		outText: firstRows(B, T), outTextSet: true}
	ht := s.qformerForward(emb, text)
	tcls := s.rows(ht, 0, 1)
	ht.Release()
	txtP := s.linear(m.TextProj, tcls)
	txtF := s.keep(d.L2Normalize(txtP, l2eps))
	sim := s.keep(d.Scratch(B, B))
	d.MatMulNT(sim, imgF, txtF, nil, cpu.DenseNT(1, B, B, E, true))
	logits := s.keep(d.Mul(sim, s.invTemp))
	s.keepOut("logits", logits)
	dI2T, dT2I := d.Contrastive(logits, s.stats, slotI2T, clipSmoothing)
	s.keep(dI2T, dT2I)

	// Both directions train both towers: d logits = dI2T + dT2I.
	gsum := s.add(dI2T, dT2I)
	dot := s.keep(d.Scratch(1, 1))
	d.MatMulNT(dot, gsum, sim, nil, cpu.DenseNT(1, 1, 1, B*B, true))
	s.addGrad(&m.Temp, d.Mul(dot, s.negInvTemp2))
	dsim := s.keep(d.Mul(gsum, s.invTemp))
	dImgF, dTxtF := s.keep(d.Scratch(B, 1, E)), s.keep(d.Scratch(B, 1, E))
	d.MatMulNN(dImgF, dsim, txtF, cpu.DenseNN(1, B, E, B, true))
	d.MatMulTN(dTxtF, dsim, imgF, cpu.DenseTN(1, B, E, B))
	release(gsum, dot, sim)
	s.vitBackward(s.linearBack(&m.Dual.VisualProj, s.keep(d.L2NormalizeBackward(dImgF, imgP, l2eps)), cls), vs)
	dh := s.keep(d.Zeros(B, T, H))
	s.putRows(dh, s.linearBack(m.TextProj, s.keep(d.L2NormalizeBackward(dTxtF, txtP, l2eps)), tcls), 0)
	demb, _ := s.qformerBackward(dh, text)
	s.textEmbedsBackward(demb, wid, pid)
	st, err := s.finish(params, update)
	if err != nil {
		return nil, err
	}
	r := &Stage0Result{LossI2T: st[slotI2T], LossT2I: st[slotT2I]}
	r.Loss = (r.LossI2T + r.LossT2I) / 2
	if s.keepOutputs {
		if r.Logits, err = s.kept["logits"].Read(); err != nil {
			return nil, err
		}
	}
	s.ar.release()
	return r, nil
}
