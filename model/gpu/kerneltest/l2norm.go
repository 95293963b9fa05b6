package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	// ITC features: (B·32, 256) image queries, (B, 256) text; one row of
	// zeros exercises the eps clamp (y = 0, dx = dy/eps would be 1e12·dy:
	// use eps 0.1 there so the value is finite and checkable).
	for _, s := range []struct {
		rows, cols int
		eps        float32
		browser    bool
	}{{1, 1, 1e-12, true}, {3, 7, 1e-12, true}, {6, 37, 0.1, true}, {64 * 32, 256, 1e-12, false}, {257, 1408, 1e-12, false}} {
		rows, cols, eps := s.rows, s.cols, s.eps
		shape := fmt.Sprintf("(%d,%d) eps %g", rows, cols, eps)
		input := func(rng *rand.Rand) []float32 {
			x := randn(rng, rows*cols, 1)
			if eps >= 0.1 {
				for c := 0; c < cols; c++ {
					x[c] = 0 // row 0: norm 0 ≤ eps
					x[cols+c] *= 1e-3
				}
			}
			return x
		}
		register(Case{
			Kernels: []string{"l2norm_fwd", "l2norm_bwd"}, Shape: shape, Atol: 2e-7, Rtol: 1e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, dy := input(rng), randn(rng, rows*cols, 1)
				y, dx := make([]float32, rows*cols), make([]float32, rows*cols)
				cpu.L2NormForward(y, x, rows, cols, eps)
				cpu.L2NormBackward(dx, dy, x, rows, cols, eps)
				tx, tdy := d.Upload(x, rows, cols), d.Upload(dy, rows, cols)
				defer release(tx, tdy)
				got, err := readAll(d.L2Normalize(tx, eps), d.L2NormalizeBackward(tdy, tx, eps))
				return got, concat(y, dx), err
			},
		})
	}
}

func init() {
	const n, c = 64 * 32, 256
	registerBench(Bench{
		Kernel: "l2norm_fwd", Shape: fmt.Sprintf("(%d,%d)", n, c), Bytes: 8 * n * c,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x := d.Upload(randn(rng, n*c, 1), n, c)
			return func() { d.L2Normalize(x, 1e-12).Release() }, func() { x.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, y := randn(rng, n*c, 1), make([]float32, n*c)
			return func() { cpu.L2NormForward(y, x, n, c, 1e-12) }
		},
	})
}
