package eval

import (
	"reflect"
	"testing"
)

// TestRanksAndRecall works a 3×3 example by hand: image 0's text is first,
// image 1's text second, image 2's third; re-ranking the top 2 with a
// rescorer that prefers the match fixes image 1.
func TestRanksAndRecall(t *testing.T) {
	sim := []float32{
		0.9, 0.1, 0.0, // image 0: text 0 best
		0.8, 0.5, 0.1, // image 1: text 0, then text 1
		0.7, 0.6, 0.2, // image 2: text 0, text 1, then text 2
	}
	ranks, err := Ranks(sim, 3, 0, nil)
	if err != nil || !reflect.DeepEqual(ranks, []int{0, 1, 2}) {
		t.Fatalf("ranks %v, %v", ranks, err)
	}
	if r := recallOf(ranks); r.R1 < 33.3 || r.R1 > 33.4 || r.R5 != 100 {
		t.Errorf("recall %+v", r)
	}
	match := func(q int, c []int) ([]float32, error) {
		s := make([]float32, len(c))
		for i, j := range c {
			if j == q {
				s[i] = 1
			}
		}
		return s, nil
	}
	ranks, _ = Ranks(sim, 3, 2, match)
	if !reflect.DeepEqual(ranks, []int{0, 0, 2}) {
		t.Errorf("re-ranked %v, want [0 0 2] (image 2's text is outside the top 2)", ranks)
	}
	if got := transpose(sim, 3); got[1] != 0.8 || got[3] != 0.1 {
		t.Errorf("transpose %v", got)
	}
}
