package blip2

import "fmt"

// Guide scores whole captions against the row's image, so that beam
// search can return, of its finished beams, the one that matches the
// image best (pickHypothesis). The language model reads the image only
// through the visual prompt, a weak channel in a small model
// (docs/training.md), while ITC was trained to tell images apart.
type Guide interface {
	// Score returns one score per candidate (new tokens, the start token
	// excluded).
	Score(row int, cands [][]int) ([]float32, error)
}

// pickHypothesis is the best-scored hypothesis, or with a guide the one
// with the largest score + GuideWeight·guide score. The guide judges
// finished beams, whole captions: judging each next token instead (of the
// likeliest few, the one whose caption so far matches best) was tried and
// was worse, because ITC scores half-written words (docs/training.md).
func pickHypothesis(h []hypothesis, row int, o GenerateOptions) ([]int, error) {
	if o.Guide == nil || len(h) < 2 {
		return h[0].tokens, nil
	}
	cands := make([][]int, len(h))
	for j, x := range h {
		cands[j] = x.tokens
	}
	s, err := o.Guide.Score(row, cands)
	if err != nil {
		return nil, err
	}
	if len(s) != len(h) {
		return nil, fmt.Errorf("blip2: the guide scored %d of %d hypotheses", len(s), len(h))
	}
	best := 0
	for j := range h {
		if h[j].score+o.GuideWeight*float64(s[j]) > h[best].score+o.GuideWeight*float64(s[best]) {
			best = j
		}
	}
	return h[best].tokens, nil
}
