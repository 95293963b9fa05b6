package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulBackwardMatchesFiniteDifferences checks the NN, TN and bias
// twins as the gradients of L = Σ G ⊙ (A·Bᵀ + bias), against central
// differences of MatMulForward, on a batch that shares B (a Linear).
func TestMatMulBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const batch, m, n, k = 2, 3, 4, 5
	rows := batch * m
	randv := func(l int) []float32 {
		v := make([]float32, l)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	a, b, bias, g := randv(rows*k), randv(n*k), randv(n), randv(rows*n)
	fwd := withBias(DenseNT(batch, m, n, k, true))
	loss := func() float64 {
		c := make([]float32, rows*n)
		MatMulForward(c, a, b, bias, fwd)
		var s float64
		for i := range c {
			s += float64(c[i]) * float64(g[i])
		}
		return s
	}
	// Analytic: dA = G·B (NN), dB = Gᵀ·A (TN over all rows), dbias = Σ_rows G.
	da, db, dbias := make([]float32, rows*k), randv(n*k), make([]float32, n)
	MatMulBackwardInput(da, g, b, DenseNN(1, rows, k, n, true))
	db0 := append([]float32(nil), db...)
	acc := DenseTN(1, n, k, rows)
	acc.Accumulate = true
	MatMulBackwardWeight(db, g, a, acc) // accumulates onto db0
	MatMulBackwardBias(dbias, g, rows, n, false)
	const h = 1e-2
	fd := func(x []float32, i int) float64 {
		old := x[i]
		x[i] = old + h
		up := loss()
		x[i] = old - h
		down := loss()
		x[i] = old
		return (up - down) / (2 * h)
	}
	check := func(name string, x, grad, base []float32) {
		for i := range x {
			want := fd(x, i)
			got := float64(grad[i])
			if base != nil {
				got -= float64(base[i])
			}
			if math.Abs(got-want) > 2e-3*(1+math.Abs(want)) {
				t.Errorf("%s[%d]: analytic %g, finite difference %g", name, i, got, want)
			}
		}
	}
	check("dA", a, da, nil)
	check("dB", b, db, db0)
	check("dbias", bias, dbias, nil)
}

func withBias(d MatMulDims) MatMulDims { d.Bias = true; return d }
