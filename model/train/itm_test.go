package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// negativeWeights writes softmax(row) with column pos excluded into w, in
// float64: the distribution a draw must follow.
func negativeWeights(w []float64, row []float32, pos int) {
	mx := math.Inf(-1)
	for c, v := range row {
		if c != pos {
			mx = math.Max(mx, float64(v))
		}
	}
	var s float64
	for c, v := range row {
		w[c] = 0
		if c != pos {
			w[c] = math.Exp(float64(v) - mx)
			s += w[c]
		}
	}
	for c := range w {
		w[c] /= s
	}
}

// chiSquare of counts against draws·w, over the columns other than pos.
func chiSquare(counts []int, w []float64, pos, draws int) float64 {
	var chi2 float64
	for c := range w {
		if c != pos {
			e := w[c] * float64(draws)
			chi2 += (float64(counts[c]) - e) * (float64(counts[c]) - e) / e
		}
	}
	return chi2
}

// TestSampleNegativesFollowsSoftmax: the text negatives of an image follow
// the softmax of its i2t row, the image negatives of a text the softmax of
// its i2t column, both with the positive masked (a chi-square
// goodness-of-fit test), and the positive is never drawn.
func TestSampleNegativesFollowsSoftmax(t *testing.T) {
	const B, draws = 5, 40000
	i2t := []float32{
		5, 1.5, 0.2, -1, 2.5, // image 0: its positive (text 0) is the largest logit
		0.3, 0.1, 0.4, 0.2, 0.5,
		-2, 3, 0, 1, 0.5,
		1, 0.7, 2, 0, -1,
		0, 0, 0, 0, 0,
	}
	col := func(c int) []float32 {
		out := make([]float32, B)
		for r := range out {
			out[r] = i2t[r*B+c]
		}
		return out
	}
	rng := rand.New(rand.NewPCG(7, 11))
	textCounts, imageCounts := make([]int, B), make([]int, B)
	for i := 0; i < draws; i++ {
		negImage, negText, err := SampleNegatives(rng, i2t, B)
		if err != nil {
			t.Fatal(err)
		}
		textCounts[negText[0]]++
		imageCounts[negImage[2]]++
	}
	w := make([]float64, B)
	for _, c := range []struct {
		what   string
		counts []int
		row    []float32
		pos    int
	}{{"text negatives of image 0", textCounts, i2t[:B], 0}, {"image negatives of text 2", imageCounts, col(2), 2}} {
		if c.counts[c.pos] != 0 {
			t.Fatalf("%s: the positive was drawn %d times", c.what, c.counts[c.pos])
		}
		negativeWeights(w, c.row, c.pos)
		// 3 degrees of freedom: P(χ² > 16.27) = 0.001.
		if chi2 := chiSquare(c.counts, w, c.pos, draws); chi2 > 16.27 {
			t.Errorf("%s: counts %v for weights %v, χ² = %.2f", c.what, c.counts, w, chi2)
		}
	}
	// A deliberately wrong distribution (the row instead of the column)
	// must be rejected, so the test has power.
	negativeWeights(w, i2t[2*B:3*B], 2)
	if bad := chiSquare(imageCounts, w, 2, draws); bad < 100 {
		t.Errorf("image negatives of text 2 fit the row's softmax too well (χ² = %.1f): the test has no power", bad)
	}
}

func TestSampleNegativesNeedsTwoCandidates(t *testing.T) {
	if _, _, err := SampleNegatives(rand.New(rand.NewPCG(1, 2)), []float32{0}, 1); err == nil {
		t.Fatal("a batch of one has no negative")
	}
}
