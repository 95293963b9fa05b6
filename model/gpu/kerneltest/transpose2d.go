package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// ITC's B×B logits, a single row or column, sizes off the 16×16 grid, and
// the Q-Former's text-length by hidden block.
func init() {
	for _, s := range []struct {
		rows, cols int
		browser    bool
	}{{1, 1, true}, {3, 3, true}, {1, 37, true}, {37, 1, true}, {17, 300, true}, {100, 100, false}, {32, 768, false}, {257, 1408, false}} {
		rows, cols := s.rows, s.cols
		register(Case{
			Kernels: []string{"transpose2d_fwd"}, Shape: fmt.Sprintf("(%d,%d)", rows, cols), Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x := randn(rng, rows*cols, 1)
				want := make([]float32, len(x))
				cpu.Transpose2DForward(want, x, rows, cols)
				tx := d.Upload(x, rows, cols)
				out := d.Transpose2D(tx)
				got, err := out.Read()
				if err == nil && (out.Dim(0) != cols || out.Dim(1) != rows) {
					err = fmt.Errorf("shape %v, want (%d,%d)", out.Shape(), cols, rows)
				}
				tx.Release()
				out.Release()
				return got, want, err
			},
		})
	}
	const rows, cols = 1024, 1024
	registerBench(Bench{
		Kernel: "transpose2d_fwd", Shape: fmt.Sprintf("(%d,%d)", rows, cols), Bytes: 8 * rows * cols,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x := d.Upload(randn(rng, rows*cols, 1), rows, cols)
			var out *gpu.Tensor
			return func() { out.Release(); out = d.Transpose2D(x) }, func() { out.Release(); x.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, out := randn(rng, rows*cols, 1), make([]float32, rows*cols)
			return func() { cpu.Transpose2DForward(out, x, rows, cols) }
		},
	})
}
