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
	}{{1, 1, 1, true}, {3, 37, 1, true}, {32, 768, 1, false}, {257, 1408, 257, false}, {5, 300, 5, true}} {
		rows, cols, brows := s.rows, s.cols, s.brows
		register(Case{
			Kernels: []string{"add_fwd"}, Shape: fmt.Sprintf("(%d,%d)+(%d,%d)", rows, cols, brows, cols),
			Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				a, b := randn(rng, rows*cols, 1), randn(rng, brows*cols, 1)
				want := make([]float32, len(a))
				cpu.AddForward(want, a, b, len(a), len(b))
				ta, tb := d.Upload(a, rows, cols), d.Upload(b, brows, cols)
				out := d.Add(ta, tb)
				got, err := out.Read()
				ta.Release()
				tb.Release()
				out.Release()
				return got, want, err
			},
		})
	}
}

func init() {
	const rows, cols = 257, 1408
	registerBench(Bench{
		Kernel: "add_fwd", Shape: fmt.Sprintf("(%d,%d)+(%d)", rows, cols, cols), Bytes: 4 * (2*rows*cols + cols),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			a, b := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols)
			var out *gpu.Tensor
			return func() { out.Release(); out = d.Add(a, b) }, func() { out.Release(); a.Release(); b.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			a, b, out := randn(rng, rows*cols, 1), randn(rng, cols, 1), make([]float32, rows*cols)
			return func() { cpu.AddForward(out, a, b, len(a), len(b)) }
		},
	})
}
