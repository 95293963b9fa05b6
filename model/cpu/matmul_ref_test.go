package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulRefLayouts: NT is a Linear; NN and TN are its input and weight
// gradients, so ⟨dy, x·wᵀ⟩ = ⟨dy·w, x⟩ = ⟨dyᵀ·x, w⟩ for any dy.
func TestMatMulRefLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m, k, n := 7, 5, 3
	x, w, b, dy := randn(rng, m*k, 1), randn(rng, n*k, 1), randn(rng, n, 1), randn(rng, m*n, 1)
	y := make([]float32, m*n)
	MatMulNTRef(y, x, w, b, m, k, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := float64(b[j])
			for t := 0; t < k; t++ {
				s += float64(x[i*k+t]) * float64(w[j*k+t])
			}
			if math.Abs(s-float64(y[i*n+j])) > 1e-5 {
				t.Fatalf("NT[%d,%d] = %g, want %g", i, j, y[i*n+j], s)
			}
		}
	}
	MatMulNTRef(y, x, w, nil, m, k, n)
	dx, dw := make([]float32, m*k), make([]float32, n*k)
	MatMulNNRef(dx, dy, w, m, n, k)
	MatMulTNRef(dw, dy, x, m, n, k)
	dot := func(a, b []float32) (s float64) {
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	ref := dot(dy, y)
	if math.Abs(dot(dx, x)-ref) > 1e-4 || math.Abs(dot(dw, w)-ref) > 1e-4 {
		t.Fatalf("⟨dy, y⟩ = %g, ⟨dx, x⟩ = %g, ⟨dw, w⟩ = %g", ref, dot(dx, x), dot(dw, w))
	}
}
