package train

import (
	"math/rand/v2"
	"testing"
)

// lmBatch is B random OPT sequences of length L, every other row padded.
func lmBatch(m *Model, rng *rand.Rand, B, L int) *Batch {
	V := m.OPT.Embed.Shape[0]
	b := &Batch{}
	for i := 0; i < B; i++ {
		ids, mask := make([]int, L), make([]int, L)
		n := L - (i%2)*(L/3)
		for j := 0; j < n; j++ {
			ids[j], mask[j] = 4+rng.IntN(V-4), 1
		}
		ids[0] = 2
		for j := n; j < L; j++ {
			ids[j] = 1 // <pad>
		}
		b.LMIDs, b.LMMask = append(b.LMIDs, ids), append(b.LMMask, mask)
	}
	return b
}

// TestLMFiniteDifferences checks the language model's own gradient (every
// OPT weight, the tied embedding through both of its uses, the positions)
// against central differences.
func TestLMFiniteDifferences(t *testing.T) {
	m, _, _ := loadRef(t)
	rng := rand.New(rand.NewPCG(9, 10))
	RandomInit(m.AllParams(), rng, 0.2, 0.1)
	b := lmBatch(m, rng, 3, 7)
	r, err := m.LM(b)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		r, err := m.LMLoss(b)
		if err != nil {
			t.Fatal(err)
		}
		return float64(r.Loss)
	}
	params := m.LMParams()
	if len(params) < 18 {
		t.Errorf("only %d language-model tensors", len(params))
	}
	checkFiniteDifferences(t, params, r.Grads, loss, rng)
}
