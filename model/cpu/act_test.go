package cpu

import (
	"fmt"
	"testing"
)

func TestActBackwardMatchesFiniteDifferences(t *testing.T) {
	for op := ActReLU; op <= ActErf; op++ {
		rng := newRng()
		const n = 200
		x, w := randn(rng, n, 2.5), randn(rng, n, 1)
		for i := range x {
			// ReLU's kink at 0 has no derivative: keep the points away from it.
			if op == ActReLU && x[i] > -0.05 && x[i] < 0.05 {
				x[i] += 0.1
			}
		}
		y := make([]float32, n)
		loss := func() float64 { ActForward(y, x, n, op); return dot64(w, y) }
		dx := make([]float32, n)
		ActBackward(dx, w, x, n, op)
		checkGrad(t, fmt.Sprintf("op %d dx", op), x, dx, loss, 1e-3, 3e-4, 1e-3)
	}
}
