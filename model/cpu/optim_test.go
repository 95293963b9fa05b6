package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamWMatchesFloat64 runs the twin for several steps beside a float64
// transcription of torch.optim.AdamW and checks they agree to float32
// rounding.
func TestAdamWMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 50
	lr, wd, b1, b2, eps := 1e-3, 0.05, 0.9, 0.98, 1e-8
	p, m, v := randUnitVec(rng, n), make([]float32, n), make([]float32, n)
	p64, m64, v64 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range p {
		p64[i] = float64(p[i])
	}
	stats := []float32{0.7, 1}
	for step := 1; step <= 5; step++ {
		g := randUnitVec(rng, n)
		decay, omb1, omb2, ss, bc2s := AdamWConstants(lr, wd, b1, b2, step)
		AdamWStep(p, m, v, g, stats, n, 0, decay, float32(b1), omb1, float32(b2), omb2, ss, bc2s, float32(eps))
		bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
		for i := range p64 {
			gi := float64(g[i]) * 0.7
			p64[i] *= 1 - lr*wd
			m64[i] = b1*m64[i] + (1-b1)*gi
			v64[i] = b2*v64[i] + (1-b2)*gi*gi
			p64[i] -= lr / bc1 * m64[i] / (math.Sqrt(v64[i])/math.Sqrt(bc2) + eps)
		}
	}
	for i := range p {
		if d := math.Abs(float64(p[i]) - p64[i]); d > 1e-6*(1+math.Abs(p64[i])) {
			t.Fatalf("p[%d] = %g, float64 reference %g", i, p[i], p64[i])
		}
	}
	// The first step moves each weight by ≈ lr·sign(g) (plus decay).
	p1, m1, v1 := []float32{1, -2}, make([]float32, 2), make([]float32, 2)
	decay, omb1, omb2, ss, bc2s := AdamWConstants(0.01, 0, 0.9, 0.999, 1)
	AdamWStep(p1, m1, v1, []float32{3, -0.5}, []float32{1, 1}, 2, 0, decay, 0.9, omb1, 0.999, omb2, ss, bc2s, 1e-8)
	if math.Abs(float64(p1[0])-0.99) > 1e-6 || math.Abs(float64(p1[1])+1.99) > 1e-6 {
		t.Errorf("first step: %v, want [0.99 -1.99]", p1)
	}
	// A zero finite flag leaves everything untouched.
	AdamWStep(p1, m1, v1, []float32{3, -0.5}, []float32{1, 0}, 2, 0, decay, 0.9, omb1, 0.999, omb2, ss, bc2s, 1e-8)
	if math.Abs(float64(p1[0])-0.99) > 1e-6 {
		t.Errorf("skipped step changed p: %v", p1)
	}
}

// TestClipScale checks clip_grad_norm_'s factor on a known norm.
func TestClipScale(t *testing.T) {
	x := []float32{3, 4, 0, 12} // norm 13
	parts := make([]float32, 3)
	SumSqForward(parts, x, 4, 1, 2)
	if parts[1] != 25 || parts[2] != 144 {
		t.Fatalf("partials %v", parts)
	}
	out := make([]float32, 3)
	ClipScaleForward(out, parts, 3, 0, 1)
	if math.Abs(float64(out[0])-1/13.000001) > 1e-7 || out[1] != 1 || out[2] != 13 {
		t.Errorf("clip to 1: %v", out)
	}
	ClipScaleForward(out, parts, 3, 0, 100)
	if out[0] != 1 {
		t.Errorf("norm under max_norm: scale %g", out[0])
	}
	parts[0] = float32(math.Inf(1))
	ClipScaleForward(out, parts, 3, 0, 1)
	if out[0] != 0 || out[1] != 0 || !math.IsInf(float64(out[2]), 1) {
		t.Errorf("non-finite norm: %v", out)
	}
	flags := []float32{0, 0}
	FiniteCheckForward(flags, x, 4, 0)
	FiniteCheckForward(flags, []float32{1, float32(math.NaN())}, 2, 1)
	if flags[0] != 0 || flags[1] != 1 {
		t.Errorf("finite flags %v", flags)
	}
}
