package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	for _, s := range []struct {
		rows, cols, brows int
		browser           bool
	}{{1, 1, 1, true}, {3, 37, 1, true}, {5, 300, 5, true}, {32, 768, 1, false}, {257, 1408, 257, false}, {257, 1408, 1, false}} {
		rows, cols, brows := s.rows, s.cols, s.brows
		shape := fmt.Sprintf("(%d,%d)·(%d,%d)", rows, cols, brows, cols)
		register(Case{
			Kernels: []string{"mul_fwd"}, Shape: shape, Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				a, b := randn(rng, rows*cols, 1), randn(rng, brows*cols, 1)
				want := make([]float32, len(a))
				cpu.MulForward(want, a, b, len(a), len(b))
				ta, tb := d.Upload(a, rows, cols), d.Upload(b, brows, cols)
				defer release(ta, tb)
				got, err := readAll(d.Mul(ta, tb))
				return got, want, err
			},
		})
	}
	for _, s := range []struct {
		n       int
		browser bool
	}{{1, true}, {301, true}, {257 * 1408, false}} {
		n := s.n
		// The compiler may fuse alpha·x + y into an fma, which differs
		// from the twin's two roundings by up to an ulp of alpha·x.
		register(Case{
			Kernels: []string{"axpy_fwd"}, Shape: fmt.Sprintf("n=%d alpha -0.37", n), Atol: 3e-7, Rtol: 2e-7, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, y := randn(rng, n, 1), randn(rng, n, 1)
				want := make([]float32, n)
				cpu.AxpyForward(want, x, y, n, -0.37)
				tx, ty := d.Upload(x, n), d.Upload(y, n)
				defer release(tx, ty)
				got, err := readAll(d.Axpy(-0.37, tx, ty))
				return got, want, err
			},
		})
	}
}

func init() {
	const rows, cols = 257, 1408
	registerBench(Bench{
		Kernel: "mul_fwd", Shape: fmt.Sprintf("(%d,%d)·(%d)", rows, cols, cols), Bytes: 4 * (2*rows*cols + cols),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			a, b := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols)
			return func() { d.Mul(a, b).Release() }, func() { release(a, b) }
		},
		Twin: func(rng *rand.Rand) func() {
			a, b, out := randn(rng, rows*cols, 1), randn(rng, cols, 1), make([]float32, rows*cols)
			return func() { cpu.MulForward(out, a, b, len(a), len(b)) }
		},
	}, Bench{
		Kernel: "axpy_fwd", Shape: fmt.Sprintf("n=%d", rows*cols), Bytes: 12 * rows * cols,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, y := d.Upload(randn(rng, rows*cols, 1), rows*cols), d.Upload(randn(rng, rows*cols, 1), rows*cols)
			return func() { d.Axpy(0.5, x, y).Release() }, func() { release(x, y) }
		},
		Twin: func(rng *rand.Rand) func() {
			x, y, out := randn(rng, rows*cols, 1), randn(rng, rows*cols, 1), make([]float32, rows*cols)
			return func() { cpu.AxpyForward(out, x, y, len(x), 0.5) }
		},
	})
}
