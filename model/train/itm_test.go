package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSampleNegativesFollowsSoftmax: draws from one row follow the softmax
// of the logits with the positive masked (a chi-square goodness-of-fit
// test), and the positive is never drawn.
func TestSampleNegativesFollowsSoftmax(t *testing.T) {
	logits := []float32{
		5, 1.5, 0.2, -1, 2.5, // row 0: the positive (col 0) is the largest logit
		0.3, 0.1, 0.4, 0.2, 0.5,
	}
	const rows, cols, draws = 2, 5, 40000
	rng := rand.New(rand.NewPCG(7, 11))
	for r := 0; r < rows; r++ {
		counts := make([]int, cols)
		for i := 0; i < draws; i++ {
			got, err := SampleNegatives(rng, logits, rows, cols)
			if err != nil {
				t.Fatal(err)
			}
			counts[got[r]]++
		}
		if counts[r] != 0 {
			t.Fatalf("row %d: the positive was drawn %d times", r, counts[r])
		}
		w := make([]float64, cols)
		NegativeWeights(w, logits[r*cols:(r+1)*cols], r)
		var chi2 float64
		for c := range w {
			if c == r {
				continue
			}
			e := w[c] * draws
			chi2 += (float64(counts[c]) - e) * (float64(counts[c]) - e) / e
		}
		// 3 degrees of freedom: P(χ² > 16.27) = 0.001.
		if chi2 > 16.27 {
			t.Errorf("row %d: counts %v for weights %v, χ² = %.2f", r, counts, w, chi2)
		}
		// A deliberately wrong distribution (the positive not masked, plain
		// softmax) must be rejected, so the test has power.
		var s, bad float64
		for c := range w {
			s += math.Exp(float64(logits[r*cols+c]))
		}
		for c := range w {
			if c == r {
				continue
			}
			e := math.Exp(float64(logits[r*cols+c])) / s * draws
			bad += (float64(counts[c]) - e) * (float64(counts[c]) - e) / e
		}
		if r == 0 && bad < 100 {
			t.Errorf("row 0: the unmasked softmax fits too well (χ² = %.1f): the test has no power", bad)
		}
	}
}

func TestSampleNegativesNeedsTwoCandidates(t *testing.T) {
	if _, err := SampleNegatives(rand.New(rand.NewPCG(1, 2)), []float32{0}, 1, 1); err == nil {
		t.Fatal("a batch of one has no negative")
	}
}
