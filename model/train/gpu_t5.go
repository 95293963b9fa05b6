package train

import (
	"fmt"
	"math"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/nn"
)

// Stage 2 through a frozen T5 on the device, mirroring t5.go and
// stage2_t5.go: the same kernels as the rest of the step (RMSNorm, the
// fused attention with T5's position bias, gated activations by mul_fwd),
// input gradients only.

type gpuRMS struct{ x, rstd *gpu.Tensor }

func (s *GPUStepper) rmsNorm(n *nn.RMSNorm, x *gpu.Tensor) (*gpu.Tensor, *gpuRMS) {
	y, rstd := s.d.RMSNorm(x, s.w(&n.Weight), n.Eps)
	s.keep(y, rstd)
	return y, &gpuRMS{x: x, rstd: rstd}
}

// rmsNormBack returns dx; the weight is frozen.
func (s *GPUStepper) rmsNormBack(n *nn.RMSNorm, dy *gpu.Tensor, r *gpuRMS) *gpu.Tensor {
	dx, dw := s.d.RMSNormBackward(dy, r.x, s.w(&n.Weight), r.rstd)
	dw.Release()
	return s.keep(dx)
}

// frozen is y = x·wᵀ with a frozen, bias-free weight, and its input
// gradient.
func (s *GPUStepper) frozen(l *nn.LinearNoBias, x *gpu.Tensor) *gpu.Tensor {
	return s.keep(s.d.Linear(x, s.w(&l.Weight), nil))
}

func (s *GPUStepper) frozenBack(l *nn.LinearNoBias, dy, x *gpu.Tensor) *gpu.Tensor {
	return s.keep(s.d.LinearBackward(dy, x, s.w(&l.Weight), nil, nil))
}

// frozenBackAdd adds frozenBack's dx into into (linearBackAdd's frozen twin).
func (s *GPUStepper) frozenBackAdd(into *gpu.Tensor, l *nn.LinearNoBias, dy, x *gpu.Tensor) {
	s.d.LinearBackwardAdd(into, dy, x, s.w(&l.Weight), nil, nil)
}

type gpuT5FF struct{ n, u, a, l, h *gpu.Tensor }

func (s *GPUStepper) t5FF(f *blip2.T5FF, n *gpu.Tensor, op int) (*gpu.Tensor, *gpuT5FF) {
	d, r := s.d, &gpuT5FF{n: n}
	if f.WI0 != nil {
		r.u = s.frozen(f.WI0, n)
		r.a = s.keep(d.Act(gpu.Activation(op), r.u))
		r.l = s.frozen(f.WI1, n)
		r.h = s.keep(d.Mul(r.a, r.l))
	} else {
		r.u = s.frozen(f.WI, n)
		r.h = s.keep(d.Act(gpu.Activation(op), r.u))
	}
	return s.frozen(&f.WO, r.h), r
}

func (s *GPUStepper) t5FFBack(f *blip2.T5FF, dy *gpu.Tensor, r *gpuT5FF, op int) *gpu.Tensor {
	d := s.d
	dh := s.frozenBack(&f.WO, dy, r.h)
	if f.WI0 == nil {
		return s.frozenBack(f.WI, s.keep(d.ActBackward(gpu.Activation(op), dh, r.u)), r.n)
	}
	da, dl := s.keep(d.Mul(dh, r.l)), s.keep(d.Mul(dh, r.a))
	dn := s.frozenBack(f.WI0, s.keep(d.ActBackward(gpu.Activation(op), da, r.u)), r.n)
	s.frozenBackAdd(dn, f.WI1, dl, r.n)
	return dn
}

type gpuT5Attn struct {
	x, kv, ctx *gpu.Tensor
	a          *gpuAttn
}

func (s *GPUStepper) t5Attend(at *blip2.T5Attention, x, kv *gpu.Tensor, spec *attnSpec, heads int) (*gpu.Tensor, *gpuT5Attn) {
	q, k, v := s.frozen(&at.Q, x), s.frozen(&at.K, kv), s.frozen(&at.V, kv)
	r := &gpuT5Attn{x: x, kv: kv}
	ctx, a := s.attention(q, k, v, spec, heads, 1)
	r.ctx, r.a = s.keep(ctx), a
	return s.frozen(&at.O, r.ctx), r
}

// t5AttendBack returns d(x) and d(kv).
func (s *GPUStepper) t5AttendBack(at *blip2.T5Attention, dy *gpu.Tensor, r *gpuT5Attn) (dx, dkv *gpu.Tensor) {
	dq, dk, dv := s.attentionBackward(s.frozenBack(&at.O, dy, r.ctx), r.a)
	dkv = s.frozenBack(&at.K, dk, r.kv)
	s.frozenBackAdd(dkv, &at.V, dv, r.kv)
	return s.frozenBack(&at.Q, dq, r.x), dkv
}

type gpuT5Block struct {
	selfN, crossN, ffN *gpuRMS
	self, cross        *gpuT5Attn
	ff                 *gpuT5FF
}

type gpuT5 struct {
	op                 int
	enc, dec           []gpuT5Block
	encFinal, decFinal *gpuRMS
	encOut, last       *gpu.Tensor
	headScale          *gpu.Tensor // d_model^-0.5 per column for a tied head, or nil
}

// t5Spec is a T5 self-attention's mask: the structural mode and the
// position bias with key padding, (B, H, Tq, Tk).
func (s *GPUStepper) t5Spec(rel []float32, mode cpu.MaskMode, B, H, T int) *attnSpec {
	return &attnSpec{mode: mode, bias: s.upload(rel, B, H, T, T)}
}

// t5Forward returns the logits (B, T, V) of the frozen T5 over encoder
// embeddings x (B, Le, d) and the decoder ids, as Model.t5Forward.
func (s *GPUStepper) t5Forward(x *gpu.Tensor, encMask, decIDs, decMask [][]int) (*gpu.Tensor, *gpuT5, error) {
	t5, c := s.m.T5, s.m.Config.T5
	d := s.d
	op, ok := cpu.ActOp(c.DenseActFn)
	if !ok {
		return nil, nil, fmt.Errorf("train: T5 activation %q", c.DenseActFn)
	}
	if composite(c.DKV) {
		return nil, nil, fmt.Errorf("train: T5 head dim %d is past the fused attention's %d, and the composite path has no position bias", c.DKV, fusedMaxDim)
	}
	B, Le, T, H := len(encMask), len(encMask[0]), len(decIDs[0]), c.NumHeads
	r := &gpuT5{op: op}
	encSpec := s.t5Spec(t5.PositionBias(t5.Encoder.Blocks[0].SelfAttn.RelBias, encMask, Le, 0, true), cpu.MaskNone, B, H, Le)
	h := x
	r.enc = make([]gpuT5Block, len(t5.Encoder.Blocks))
	for i := range t5.Encoder.Blocks {
		bl, bs := &t5.Encoder.Blocks[i], &r.enc[i]
		var n, o *gpu.Tensor
		n, bs.selfN = s.rmsNorm(&bl.SelfNorm, h)
		o, bs.self = s.t5Attend(&bl.SelfAttn, n, n, encSpec, H)
		h1 := s.add(h, o)
		n, bs.ffN = s.rmsNorm(&bl.FFNorm, h1)
		o, bs.ff = s.t5FF(&bl.FF, n, op)
		h = s.add(h1, o)
	}
	r.encOut, r.encFinal = s.rmsNorm(&t5.Encoder.FinalNorm, h)

	w, _ := flatIDs(decIDs)
	h = s.keep(d.Embedding(s.ids(w, t5.Shared.Shape[0], B, T), s.w(&t5.Shared), 0))
	selfSpec := s.t5Spec(t5.PositionBias(t5.Decoder.Blocks[0].SelfAttn.RelBias, decMask, T, 0, false), cpu.MaskCausal, B, H, T)
	crossSpec := s.newAttnSpec(cpu.MaskNone, 0, encMask)
	r.dec = make([]gpuT5Block, len(t5.Decoder.Blocks))
	for i := range t5.Decoder.Blocks {
		bl, bs := &t5.Decoder.Blocks[i], &r.dec[i]
		var n, o *gpu.Tensor
		n, bs.selfN = s.rmsNorm(&bl.SelfNorm, h)
		o, bs.self = s.t5Attend(&bl.SelfAttn, n, n, selfSpec, H)
		h1 := s.add(h, o)
		n, bs.crossN = s.rmsNorm(&bl.CrossNorm, h1)
		o, bs.cross = s.t5Attend(&bl.CrossAttn, n, r.encOut, crossSpec, H)
		h2 := s.add(h1, o)
		n, bs.ffN = s.rmsNorm(&bl.FFNorm, h2)
		o, bs.ff = s.t5FF(&bl.FF, n, op)
		h = s.add(h2, o)
	}
	r.last, r.decFinal = s.rmsNorm(&t5.Decoder.FinalNorm, h)
	out := r.last
	if c.TieWordEmbeddings {
		sc := make([]float32, c.DModel)
		for i := range sc {
			sc[i] = float32(1 / math.Sqrt(float64(c.DModel)))
		}
		r.headScale = s.upload(sc, c.DModel)
		out = s.keep(d.Mul(r.last, r.headScale))
	}
	return s.keep(d.Linear(out, s.w(&t5.LMHead), nil)), r, nil
}

// t5Backward takes d(logits) and returns d(x).
func (s *GPUStepper) t5Backward(dlogits *gpu.Tensor, r *gpuT5) *gpu.Tensor {
	t5, d := s.m.T5, s.d
	dl := s.keep(d.LinearBackward(dlogits, r.last, s.w(&t5.LMHead), nil, nil))
	if r.headScale != nil {
		dl = s.keep(d.Mul(dl, r.headScale))
	}
	dh := s.rmsNormBack(&t5.Decoder.FinalNorm, dl, r.decFinal)
	var denc *gpu.Tensor
	for i := len(t5.Decoder.Blocks) - 1; i >= 0; i-- {
		bl, bs := &t5.Decoder.Blocks[i], &r.dec[i]
		dh2 := s.add(dh, s.rmsNormBack(&bl.FFNorm, s.t5FFBack(&bl.FF, dh, bs.ff, r.op), bs.ffN))
		dn, dkv := s.t5AttendBack(&bl.CrossAttn, dh2, bs.cross)
		if denc == nil {
			denc = dkv
		} else {
			denc = s.add(denc, dkv)
		}
		dh1 := s.add(dh2, s.rmsNormBack(&bl.CrossNorm, dn, bs.crossN))
		dn, dkv = s.t5AttendBack(&bl.SelfAttn, dh1, bs.self)
		dh = s.add(dh1, s.rmsNormBack(&bl.SelfNorm, s.add(dn, dkv), bs.selfN))
	}
	dh = s.rmsNormBack(&t5.Encoder.FinalNorm, denc, r.encFinal)
	for i := len(t5.Encoder.Blocks) - 1; i >= 0; i-- {
		bl, bs := &t5.Encoder.Blocks[i], &r.enc[i]
		dh1 := s.add(dh, s.rmsNormBack(&bl.FFNorm, s.t5FFBack(&bl.FF, dh, bs.ff, r.op), bs.ffN))
		dn, dkv := s.t5AttendBack(&bl.SelfAttn, dh1, bs.self)
		dh = s.add(dh1, s.rmsNormBack(&bl.SelfNorm, s.add(dn, dkv), bs.selfN))
	}
	return dh
}
