package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// contrastiveTwin runs Device.Contrastive's steps through the twins:
// stats (4), dI2T and dT2I, both in sim's layout.
func contrastiveTwin(sim []float32, b int, eps float32) (stats, dI2T, dT2I []float32) {
	diag := make([]int32, b)
	for i := range diag {
		diag[i] = int32(i)
	}
	stats = make([]float32, 4)
	dI2T, dT2I = make([]float32, b*b), make([]float32, b*b)
	simT, dT := make([]float32, b*b), make([]float32, b*b)
	cpu.Transpose2DForward(simT, sim, b, b)
	for k, x := range [][]float32{sim, simT} {
		loss, lse := make([]float32, b), make([]float32, b)
		cpu.CrossEntropyForward(loss, lse, x, diag, b, b, gpu.IgnoreIndex, eps)
		cpu.LossMeanForward(stats, loss, diag, b, gpu.IgnoreIndex, 2*k)
		out := dI2T
		if k == 1 {
			out = dT
		}
		cpu.CrossEntropyBackward(out, x, diag, lse, stats, b, b, gpu.IgnoreIndex, eps, 0.5, 2*k)
	}
	cpu.Transpose2DForward(dT2I, dT, b, b)
	return
}

func runContrastive(d *gpu.Device, sim []float32, b int, eps float32) (stats, dI2T, dT2I []float32, err error) {
	ts, st := d.Upload(sim, b, b), d.Zeros(6)
	gi, gt := d.Contrastive(ts, st, 1, eps)
	defer func() {
		for _, t := range []*gpu.Tensor{ts, st, gi, gt} {
			t.Release()
		}
	}()
	if stats, err = st.Read(); err != nil {
		return
	}
	if dI2T, err = gi.Read(); err != nil {
		return
	}
	dT2I, err = gt.Read()
	return stats[1:5], dI2T, dT2I, err
}

func init() {
	// The PyTorch reference of blip2-tiny-a/train: itc_sim_i2t and the two
	// ITC halves (cross_entropy, label_smoothing 0.1), on the device.
	register(Case{
		Kernels: []string{"transpose2d_fwd", "crossentropy_fwd", "lossmean_fwd", "crossentropy_bwd"}, Shape: "ITC (3,3) vs PyTorch reference",
		Atol: 1e-6, Rtol: 1e-6, Browser: true,
		Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
			sim := []float32{5.27977037, 4.60804987, 4.3244276, 0.625299394, 1.41911447, 1.98231292, 2.25107265, 3.08719349, 1.72668564}
			stats, _, _, err := runContrastive(d, sim, 3, 0.1)
			return stats, []float32{1.22984684, 3, 2.07681537, 3}, err
		},
	})
	for _, s := range []struct {
		b       int
		browser bool
	}{{1, true}, {5, true}, {64, false}, {100, false}} {
		b := s.b
		register(Case{
			Kernels: []string{"transpose2d_fwd", "crossentropy_fwd", "lossmean_fwd", "crossentropy_bwd"}, Shape: fmt.Sprintf("ITC (%d,%d), both directions", b, b),
			Atol: 1e-7, Rtol: 1e-5, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				// Cosine similarities / 0.07: values in about ±14.
				sim := randn(rng, b*b, 5)
				ws, wi, wt := contrastiveTwin(sim, b, 0.1)
				gs, gi, gt, err := runContrastive(d, sim, b, 0.1)
				return append(append(gs, gi...), gt...), append(append(ws, wi...), wt...), err
			},
		})
	}
}
