package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantRoundTrip checks that dequantized weights are within half a
// quantization step of the originals, and that extreme values hit ±qmax.
func TestQuantRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, k = 5, 96
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	w[3] = 0 // a zero inside a row
	for i := 0; i < k; i++ {
		w[4*k+i] = 0 // an all-zero row: scale 0, no division by zero
	}
	q8, s8 := QuantizeQ8(w, n, k)
	d8 := DequantizeQ8(q8, s8, n, k)
	q4, s4 := QuantizeQ4(w, n, k)
	d4 := DequantizeQ4(q4, s4, n, k)
	for j := 0; j < n; j++ {
		for i := 0; i < k; i++ {
			v := float64(w[j*k+i])
			if e := math.Abs(float64(d8[j*k+i]) - v); e > float64(s8[j])*0.5001 {
				t.Fatalf("q8 [%d,%d]: %g → %g (scale %g)", j, i, v, d8[j*k+i], s8[j])
			}
			s := float64(s4[j*(k/Q4Group)+i/Q4Group])
			if e := math.Abs(float64(d4[j*k+i]) - v); e > s*0.5001 {
				t.Fatalf("q4 [%d,%d]: %g → %g (scale %g)", j, i, v, d4[j*k+i], s)
			}
		}
	}
	if d8[3] != 0 || d4[3] != 0 || d8[4*k] != 0 || d4[4*k+7] != 0 {
		t.Fatal("zeros must stay zero")
	}
	// The largest magnitude of a row maps to ±127 exactly.
	var m float32
	for _, v := range w[:k] {
		m = max(m, float32(math.Abs(float64(v))))
	}
	if got := s8[0] * 127; math.Abs(float64(got-m)) > 1e-6*float64(m) {
		t.Fatalf("q8 scale·127 = %g, want max|w| = %g", got, m)
	}
}
