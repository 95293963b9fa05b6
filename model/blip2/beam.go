package blip2

import (
	"math"
	"sort"
)

// hypothesis is a finished beam.
type hypothesis struct {
	tokens []int
	score  float64 // sum of log-probabilities / length^LengthPenalty
}

type beam struct {
	tokens []int // new tokens so far
	logp   float64
}

// beamSearch keeps NumBeams beams per image. At each step every beam's
// candidates are ranked by total log-probability; a candidate ending in eos
// becomes a hypothesis scored by sum/len^LengthPenalty (len counts the new
// tokens including eos), the rest continue. A row is finished when it has
// NumBeams hypotheses and no live beam can still beat the worst of them.
// Scores are not returned (they would be per beam). The stepper's rows are
// already expanded: row i·k+j is beam j of image i.
func beamSearch(st stepper, batch, start, eos, pad int, o GenerateOptions) (*Generated, error) {
	k := o.NumBeams
	beams := make([][]beam, batch)
	for i := range beams {
		// Only the first beam is live at the start, so the k beams do not
		// all pick the same first token.
		beams[i] = make([]beam, k)
		for j := 1; j < k; j++ {
			beams[i][j].logp = math.Inf(-1)
		}
	}
	hyps := make([][]hypothesis, batch)
	finished := make([]bool, batch)
	logits, err := st.first()
	for step := 0; step < o.MaxNewTokens && err == nil; step++ {
		next := make([]int, batch*k)
		src := make([]int, batch*k)
		for i := 0; i < batch; i++ {
			if finished[i] {
				for j := 0; j < k; j++ {
					next[i*k+j], src[i*k+j] = pad, i*k+j
				}
				continue
			}
			type cand struct {
				from, tok int
				logp      float64
			}
			var cands []cand
			for j, bm := range beams[i] {
				if math.IsInf(bm.logp, -1) {
					continue
				}
				lp := logSoftmax(process(logits[i*k+j], o.inCaption(i, bm.tokens), step, eos, o))
				for t, v := range lp {
					cands = append(cands, cand{j, t, bm.logp + v})
				}
			}
			sort.SliceStable(cands, func(a, b int) bool { return cands[a].logp > cands[b].logp })
			var live []beam
			for rank, c := range cands {
				if len(live) == k {
					break
				}
				toks := append(append([]int(nil), beams[i][c.from].tokens...), c.tok)
				if c.tok == eos {
					if rank < k {
						hyps[i] = addHypothesis(hyps[i], hypothesis{toks, c.logp / math.Pow(float64(len(toks)), o.LengthPenalty)}, k)
					}
					continue
				}
				next[i*k+len(live)], src[i*k+len(live)] = c.tok, i*k+c.from
				live = append(live, beam{toks, c.logp})
			}
			beams[i] = live
			if len(hyps[i]) == k {
				best := live[0].logp / math.Pow(float64(step+1), o.LengthPenalty)
				finished[i] = best <= hyps[i][k-1].score
			}
		}
		all := true
		for _, f := range finished {
			all = all && f
		}
		if all || step == o.MaxNewTokens-1 {
			break
		}
		st.reorder(src)
		logits, err = st.next(next)
	}
	if err != nil {
		return nil, err
	}
	g := &Generated{IDs: make([][]int, batch)}
	for i := range g.IDs {
		for _, bm := range beams[i] { // unfinished beams compete too
			hyps[i] = addHypothesis(hyps[i], hypothesis{bm.tokens, bm.logp / math.Pow(float64(max(len(bm.tokens), 1)), o.LengthPenalty)}, k)
		}
		best, err := pickHypothesis(hyps[i], i, o)
		if err != nil {
			return nil, err
		}
		g.IDs[i] = append([]int{start}, best...)
	}
	return g, nil
}

// addHypothesis keeps the k best hypotheses, best first.
func addHypothesis(h []hypothesis, x hypothesis, k int) []hypothesis {
	h = append(h, x)
	sort.SliceStable(h, func(a, b int) bool { return h[a].score > h[b].score })
	if len(h) > k {
		h = h[:k]
	}
	return h
}
