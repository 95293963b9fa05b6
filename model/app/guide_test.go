package app

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/nn"
)

// idWords is a stand-in language-model tokenizer: token t decodes to "w<t>".
type idWords struct{}

func (idWords) Encode(string) []int { return nil }

func (idWords) Decode(ids []int, _ bool) string {
	var w []string
	for _, id := range ids {
		w = append(w, fmt.Sprintf("w%d", id))
	}
	return strings.Join(w, " ")
}

// TestITCGuideIsSearchsITC: the guide scores a caption as search scores
// the caption's text against the same image (ITC's cosine), over the
// temperature, for every row of a batch.
func TestITCGuideIsSearchsITC(t *testing.T) {
	m, imgs := refImages(t)
	b := cpu.New()
	q := wordIDs{vocab: m.Config.QFormer.VocabSize}
	pixels := uploadAll(b, m, imgs)
	defer b.Free(pixels)
	guide, release, err := ITCGuide(m, b, idWords{}, q, pixels)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	cands := [][]int{{5}, {5, 17, 9}, {40, 2}, {}}
	temp := m.Temp
	if temp <= 0 {
		temp = 1
	}
	for row := range imgs {
		got, err := guide.Score(row, cands)
		if err != nil {
			t.Fatal(err)
		}
		x := &Index{Model: m, Backend: b, Tok: q}
		if err := x.Add([]string{"img"}, imgs[row:row+1]); err != nil {
			t.Fatal(err)
		}
		for j, c := range cands {
			text := idWords{}.Decode(c, true)
			if text == "" {
				continue // search refuses an empty query; the guide scores [CLS] [SEP]
			}
			hits, _, err := x.Search(text, 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := hits[0].ITC / temp; math.Abs(float64(got[j]-want)) > 1e-4*math.Max(1, math.Abs(float64(want))) {
				t.Errorf("row %d, %q: guide %g, search's ITC/temp %g", row, text, got[j], want)
			}
		}
		x.Free()
	}
}

// uploadAll is images (3·S·S each) as one batch (B, 3, S, S).
func uploadAll(b nn.Backend, m *blip2.Model, imgs [][]float32) nn.Tensor {
	S := m.Config.Vision.ImageSize
	var px []float32
	for _, im := range imgs {
		px = append(px, im...)
	}
	return b.Upload(px, len(imgs), 3, S, S)
}
