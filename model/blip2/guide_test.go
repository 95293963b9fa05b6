package blip2

import "testing"

// lastTokenGuide scores a candidate by a table of its last token, and
// records what it was asked.
type lastTokenGuide struct {
	score map[int]float32
	short bool // answer one score too few
}

func (g *lastTokenGuide) Score(row int, cands [][]int) ([]float32, error) {
	out := make([]float32, len(cands))
	for i, c := range cands {
		out[i] = g.score[c[len(c)-1]]
	}
	if g.short {
		out = out[1:]
	}
	return out, nil
}

func TestPickHypothesisRerankedByTheGuide(t *testing.T) {
	h := []hypothesis{{[]int{1, 2}, -1}, {[]int{3, 4}, -1.5}, {[]int{5, 6}, -3}}
	g := &lastTokenGuide{score: map[int]float32{4: 1, 6: 1.8}}
	for _, c := range []struct {
		weight float64
		want   int
	}{{0, 2}, {0.4, 2}, {0.6, 4}, {5, 6}} {
		got, err := pickHypothesis(h, 0, GenerateOptions{Guide: g, GuideWeight: c.weight})
		if err != nil {
			t.Fatal(err)
		}
		if got[1] != c.want {
			t.Errorf("weight %g: picked %v, want the hypothesis ending %d", c.weight, got, c.want)
		}
	}
	if got, _ := pickHypothesis(h, 0, GenerateOptions{}); got[1] != 2 {
		t.Errorf("without a guide: %v, want the best-scored", got)
	}
	g.short = true
	if _, err := pickHypothesis(h, 0, GenerateOptions{Guide: g, GuideWeight: 1}); err == nil {
		t.Error("a guide that scored too few hypotheses was accepted")
	}
}
