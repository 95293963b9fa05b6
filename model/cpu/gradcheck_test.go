package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkGrad compares an analytic gradient with central differences of loss,
// perturbing in[i] in place. The step actually taken is measured after
// rounding to float32, and loss accumulates in float64, so the finite
// difference is limited by the forward twin's float32 outputs only.
func checkGrad(t *testing.T, name string, in, got []float32, loss func() float64, h, atol, rtol float64) {
	t.Helper()
	bad := 0
	for i := range in {
		v := in[i]
		hi, lo := float32(float64(v)+h), float32(float64(v)-h)
		in[i] = hi
		lp := loss()
		in[i] = lo
		lm := loss()
		in[i] = v
		fd := (lp - lm) / (float64(hi) - float64(lo))
		if d := math.Abs(fd - float64(got[i])); d > atol+rtol*math.Abs(fd) || math.IsNaN(d) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %g, finite difference %g", name, i, got[i], fd)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d entries off", name, bad, len(in))
	}
}

// dot64 is Σ w·y in float64: the scalar loss whose gradient wrt y is w.
func dot64(w, y []float32) float64 {
	var s float64
	for i := range w {
		s += float64(w[i]) * float64(y[i])
	}
	return s
}

func randn(rng *rand.Rand, n int, s float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64()) * s
	}
	return out
}

func newRng() *rand.Rand { return rand.New(rand.NewPCG(5, 6)) }
