package train

import (
	"math"

	"blip2/model/cpu"
	"blip2/model/gpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// This file is the device counterpart of ops.go: the layer helpers of the
// GPU training step. Every helper records kernels into the device's
// current batch; nothing here reads back.
//
// Ownership: every tensor a step allocates goes into the step's arena and
// is released when the step ends; a backward releases the activations it
// has consumed as soon as it is done with them (Release is idempotent, so
// the arena's final sweep is harmless). Views (Reshape) share their
// parent's buffer and are never released themselves.

// arena is the list of tensors one step allocated.
type arena []*gpu.Tensor

func (a *arena) add(ts ...*gpu.Tensor) {
	for _, t := range ts {
		if t != nil {
			*a = append(*a, t)
		}
	}
}

func (a *arena) release() {
	for _, t := range *a {
		t.Release()
	}
	*a = nil
}

// release frees tensors a backward has consumed.
func release(ts ...*gpu.Tensor) {
	for _, t := range ts {
		t.Release()
	}
}

// Swap points of the device step: the only places it forms matrix products
// inside attention. The composite below (scores, masked softmax, P·V) is
// what runs until fused attention backward kernels exist; a fused pair can
// replace both functions without touching the model code.
var (
	gpuAttentionForward  = compositeAttention
	gpuAttentionBackward = compositeAttentionBackward
)

// gpuAttn is one attention call's saved state.
type gpuAttn struct {
	q, k, v, p *gpu.Tensor // p: the softmax probabilities (B, H, Tq, Tk)
	heads      int
	scale      float32
}

// compositeAttention is softmax(scale·q·kᵀ + mask)·v per head for q
// (B, Tq, H·D), k and v (B, Tk, H·D) and an additive mask (B, Tq, Tk) or
// nil.
func compositeAttention(d *gpu.Device, q, k, v, mask *gpu.Tensor, heads int, scale float32) (*gpu.Tensor, *gpuAttn) {
	s := d.HeadsQK(q, k, heads)
	p := d.Softmax(s, scale, mask)
	s.Release()
	out := d.HeadsPV(p, v, heads)
	return out, &gpuAttn{q: q, k: k, v: v, p: p, heads: heads, scale: scale}
}

// compositeAttentionBackward returns dq, dk, dv through the composite.
func compositeAttentionBackward(d *gpu.Device, dout *gpu.Tensor, a *gpuAttn) (dq, dk, dv *gpu.Tensor) {
	dp := d.HeadsQK(dout, a.v, a.heads) // dP = dO·Vᵀ
	ds := d.SoftmaxBackward(a.p, dp, a.scale)
	dp.Release()
	dq = d.HeadsPV(ds, a.k, a.heads) // dQ = dS·K
	dk = headsTN(d, ds, a.q, a.heads)
	dv = headsTN(d, a.p, dout, a.heads)
	release(ds, a.p)
	return dq, dk, dv
}

// headsTN is Pᵀ·X per head: p (B, H, Tq, Tk), x (B, Tq, H·D) → (B, Tk, H·D).
func headsTN(d *gpu.Device, p, x *gpu.Tensor, heads int) *gpu.Tensor {
	B, Tq, Tk, hd := p.Dim(0), p.Dim(2), p.Dim(3), x.Dim(2)
	dh := hd / heads
	out := d.Scratch(B, Tk, hd)
	d.MatMulTN(out, p, x, cpu.MatMulDims{M: Tk, N: dh, K: Tq, Batch: B * heads, Inner: heads,
		A: cpu.Layout{Row: Tk, Outer: heads * Tq * Tk, Inner: Tq * Tk},
		B: cpu.Layout{Row: hd, Outer: Tq * hd, Inner: dh},
		C: cpu.Layout{Row: hd, Outer: Tk * hd, Inner: dh}})
	return out
}

// attnMask is the additive mask (B, Tq, Tk) of a structural mode and a 0/1
// key-padding mask (B, Tk) (nil: all keys): −Inf where the structure
// forbids, −10000 on padded keys (HF's (1 − m)·−10000), else 0. It returns
// nil when nothing is masked.
func attnMask(mode cpu.MaskMode, tq, tk, nq int, keys [][]int, B int) []float32 {
	if mode == cpu.MaskNone && keys == nil {
		return nil
	}
	out := make([]float32, 0, B*tq*tk)
	ninf := float32(math.Inf(-1))
	st := cpu.AttentionMask(mode, tq, tk, nq, 0)
	for b := 0; b < B; b++ {
		for i := 0; i < tq; i++ {
			for j := 0; j < tk; j++ {
				v := st[i*tk+j]
				if v != ninf && keys != nil {
					v += float32(1-keys[b][j]) * -10000
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// gpuLN is a LayerNorm's saved state.
type gpuLN struct{ x, mean, rstd *gpu.Tensor }

func (s *GPUStepper) w(p *weights.Param) *gpu.Tensor {
	if t, ok := s.weights[p]; ok {
		return t
	}
	t := s.d.Upload(p.Data, paramShape(p)...)
	s.weights[p] = t
	return t
}

// grad is p's gradient this step, or nil when p is not trained.
func (s *GPUStepper) grad(p *weights.Param) *gpu.Tensor { return s.grads[p] }

// addGrad adds t into p's gradient (a no-op for untrained p) and releases t.
func (s *GPUStepper) addGrad(p *weights.Param, t *gpu.Tensor) {
	if g := s.grads[p]; g != nil {
		s.grads[p] = s.d.Axpy(1, t, g)
		g.Release()
	}
	t.Release()
}

// keep registers tensors with the step's arena and returns the first.
func (s *GPUStepper) keep(ts ...*gpu.Tensor) *gpu.Tensor {
	s.ar.add(ts...)
	return ts[0]
}

func (s *GPUStepper) linear(l *nn.Linear, x *gpu.Tensor) *gpu.Tensor {
	return s.keep(s.d.Linear(x, s.w(&l.Weight), s.w(&l.Bias)))
}

// linearBack accumulates l's gradients (if trained) and returns dx.
func (s *GPUStepper) linearBack(l *nn.Linear, dy, x *gpu.Tensor) *gpu.Tensor {
	return s.keep(s.d.LinearBackward(dy, x, s.w(&l.Weight), s.grad(&l.Weight), s.grad(&l.Bias)))
}

func (s *GPUStepper) layerNorm(n *nn.LayerNorm, x *gpu.Tensor) (*gpu.Tensor, *gpuLN) {
	y, mean, rstd := s.d.LayerNorm(x, s.w(&n.Weight), s.w(&n.Bias), n.Eps)
	s.keep(y, mean, rstd)
	return y, &gpuLN{x: x, mean: mean, rstd: rstd}
}

// layerNormBack returns dx, accumulates dγ, dβ and releases the saved state.
func (s *GPUStepper) layerNormBack(n *nn.LayerNorm, dy *gpu.Tensor, ln *gpuLN) *gpu.Tensor {
	dx, dg, db := s.d.LayerNormBackward(dy, ln.x, s.w(&n.Weight), ln.mean, ln.rstd)
	s.keep(dx)
	s.addGrad(&n.Weight, dg)
	s.addGrad(&n.Bias, db)
	release(ln.x, ln.mean, ln.rstd)
	return dx
}

func (s *GPUStepper) add(a, b *gpu.Tensor) *gpu.Tensor { return s.keep(s.d.Add(a, b)) }

// rows is positions start..start+n of axis 1 of x (B, T, C).
func (s *GPUStepper) rows(x *gpu.Tensor, start, n int) *gpu.Tensor {
	return s.keep(s.d.Rows(x, start, n))
}

// putRows copies src (B, n, C) into positions start.. of dst (B, T, C).
func (s *GPUStepper) putRows(dst, src *gpu.Tensor, start int) {
	B, n, T := src.Dim(0), src.Dim(1), dst.Dim(1)
	s.d.CopyRows(dst, src, cpu.SeqRows(B, n, src.Len()/(B*n), n, 0, T, start))
}

func (s *GPUStepper) upload(data []float32, shape ...int) *gpu.Tensor {
	if data == nil {
		return nil
	}
	return s.keep(s.d.Upload(data, shape...))
}

func (s *GPUStepper) ids(ids []uint32, vocab int, shape ...int) *gpu.Tensor {
	return s.keep(s.d.UploadIDs(ids, vocab, 0, shape...))
}

func (s *GPUStepper) labels(l []int32) *gpu.Tensor { return s.keep(s.d.UploadLabels(l, len(l))) }
