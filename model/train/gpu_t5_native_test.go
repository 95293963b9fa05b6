//go:build !(js && wasm)

package train

import (
	"fmt"
	"math"
	"testing"

	"blip2/model/gpu/gputest"
)

// TestGPUStage2T5MatchesHost: the device's stage-2 step through the frozen
// T5 of set a2 (head dim 10, padded to 12 for the fused kernels) gives the
// host's loss and every trainable gradient, with the untied head and with
// the head read as tied.
func TestGPUStage2T5MatchesHost(t *testing.T) {
	for _, tied := range []bool{false, true} {
		m, b, _, _ := loadT5(t)
		m.Config.T5.TieWordEmbeddings = tied
		want, err := m.Stage2(b)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewGPU(m, gputest.Open(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Stage2(b)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(got.Loss - want.Loss)); d > 1e-4*math.Abs(float64(want.Loss)) {
			t.Errorf("tied %v: loss %.7g, host %.7g", tied, got.Loss, want.Loss)
		}
		worst := matchGrads(t, fmt.Sprintf("tied %v", tied), m.Stage2Params(), got.Grads, want.Grads)
		t.Logf("tied %v: loss %.6f, %d tensors, worst gradient error %.2f× tolerance", tied, got.Loss, len(m.Stage2Params()), worst)
	}
}
