package gpu

import "blip2/model/cpu"

// Linear returns x·wᵀ + bias for x (..., K), w (N, K) in PyTorch's (out, in)
// order and bias (N) or nil: shape (..., N). Kernel matmul_fwd (CPU class)
// or matmul_fwd_tiled; twin cpu.MatMulForward.
func (d *Device) Linear(x, w, bias *Tensor) *Tensor {
	rows, k, n := x.Rows(), x.Cols(), w.Dim(0)
	shape := append(x.Shape()[:max(len(x.shape)-1, 0)], n)
	out := d.Scratch(shape...)
	if len(w.shape) != 2 || w.Dim(1) != k {
		d.failf("linear: x %v · w %vᵀ: w must be (out, %d)", x.shape, w.shape, k)
		return out
	}
	d.MatMulNT(out, x, w, bias, cpu.DenseNT(1, rows, n, k, true))
	return out
}

// LinearBackward returns dx = dy·w for the Linear above and adds dyᵀ·x into
// dw and the column sums of dy into db (either may be nil). Kernels
// matmul_bwd_input, matmul_bwd_weight, matmul_bwd_bias; twins
// cpu.MatMulBackwardInput, cpu.MatMulBackwardWeight, cpu.MatMulBackwardBias.
func (d *Device) LinearBackward(dy, x, w, dw, db *Tensor) *Tensor {
	dx := d.Scratch(x.shape...)
	d.linearBackward(dx, dy, x, w, dw, db, false)
	return dx
}

// LinearBackwardAdd is LinearBackward adding dy·w into dx (the gradient
// that reaches x by other paths, a residual's or another projection's of
// the same input) instead of returning it: the product's store does the
// add, one pass over dx fewer than Add.
func (d *Device) LinearBackwardAdd(dx, dy, x, w, dw, db *Tensor) {
	if dx.n != x.n {
		d.failf("linear backward: dx %v for x %v", dx.shape, x.shape)
		return
	}
	d.linearBackward(dx, dy, x, w, dw, db, true)
}

func (d *Device) linearBackward(dx, dy, x, w, dw, db *Tensor, add bool) {
	rows, k, n := x.Rows(), x.Cols(), w.Dim(0)
	if dy.Rows() != rows || dy.Cols() != n || len(w.shape) != 2 || w.Dim(1) != k {
		d.failf("linear backward: dy %v, x %v, w %v do not match", dy.shape, x.shape, w.shape)
		return
	}
	dims := cpu.DenseNN(1, rows, k, n, true)
	dims.Accumulate = add
	d.MatMulNN(dx, dy, w, dims)
	if dw != nil {
		dims := cpu.DenseTN(1, n, k, rows)
		dims.Accumulate = true
		d.MatMulTN(dw, dy, x, dims)
	}
	if db != nil {
		d.BiasBackward(db, dy, true)
	}
}

type biasBwdParams struct{ Rows, Cols, Accumulate, Stride uint32 }

// BiasBackward writes (or adds, if accumulate) the column sums of dy
// (..., N) into db (N). Kernel matmul_bwd_bias, or matmul_bwd_bias_tex on
// CPU-class adapters for dy of many rows that can be copied into a texture
// (rowKernel); twin
// cpu.MatMulBackwardBias.
func (d *Device) BiasBackward(db, dy *Tensor, accumulate bool) {
	d.BiasBackwardWith(d.rowKernel("matmul_bwd_bias", dy.Rows(), dy.Cols()), db, dy, accumulate)
}

// BiasBackwardWith is BiasBackward on a named kernel (parity tests run
// both).
func (d *Device) BiasBackwardWith(kernel string, db, dy *Tensor, accumulate bool) {
	if db.n != dy.Cols() {
		d.failf("bias backward: db %v for dy %v", db.shape, dy.shape)
		return
	}
	acc := uint32(0)
	if accumulate {
		acc = 1
	}
	rows, cols := dy.Rows(), dy.Cols()
	if kernel != "matmul_bwd_bias_tex" {
		d.Dispatch(kernel, [3]uint32{uint32((cols + 63) / 64), 1, 1}, biasBwdParams{uint32(rows), uint32(cols), acc, 0}, db, dy)
		return
	}
	if views := d.rowTextures(kernel, rows, cols, dy); views != nil {
		g, stride := Groups1D(cols/4, 64)
		d.dispatch(kernel, g, biasBwdParams{uint32(rows), uint32(cols), acc, stride}, []*Tensor{db}, views)
	}
}

// ScoreStride is the row length HeadsQK's scores get for tk keys on this
// adapter: on CPU-class adapters rows of a multiple of 64 elements (256
// bytes, the row alignment of WebGPU's buffer-to-texture copies), so that
// P·V and the backward products run on the texture kernels; else tk.
func (d *Device) ScoreStride(tk int) int {
	if d.Info.Class == "cpu" {
		return (tk + 63) / 64 * 64
	}
	return tk
}

// HeadsQK returns the attention scores Q·Kᵀ per head, (B, H, T, ld), for
// q (B, T, H·D) and k (B, S, H·D), reading each head in place (no permute):
// the first S entries of each row (ld ≥ S, ScoreStride) are the scores, the
// rest is left unwritten (SoftmaxCols reads only the first S). Kernel
// matmul_fwd[_tex|_tiled]; twin cpu.MatMulForward.
func (d *Device) HeadsQK(q, k *Tensor, heads, ld int) *Tensor {
	b, t, s, hd := q.Dim(0), q.Dim(1), k.Dim(1), q.Dim(2)
	out := d.Scratch(b, heads, t, ld)
	if len(q.shape) != 3 || len(k.shape) != 3 || k.Dim(0) != b || k.Dim(2) != hd || heads <= 0 || hd%heads != 0 || ld < s {
		d.failf("heads QK: q %v, k %v, %d heads, rows of %d", q.shape, k.shape, heads, ld)
		return out
	}
	dh := hd / heads
	d.MatMulNT(out, q, k, nil, cpu.MatMulDims{M: t, N: s, K: dh, Batch: b * heads, Inner: heads,
		A: cpu.Layout{Row: hd, Outer: t * hd, Inner: dh},
		B: cpu.Layout{Row: hd, Outer: s * hd, Inner: dh},
		C: cpu.Layout{Row: ld, Outer: heads * t * ld, Inner: t * ld}})
	return out
}

// HeadsPV returns P·V per head written back as (B, T, H·D), for
// p (B, H, T, ld) (the first S entries of each row) and v (B, S, H·D).
// Kernel matmul_bwd_input[_tex]; twin cpu.MatMulBackwardInput.
func (d *Device) HeadsPV(p, v *Tensor, heads int) *Tensor {
	b, t, s, hd := p.Dim(0), p.Dim(2), v.Dim(1), v.Dim(2)
	out := d.Scratch(b, t, hd)
	if len(p.shape) != 4 || len(v.shape) != 3 || p.Dim(1) != heads || p.Dim(3) < s || v.Dim(0) != b || heads <= 0 || hd%heads != 0 {
		d.failf("heads PV: p %v, v %v, %d heads", p.shape, v.shape, heads)
		return out
	}
	dh, ld := hd/heads, p.Dim(3)
	d.MatMulNN(out, p, v, cpu.MatMulDims{M: t, N: dh, K: s, Batch: b * heads, Inner: heads,
		A: cpu.Layout{Row: ld, Outer: heads * t * ld, Inner: t * ld},
		B: cpu.Layout{Row: hd, Outer: s * hd, Inner: dh},
		C: cpu.Layout{Row: hd, Outer: t * hd, Inner: dh}})
	return out
}
