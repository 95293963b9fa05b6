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
