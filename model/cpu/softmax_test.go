package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fdCheck compares an analytic gradient with central differences of a
// scalar loss evaluated in float64 on top of the float32 forward twin.
func fdCheck(t *testing.T, name string, x, grad []float32, loss func() float64, step, atol, rtol float64) {
	t.Helper()
	bad := 0
	for i := range x {
		orig := x[i]
		x[i] = orig + float32(step)
		up := loss()
		x[i] = orig - float32(step)
		down := loss()
		x[i] = orig
		// The step actually taken in float32 is not exactly `step`.
		h := float64(orig+float32(step)) - float64(orig-float32(step))
		fd := (up - down) / h
		if d := math.Abs(fd - float64(grad[i])); d > atol+rtol*math.Abs(fd) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %g, finite difference %g", name, i, grad[i], fd)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d gradients off", name, bad, len(x))
	}
}

func randVec(rng *rand.Rand, n int, s float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64() * s)
	}
	return out
}

func weighted(w, y []float32) float64 {
	var s float64
	for i := range y {
		s += float64(w[i]) * float64(y[i])
	}
	return s
}

func TestSoftmaxBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols, scale = 6, 7, 0.37
	x, w := randVec(rng, rows*cols, 2), randVec(rng, rows*cols, 1)
	mask := make([]float32, 3*cols) // (mb=1, mrows=3): heads = 2
	mask[1], mask[cols+4] = float32(math.Inf(-1)), -3
	y := make([]float32, rows*cols)
	loss := func() float64 {
		SoftmaxForward(y, x, mask, rows, cols, scale, 2, 3, cols)
		return weighted(w, y)
	}
	loss()
	dx := make([]float32, rows*cols)
	SoftmaxBackward(dx, y, w, rows, cols, scale, cols)
	fdCheck(t, "dx", x, dx, loss, 1e-2, 2e-4, 1e-3)
}

func TestSoftmaxMaskedRows(t *testing.T) {
	ninf := float32(math.Inf(-1))
	x := []float32{1, 2, 3, 4, 5, 6}
	// Row 0: −Inf everywhere → zeros. Row 1: finfo.min everywhere (Hugging
	// Face style) → uniform, as PyTorch gives.
	fmin := float32(-math.MaxFloat32)
	mask := []float32{ninf, ninf, ninf, fmin, fmin, fmin}
	y := make([]float32, 6)
	SoftmaxForward(y, x, mask, 2, 3, 1, 1, 2, 3)
	for j := 0; j < 3; j++ {
		if y[j] != 0 {
			t.Errorf("fully −Inf row: y[%d] = %g, want 0", j, y[j])
		}
		if math.Abs(float64(y[3+j])-1.0/3) > 1e-7 {
			t.Errorf("finfo.min row: y[%d] = %g, want 1/3", 3+j, y[3+j])
		}
	}
	// Broadcast rule: mask (mb=2, mrows=1) over x (2, heads=1, 1): row r
	// reads mask row r.
	SoftmaxForward(y, x, []float32{0, ninf, 0, 0, 0, ninf}, 2, 3, 1, 1, 1, 3)
	if y[1] != 0 || y[5] != 0 || y[0] == 0 || y[4] == 0 {
		t.Errorf("per-row mask not applied per row: %v", y)
	}
}

// Rows ld apart give the same softmax on their first cols entries as dense
// rows, whatever the rest of each row holds, and zeros in the rest.
func TestSoftmaxOverPaddedRowsMatchesDenseRows(t *testing.T) {
	const rows, cols, ld = 3, 5, 8
	rng := rand.New(rand.NewPCG(3, 4))
	dense, padded, dyDense, dyPadded := make([]float32, rows*cols), make([]float32, rows*ld), make([]float32, rows*cols), make([]float32, rows*ld)
	for i := range padded {
		padded[i], dyPadded[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		if r, j := i/ld, i%ld; j < cols {
			dense[r*cols+j], dyDense[r*cols+j] = padded[i], dyPadded[i]
		} else {
			padded[i], dyPadded[i] = float32(math.NaN()), float32(math.Inf(1)) // never read
		}
	}
	y, yp := make([]float32, rows*cols), make([]float32, rows*ld)
	SoftmaxForward(y, dense, nil, rows, cols, 0.5, 1, 1, cols)
	SoftmaxForward(yp, padded, nil, rows, cols, 0.5, 1, 1, ld)
	dx, dxp := make([]float32, rows*cols), make([]float32, rows*ld)
	SoftmaxBackward(dx, y, dyDense, rows, cols, 0.5, cols)
	SoftmaxBackward(dxp, yp, dyPadded, rows, cols, 0.5, ld)
	for r := 0; r < rows; r++ {
		for j := 0; j < ld; j++ {
			var wy, wdx float32
			if j < cols {
				wy, wdx = y[r*cols+j], dx[r*cols+j]
			}
			if yp[r*ld+j] != wy || dxp[r*ld+j] != wdx {
				t.Fatalf("row %d col %d: y %v dx %v, want %v %v", r, j, yp[r*ld+j], dxp[r*ld+j], wy, wdx)
			}
		}
	}
}
