package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// softmaxMask is an additive mask of n rows × cols: mostly 0, some −10000
// (the Q-Former's padding value), some −Inf, row 0 entirely −Inf (its
// output must be zeros) and row 1 entirely finfo.min (uniform output).
func softmaxMask(rng *rand.Rand, n, cols int) []float32 {
	m := make([]float32, n*cols)
	for i := range m {
		switch u := rng.Float64(); {
		case u < 0.1:
			m[i] = float32(math.Inf(-1))
		case u < 0.2:
			m[i] = -10000
		case u < 0.5:
			m[i] = float32(rng.NormFloat64())
		}
	}
	for j := 0; j < cols; j++ {
		m[j] = float32(math.Inf(-1))
		if n > 1 {
			m[cols+j] = -math.MaxFloat32
		}
	}
	return m
}

type softmaxShape struct {
	x       []int // (…, ld): rows of ld elements
	cols    int   // the first cols of each row are the scores (0: all)
	mask    []int // (…, cols); nil: no mask
	browser bool
}

var softmaxShapes = []softmaxShape{
	{[]int{1, 1}, 0, nil, true},
	{[]int{3, 37}, 0, []int{3, 37}, true},
	{[]int{2, 3, 5, 7}, 0, []int{2, 5, 7}, true},         // scores (B,H,Tq,Tk), mask (B,Tq,Tk)
	{[]int{2, 3, 5, 7}, 0, []int{5, 7}, true},            // one (Tq,Tk) mask for all
	{[]int{2, 3, 5, 7}, 0, []int{2, 3, 5, 7}, true},      // a mask per row
	{[]int{1, 300}, 0, []int{300}, true},                 // one long row
	{[]int{2, 3, 5, 64}, 7, []int{2, 5, 7}, true},        // scores in rows of 64
	{[]int{3, 2, 4, 64}, 40, []int{3, 1, 40}, true},      // key padding (B,1,Tk), rows of 64
	{[]int{32, 12, 64, 64}, 0, []int{32, 64, 64}, false}, // Q-Former self-attention
	{[]int{32, 4, 32, 64}, 24, []int{32, 1, 24}, false},  // ITC text, rows of 64
	{[]int{32, 12, 32, 257}, 0, nil, false},              // cross-attention
	{[]int{2, 30523}, 0, nil, false},                     // a vocabulary row
}

func init() {
	for _, s := range softmaxShapes {
		s := s
		rows, ld, cols := 1, s.x[len(s.x)-1], s.cols
		for _, v := range s.x[:len(s.x)-1] {
			rows *= v
		}
		if cols == 0 {
			cols = ld
		}
		shape := fmt.Sprintf("x%v", s.x)
		if cols < ld {
			shape = fmt.Sprintf("x%v cols %d", s.x, cols)
		}
		mshape, mrows, mn := "none", 1, 0
		if s.mask != nil {
			mshape = fmt.Sprint(s.mask)
			mn = 1
			for _, v := range s.mask {
				mn *= v
			}
			mn /= cols
			if len(s.mask) >= 2 {
				mrows = s.mask[len(s.mask)-2]
			}
		}
		heads := 1
		if mn > 0 {
			heads = rows / mn
		}
		register(Case{
			Kernels: []string{"softmax_fwd"}, Shape: fmt.Sprintf("%s mask %s", shape, mshape),
			Atol: 1e-7, Rtol: 2e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x := randn(rng, rows*ld, 3)
				var mask []float32
				tx := d.Upload(x, s.x...)
				var tm *gpu.Tensor
				if s.mask != nil {
					mask = softmaxMask(rng, mn, cols)
					tm = d.Upload(mask, s.mask...)
				}
				want := make([]float32, len(x))
				cpu.SoftmaxForward(want, x, mask, rows, cols, 0.125, heads, mrows, ld)
				y := d.SoftmaxCols(tx, cols, 0.125, tm)
				got, err := y.Read()
				tx.Release()
				tm.Release()
				y.Release()
				return got, want, err
			},
		})
		register(Case{
			Kernels: []string{"softmax_bwd"}, Shape: shape,
			Atol: 5e-7, Rtol: 1e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				y := make([]float32, rows*ld)
				cpu.SoftmaxForward(y, randn(rng, rows*ld, 3), nil, rows, cols, 1, 1, 1, ld)
				dy := randn(rng, rows*ld, 1)
				want := make([]float32, len(y))
				cpu.SoftmaxBackward(want, y, dy, rows, cols, 0.125, ld)
				ty, tdy := d.Upload(y, s.x...), d.Upload(dy, s.x...)
				dx := d.SoftmaxBackwardCols(ty, tdy, cols, 0.125)
				got, err := dx.Read()
				ty.Release()
				tdy.Release()
				dx.Release()
				return got, want, err
			},
		})
	}
}

func init() {
	for _, s := range []struct{ b, h, tq, tk int }{{32, 12, 64, 64}, {32, 12, 32, 257}} {
		s := s
		n := s.b * s.h * s.tq * s.tk
		registerBench(Bench{
			Kernel: "softmax_fwd", Shape: fmt.Sprintf("(%d,%d,%d,%d) mask (%d,%d,%d)", s.b, s.h, s.tq, s.tk, s.b, s.tq, s.tk),
			Bytes: 4 * 2 * float64(n),
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				x := d.Upload(randn(rng, n, 1), s.b, s.h, s.tq, s.tk)
				m := d.Upload(make([]float32, s.b*s.tq*s.tk), s.b, s.tq, s.tk)
				var y *gpu.Tensor
				return func() { y.Release(); y = d.Softmax(x, 0.125, m) }, func() { y.Release(); x.Release(); m.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				x, m, y := randn(rng, n, 1), make([]float32, s.b*s.tq*s.tk), make([]float32, n)
				return func() { cpu.SoftmaxForward(y, x, m, n/s.tk, s.tk, 0.125, s.h, s.tq, s.tk) }
			},
		})
		registerBench(Bench{
			Kernel: "softmax_bwd", Shape: fmt.Sprintf("(%d,%d,%d,%d)", s.b, s.h, s.tq, s.tk),
			Bytes: 4 * 3 * float64(n),
			Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
				y, dy := d.Upload(randn(rng, n, 1), s.b, s.h, s.tq, s.tk), d.Upload(randn(rng, n, 1), s.b, s.h, s.tq, s.tk)
				var dx *gpu.Tensor
				return func() { dx.Release(); dx = d.SoftmaxBackward(y, dy, 0.125) }, func() { dx.Release(); y.Release(); dy.Release() }
			},
			Twin: func(rng *rand.Rand) func() {
				y, dy, dx := randn(rng, n, 1), randn(rng, n, 1), make([]float32, n)
				return func() { cpu.SoftmaxBackward(dx, y, dy, n/s.tk, s.tk, 0.125, s.tk) }
			},
		})
	}
}
