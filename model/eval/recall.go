// Package eval measures a trained model on a split of the dataset:
// image–text retrieval recall for each scorer.
package eval

import "sort"

// Recall is R@1, R@5 and R@10 in percent.
type Recall struct {
	R1  float64 `json:"r1"`
	R5  float64 `json:"r5"`
	R10 float64 `json:"r10"`
}

// Both is retrieval recall in both directions.
type Both struct {
	ImageToText Recall `json:"image_to_text"`
	TextToImage Recall `json:"text_to_image"`
}

// recallOf turns the 0-based rank of each query's match into recall.
func recallOf(ranks []int) Recall {
	var r Recall
	for _, k := range ranks {
		if k < 1 {
			r.R1++
		}
		if k < 5 {
			r.R5++
		}
		if k < 10 {
			r.R10++
		}
	}
	n := float64(len(ranks)) / 100
	return Recall{r.R1 / n, r.R5 / n, r.R10 / n}
}

// ranking orders the candidates of one query best first by score (ties
// keep index order, so a result never depends on sort internals).
func ranking(scores []float32) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

// rankOf is the position of want in order.
func rankOf(order []int, want int) int {
	for i, c := range order {
		if c == want {
			return i
		}
	}
	return len(order)
}

// Rescorer gives the scores of candidates for query q (ITM).
type Rescorer func(q int, candidates []int) ([]float32, error)

// Ranks is, for each of n queries whose match is the candidate of the same
// index, the match's 0-based rank under score(q, c) (row q of an n×n
// matrix); with rescore and k > 0 the top k are re-ordered by it.
func Ranks(score []float32, n, k int, rescore Rescorer) ([]int, error) {
	ranks := make([]int, n)
	for q := 0; q < n; q++ {
		order := ranking(score[q*n : (q+1)*n])
		if rescore != nil && k > 0 {
			top := append([]int(nil), order[:min(k, n)]...)
			s, err := rescore(q, top)
			if err != nil {
				return nil, err
			}
			re := ranking(s)
			for i, j := range re {
				order[i] = top[j]
			}
		}
		ranks[q] = rankOf(order, q)
	}
	return ranks, nil
}

// transpose returns the n×n matrix m transposed.
func transpose(m []float32, n int) []float32 {
	out := make([]float32, len(m))
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out[j*n+i] = m[i*n+j]
		}
	}
	return out
}
