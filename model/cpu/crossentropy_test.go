package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ceMean runs the forward twins and returns the mean loss in float64.
func ceMean(logits []float32, labels []int32, rows, cols int, ignore int32, eps float32) float64 {
	loss, lse, stats := make([]float32, rows), make([]float32, rows), make([]float32, 2)
	CrossEntropyForward(loss, lse, logits, labels, rows, cols, ignore, eps)
	LossMeanForward(stats, loss, labels, rows, ignore, 0)
	return float64(stats[0])
}

// TestCrossEntropyGolden checks the forward twins against the PyTorch
// reference of blip2-tiny-a/train (cross_entropy with label_smoothing 0.1
// for ITC in both directions, none for ITM).
func TestCrossEntropyGolden(t *testing.T) {
	sim := []float32{5.27977037, 4.60804987, 4.3244276, 0.625299394, 1.41911447, 1.98231292, 2.25107265, 3.08719349, 1.72668564}
	simT := make([]float32, 9)
	Transpose2DForward(simT, sim, 3, 3)
	diag := []int32{0, 1, 2}
	itm := []float32{0.728645205, 0.591498017, 0.21108216, 0.481482595, 0.159314528, 0.332825691, 0.274717778, 0.25993225, 0.187089354, 0.31946218, 0.602740288, 0.826117218, 0.722429872, 0.815733969, 0.183101967, 0.402065396, 0.226658493, 0.125518739}
	for _, c := range []struct {
		name   string
		got    float64
		want   float64
		margin float64
	}{
		{"loss_itc_i2t", ceMean(sim, diag, 3, 3, -100, 0.1), 1.22984684, 2e-7},
		{"loss_itc_t2i", ceMean(simT, diag, 3, 3, -100, 0.1), 2.07681537, 2e-7},
		{"loss_itm", ceMean(itm, []int32{1, 1, 1, 0, 0, 0, 0, 0, 0}, 9, 2, -100, 0), 0.710332811, 2e-7},
	} {
		if math.Abs(c.got-c.want) > c.margin {
			t.Errorf("%s = %.9g, reference %.9g", c.name, c.got, c.want)
		}
	}
}

// TestCrossEntropyIgnore checks that ignored rows change neither the mean
// nor the count, that every row ignored gives NaN like PyTorch, and that an
// out-of-range label gives NaN.
func TestCrossEntropyIgnore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randUnitVec(rng, 4*5)
	part := ceMean(x, []int32{3, -100, -100, 0}, 4, 5, -100, 0.1)
	// Rows 1 and 2 ignored: the same as rows 0 and 3 alone.
	alt := append(append([]float32{}, x[:5]...), x[15:]...)
	if want := ceMean(alt, []int32{3, 0}, 2, 5, -100, 0.1); math.Abs(part-want) > 1e-7 {
		t.Errorf("ignored rows changed the mean: %g vs %g", part, want)
	}
	if v := ceMean(x, []int32{-100, -100, -100, -100}, 4, 5, -100, 0.1); !math.IsNaN(v) {
		t.Errorf("all rows ignored: mean %g, want NaN", v)
	}
	if v := ceMean(x, []int32{5, 0, 0, 0}, 4, 5, -100, 0.1); !math.IsNaN(v) {
		t.Errorf("label out of range: mean %g, want NaN", v)
	}
}

// TestCrossEntropyBackwardFD compares the backward twin with central
// differences of g·mean-loss from the forward twins, with ignored rows,
// with and without smoothing.
func TestCrossEntropyBackwardFD(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		rows, cols int
		labels     []int32
		eps, g     float32
	}{
		{1, 1, []int32{0}, 0.1, 1},
		{3, 7, []int32{2, -100, 6}, 0.1, 0.5},
		{4, 5, []int32{0, 1, 4, 3}, 0, 1},
		{5, 33, []int32{32, -100, -100, 0, 17}, 0.1, 2},
	} {
		rows, cols := c.rows, c.cols
		x := randUnitVec(rng, rows*cols)
		loss, lse, stats := make([]float32, rows), make([]float32, rows), make([]float32, 2)
		CrossEntropyForward(loss, lse, x, c.labels, rows, cols, -100, c.eps)
		LossMeanForward(stats, loss, c.labels, rows, -100, 0)
		dx := make([]float32, rows*cols)
		CrossEntropyBackward(dx, x, c.labels, lse, stats, rows, cols, -100, c.eps, c.g, 0)
		// h = 1/64 is exact in float32; the loss is smooth, so the central
		// difference error O(h²) stays near 1e-5 and the float32 rounding
		// of the loss (~3e-7) contributes ~1e-5 more.
		const h = 1.0 / 64
		worst := 0.0
		for i := range x {
			x0 := x[i]
			x[i] = x0 + h
			up := ceMean(x, c.labels, rows, cols, -100, c.eps)
			x[i] = x0 - h
			dn := ceMean(x, c.labels, rows, cols, -100, c.eps)
			x[i] = x0
			fd := float64(c.g) * (up - dn) / (2 * h)
			worst = math.Max(worst, math.Abs(fd-float64(dx[i])))
		}
		t.Logf("(%d,%d) eps %g g %g: max |FD − backward| = %.3g", rows, cols, c.eps, c.g, worst)
		if worst > 1e-4*float64(c.g) {
			t.Errorf("(%d,%d) eps %g g %g: max |FD − backward| = %.3g", rows, cols, c.eps, c.g, worst)
		}
	}
}

func randUnitVec(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}
