package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// Sizes: a bias (768), a Q-Former FFN weight (768×3072), one element,
// sizes that are not multiples of 256 or of a chunk, and a 10M buffer.
func init() {
	for _, s := range []struct {
		n       int
		browser bool
	}{{1, true}, {5, true}, {1000, true}, {70001, true}, {768, false}, {768 * 3072, false}, {10_000_003, false}} {
		n := s.n
		register(Case{
			Kernels: []string{"sumsq_fwd"}, Shape: fmt.Sprintf("n=%d", n),
			// f32 partial sums of ≤ 256 squares per thread, then a tree.
			Atol: 1e-6, Rtol: 1e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x := randn(rng, n, 1)
				slots := gpu.SumSqSlots(n)
				// Slots around the written range must be left alone.
				want := randn(rng, slots+5, 1)
				parts := d.Upload(want, slots+5)
				tx := d.Upload(x, n)
				if next := d.SumSq(parts, tx, 3); next != 3+slots {
					return nil, nil, fmt.Errorf("SumSq returned slot %d, want %d", next, 3+slots)
				}
				cpu.SumSqForward(want, x, n, 3, slots)
				got, err := parts.Read()
				parts.Release()
				tx.Release()
				return got, want, err
			},
		})
		if n > 3_000_000 {
			continue // three 40 MB uploads of the same check add nothing
		}
		register(Case{
			Kernels: []string{"finitecheck_fwd"}, Shape: fmt.Sprintf("n=%d, NaN, ±Inf, none", n), Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				x := randn(rng, n, 1e30) // large but finite: only exponents of all ones count
				flags := d.Zeros(5)
				want := make([]float32, 5)
				tx := d.Upload(x, n)
				d.FiniteCheck(flags, tx, 0) // clean
				cpu.FiniteCheckForward(want, x, n, 0)
				for slot, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
					y := append([]float32(nil), x...)
					y[(n-1)*slot/2] = float32(bad) // first, middle, last element
					ty := d.Upload(y, n)
					d.FiniteCheck(flags, ty, slot+1)
					d.FiniteCheck(flags, ty, slot+1) // setting twice keeps 1.0
					cpu.FiniteCheckForward(want, y, n, slot+1)
					ty.Release()
				}
				got, err := flags.Read()
				flags.Release()
				tx.Release()
				return got, want, err
			},
		})
	}
	for _, s := range []struct {
		n       int
		maxNorm float32
		inf     bool
		browser bool
	}{{1, 1, false, true}, {3, 1, false, true}, {300, 1e6, false, true}, {300, 0, false, true}, {300, 1, true, true}, {1000, 5, false, false}} {
		n, maxNorm, inf := s.n, s.maxNorm, s.inf
		register(Case{
			Kernels: []string{"clipscale_fwd"}, Shape: fmt.Sprintf("%d partials, max_norm %g, inf %v", n, maxNorm, inf),
			Atol: 1e-7, Rtol: 2e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				parts := make([]float32, n)
				for i := range parts {
					parts[i] = float32(rng.ExpFloat64())
				}
				if inf {
					parts[n/2] = float32(math.Inf(1))
				}
				want := randn(rng, 6, 1)
				cpu.ClipScaleForward(want, parts, n, 2, maxNorm)
				tp, stats := d.Upload(parts, n), d.Upload(randn(rand.New(rand.NewPCG(9, 9)), 6, 1), 6)
				copy(want[:2], mustRead(stats)[:2])
				copy(want[5:], mustRead(stats)[5:])
				d.ClipScale(stats, tp, n, 2, maxNorm)
				got, err := stats.Read()
				tp.Release()
				stats.Release()
				return got, want, err
			},
		})
	}
}

func mustRead(t *gpu.Tensor) []float32 {
	v, _ := t.Read()
	return v
}

// adamWCase runs one AdamW step on device and twin and returns p, m, v.
func adamWCase(d *gpu.Device, rng *rand.Rand, n, step int, wd float64, scale, flag float32) ([]float32, []float32, error) {
	o := gpu.AdamW{LR: 1e-4, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8}
	p, g := randn(rng, n, 0.02), randn(rng, n, 1e-3)
	m, v := make([]float32, n), make([]float32, n)
	if step > 1 {
		m = randn(rng, n, 1e-3)
		for i := range v {
			v[i] = float32(1e-6 * rng.ExpFloat64())
		}
	}
	stats := []float32{7, scale, flag, 7}
	tp, tm, tv, tg, ts := d.Upload(p, n), d.Upload(m, n), d.Upload(v, n), d.Upload(g, n), d.Upload(stats, 4)
	d.AdamWStep(tp, tm, tv, tg, ts, 1, o, wd, step)
	decay, omb1, omb2, ss, bc2s := cpu.AdamWConstants(o.LR, wd, o.Beta1, o.Beta2, step)
	cpu.AdamWStep(p, m, v, g, stats, n, 1, decay, float32(o.Beta1), omb1, float32(o.Beta2), omb2, ss, bc2s, float32(o.Eps))
	var got []float32
	var err error
	for _, t := range []*gpu.Tensor{tp, tm, tv} {
		var r []float32
		if r, err = t.Read(); err != nil {
			break
		}
		got = append(got, r...)
	}
	for _, t := range []*gpu.Tensor{tp, tm, tv, tg, ts} {
		t.Release()
	}
	return got, append(append(p, m...), v...), err
}

func init() {
	for _, s := range []struct {
		n           int
		step        int
		wd          float64
		scale, flag float32
		browser     bool
	}{
		{1, 1, 0.05, 1, 1, true},
		{1000, 1, 0.05, 0.5, 1, true},
		{4099, 1000, 0, 1, 1, true},
		{300, 7, 0.05, 0.3, 0, true}, // non-finite gradients: skipped
		{768, 3, 0, 1, 1, false},
		{768 * 3072, 2000, 0.05, 0.25, 1, false},
	} {
		s := s
		register(Case{
			Kernels: []string{"adamw_step"}, Shape: fmt.Sprintf("n=%d step %d wd %g scale %g flag %g", s.n, s.step, s.wd, s.scale, s.flag),
			// Elementwise; the device may fuse multiply-adds and round
			// sqrt and division differently by an ulp or so.
			Atol: 1e-9, Rtol: 1e-6, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				return adamWCase(d, rng, s.n, s.step, s.wd, s.scale, s.flag)
			},
		})
	}
}

func init() {
	const n = 10_000_000
	registerBench(Bench{
		Kernel: "adamw_step", Shape: "n=10M", Bytes: 4 * 7 * n,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			p, m, v, g := d.Upload(randn(rng, n, 0.02), n), d.Zeros(n), d.Zeros(n), d.Upload(randn(rng, n, 1e-3), n)
			stats := d.Upload([]float32{1, 1}, 2)
			o := gpu.AdamW{LR: 1e-4, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8}
			step := 0
			return func() { step++; d.AdamWStep(p, m, v, g, stats, 0, o, 0.05, step) },
				func() {
					for _, t := range []*gpu.Tensor{p, m, v, g, stats} {
						t.Release()
					}
				}
		},
		Twin: func(rng *rand.Rand) func() {
			p, m, v, g := randn(rng, n, 0.02), make([]float32, n), make([]float32, n), randn(rng, n, 1e-3)
			decay, omb1, omb2, ss, bc2s := cpu.AdamWConstants(1e-4, 0.05, 0.9, 0.98, 1)
			return func() {
				cpu.AdamWStep(p, m, v, g, []float32{1, 1}, n, 0, decay, 0.9, omb1, 0.98, omb2, ss, bc2s, 1e-8)
			}
		},
	}, Bench{
		Kernel: "sumsq_fwd", Shape: "n=10M", Bytes: 4 * n, Flops: 2 * n,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, parts := d.Upload(randn(rng, n, 1), n), d.Zeros(gpu.SumSqSlots(n))
			return func() { d.SumSq(parts, x, 0) }, func() { x.Release(); parts.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, parts := randn(rng, n, 1), make([]float32, gpu.SumSqSlots(n))
			return func() { cpu.SumSqForward(parts, x, n, 0, len(parts)) }
		},
	}, Bench{
		Kernel: "finitecheck_fwd", Shape: "n=10M", Bytes: 4 * n,
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			x, flags := d.Upload(randn(rng, n, 1), n), d.Zeros(1)
			return func() { d.FiniteCheck(flags, x, 0) }, func() { x.Release(); flags.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			x, flags := randn(rng, n, 1), make([]float32, 1)
			return func() { cpu.FiniteCheckForward(flags, x, n, 0) }
		},
	}, Bench{
		Kernel: "clipscale_fwd", Shape: "1000 partials",
		Setup: func(d *gpu.Device, rng *rand.Rand) (func(), func()) {
			parts, stats := d.Upload(randn(rng, 1000, 1), 1000), d.Zeros(3)
			return func() { d.ClipScale(stats, parts, 1000, 0, 1) }, func() { parts.Release(); stats.Release() }
		},
		Twin: func(rng *rand.Rand) func() {
			parts, stats := randn(rng, 1000, 1), make([]float32, 3)
			return func() { cpu.ClipScaleForward(stats, parts, 1000, 0, 1) }
		},
	})
}
