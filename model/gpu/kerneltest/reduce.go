package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

func u32f(v []uint32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func init() {
	for _, s := range []struct {
		a, q, c int
		ties    bool // integer-valued data: many ties, the first index must win
		browser bool
		what    string
	}{
		{1, 1, 1, false, true, ""}, {3, 5, 7, false, true, ""}, {2, 9, 1, false, true, "last axis"},
		{4, 32, 6, true, true, "ties"},
		{64, 32, 64, false, false, "ITC i2t: images×queries×texts"},
		{64 * 64, 32, 1, false, false, "ITC t2i: max over the last axis"},
	} {
		a, q, c, ties := s.a, s.q, s.c, s.ties
		shape := fmt.Sprintf("(%d,%d,%d) %s", a, q, c, s.what)
		input := func(rng *rand.Rand) []float32 {
			x := randn(rng, a*q*c, 1)
			if ties {
				for i := range x {
					x[i] = float32(math.Round(float64(x[i])))
				}
			}
			return x
		}
		register(Case{
			Kernels: []string{"maxrows_fwd", "maxrows_bwd"}, Shape: shape, Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, dy := input(rng), randn(rng, a*c, 1)
				out, arg, dx := make([]float32, a*c), make([]uint32, a*c), make([]float32, a*q*c)
				cpu.MaxRowsForward(out, arg, x, a, q, c)
				cpu.MaxRowsBackward(dx, dy, arg, a, q, c)
				tx, tdy := d.Upload(x, a, q, c), d.Upload(dy, a, c)
				defer release(tx, tdy)
				tout, targ := d.MaxRows(tx)
				tdx := d.MaxRowsBackward(tdy, targ, q)
				gargs, err := targ.ReadU32()
				targ.Release()
				if err != nil {
					return nil, nil, err
				}
				got, err := readAll(tout, tdx)
				return concat(got, u32f(gargs)), concat(out, dx, u32f(arg)), err
			},
		}, Case{
			Kernels: []string{"meanrows_fwd", "meanrows_bwd"}, Shape: shape, Atol: 1e-7, Rtol: 1e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x, dy := input(rng), randn(rng, a*c, 1)
				out, dx := make([]float32, a*c), make([]float32, a*q*c)
				cpu.MeanRowsForward(out, x, a, q, c)
				cpu.MeanRowsBackward(dx, dy, a, q, c)
				tx, tdy := d.Upload(x, a, q, c), d.Upload(dy, a, c)
				defer release(tx, tdy)
				got, err := readAll(d.MeanRows(tx), d.MeanRowsBackward(tdy, q))
				return got, concat(out, dx), err
			},
		})
	}
}

func init() {
	const a, q, c = 64, 32, 64
	registerBench(Bench{
		Kernel: "maxrows_fwd", Shape: fmt.Sprintf("(%d,%d,%d)", a, q, c), Bytes: 4 * float64(a*q*c+2*a*c),
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x := d.Upload(randn(rng, a*q*c, 1), a, q, c)
			return func() { release(d.MaxRows(x)) }, func() { x.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, out, arg := randn(rng, a*q*c, 1), make([]float32, a*c), make([]uint32, a*c)
			return func() { cpu.MaxRowsForward(out, arg, x, a, q, c) }
		},
	})
}
