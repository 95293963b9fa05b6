package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"blip2/model/weights"
)

// randomBatch is B random pairs for m: pixels, right-padded ids ([CLS]=1
// first, [SEP]=2 last), fixed derangements as negatives.
func randomBatch(m *Model, rng *rand.Rand, B, T int) *Batch {
	S, V := m.Config.Vision.ImageSize, m.Config.QFormer.VocabSize
	b := &Batch{PixelShape: []int{B, 3, S, S}, DecID: V - 1}
	for i := 0; i < B*3*S*S; i++ {
		b.Pixels = append(b.Pixels, float32(rng.NormFloat64()))
	}
	for i := 0; i < B; i++ {
		n := T - i%3 // real tokens
		ids, mask := make([]int, T), make([]int, T)
		for j := 0; j < n; j++ {
			ids[j], mask[j] = 3+rng.IntN(V-4), 1
		}
		ids[0], ids[n-1] = 1, 2
		b.IDs, b.Mask = append(b.IDs, ids), append(b.Mask, mask)
		b.NegImage, b.NegText = append(b.NegImage, (i+1)%B), append(b.NegText, (i+B-1)%B)
	}
	return b
}

// TestStage1FiniteDifferences checks the analytic gradient of the whole
// stage-1 loss against central differences on a random model with set a's
// shapes: two entries per trainable tensor (its largest gradient and a
// random one). ITC is differenced on the stop-gradient surrogate (the
// detached side frozen at the base point), whose derivative is by
// definition the stop-gradient gradient.
func TestStage1FiniteDifferences(t *testing.T) {
	m, _, _ := loadRef(t)
	rng := rand.New(rand.NewPCG(3, 4))
	RandomInit(m.AllParams(), rng, 0.2, 0.1)
	b := randomBatch(m, rng, 3, 6)
	r, err := m.Stage1(b, false)
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ := m.stage1Forward(b)
	m.detached = &[2][]float32{st.itc.imgF, st.itc.txtF}
	defer func() { m.detached = nil }()
	loss := func() float64 {
		r, err := m.Stage1Loss(b)
		if err != nil {
			t.Fatal(err)
		}
		return float64(r.Loss)
	}
	checkFiniteDifferences(t, m.Stage1Params(), r.Grads, loss, rng)
}

// checkFiniteDifferences compares the analytic gradients of params with
// central differences of loss, two entries per tensor: its largest
// gradient and a random one.
func checkFiniteDifferences(t *testing.T, params []*weights.Param, grads Grads, loss func() float64, rng *rand.Rand) {
	t.Helper()
	const h = 2e-3
	worst, checked := 0.0, 0
	for _, p := range params {
		g := grads[p.Name]
		if g == nil {
			t.Errorf("%s: no gradient", p.Name)
			continue
		}
		big := 0
		for i := range g {
			if math.Abs(float64(g[i])) > math.Abs(float64(g[big])) {
				big = i
			}
		}
		for _, i := range []int{big, rng.IntN(len(g))} {
			old := p.Data[i]
			p.Data[i] = old + h
			up := loss()
			p.Data[i] = old - h
			down := loss()
			p.Data[i] = old
			fd := (up - down) / (2 * h)
			e := math.Abs(fd - float64(g[i]))
			tol := 5e-4 + 5e-3*math.Abs(fd)
			worst = max(worst, e/tol)
			checked++
			if e > tol {
				t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", p.Name, i, g[i], fd)
			}
		}
	}
	t.Logf("%d tensors, %d entries, worst error %.2f× tolerance", len(params), checked, worst)
}
