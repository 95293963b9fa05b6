package train

import (
	"math/rand/v2"
	"testing"
)

// stage0Model is the reference set a's model with a random dual-encoder
// head, everything re-drawn at scales that keep every path lively.
func stage0Model(t *testing.T, seed uint64) *Model {
	m, _, _ := loadRef(t)
	c := m.Config
	m.Dual = NewDualHead(c.Vision.HiddenSize, c.ImageTextHiddenSize)
	RandomInit(m.AllParams(), rand.New(rand.NewPCG(seed, 4)), 0.2, 0.1)
	return m
}

// TestStage0FiniteDifferences checks the analytic stage-0 gradient (ViT,
// visual projection, text tower, temp) against central differences, two
// entries per trained tensor: its largest gradient and a random one.
func TestStage0FiniteDifferences(t *testing.T) {
	m := stage0Model(t, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	b := randomBatch(m, rng, 3, 6)
	r, err := m.Stage0(b)
	if err != nil {
		t.Fatal(err)
	}
	loss := func() float64 {
		r, err := m.Stage0Loss(b)
		if err != nil {
			t.Fatal(err)
		}
		return float64(r.Loss)
	}
	params := m.Stage0Params()
	if len(params) < 40 {
		t.Errorf("only %d trained tensors", len(params))
	}
	checkFiniteDifferences(t, params, r.Grads, loss, rng)
}
