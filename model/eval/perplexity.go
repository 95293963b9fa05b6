package eval

import (
	"fmt"
	"math"

	"blip2/model/blip2"
	"blip2/model/nn"
)

// Perplexity is exp of the mean next-token cross-entropy of the language
// model over the sequences ids (mask 1 on real tokens): every real token
// after the first is predicted from those before it.
func Perplexity(b nn.Backend, lm *blip2.OPT, ids, mask [][]int) (float64, error) {
	if lm == nil {
		return 0, fmt.Errorf("eval: no OPT-layout language model")
	}
	var sum float64
	var count int
	for start := 0; start < len(ids); start += batch {
		end := min(start+batch, len(ids))
		x := lm.EmbedTokens(b, ids[start:end])
		hidden, logits := lm.Forward(b, x, mask[start:end], nil)
		b.Free(append(hidden, x)...)
		lv, err := b.Read(logits)
		b.Free(logits)
		if err != nil {
			return 0, err
		}
		s, c := nextTokenLoss(lv, ids[start:end], mask[start:end])
		sum, count = sum+s, count+c
	}
	if count == 0 {
		return 0, fmt.Errorf("eval: no token to predict in %d sequences", len(ids))
	}
	return math.Exp(sum / float64(count)), nil
}

// nextTokenLoss sums −log p(ids[t+1]) over positions whose next token is
// real, from logits (B, T, V).
func nextTokenLoss(logits []float32, ids, mask [][]int) (float64, int) {
	var sum float64
	var count int
	t := len(ids[0])
	v := len(logits) / (len(ids) * t)
	for r := range ids {
		for j := 0; j+1 < t; j++ {
			if mask[r][j] == 0 || mask[r][j+1] == 0 {
				continue
			}
			sum += negLogSoftmax(logits[(r*t+j)*v:(r*t+j+1)*v], ids[r][j+1])
			count++
		}
	}
	return sum, count
}

// negLogSoftmax is −log softmax(row)[target], computed stably.
func negLogSoftmax(row []float32, target int) float64 {
	top := row[0]
	for _, z := range row {
		top = max(top, z)
	}
	var z float64
	for _, l := range row {
		z += math.Exp(float64(l - top))
	}
	return math.Log(z) + float64(top) - float64(row[target])
}
