package train

import (
	"fmt"

	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/weights"
)

// Step1 runs one stage-1 training step on the device (forward, backward,
// clipped AdamW over Stage1Params) and returns the losses; Grads are not
// read back. A non-finite loss or gradient stops it before any parameter
// changes, with an error naming the tensor and the step.
func (s *GPUStepper) Step1(b *Batch) (*Stage1Result, error) {
	if s.Opt == nil {
		return nil, fmt.Errorf("train: a GPU step needs an optimizer")
	}
	s.keepOutputs = false
	return s.stage1(b, PartsAll, true)
}

// GradNorm is the global gradient norm (before clipping) of the last
// update.
func (s *GPUStepper) GradNorm() float32 { return s.lastNorm }

// Stage1 runs the stage-1 forward and backward on the device without an
// update and reads back the losses, intermediates and gradients, as
// Model.Stage1 returns them (split: also each loss's own gradients, one
// more backward per loss).
func (s *GPUStepper) Stage1(b *Batch, split bool) (*Stage1Result, error) {
	s.keepOutputs = true
	defer func() { s.keepOutputs = false }()
	params := s.m.Stage1Params()
	r, err := s.stage1(b, PartsAll, false)
	if err != nil {
		return nil, err
	}
	if r.Grads, err = s.readGrads(params); err != nil {
		return nil, err
	}
	r.ITC, r.ITM, r.ITG = r.Grads, r.Grads, r.Grads
	if !split {
		return r, nil
	}
	fixed := *b // the same negatives for every part
	fixed.NegImage, fixed.NegText, fixed.CacheFeatures = r.NegImage, r.NegText, false
	if f, ok := s.feats[b]; ok {
		s.feats[&fixed] = f
		defer delete(s.feats, &fixed)
	}
	for _, part := range []struct {
		bit int
		g   *Grads
	}{{PartITC, &r.ITC}, {PartITM, &r.ITM}, {PartITG, &r.ITG}} {
		if _, err := s.stage1(&fixed, part.bit, false); err != nil {
			return nil, err
		}
		if *part.g, err = s.readGrads(params); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ReferenceTensors is Model.ReferenceTensors computed on the device.
func (s *GPUStepper) ReferenceTensors(b *Batch) ([]weights.Tensor, error) {
	return s.m.referenceTensors(b, s.Stage1, s.Stage2)
}

func (s *GPUStepper) stage1(b *Batch, parts int, update bool) (*Stage1Result, error) {
	if err := s.m.checkStage1(b); err != nil {
		return nil, err
	}
	params := s.m.Stage1Params()
	s.begin(params)
	p, err := s.stage1Pass(b, parts)
	if err != nil {
		return nil, err
	}
	st, err := s.finish(params, update)
	if err != nil {
		return nil, err
	}
	return s.stage1Result(p, st)
}

// checkStage1 is what a stage-1 step needs of the model and the batch.
func (m *Model) checkStage1(b *Batch) error {
	if m.Head == nil || !m.Retrieval() {
		return fmt.Errorf("train: stage 1 needs the ITG head and a retrieval checkpoint")
	}
	return b.check()
}

// gpuStage1Pass is what a stage-1 pass on the device leaves for reading its result.
type gpuStage1Pass struct {
	r                *Stage1Result
	pairImg, pairTxt *gpu.Tensor
	rows             int
}

// stage1Pass is what one stage-1 step adds between begin and finish: the
// forward of ITC, ITM and ITG and the backward of the parts asked for,
// into the gradients begin zeroed.
func (s *GPUStepper) stage1Pass(b *Batch, parts int) (*gpuStage1Pass, error) {
	m, d := s.m, s.d
	B := len(b.IDs)
	pre := s.features(b)
	v, vln := s.layerNorm(&m.Vision.Post, pre)
	z, zs := s.imagePass(v, B)
	itc := s.itcForward(z, b.IDs, b.Mask)
	r := &Stage1Result{NegImage: b.NegImage, NegText: b.NegText}
	pairImg, pairTxt, err := s.itmPairs(itc.logits, b)
	if err != nil {
		s.abort()
		return nil, err
	}
	itm := s.itmForward(v, b.IDs, b.Mask, pairImg, pairTxt, s.itmAttnSpec(pairTxt, b.Mask, m.Config.NumQueryTokens))
	itg := s.itgForward(v, b.IDs, b.Mask, b.DecID)
	s.keepOut("i2t", itc.logits)
	s.keepOut("itm", itm.logits)
	s.keepOut("hidden", itg.h)

	dv := s.keep(d.Zeros(v.Shape()...))
	if parts&PartITC != 0 {
		if dvi := s.imagePassBackward(s.itcBackward(itc), zs); dvi != nil {
			dv = s.add(dv, dvi)
		}
	}
	if parts&PartITM != 0 {
		s.itmBackward(itm, dv)
	}
	if parts&PartITG != 0 {
		if dvg := s.itgBackward(itg); dvg != nil {
			dv = s.add(dv, dvg)
		}
	}
	s.visionBackward(dv, vln)
	return &gpuStage1Pass{r: r, pairImg: pairImg, pairTxt: pairTxt, rows: B}, nil
}

// stage1Result reads a finished stage-1 pass's losses (and, for parity
// checks, its kept outputs) from the step's stats and ends the step.
func (s *GPUStepper) stage1Result(p *gpuStage1Pass, st []float32) (*Stage1Result, error) {
	r, B := p.r, p.rows
	var err error
	r.LossI2T, r.LossT2I, r.LossITM, r.LossITG = st[slotI2T], st[slotT2I], st[slotITM], st[slotITG]
	if s.keepOutputs && r.NegImage == nil {
		if r.NegImage, r.NegText, err = readNegatives(p.pairImg, p.pairTxt); err != nil {
			return nil, err
		}
	}
	r.LossITC = (r.LossI2T + r.LossT2I) / 2
	r.Loss = r.LossITC + r.LossITM + r.LossITG
	if s.keepOutputs {
		out := map[string][]float32{}
		for name, t := range s.kept {
			if out[name], err = t.Read(); err != nil {
				return nil, err
			}
		}
		r.SimI2T, r.ITMLogits, r.ITGLogits, r.ITGHidden = out["i2t"], out["itm"], out["itg"], out["hidden"]
		r.SimT2I = make([]float32, B*B)
		cpu.Transpose2DForward(r.SimT2I, r.SimI2T, B, B)
	}
	s.ar.release()
	return r, nil
}

// visionBackward accumulates ln_vision's gradients (the frozen ViT below
// it needs no input gradient); its input is the (possibly cached) ViT
// feature tensor, which is not the step's to free.
func (s *GPUStepper) visionBackward(dv *gpu.Tensor, ln *gpuLN) {
	post := &s.m.Vision.Post
	if s.grad(&post.Weight) == nil && s.grad(&post.Bias) == nil {
		release(ln.mean, ln.rstd)
		return
	}
	dg, db := s.d.LayerNormBackwardWeight(dv, ln.x, ln.mean, ln.rstd)
	s.addGrad(&post.Weight, dg)
	s.addGrad(&post.Bias, db)
	release(ln.mean, ln.rstd)
}
