package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// A whole clipped step without readback: the squared norms of three
// gradients into one partials vector, the clip factor into stats, then
// AdamW on each tensor reading it; p of all three compared.
func init() {
	sizes := []int{37, 70001, 256}
	register(Case{
		Kernels: []string{"sumsq_fwd", "clipscale_fwd", "adamw_step"}, Shape: fmt.Sprintf("clipped step over %v", sizes),
		Atol: 1e-9, Rtol: 1e-6, Browser: true,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			o := gpu.AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
			slots := 0
			for _, n := range sizes {
				slots += gpu.SumSqSlots(n)
			}
			parts, stats := d.Zeros(slots), d.Zeros(4)
			wparts, wstats := make([]float32, slots), make([]float32, 4)
			var ps, ms, vs, gs []*gpu.Tensor
			var want [][]float32
			slot := 0
			for _, n := range sizes {
				g := randn(rng, n, 0.1)
				gs = append(gs, d.Upload(g, n))
				cpu.SumSqForward(wparts, g, n, slot, gpu.SumSqSlots(n))
				slot = d.SumSq(parts, gs[len(gs)-1], slot)
				want = append(want, randn(rng, n, 1), g)
			}
			d.ClipScale(stats, parts, slots, 0, 1)
			cpu.ClipScaleForward(wstats, wparts, slots, 0, 1)
			var got []float32
			var wantAll []float32
			for i, n := range sizes {
				p, g := want[2*i], want[2*i+1]
				tp, tm, tv := d.Upload(p, n), d.Zeros(n), d.Zeros(n)
				wd := 0.05 * float64(i%2) // decay per tensor, as parameter groups set it
				d.AdamWStep(tp, tm, tv, gs[i], stats, 0, o, wd, 1)
				decay, omb1, omb2, ss, bc2s := cpu.AdamWConstants(o.LR, wd, o.Beta1, o.Beta2, 1)
				cpu.AdamWStep(p, make([]float32, n), make([]float32, n), g, wstats, n, 0, decay, float32(o.Beta1), omb1, float32(o.Beta2), omb2, ss, bc2s, float32(o.Eps))
				ps, ms, vs = append(ps, tp), append(ms, tm), append(vs, tv)
				wantAll = append(wantAll, p...)
			}
			var err error
			for _, t := range ps {
				var r []float32
				if r, err = t.Read(); err != nil {
					break
				}
				got = append(got, r...)
			}
			for _, list := range [][]*gpu.Tensor{ps, ms, vs, gs, {parts, stats}} {
				for _, t := range list {
					t.Release()
				}
			}
			return got, wantAll, err
		},
	})
}

// The reductions are fixed trees over fixed partitions: two runs must agree
// bit for bit (tolerance 0, the second run as the reference).
func init() {
	register(Case{
		Kernels: []string{"sumsq_fwd", "crossentropy_fwd", "lossmean_fwd"}, Shape: "determinism: two runs, n=768·3072 and (62,30523)",
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			x := randn(rng, 768*3072, 1)
			logits, labels := ceInputs(rng, 62, 30523, 0.25)
			tx, tl, ty := d.Upload(x, len(x)), d.Upload(logits, 62, 30523), d.UploadLabels(labels, 62)
			defer func() { tx.Release(); tl.Release(); ty.Release() }()
			once := func() ([]float32, error) {
				slots := gpu.SumSqSlots(len(x))
				out := d.Zeros(slots + 2)
				d.SumSq(out, tx, 0)
				loss, lse := d.CrossEntropy(tl, ty, 0.1)
				d.LossMean(out, loss, ty, slots)
				v, err := out.Read()
				for _, t := range []*gpu.Tensor{out, loss, lse} {
					t.Release()
				}
				return v, err
			}
			a, err := once()
			if err != nil {
				return nil, nil, err
			}
			b, err := once()
			return a, b, err
		},
	})
}
