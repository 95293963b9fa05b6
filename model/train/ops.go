// Package train is the BLIP-2 training core on the host, in the style of
// llm.c: every layer has an explicit forward that returns the activations
// its backward needs (named fields of a save struct, dropped as soon as the
// backward has used them) and an explicit backward. It reuses the weights
// bound in a *blip2.Model; gradients are separate host slices keyed by
// parameter name.
//
// Every numeric operation goes through the pure-Go twins of the kernels in
// model/cpu. Matmul and attention go through the swap points below, so a
// faster implementation (the GPU kernels, or the matmul family's twins)
// can replace them without touching the model code.
package train

import (
	"blip2/model/cpu"
	"blip2/model/nn"
	"blip2/model/weights"
)

// Swap points: the only places the trainer calls matmul and attention.
var (
	// matmulNT: out (m, n) = x (m, k)·wᵀ + bias (w stored (n, k)).
	matmulNT = func(out, x, w, bias []float32, m, k, n int) {
		d := cpu.DenseNT(1, m, n, k, true)
		d.Bias = bias != nil
		cpu.MatMulForward(out, x, w, bias, d)
	}
	// matmulNN: out (m, n) = a (m, k)·b (k, n).
	matmulNN = func(out, a, b []float32, m, k, n int) {
		cpu.MatMulBackwardInput(out, a, b, cpu.DenseNN(1, m, n, k, true))
	}
	// matmulTN: out (m, n) = aᵀ·b for a (k, m), b (k, n).
	matmulTN = func(out, a, b []float32, k, m, n int) {
		cpu.MatMulBackwardWeight(out, a, b, cpu.DenseTN(1, m, n, k))
	}
	// attentionForward and attentionBackward: fused attention with the
	// structural masks of cpu.AttentionParams.
	attentionForward  = cpu.AttentionForward
	attentionBackward = cpu.AttentionBackward
)

// addTo adds src into dst element-wise.
func addTo(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// linear applies l to rows of x: (rows, in) → (rows, out).
func linear(l *nn.Linear, x []float32, rows int) []float32 {
	n, k := l.Weight.Shape[0], l.Weight.Shape[1]
	out := make([]float32, rows*n)
	matmulNT(out, x, l.Weight.Data, l.Bias.Data, rows, k, n)
	return out
}

// linearNoBias is linear for a weight without bias (or a tied matrix).
func linearW(w *weights.Param, bias []float32, x []float32, rows int) []float32 {
	n, k := w.Shape[0], w.Shape[1]
	out := make([]float32, rows*n)
	matmulNT(out, x, w.Data, bias, rows, k, n)
	return out
}

// linearBackward accumulates the weight and bias gradients of l into g
// (skipped when g is nil: a frozen layer) and returns dx when wantDx.
func linearBackward(g Grads, l *nn.Linear, dy, x []float32, rows int, wantDx bool) []float32 {
	if g != nil {
		weightGrad(g, &l.Weight, dy, x, rows)
		biasGrad(g, &l.Bias, dy, rows)
	}
	if !wantDx {
		return nil
	}
	return inputGrad(&l.Weight, dy, rows)
}

// weightGrad accumulates dyᵀ·x into the gradient of w (n, k).
func weightGrad(g Grads, w *weights.Param, dy, x []float32, rows int) {
	n, k := w.Shape[0], w.Shape[1]
	tmp := make([]float32, n*k)
	matmulTN(tmp, dy, x, rows, n, k)
	addTo(g.Of(w), tmp)
}

// biasGrad accumulates the column sums of dy (rows, n) into b's gradient.
func biasGrad(g Grads, b *weights.Param, dy []float32, rows int) {
	db := g.Of(b)
	n := len(db)
	acc := make([]float64, n)
	for r := 0; r < rows; r++ {
		for j, v := range dy[r*n : (r+1)*n] {
			acc[j] += float64(v)
		}
	}
	for j, v := range acc {
		db[j] += float32(v)
	}
}

// inputGrad is dy·w: the gradient of x for y = x·wᵀ.
func inputGrad(w *weights.Param, dy []float32, rows int) []float32 {
	n, k := w.Shape[0], w.Shape[1]
	dx := make([]float32, rows*k)
	matmulNN(dx, dy, w.Data, rows, n, k)
	return dx
}

// lnSave holds what a LayerNorm backward needs.
type lnSave struct {
	x, mean, rstd []float32
	rows          int
}

func layerNorm(n *nn.LayerNorm, x []float32, rows int) ([]float32, lnSave) {
	cols := len(x) / rows
	y := make([]float32, len(x))
	s := lnSave{x: x, mean: make([]float32, rows), rstd: make([]float32, rows), rows: rows}
	cpu.LayerNormForward(y, s.mean, s.rstd, x, n.Weight.Data, n.Bias.Data, rows, cols, n.Eps)
	return y, s
}

// layerNormBackward accumulates dγ, dβ into g (if not nil) and returns dx.
func layerNormBackward(g Grads, n *nn.LayerNorm, dy []float32, s lnSave) []float32 {
	cols := len(s.x) / s.rows
	if g != nil {
		dg, db := make([]float32, cols), make([]float32, cols)
		cpu.LayerNormBackwardWeight(dg, db, dy, s.x, s.mean, s.rstd, s.rows, cols)
		addTo(g.Of(&n.Weight), dg)
		addTo(g.Of(&n.Bias), db)
	}
	dx := make([]float32, len(dy))
	cpu.LayerNormBackwardInput(dx, dy, s.x, n.Weight.Data, s.mean, s.rstd, s.rows, cols)
	return dx
}

func act(x []float32, op int) []float32 {
	y := make([]float32, len(x))
	cpu.ActForward(y, x, len(x), op)
	return y
}

func actBackward(dy, x []float32, op int) []float32 {
	dx := make([]float32, len(x))
	cpu.ActBackward(dx, dy, x, len(x), op)
	return dx
}

// attnSave holds one attention call's inputs and outputs for its backward.
type attnSave struct {
	q, k, v, out, lse, bias []float32
	p                       cpu.AttentionParams
}

// attention runs q (B, Tq, H·D) over k, v (B, Tk, H·D) with the structural
// mask of p and an optional bias: key padding (B, Tk) unless p gives the
// bias's strides (T5's position bias).
func attention(q, k, v, bias []float32, p cpu.AttentionParams) ([]float32, attnSave) {
	if bias != nil && p.SB == 0 && p.SH == 0 && p.SI == 0 {
		p.SB = p.Tk
	}
	out := make([]float32, len(q))
	lse := make([]float32, p.B*p.H*p.Tq)
	attentionForward(out, lse, q, k, v, bias, p)
	return out, attnSave{q: q, k: k, v: v, out: out, lse: lse, bias: bias, p: p}
}

func attentionGrad(dout []float32, s attnSave) (dq, dk, dv []float32) {
	dq, dk, dv = make([]float32, len(s.q)), make([]float32, len(s.k)), make([]float32, len(s.v))
	attentionBackward(dq, dk, dv, dout, s.q, s.k, s.v, s.out, s.lse, s.bias, s.p)
	return dq, dk, dv
}

// takeRows copies rows [start, start+n) of each of the B blocks of x
// (B, T, C) into a new (B, n, C) array.
func takeRows(x []float32, B, T, C, start, n int) []float32 {
	out := make([]float32, B*n*C)
	cpu.CopyRowsForward(out, x, cpu.SeqRows(B, n, C, T, start, n, 0))
	return out
}

// putRows adds src (B, n, C) into rows [start, start+n) of dst (B, T, C).
func putRows(dst, src []float32, B, T, C, start, n int) {
	for b := 0; b < B; b++ {
		addTo(dst[(b*T+start)*C:(b*T+start+n)*C], src[b*n*C:(b+1)*n*C])
	}
}

// keyBias turns a 0/1 mask (B, T) into the additive (1 − m)·−10000 bias.
func keyBias(mask [][]int) []float32 {
	var out []float32
	for _, row := range mask {
		for _, m := range row {
			out = append(out, float32(1-m)*-10000)
		}
	}
	return out
}
