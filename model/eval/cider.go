package eval

import (
	"fmt"
	"math"
)

// CIDErD is CIDEr-D (Vedantam et al., 2015), as the COCO caption
// evaluation computes it: for n = 1…4, each caption is a vector of its
// n-gram counts weighted by log(images / images whose references hold the
// n-gram); a candidate scores the mean over its references of the cosine
// with the candidate's counts clipped to the reference's, damped by
// exp(−Δ²/2σ²) with σ = 6 and Δ the difference in length (counted in
// bigrams, as the reference implementation does); the four orders are averaged and scaled by
// 10. The document frequencies come from refs, the set being evaluated.
// It returns the corpus score (the mean) and each candidate's.
func CIDErD(cands [][]string, refs [][][]string) (float64, []float64, error) {
	const orders, sigma = 4, 6.0
	if len(cands) != len(refs) || len(cands) == 0 {
		return 0, nil, fmt.Errorf("eval: CIDEr-D of %d candidates against %d reference sets", len(cands), len(refs))
	}
	df := map[string]float64{}
	for i, rs := range refs {
		if len(rs) == 0 {
			return 0, nil, fmt.Errorf("eval: candidate %d has no reference", i)
		}
		seen := map[string]bool{}
		for _, r := range rs {
			for n := 1; n <= orders; n++ {
				for g := range ngrams(r, n) {
					seen[g] = true
				}
			}
		}
		for g := range seen {
			df[g]++
		}
	}
	logImages := math.Log(float64(len(refs)))
	vector := func(words []string) (v [orders]map[string]float64, norm [orders]float64) {
		for n := 1; n <= orders; n++ {
			v[n-1] = map[string]float64{}
			for g, tf := range ngrams(words, n) {
				w := float64(tf) * (logImages - math.Log(max(1, df[g])))
				v[n-1][g] = w
				norm[n-1] += w * w
			}
			norm[n-1] = math.Sqrt(norm[n-1])
		}
		return v, norm
	}
	each := make([]float64, len(cands))
	var sum float64
	for i, c := range cands {
		cv, cn := vector(c)
		for _, r := range refs[i] {
			rv, rn := vector(r)
			delta := float64(bigrams(c) - bigrams(r))
			damp := math.Exp(-delta * delta / (2 * sigma * sigma))
			for n := range orders {
				if cn[n] == 0 || rn[n] == 0 {
					continue
				}
				dot := 0.0
				for g, w := range cv[n] {
					dot += min(w, rv[n][g]) * rv[n][g]
				}
				each[i] += dot / (cn[n] * rn[n]) * damp
			}
		}
		each[i] *= 10 / float64(orders) / float64(len(refs[i]))
		sum += each[i]
	}
	return sum / float64(len(cands)), each, nil
}

func bigrams(words []string) int { return max(0, len(words)-1) }
