package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func init() {
	for _, s := range []struct {
		b, ch, h, w, p int
		browser        bool
	}{
		{1, 1, 1, 1, 1, true}, {1, 3, 7, 8, 3, true}, {2, 2, 5, 5, 5, true}, {1, 3, 28, 28, 14, true},
		{2, 3, 224, 224, 14, false}, {1, 3, 364, 364, 14, false}, {1, 3, 230, 227, 14, false},
	} {
		b, ch, h, w, p := s.b, s.ch, s.h, s.w, s.p
		register(Case{
			Kernels: []string{"im2col_fwd", "im2col_bwd"}, Shape: fmt.Sprintf("(%d,%d,%d,%d) patch %d", b, ch, h, w, p), Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				img := randn(rng, b*ch*h*w, 1)
				np := b * (h / p) * (w / p) * ch * p * p
				dpat := randn(rng, np, 1)
				pat, dimg := make([]float32, np), make([]float32, len(img))
				cpu.Im2ColForward(pat, img, b, ch, h, w, p)
				cpu.Im2ColBackward(dimg, dpat, b, ch, h, w, p)
				timg, tdp := d.Upload(img, b, ch, h, w), d.Upload(dpat, np)
				defer release(timg, tdp)
				got, err := readAll(d.Im2Col(timg, p), d.Im2ColBackward(tdp, []int{b, ch, h, w}, p))
				return got, concat(pat, dimg), err
			},
		})
	}
}

func init() {
	const b, ch, h, w, p = 8, 3, 224, 224, 14
	n := b * ch * h * w
	registerBench(Bench{
		Kernel: "im2col_fwd", Shape: fmt.Sprintf("(%d,%d,%d,%d) patch %d", b, ch, h, w, p), Bytes: 8 * float64(n),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			img := d.Upload(randn(rng, n, 1), b, ch, h, w)
			return func() { d.Im2Col(img, p).Release() }, func() { img.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			img, out := randn(rng, n, 1), make([]float32, n)
			return func() { cpu.Im2ColForward(out, img, b, ch, h, w, p) }
		},
	})
}
