package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	// T5 uses eps 1e-6; widths 2048/4096 are FlanT5-XL/XXL's d_model.
	shapes := append([]rowShape{{32, 2048, false}}, rowShapes...)
	for _, s := range shapes {
		rows, cols := s.rows, s.cols
		const eps = 1e-6
		shape := fmt.Sprintf("(%d,%d) eps 1e-6", rows, cols)
		register(Case{
			Kernels: []string{"rmsnorm_fwd"}, Shape: shape, Atol: 1e-6, Rtol: 2e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, w := randnShift(rng, rows*cols, 1, 0.5), randnShift(rng, cols, 0.5, 1)
				y, rstd := make([]float32, rows*cols), make([]float32, rows)
				cpu.RMSNormForward(y, rstd, x, w, rows, cols, eps)
				tx, tw := d.Upload(x, rows, cols), d.Upload(w, cols)
				defer release(tx, tw)
				got, err := readAll(d.RMSNorm(tx, tw, eps))
				return got, concat(y, rstd), err
			},
		}, Case{
			Kernels: []string{"rmsnorm_bwd_input", "rmsnorm_bwd_weight"}, Shape: shape, Atol: 1e-5, Rtol: 4e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, w, dy := randnShift(rng, rows*cols, 1, 0.5), randnShift(rng, cols, 0.5, 1), randn(rng, rows*cols, 1)
				y, rstd := make([]float32, rows*cols), make([]float32, rows)
				cpu.RMSNormForward(y, rstd, x, w, rows, cols, eps)
				dx, dw := make([]float32, rows*cols), make([]float32, cols)
				cpu.RMSNormBackwardInput(dx, dy, x, w, rstd, rows, cols)
				cpu.RMSNormBackwardWeight(dw, dy, x, rstd, rows, cols)
				tdy, tx, tw, tr := d.Upload(dy, rows, cols), d.Upload(x, rows, cols), d.Upload(w, cols), d.Upload(rstd, rows)
				defer release(tdy, tx, tw, tr)
				got, err := readAll(d.RMSNormBackward(tdy, tx, tw, tr))
				return got, concat(dx, dw), err
			},
		})
	}
}

func init() {
	const rows, cols = 32, 2048
	registerBench(Bench{
		Kernel: "rmsnorm_fwd", Shape: fmt.Sprintf("(%d,%d)", rows, cols), Bytes: 4 * float64(2*rows*cols+cols+rows),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, w := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols)
			return func() { release(d.RMSNorm(x, w, 1e-6)) }, func() { release(x, w) }
		},
		Twin: func(rng *rand.Rand) func() {
			x, w, y, r := randn(rng, rows*cols, 1), randn(rng, cols, 1), make([]float32, rows*cols), make([]float32, rows)
			return func() { cpu.RMSNormForward(y, r, x, w, rows, cols, 1e-6) }
		},
	})
}
