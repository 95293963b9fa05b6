package cpu

import "testing"

func TestLayerNormBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, eps := range []float32{1e-12, 1e-6, 1e-5} {
		rng := newRng()
		const rows, cols = 3, 7
		x, gamma, beta := randn(rng, rows*cols, 1), randn(rng, cols, 1), randn(rng, cols, 1)
		for i := range x {
			x[i] += 2 // a non-zero mean exercises the mean term
		}
		w := randn(rng, rows*cols, 1)
		y, mean, rstd := make([]float32, rows*cols), make([]float32, rows), make([]float32, rows)
		loss := func() float64 {
			LayerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, eps)
			return dot64(w, y)
		}
		loss()
		dx, dgamma, dbeta := make([]float32, rows*cols), make([]float32, cols), make([]float32, cols)
		LayerNormBackwardInput(dx, w, x, gamma, mean, rstd, rows, cols)
		LayerNormBackwardWeight(dgamma, dbeta, w, x, mean, rstd, rows, cols)
		checkGrad(t, "dx", x, dx, loss, 1e-2, 2e-3, 2e-3)
		checkGrad(t, "dgamma", gamma, dgamma, loss, 1e-2, 1e-3, 1e-3)
		checkGrad(t, "dbeta", beta, dbeta, loss, 1e-2, 1e-3, 1e-3)
	}
}
