package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"blip2/model/blip2"
	"blip2/model/blip2/synthetic"
	"blip2/model/config"
)

// syntheticModel builds a training model (ViT, Q-Former with its ITG head,
// OPT) of config js with random weights.
func syntheticModel(js string, seed uint64) (*Model, error) {
	c, err := config.Parse([]byte(js))
	if err != nil {
		return nil, err
	}
	bm, err := blip2.Load(c, synthetic.Checkpoint(c, seed))
	if err != nil {
		return nil, err
	}
	H, hs := c.QFormer.HiddenSize, synthetic.New(seed+1000)
	hs.Linear("cls.predictions.transform.dense", H, H, true)
	hs.Norm("cls.predictions.transform.LayerNorm", H, true)
	hs.Add("cls.predictions.bias", c.QFormer.VocabSize)
	head, err := LoadITGHead(bm, hs)
	if err != nil {
		return nil, err
	}
	return New(bm, head, 0.07)
}

// syntheticBatch is a batch of B pairs for m: random pixels, Q-Former text
// of length T and LM text of length L, every other row padded, fixed ITM
// negatives (the next image, the previous text).
func syntheticBatch(m *Model, B, T, L int, seed uint64) *Batch {
	rng := rand.New(rand.NewPCG(seed, 3))
	c := m.Config
	S := c.Vision.ImageSize
	b := &Batch{PixelShape: []int{B, 3, S, S}, DecID: c.QFormer.VocabSize - 1}
	for i := 0; i < B*3*S*S; i++ {
		b.Pixels = append(b.Pixels, float32(rng.NormFloat64()))
	}
	text := func(n, vocab, first int) (ids, mask [][]int) {
		for i := 0; i < B; i++ {
			valid := n - (i%2)*(1+i%(n-2))
			var row, mrow []int
			for j := 0; j < n; j++ {
				id, mk := 0, 0
				if j < valid {
					id, mk = 3+rng.IntN(vocab-4), 1
					if j == 0 {
						id = first
					}
				}
				row, mrow = append(row, id), append(mrow, mk)
			}
			ids, mask = append(ids, row), append(mask, mrow)
		}
		return ids, mask
	}
	b.IDs, b.Mask = text(T, c.QFormer.VocabSize, 1)
	b.LMIDs, b.LMMask = text(L, c.OPT.VocabSize, 2)
	for i := range b.LMIDs {
		lab := make([]int, L)
		for j := range lab {
			lab[j] = b.LMIDs[i][j]
			if b.LMMask[i][j] == 0 {
				lab[j] = -100
			}
		}
		b.LMLabels = append(b.LMLabels, lab)
		b.NegImage = append(b.NegImage, (i+1)%B)
		b.NegText = append(b.NegText, (i+B-1)%B)
	}
	return b
}

// TestReinitCrossAttention: only the cross-attention layers are redrawn,
// at the given scale, and the same seed redraws the same values (a run
// killed before its first checkpoint starts again identically).
func TestReinitCrossAttention(t *testing.T) {
	draw := func() (*Model, map[string][]float32) {
		m, _, _ := loadRef(t)
		before := map[string][]float32{}
		for _, p := range m.AllParams() {
			before[p.Name] = append([]float32(nil), p.Data...)
		}
		m.ReinitCrossAttention(rand.New(rand.NewPCG(1, 11)), 0.09)
		return m, before
	}
	m, before := draw()
	m2, _ := draw()
	changed := 0
	for i, p := range m.AllParams() {
		cross := strings.Contains(p.Name, "crossattention")
		same := slices.Equal(p.Data, before[p.Name])
		if cross == same && !(cross && strings.HasSuffix(p.Name, ".bias")) {
			t.Errorf("%s: cross-attention %v, changed %v", p.Name, cross, !same)
		}
		if !slices.Equal(p.Data, m2.AllParams()[i].Data) {
			t.Errorf("%s: two draws with one seed differ", p.Name)
		}
		if cross && len(p.Shape) == 2 {
			changed++
			var ss float64
			for _, v := range p.Data {
				ss += float64(v) * float64(v)
			}
			if std := math.Sqrt(ss / float64(len(p.Data))); std < 0.08 || std > 0.1 {
				t.Errorf("%s: std %.3f after drawing at 0.09", p.Name, std)
			}
		}
	}
	if changed == 0 {
		t.Fatal("no cross-attention matrix in set a")
	}
}
