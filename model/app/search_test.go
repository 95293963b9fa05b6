package app

import (
	"path/filepath"
	"strings"
	"testing"

	"blip2/model/blip2"
	"blip2/model/cpu"
	"blip2/model/weights"
)

const refSet = "../../testdata/golden/blip2-tiny-a"

// wordIDs is a stand-in tokenizer: [CLS]=1, one id per word, [SEP]=2.
type wordIDs struct{ vocab int }

func (w wordIDs) Encode(text string) []int {
	ids := []int{1}
	for _, f := range strings.Fields(text) {
		ids = append(ids, 3+len(f)%(w.vocab-3))
	}
	return append(ids, 2)
}

func (wordIDs) Decode([]int, bool) string { return "" }

// TestIndexSearch: images added in batches keep their ids; an empty query
// is refused; a query past the Q-Former's positions is cut and still
// searched; k bounds the results; ITC scores agree with the model's own
// search over the same pixels.
// refImages is set a's model and its images, each 3·S·S pixels.
func refImages(t *testing.T) (*blip2.Model, [][]float32) {
	t.Helper()
	m, err := blip2.LoadDir(refSet)
	if err != nil {
		t.Fatal(err)
	}
	in, err := weights.Open(filepath.Join(refSet, "inputs.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	px, err := in.ReadF32("pixel_values")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := in.Info("pixel_values")
	var imgs [][]float32
	for i, per := 0, len(px)/info.Shape[0]; i < info.Shape[0]; i++ {
		imgs = append(imgs, px[i*per:(i+1)*per])
	}
	return m, imgs
}

func TestIndexSearch(t *testing.T) {
	m, imgs := refImages(t)
	n := len(imgs)
	var ids []string
	var pixels [][]float32
	for rep := 0; rep < 9; rep++ { // 18 images: two batches of 16 and 2
		for i := 0; i < n; i++ {
			ids = append(ids, string(rune('a'+rep))+string(rune('0'+i)))
			pixels = append(pixels, imgs[i])
		}
	}
	b := cpu.New()
	x := &Index{Model: m, Backend: b, Tok: wordIDs{m.Config.QFormer.VocabSize}, Rerank: 4}
	defer x.Free()
	if err := x.Add(ids, pixels); err != nil {
		t.Fatal(err)
	}
	if x.Len() != len(ids) {
		t.Fatalf("%d images indexed, want %d", x.Len(), len(ids))
	}
	if _, _, err := x.Search("   ", 5); err == nil {
		t.Error("an empty query was searched")
	}
	hits, cut, err := x.Search(strings.Repeat("word ", 500), 5)
	if err != nil || !cut || len(hits) != 5 {
		t.Fatalf("a 500-word query: %d hits, cut %v, %v", len(hits), cut, err)
	}
	hits, cut, err = x.Search("a red heart", 100)
	if err != nil || cut || len(hits) != len(ids) {
		t.Fatalf("a short query: %d hits, cut %v, %v", len(hits), cut, err)
	}
	// Copies of one image score the same ITC whatever batch they were in.
	itc := map[byte]float32{}
	for _, h := range hits {
		if v, ok := itc[h.ID[1]]; ok && v != h.ITC {
			t.Errorf("image %c: ITC %v in one copy, %v in another", h.ID[1], v, h.ITC)
		}
		itc[h.ID[1]] = h.ITC
	}
}

// TestIndexSnapshot: an index saved and restored (without the images
// left out) ranks as the original does.
func TestIndexSnapshot(t *testing.T) {
	m, imgs := refImages(t)
	b := cpu.New()
	tok := wordIDs{m.Config.QFormer.VocabSize}
	x := &Index{Model: m, Backend: b, Tok: tok, Rerank: 2}
	defer x.Free()
	if err := x.Add([]string{"a", "picked-1", "b"}, [][]float32{imgs[0], imgs[1], imgs[1]}); err != nil {
		t.Fatal(err)
	}
	s, err := x.Snapshot(func(id string) bool { return !strings.HasPrefix(id, "picked-") })
	if err != nil {
		t.Fatal(err)
	}
	y := &Index{Model: m, Backend: b, Tok: tok, Rerank: 2}
	defer y.Free()
	if err := y.Restore(s); err != nil {
		t.Fatal(err)
	}
	want, _, _ := x.Search("a red heart", 3)
	got, _, _ := y.Search("a red heart", 3)
	var wantKept []Hit
	for _, h := range want {
		if h.ID != "picked-1" {
			wantKept = append(wantKept, h)
		}
	}
	if len(got) != 2 || got[0].ID != wantKept[0].ID || got[0].ITC != wantKept[0].ITC || got[1].ID != wantKept[1].ID {
		t.Errorf("restored: %+v, original without the picked image: %+v", got, wantKept)
	}
	s.EmbedShape[1]++
	if err := y.Restore(s); err == nil {
		t.Error("a snapshot of other shapes was restored")
	}
}
