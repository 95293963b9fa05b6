//go:build !(js && wasm)

package train

import (
	"testing"
	"time"

	"blip2/model/gpu/gputest"
)

// TestGPUOverfitDataSample is TestOverfitDataSample on the device: the GPU
// step trains a random tiny model on 8 real pairs of the committed data
// sample (the frozen ViT's features computed once and cached), then, on the device, ITC retrieval
// among them is perfect both ways and ITG's argmax at every caption
// position is the next token (teacher-forced; with causal attention that
// is what greedy decoding reproduces), and the host's greedy decoding of
// the synced weights reproduces every caption.
func TestGPUOverfitDataSample(t *testing.T) {
	m, b, _ := sampleSetup(t, 1)
	const steps = 150
	s, err := NewGPU(m, gputest.Open(t), toyOptimizer(steps))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	var first, last float32
	for i := 0; i < steps; i++ {
		r, err := s.Step1(b)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r.Loss
		}
		last = r.Loss
	}
	t.Logf("%d GPU steps in %v: loss %.3f → %.3f", steps, time.Since(start).Round(time.Millisecond), first, last)
	r, err := s.Stage1(b, false)
	if err != nil {
		t.Fatal(err)
	}
	B, T := len(b.IDs), len(b.IDs[0])
	for i := 0; i < B; i++ {
		for _, sim := range [][]float32{r.SimI2T, r.SimT2I} {
			row := sim[i*B : (i+1)*B]
			for j, v := range row {
				if j != i && v >= row[i] {
					t.Errorf("retrieval row %d: candidate %d scores %.3f ≥ the match %.3f", i, j, v, row[i])
				}
			}
		}
	}
	V := m.TextEmbed.Word.Shape[0]
	_, labels := ITGInputs(b.IDs, b.Mask, b.DecID)
	for i := 0; i < B; i++ {
		for p := 0; p+1 < T; p++ {
			want := labels[i][p+1]
			if want < 0 {
				continue
			}
			row := r.ITGLogits[(i*T+p)*V : (i*T+p+1)*V]
			best := 0
			for c, x := range row {
				if x > row[best] {
					best = c
				}
			}
			if best != want {
				t.Errorf("caption %d position %d: ITG predicts %d, want %d", i, p+1, best, want)
			}
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	caps, err := m.GreedyITG(b.Pixels, b.PixelShape, b.DecID, 1, 2, T)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range caps {
		for j, id := range c {
			if b.Mask[i][j] == 1 && id != b.IDs[i][j] {
				t.Errorf("caption %d: decoded %v, want %v", i, c, b.IDs[i])
				break
			}
		}
	}
}
