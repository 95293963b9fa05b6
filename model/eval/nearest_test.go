package eval

import (
	"io"
	"path/filepath"
	"testing"

	"blip2/model/cpu"
	"blip2/model/train"
)

// TestNearestTextsIsRetrievalsArgmax: the nearest text of each image is
// the one image→text retrieval ranks first, over text batches that split
// the candidates unevenly.
func TestNearestTextsIsRetrievalsArgmax(t *testing.T) {
	m, b, err := train.LoadReference(refSet, filepath.Join(refSet, "train"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(b.IDs)
	per := len(b.Pixels) / n
	pixels := func(i int) ([]float32, error) { return b.Pixels[i*per : (i+1)*per], nil }
	be := cpu.New()
	enc, err := encode(be, m.Model, Set{N: n, IDs: b.IDs, Mask: b.Mask, Pixels: pixels}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.free(be)
	sim := enc.itcScores(n)
	// Every text twice, in reverse the second time, so that a later batch
	// holds an equal score: the first of equals wins, as in ranking.
	var ids, mask [][]int
	ids, mask = append(ids, b.IDs...), append(mask, b.Mask...)
	for j := n - 1; j >= 0; j-- {
		ids, mask = append(ids, b.IDs[j]), append(mask, b.Mask[j])
	}
	defer func(k int) { textBatch = k }(textBatch)
	textBatch = 3
	got, score, err := NearestTexts(be, m.Model, n, pixels, ids, mask, nil)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[int]bool{}
	for i := 0; i < n; i++ {
		want := ranking(sim[i*n : (i+1)*n])[0]
		if got[i] != want {
			t.Errorf("image %d: nearest text %d, retrieval ranks %d first", i, got[i], want)
		}
		if d := score[i] - sim[i*n+want]; d > 1e-5 || d < -1e-5 {
			t.Errorf("image %d: score %g, retrieval's %g", i, score[i], sim[i*n+want])
		}
		distinct[got[i]] = true
	}
	if len(distinct) < 2 {
		t.Errorf("every image has the same nearest text %v: the test cannot tell images apart", got)
	}
	if _, _, err := NearestTexts(be, m.Model, n, pixels, nil, nil, nil); err == nil {
		t.Error("no texts: no error")
	}
}
