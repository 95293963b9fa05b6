package train

import (
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

// layerNormBack returns dx, accumulates dγ, dβ (when trained: a frozen
// LayerNorm, the language model's, forms dx alone) and releases the saved
// state.
func (s *GPUStepper) layerNormBack(n *nn.LayerNorm, dy *gpu.Tensor, ln *gpuLN) *gpu.Tensor {
	if s.grad(&n.Weight) == nil && s.grad(&n.Bias) == nil {
		dx := s.keep(s.d.LayerNormBackwardInput(dy, ln.x, s.w(&n.Weight), ln.mean, ln.rstd))
		release(ln.x, ln.mean, ln.rstd)
		return dx
	}
	dx, dg, db := s.d.LayerNormBackward(dy, ln.x, s.w(&n.Weight), ln.mean, ln.rstd)
	s.keep(dx)
	s.addGrad(&n.Weight, dg)
	s.addGrad(&n.Bias, db)
	release(ln.x, ln.mean, ln.rstd)
	return dx
}

// linearBackAdd accumulates l's gradients (if trained) and adds dx into
// into, which holds the gradient x gets by its other paths.
func (s *GPUStepper) linearBackAdd(into *gpu.Tensor, l *nn.Linear, dy, x *gpu.Tensor) {
	s.d.LinearBackwardAdd(into, dy, x, s.w(&l.Weight), s.grad(&l.Weight), s.grad(&l.Bias))
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
