package train

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var updateLosses = flag.Bool("update", false, "rewrite testdata/train/tiny_losses.json")

// toySetup is a model with set a's shapes whose trainable parameters are
// freshly initialised: matrices N(0, 0.2²) (≈ 1/√fan_in at hidden 24;
// LAVIS's 0.02 leaves a model this narrow image-blind for ~100 steps,
// since the cross-attention adds ~1% to the query stream), LayerNorms 1
// and 0, biases 0. The frozen ViT keeps set a's random weights. The batch
// is the 8 toy pairs.
func toySetup(t testing.TB, seed uint64) (*Model, *Batch) {
	m, _, _ := loadRef(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	RandomInit(m.Stage1Params(), rng, 0.2, 0)
	m.Temp.Data[0] = 0.07
	S := m.Config.Vision.ImageSize
	px, ids, mask := ToyPairs(8, S, rng)
	b := &Batch{Pixels: px, PixelShape: []int{8, 3, S, S}, IDs: ids, Mask: mask,
		DecID: m.Config.QFormer.VocabSize - 1, CacheFeatures: true, Rand: rand.New(rand.NewPCG(seed, 2))}
	return m, b
}

func runSteps(t testing.TB, m *Model, b *Batch, opt *AdamW, steps int) []float32 {
	var losses []float32
	ps := m.Stage1Params()
	for i := 0; i < steps; i++ {
		r, err := m.Stage1(b, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := opt.Step(ps, r.Grads, r.Loss); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, r.Loss)
	}
	return losses
}

func toyOptimizer(total int) *AdamW {
	o := NewAdamW(Schedule{Peak: 3e-3, Min: 3e-4, WarmupStart: 3e-4, Warmup: 10, Total: total})
	o.MaxNorm = 5
	return o
}

// checkOverfit: ITC retrieval among the batch is perfect both ways and
// greedy ITG decoding reproduces every caption.
func checkOverfit(t *testing.T, m *Model, b *Batch) {
	t.Helper()
	r, err := m.Stage1Loss(b)
	if err != nil {
		t.Fatal(err)
	}
	B := len(b.IDs)
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
	caps, err := m.GreedyITG(b.Pixels, b.PixelShape, b.DecID, 1, 2, len(b.IDs[0]))
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

// TestTinyLossesPinned pins the losses of a seeded 10-step run.
func TestTinyLossesPinned(t *testing.T) {
	m, b := toySetup(t, 5)
	got := runSteps(t, m, b, toyOptimizer(100), 10)
	path := filepath.Join("..", "..", "testdata", "train", "tiny_losses.json")
	if *updateLosses {
		js, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []float32
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%d losses, want %d", len(got), len(want))
	}
	for i := range want {
		// Relative 1e-4: room for fused multiply-adds on other
		// architectures, far below any real change.
		if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Abs(float64(want[i])) {
			t.Errorf("step %d: loss %.7g, want %.7g", i+1, got[i], want[i])
		}
	}
	if !(want[len(want)-1] < want[0]) {
		t.Errorf("the pinned run does not learn: %v", want)
	}
}
