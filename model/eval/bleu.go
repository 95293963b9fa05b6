package eval

import (
	"fmt"
	"math"
)

// BLEUScore is corpus BLEU (Papineni et al., 2002) with its parts.
type BLEUScore struct {
	Score          float64   `json:"score"`
	Precisions     []float64 `json:"precisions"` // modified n-gram precision, n = 1…N
	BrevityPenalty float64   `json:"brevity_penalty"`
	CandidateLen   int       `json:"candidate_words"`
	ReferenceLen   int       `json:"reference_words"`
}

// BLEU is corpus BLEU-n of candidate i against the references refs[i]:
// clipped n-gram counts and candidate lengths are summed over the corpus
// before dividing, the reference length of each candidate is that of its
// closest reference (the shorter on a tie), and the score is the brevity
// penalty times the geometric mean of the n precisions, 0 when one of
// them is 0 (no smoothing).
func BLEU(cands [][]string, refs [][][]string, n int) (BLEUScore, error) {
	if len(cands) != len(refs) || n < 1 {
		return BLEUScore{}, fmt.Errorf("eval: BLEU-%d of %d candidates against %d reference sets", n, len(cands), len(refs))
	}
	match, total := make([]int, n), make([]int, n)
	var s BLEUScore
	for i, c := range cands {
		if len(refs[i]) == 0 {
			return BLEUScore{}, fmt.Errorf("eval: candidate %d has no reference", i)
		}
		s.CandidateLen += len(c)
		s.ReferenceLen += closestLen(len(c), refs[i])
		for k := 1; k <= n; k++ {
			got := ngrams(c, k)
			most := map[string]int{} // per n-gram, its highest count in one reference
			for _, r := range refs[i] {
				for g, v := range ngrams(r, k) {
					most[g] = max(most[g], v)
				}
			}
			for g, v := range got {
				match[k-1] += min(v, most[g])
				total[k-1] += v
			}
		}
	}
	logSum := 0.0
	for k := range n {
		p := 0.0
		if total[k] > 0 {
			p = float64(match[k]) / float64(total[k])
		}
		s.Precisions = append(s.Precisions, p)
		logSum += math.Log(p) / float64(n)
	}
	s.BrevityPenalty = 1
	if s.CandidateLen < s.ReferenceLen {
		s.BrevityPenalty = 0
		if s.CandidateLen > 0 {
			s.BrevityPenalty = math.Exp(1 - float64(s.ReferenceLen)/float64(s.CandidateLen))
		}
	}
	if !math.IsInf(logSum, -1) {
		s.Score = s.BrevityPenalty * math.Exp(logSum)
	}
	return s, nil
}

// closestLen is the length of the reference closest to c words.
func closestLen(c int, refs [][]string) int {
	best := len(refs[0])
	for _, r := range refs[1:] {
		d, bd := abs(len(r)-c), abs(best-c)
		if d < bd || (d == bd && len(r) < best) {
			best = len(r)
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
