package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	for _, s := range []struct {
		batch, ta, tb, cols int
		browser             bool
	}{{1, 1, 1, 1, true}, {3, 8, 6, 24, true}, {64, 32, 32, 768, false}, {2, 257, 5, 1408, false}} {
		batch, ta, tb, cols := s.batch, s.ta, s.tb, s.cols
		register(Case{
			Kernels: []string{"copyrows_fwd"}, Shape: fmt.Sprintf("concat (%d,%d,%d)+(%d,%d,%d), then rows", batch, ta, cols, batch, tb, cols),
			Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				a, b := randn(rng, batch*ta*cols, 1), randn(rng, batch*tb*cols, 1)
				cat := make([]float32, batch*(ta+tb)*cols)
				cpu.CopyRowsForward(cat, a, cpu.SeqRows(batch, ta, cols, ta, 0, ta+tb, 0))
				cpu.CopyRowsForward(cat, b, cpu.SeqRows(batch, tb, cols, tb, 0, ta+tb, ta))
				start, n := ta/2, (ta+tb)/2
				want := make([]float32, batch*n*cols)
				cpu.CopyRowsForward(want, cat, cpu.SeqRows(batch, n, cols, ta+tb, start, n, 0))
				ga, gb := d.Upload(a, batch, ta, cols), d.Upload(b, batch, tb, cols)
				gc := d.Concat(ga, gb)
				gr := d.Rows(gc, start, n)
				got, err := gr.Read()
				for _, t := range []*gpu.Tensor{ga, gb, gc, gr} {
					t.Release()
				}
				return got, want, err
			},
		})
	}
}

func init() {
	for _, s := range []struct {
		rows, dim, padded int
		browser           bool
	}{{1, 1, 4, true}, {3 * 8 * 4, 6, 8, true}, {64 * 32 * 12, 62, 64, false}} {
		rows, dim, padded := s.rows, s.dim, s.padded
		register(Case{
			Kernels: []string{"copyrows_fwd"}, Shape: fmt.Sprintf("pad (%d,%d) to %d, trim back", rows, dim, padded),
			Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x := randn(rng, rows*dim, 1)
				gx := d.Upload(x, rows, dim)
				p := d.PadLast(gx, padded)
				back := d.TrimLast(p, dim)
				pv, err := p.Read()
				if err != nil {
					return nil, nil, err
				}
				for r := 0; r < rows; r++ { // the padding must be zeros
					for c := dim; c < padded; c++ {
						if pv[r*padded+c] != 0 {
							return nil, nil, fmt.Errorf("padding [%d,%d] = %v", r, c, pv[r*padded+c])
						}
					}
				}
				got, err := back.Read()
				gx.Release()
				p.Release()
				back.Release()
				return got, x, err
			},
		})
	}
}
