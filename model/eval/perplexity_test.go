package eval

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"blip2/model/cpu"
	"blip2/model/train"
)

// TestPerplexityMatchesTraining: eval's perplexity through the inference
// decoder is exp of the language model's training loss on the same
// sequences (padding in every other row).
func TestPerplexityMatchesTraining(t *testing.T) {
	m, _, err := train.LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	V := m.OPT.Embed.Shape[0]
	b := &train.Batch{}
	for i := range 5 {
		ids, mask := make([]int, 9), make([]int, 9)
		for j := range ids {
			ids[j] = 1
			if j < 9-(i%2)*4 {
				ids[j], mask[j] = 4+rng.IntN(V-4), 1
			}
		}
		ids[0] = 2
		b.LMIDs, b.LMMask = append(b.LMIDs, ids), append(b.LMMask, mask)
	}
	r, err := m.LMLoss(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Perplexity(cpu.New(), m.OPT, b.LMIDs, b.LMMask)
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Exp(float64(r.Loss)); math.Abs(got-want) > 1e-4*want {
		t.Errorf("perplexity %.6g, exp(training loss) %.6g", got, want)
	}
}

// TestPerplexityUniform: a model that knows nothing (equal logits) has
// the vocabulary's size as its perplexity.
func TestPerplexityUniform(t *testing.T) {
	ids, mask := [][]int{{2, 7, 5, 1}}, [][]int{{1, 1, 1, 0}}
	s, n := nextTokenLoss(make([]float32, 4*10), ids, mask)
	if n != 2 || math.Abs(math.Exp(s/float64(n))-10) > 1e-9 {
		t.Errorf("%d tokens, perplexity %.9g; want 2 tokens, 10", n, math.Exp(s/float64(n)))
	}
}
