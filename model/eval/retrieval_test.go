package eval

import (
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"blip2/model/cpu"
	"blip2/model/train"
	"blip2/model/weights"
)

const refSet = "../../testdata/golden/blip2-tiny-a"

// TestScoresMatchTraining: the scores eval ranks by are the similarities
// the training losses use, computed by another path: ITC against stage
// 1's temperature-scaled logits, the dual encoder against stage 0's.
func TestScoresMatchTraining(t *testing.T) {
	m, b, err := train.LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	m.Dual = train.NewDualHead(c.Vision.HiddenSize, c.ImageTextHiddenSize)
	train.RandomInit(weights.Params(m.Dual), rand.New(rand.NewPCG(1, 2)), 0.2, 0.1)
	n := len(b.IDs)
	per := len(b.Pixels) / n
	set := Set{N: n, IDs: b.IDs, Mask: b.Mask, Pixels: func(i int) ([]float32, error) { return b.Pixels[i*per : (i+1)*per], nil }}
	be := cpu.New()
	enc, err := encode(be, m.Model, set, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.free(be)
	s1, err := m.Stage1Loss(b)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := m.Stage0Loss(b)
	if err != nil {
		t.Fatal(err)
	}
	temp := m.Temp.Data[0]
	for name, pair := range map[string][2][]float32{"itc": {enc.itcScores(n), s1.SimI2T}, "dual": {enc.dualScores(n, m.Dual), s0.Logits}} {
		got, want := pair[0], pair[1]
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i]*temp)); d > 1e-5 {
				t.Errorf("%s[%d]: eval %.6g, training %.6g", name, i, got[i], want[i]*temp)
			}
		}
	}
	if _, err := Retrieval(be, m.Model, &Dual{Model: m.Model, Head: m.Dual}, set, 2, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRerankIsSearchs: eval re-ranks with the score search orders by
// (blip2.Model.RerankScore), so eval's recall is the ranking users see.
func TestRerankIsSearchs(t *testing.T) {
	m, b, err := train.LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	m.Model.Temp = 0.05
	n := len(b.IDs)
	per := len(b.Pixels) / n
	be := cpu.New()
	set := Set{N: n, IDs: b.IDs, Mask: b.Mask, Pixels: func(i int) ([]float32, error) { return b.Pixels[i*per : (i+1)*per], nil }}
	enc, err := encode(be, m.Model, set, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.free(be)
	S := m.Config.Vision.ImageSize
	g, err := m.EmbedImages(be, be.Upload(b.Pixels, n, 3, S, S))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Free(be)
	sim := enc.itcScores(n)
	for q := 0; q < n; q++ {
		hits, err := m.Search(be, g, b.IDs[q], b.Mask[q], n)
		if err != nil {
			t.Fatal(err)
		}
		images := make([]int, n)
		ids, mask := make([][]int, n), make([][]int, n)
		for i, h := range hits {
			images[i], ids[i], mask[i] = h.Index, b.IDs[q], b.Mask[q]
		}
		got, err := rerankScores(be, m.Model, enc.feats, images, ids, mask, func(i int) float32 { return sim[images[i]*n+q] })
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hits {
			if d := math.Abs(float64(got[i] - h.Score)); d > 1e-4 {
				t.Errorf("text %d, image %d: eval's score %.6g, search's %.6g", q, h.Index, got[i], h.Score)
			}
		}
	}
}
