package train

import (
	"fmt"
	"math"
	"strings"

	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/weights"
)

// Slots of the stats buffer, the one thing a step reads back: the loss
// means and their row counts, clip_grad_norm_'s factor, finite flag and
// norm, the updated temperature, then one finite flag per trained tensor.
const (
	slotI2T   = 0 // and its count; Contrastive puts t2i at +2
	slotT2I   = 2
	slotITM   = 4
	slotITG   = 6
	slotLM    = 8
	slotLMBOS = 10
	slotClip  = 12 // factor, finite flag, norm
	slotTemp  = 15
	slotFlags = 16
)

// Loss parts of stage 1, for running the backward of one loss alone.
const (
	PartITC = 1 << iota
	PartITM
	PartITG
	PartsAll = PartITC | PartITM | PartITG
)

// GPUStepper runs training steps of a Model on a gpu.Device: forward,
// backward and the AdamW update recorded as one command stream, with the
// stats buffer as the only readback. Weights, gradients and moments stay on
// the device across steps; the host Model's parameters are stale after an
// update until Sync.
type GPUStepper struct {
	m   *Model
	d   *gpu.Device
	be  *gpu.Backend // the frozen ViT runs through the inference code
	Opt *AdamW

	weights map[*weights.Param]*gpu.Tensor
	grads   map[*weights.Param]*gpu.Tensor
	moments map[*weights.Param][2]*gpu.Tensor
	feats   map[*Batch]*gpu.Tensor

	ar                          arena
	stats, invTemp, negInvTemp2 *gpu.Tensor
	temp                        float32 // host copy of temp, refreshed by every update
	kept                        map[string]*gpu.Tensor
	keepOutputs                 bool
	lastNorm                    float32
}

// NewGPU prepares a stepper; opt holds the hyper-parameters, schedule and
// step count (it may be nil for gradient checks only).
func NewGPU(m *Model, d *gpu.Device, opt *AdamW) (*GPUStepper, error) {
	if err := d.Err(); err != nil {
		return nil, err
	}
	return &GPUStepper{m: m, d: d, be: gpu.NewBackend(d), Opt: opt, weights: map[*weights.Param]*gpu.Tensor{},
		moments: map[*weights.Param][2]*gpu.Tensor{}, feats: map[*Batch]*gpu.Tensor{}, temp: m.Temp.Data[0]}, nil
}

// Close releases every device tensor the stepper holds.
func (s *GPUStepper) Close() {
	s.ar.release()
	s.releaseGrads()
	for _, t := range s.weights {
		t.Release()
	}
	for _, mv := range s.moments {
		release(mv[0], mv[1])
	}
	for _, t := range s.feats {
		t.Release()
	}
	s.be.ReleaseParams()
	s.weights, s.moments, s.feats = map[*weights.Param]*gpu.Tensor{}, map[*weights.Param][2]*gpu.Tensor{}, map[*Batch]*gpu.Tensor{}
}

// Sync copies the device's trained weights back into the host Model.
func (s *GPUStepper) Sync() error {
	for p, t := range s.weights {
		v, err := t.Read()
		if err != nil {
			return err
		}
		copy(p.Data, v)
	}
	return nil
}

// features is the frozen ViT's output before ln_vision (B, P, Dv): the
// batch's own Features when it carries them, else computed on the device
// and cached per batch when the batch asks for it.
func (s *GPUStepper) features(b *Batch) *gpu.Tensor {
	if t, ok := s.feats[b]; ok {
		return t
	}
	if b.Features != nil { // computed beforehand, on the host side of the batch
		return s.upload(b.Features, b.PixelShape[0], len(b.Features)/(b.PixelShape[0]*s.m.Config.Vision.HiddenSize), s.m.Config.Vision.HiddenSize)
	}
	px := s.be.Upload(b.Pixels, b.PixelShape...)
	pre := s.m.Vision.Features(s.be, px).(*gpu.Tensor)
	s.be.Free(px)
	if b.CacheFeatures {
		s.feats[b] = pre
	} else {
		s.keep(pre)
	}
	return pre
}

// begin starts a step that trains params: zeroed gradients, a cleared
// stats buffer and the temperature constants.
func (s *GPUStepper) begin(params []*weights.Param) {
	s.ar.release()
	s.releaseGrads()
	s.grads = map[*weights.Param]*gpu.Tensor{}
	for _, p := range params {
		shape := paramShape(p)
		if len(shape) > 2 { // embedding-style accumulation wants 2-D
			shape = []int{shape[0], len(p.Data) / shape[0]}
		}
		s.grads[p] = s.d.Zeros(shape...)
	}
	s.stats = s.keep(s.d.Zeros(slotFlags + len(params)))
	t := float64(s.temp)
	s.invTemp = s.upload([]float32{float32(1 / t)}, 1)
	s.negInvTemp2 = s.upload([]float32{float32(-1 / (t * t))}, 1)
	s.kept = map[string]*gpu.Tensor{}
}

// keepOut marks an intermediate for reading after the step (parity
// checks); it is dropped otherwise.
func (s *GPUStepper) keepOut(name string, t *gpu.Tensor) {
	if s.keepOutputs {
		s.kept[name] = t
	}
}

// finish records, with update, the clipped AdamW step (whose norm is the
// finite check: a NaN or an Inf anywhere makes it not finite, and the
// step is skipped and reported), and without, a finite check of each
// gradient; then reads the stats back (the step's one wait) and checks
// them. With update false the gradients stay readable until the next step.
func (s *GPUStepper) finish(params []*weights.Param, update bool) ([]float32, error) {
	d := s.d
	if !update {
		for i, p := range params {
			d.FiniteCheck(s.stats, s.grads[p], slotFlags+i)
		}
	}
	step := 0
	var partials *gpu.Tensor
	if update {
		o := s.Opt
		step = o.step + 1
		n := 0
		for _, p := range params {
			n += gpu.SumSqSlots(len(p.Data))
		}
		partials = s.keep(d.Scratch(n))
		slot := 0
		for _, p := range params {
			slot = d.SumSq(partials, s.grads[p], slot)
		}
		d.ClipScale(s.stats, partials, n, slotClip, float32(max(o.MaxNorm, 0)))
		lr := o.Schedule.LR(o.step)
		for _, p := range params {
			mv, ok := s.moments[p]
			if !ok {
				mv = [2]*gpu.Tensor{d.Zeros(len(p.Data)), d.Zeros(len(p.Data))}
				s.moments[p] = mv
			}
			wd := 0.0
			if Decays(p) {
				wd = o.WeightDecay
			}
			d.AdamWStep(s.w(p), mv[0], mv[1], s.grads[p], s.stats, slotClip, gpu.AdamW{LR: lr, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps}, wd, step)
		}
		if t, ok := s.weights[&s.m.Temp]; ok {
			d.CopyRows(s.stats, t, cpuCopyOne(slotTemp))
		}
	}
	st, err := s.stats.Read()
	if err != nil {
		s.abort()
		return nil, err
	}
	if err := d.Err(); err != nil {
		s.abort()
		return nil, err
	}
	stepNo := step
	if !update && s.Opt != nil {
		stepNo = s.Opt.step + 1
	}
	var bad []string
	for _, sl := range []struct {
		name string
		slot int
	}{{"loss_itc_i2t", slotI2T}, {"loss_itc_t2i", slotT2I}, {"loss_itm", slotITM}, {"loss_itg", slotITG}, {"loss_stage2", slotLM}} {
		if v := st[sl.slot]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			bad = append(bad, fmt.Sprintf("%s is %v", sl.name, v))
		}
	}
	for i, p := range params {
		if !update && st[slotFlags+i] != 0 {
			bad = append(bad, "the gradient of "+p.Name+" is not finite")
			break // the first in name order; the rest follow from it
		}
	}
	if update && st[slotClip+1] == 0 {
		// The norm is not finite and adamw_step skipped every tensor.
		// The sums of squares say which: the first in name order whose
		// sum is not finite (it holds a NaN or an Inf, or overflows).
		bad = append(bad, s.nonFiniteGrad(params, partials))
	}
	if bad != nil {
		s.ar.release()
		return st, fmt.Errorf("train: step %d: %s", stepNo, strings.Join(bad, "; "))
	}
	if update {
		s.Opt.step = step
		s.temp = st[slotTemp]
		s.lastNorm = st[slotClip+2]
	}
	return st, nil
}

// nonFiniteGrad names the first tensor whose gradient's sum of squares
// (SumSq's partials, in params order) is not finite; it is read only
// when a step has failed, so that a step that does not fail reads one
// buffer and records no per-tensor check.
func (s *GPUStepper) nonFiniteGrad(params []*weights.Param, partials *gpu.Tensor) string {
	const what = " is not finite, or its sum of squares overflows (no parameter was updated)"
	sums, err := partials.Read()
	if err != nil {
		return "the gradients' norm is not finite; reading which: " + err.Error()
	}
	slot := 0
	for _, p := range params {
		n := gpu.SumSqSlots(len(p.Data))
		for _, v := range sums[slot : slot+n] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return "the gradient of " + p.Name + what
			}
		}
		slot += n
	}
	return "the gradients' norm" + what
}

// cpuCopyOne copies element 0 of a tensor to element slot of another.
func cpuCopyOne(slot int) cpu.CopyRows {
	return cpu.CopyRows{Batch: 1, N: 1, Cols: 1, SrcBlock: 1, SrcRow: 1, DstBlock: 1, DstRow: 1, DstStart: slot}
}

// abort drops the step's tensors after a device error.
func (s *GPUStepper) abort() {
	s.ar.release()
	s.releaseGrads()
}

func (s *GPUStepper) releaseGrads() {
	for _, g := range s.grads {
		g.Release()
	}
	s.grads = nil
}

// readGrads reads this step's gradients by parameter name.
func (s *GPUStepper) readGrads(params []*weights.Param) (Grads, error) {
	g := Grads{}
	for _, p := range params {
		v, err := s.grads[p].Read()
		if err != nil {
			return nil, err
		}
		g[p.Name] = v
	}
	return g, nil
}
