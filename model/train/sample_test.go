package train

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// sampleSetup is toySetup on 8 real pairs of the committed data sample.
func sampleSetup(t testing.TB, seed uint64) (*Model, *Batch, []string) {
	m, _, _ := loadRef(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	RandomInit(m.Stage1Params(), rng, 0.2, 0)
	m.Temp.Data[0] = 0.07
	S := m.Config.Vision.ImageSize
	px, ids, mask, vocab, err := SamplePairs(filepath.Join("..", "..", "testdata", "data-sample"), 8, S, 4)
	if err != nil {
		t.Fatal(err)
	}
	if 3+len(vocab) >= m.Config.QFormer.VocabSize-1 {
		t.Fatalf("%d caption words do not fit the Q-Former vocabulary of %d", len(vocab), m.Config.QFormer.VocabSize)
	}
	b := &Batch{Pixels: px, PixelShape: []int{8, 3, S, S}, IDs: ids, Mask: mask,
		DecID: m.Config.QFormer.VocabSize - 1, CacheFeatures: true, Rand: rand.New(rand.NewPCG(seed, 2))}
	return m, b, vocab
}

func TestOverfitDataSample(t *testing.T) {
	m, b, vocab := sampleSetup(t, 1)
	const steps = 150
	start := time.Now()
	losses := runSteps(t, m, b, toyOptimizer(steps), steps)
	t.Logf("%d steps in %v: loss %.3f → %.3f; vocabulary %v", steps, time.Since(start), losses[0], losses[len(losses)-1], vocab)
	checkOverfit(t, m, b)
}
