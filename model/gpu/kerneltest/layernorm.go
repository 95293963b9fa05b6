package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	// eps 1e-12: Q-Former (BERT); 1e-6: ViT blocks; 1e-5: ln_vision in LAVIS.
	// The data scale is chosen so that eps is not negligible beside the
	// variance in the 1e-5 case.
	for _, e := range []struct {
		eps, scale, shift float32
	}{{1e-12, 1, 3}, {1e-6, 0.5, -1}, {1e-5, 0.01, 0.1}} {
		for _, s := range lnShapes {
			for _, tex := range []bool{false, true} {
				if tex && s.cols%64 != 0 {
					continue // the _tex kernels take rows of a multiple of 64
				}
				registerLayerNorm(s, e.eps, e.scale, e.shift, tex)
			}
		}
	}
	// The input gradient alone (frozen gamma and beta), and the weight
	// gradients alone (an input that needs no gradient).
	for _, s := range []struct{ rows, cols int }{{40, 2560}, {3, 37}} {
		rows, cols := s.rows, s.cols
		register(Case{
			Kernels: []string{"layernorm_bwd_input"}, Shape: fmt.Sprintf("(%d,%d) input only", rows, cols), Atol: 1e-5, Rtol: 4e-6, Browser: rows*cols < 1000,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, gamma, beta := randnShift(rng, rows*cols, 1, 0.5), randnShift(rng, cols, 0.5, 1), randn(rng, cols, 0.5)
				dy := randn(rng, rows*cols, 1)
				y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
				cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, 1e-5)
				dx := make([]float32, rows*cols)
				cpu.LayerNormBackwardInput(dx, dy, x, gamma, mean, rstd, rows, cols)
				tdy, tx, tg := d.Upload(dy, rows, cols), d.Upload(x, rows, cols), d.Upload(gamma, cols)
				tm, tr := d.Upload(mean, rows), d.Upload(rstd, rows)
				defer release(tdy, tx, tg, tm, tr)
				got, err := readAll(d.LayerNormBackwardInputWith("layernorm_bwd_input", tdy, tx, tg, tm, tr))
				return got, dx, err
			},
		}, Case{
			Kernels: []string{"layernorm_bwd_weight"}, Shape: fmt.Sprintf("(%d,%d) weight only", rows, cols), Atol: 1e-5, Rtol: 4e-6, Browser: rows*cols < 1000,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, gamma, beta := randnShift(rng, rows*cols, 1, 0.5), randnShift(rng, cols, 0.5, 1), randn(rng, cols, 0.5)
				dy := randn(rng, rows*cols, 1)
				y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
				cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, 1e-5)
				dg, db := make([]float32, cols), make([]float32, cols)
				cpu.LayerNormBackwardWeight(dg, db, dy, x, mean, rstd, rows, cols)
				tdy, tx := d.Upload(dy, rows, cols), d.Upload(x, rows, cols)
				tm, tr := d.Upload(mean, rows), d.Upload(rstd, rows)
				defer release(tdy, tx, tm, tr)
				got, err := readAll(d.LayerNormBackwardWeightWith("layernorm_bwd_weight", tdy, tx, tm, tr))
				return got, concat(dg, db), err
			},
		})
	}
	// A constant row has zero variance: y must come out as beta, not NaN.
	register(Case{
		Kernels: []string{"layernorm_fwd"}, Shape: "(2,33) constant rows eps 1e-5", Atol: 2e-6, Rtol: 2e-6, Browser: true,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			const rows, cols = 2, 33
			x := make([]float32, rows*cols)
			for i := range x {
				x[i] = float32(1 + i/cols)
			}
			gamma, beta := randn(rng, cols, 1), randn(rng, cols, 1)
			y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
			cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, 1e-5)
			tx, tg, tb := d.Upload(x, rows, cols), d.Upload(gamma, cols), d.Upload(beta, cols)
			defer release(tx, tg, tb)
			got, err := readAll(d.LayerNorm(tx, tg, tb, 1e-5))
			return got, concat(y, mean, rstd), err
		},
	})
}

func init() {
	for _, s := range [][2]int{{32, 768}, {257, 1408}, {1088, 128}} {
		for _, tex := range []string{"", "_tex"} {
			registerLayerNormBench(s[0], s[1], tex)
		}
	}
}

// registerLayerNormBench times the forward and the backward of one shape
// on the storage-buffer kernels (tex "") or their _tex forms ("_tex").
func registerLayerNormBench(rows, cols int, tex string) {
	shape := fmt.Sprintf("(%d,%d)", rows, cols)
	fwd, bwd, bw := "layernorm_fwd"+tex, "layernorm_bwd_input"+tex, "layernorm_bwd_weight"+tex
	registerBench(Bench{
		Kernel: fwd, Shape: shape, Bytes: 4 * float64(2*rows*cols+2*cols+2*rows),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, g, b := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols), d.Upload(randn(rng, cols, 1), cols)
			return func() { release(d.LayerNormWith(fwd, x, g, b, 1e-6)) }, func() { release(x, g, b) }
		},
		Twin: func(rng *rand.Rand) func() {
			x, g, b := randn(rng, rows*cols, 1), randn(rng, cols, 1), randn(rng, cols, 1)
			y, m, r := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
			return func() { cpu.LayerNormForward(y, m, r, x, g, b, rows, cols, 1e-6) }
		},
	}, Bench{
		Kernel: bwd + "+" + bw, Shape: shape, Bytes: 4 * float64(4*rows*cols+3*cols+2*rows),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			dy, x, g := d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, rows*cols, 1), rows, cols), d.Upload(randn(rng, cols, 1), cols)
			m, r := d.Upload(randn(rng, rows, 0.1), rows), d.Upload(randnShift(rng, rows, 0.1, 1), rows)
			return func() {
				release(d.LayerNormBackwardInputWith(bwd, dy, x, g, m, r))
				release(d.LayerNormBackwardWeightWith(bw, dy, x, m, r))
			}, func() { release(dy, x, g, m, r) }
		},
		Twin: func(rng *rand.Rand) func() {
			dy, x, g := randn(rng, rows*cols, 1), randn(rng, rows*cols, 1), randn(rng, cols, 1)
			m, r := randn(rng, rows, 0.1), randnShift(rng, rows, 0.1, 1)
			dx, dg, db := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
			return func() {
				cpu.LayerNormBackwardInput(dx, dy, x, g, m, r, rows, cols)
				cpu.LayerNormBackwardWeight(dg, db, dy, x, m, r, rows, cols)
			}
		},
	})
}

// lnShapes are rowShapes, the training steps' 128-wide rows and a small
// row of 64 that the browser runs through the _tex kernels too.
var lnShapes = append(append([]rowShape(nil), rowShapes...), rowShape{2, 64, true}, rowShape{1088, 128, false})

// registerLayerNorm registers the forward and the backward of one shape
// on the storage-buffer kernels or their _tex forms.
func registerLayerNorm(s rowShape, eps, scale, shift float32, tex bool) {
	rows, cols := s.rows, s.cols
	shape := fmt.Sprintf("(%d,%d) eps %g", rows, cols, eps)
	fwd, bwd, bw := "layernorm_fwd", "layernorm_bwd_input", "layernorm_bwd_weight"
	if tex {
		fwd, bwd, bw = fwd+"_tex", bwd+"_tex", bw+"_tex"
	}
	register(Case{
		Kernels: []string{fwd}, Shape: shape, Atol: 2e-6, Rtol: 2e-6, Browser: s.browser,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x, gamma, beta := randnShift(rng, rows*cols, scale, shift), randnShift(rng, cols, 0.5, 1), randn(rng, cols, 0.5)
			y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
			cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, eps)
			tx, tg, tb := d.Upload(x, rows, cols), d.Upload(gamma, cols), d.Upload(beta, cols)
			defer release(tx, tg, tb)
			got, err := readAll(d.LayerNormWith(fwd, tx, tg, tb, eps))
			return got, concat(y, mean, rstd), err
		},
	}, Case{
		Kernels: []string{bwd, bw}, Shape: shape, Atol: 1e-5, Rtol: 4e-6, Browser: s.browser,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x, gamma, beta := randnShift(rng, rows*cols, scale, shift), randnShift(rng, cols, 0.5, 1), randn(rng, cols, 0.5)
			dy := randn(rng, rows*cols, 1)
			y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
			cpu.LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, eps)
			dx, dg, db := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
			cpu.LayerNormBackwardInput(dx, dy, x, gamma, mean, rstd, rows, cols)
			cpu.LayerNormBackwardWeight(dg, db, dy, x, mean, rstd, rows, cols)
			tdy, tx, tg := d.Upload(dy, rows, cols), d.Upload(x, rows, cols), d.Upload(gamma, cols)
			tm, tr := d.Upload(mean, rows), d.Upload(rstd, rows)
			defer release(tdy, tx, tg, tm, tr)
			gdx := d.LayerNormBackwardInputWith(bwd, tdy, tx, tg, tm, tr)
			gdg, gdb := d.LayerNormBackwardWeightWith(bw, tdy, tx, tm, tr)
			got, err := readAll(gdx, gdg, gdb)
			return got, concat(dx, dg, db), err
		},
	})
}
