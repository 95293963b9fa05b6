//go:build !(js && wasm)

package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"blip2/model/gpu/gputest"
)

// TestGPUStage0Parity: the device's stage-0 step (ViT backward, the full
// contrastive gradient, the text tower) against the host reference on
// the reference set's shapes: loss, logits and every gradient.
func TestGPUStage0Parity(t *testing.T) {
	m := stage0Model(t, 7)
	b := randomBatch(m, rand.New(rand.NewPCG(8, 9)), 4, 6)
	want, err := m.Stage0(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewGPU(m, gputest.Open(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Stage0(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(got.Loss - want.Loss)); d > 1e-5*math.Abs(float64(want.Loss))+1e-6 {
		t.Errorf("loss %.7g, host %.7g", got.Loss, want.Loss)
	}
	check := checker(t)
	check("logits", got.Logits, want.Logits)
	params := m.Stage0Params()
	for _, p := range params {
		check(p.Name, got.Grads[p.Name], want.Grads[p.Name])
	}
	t.Logf("loss %.6g (host %.6g), %d gradients compared", got.Loss, want.Loss, len(params))
}

// TestGPULMParity: the device's language-model step against the host's:
// loss, token count and every gradient.
func TestGPULMParity(t *testing.T) {
	m, _, _ := loadRef(t)
	rng := rand.New(rand.NewPCG(9, 11))
	RandomInit(m.AllParams(), rng, 0.2, 0.1)
	b := lmBatch(m, rng, 4, 9)
	want, err := m.LM(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewGPU(m, gputest.Open(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LM(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(got.Loss - want.Loss)); d > 1e-5*math.Abs(float64(want.Loss)) || got.Tokens != want.Tokens {
		t.Errorf("loss %.7g over %d tokens, host %.7g over %d", got.Loss, got.Tokens, want.Loss, want.Tokens)
	}
	check := checker(t)
	params := m.LMParams()
	for _, p := range params {
		check(p.Name, got.Grads[p.Name], want.Grads[p.Name])
	}
	t.Logf("loss %.6g (host %.6g), %d gradients compared", got.Loss, want.Loss, len(params))

	// With labels, the first tokens are context: no loss on them.
	wantTokens := 0
	for i, row := range b.LMIDs {
		labels := make([]int, len(row))
		for r := range row {
			labels[r] = -100
			if r > 2 && b.LMMask[i][r] == 1 {
				labels[r] = row[r]
				wantTokens++
			}
		}
		b.LMLabels = append(b.LMLabels, labels)
	}
	if want, err = m.LM(b); err != nil {
		t.Fatal(err)
	}
	if got, err = s.LM(b); err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(got.Loss - want.Loss)); d > 1e-5*math.Abs(float64(want.Loss)) || got.Tokens != want.Tokens || want.Tokens != wantTokens {
		t.Errorf("with labels: loss %.7g over %d tokens, host %.7g over %d, want %d tokens", got.Loss, got.Tokens, want.Loss, want.Tokens, wantTokens)
	}
	for _, p := range params {
		check(p.Name, got.Grads[p.Name], want.Grads[p.Name])
	}
}

// checker compares a device tensor with the host's: max|Δ| within 2e-4 of
// the host's largest magnitude.
func checker(t *testing.T) func(name string, g, w []float32) {
	return func(name string, g, w []float32) {
		if len(g) != len(w) {
			t.Errorf("%s: %d values, host %d", name, len(g), len(w))
			return
		}
		ref, diff := 0.0, 0.0
		for i := range w {
			ref = max(ref, math.Abs(float64(w[i])))
			diff = max(diff, math.Abs(float64(g[i]-w[i])))
		}
		if diff > 2e-4*ref+1e-6 {
			t.Errorf("%s: max|Δ| %.3g, max|host| %.3g", name, diff, ref)
		}
	}
}
