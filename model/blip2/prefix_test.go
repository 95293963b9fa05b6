package blip2

import (
	"slices"
	"testing"

	"blip2/model/cpu"
)

// recordingGuide scores every candidate 0 and keeps what it was shown.
type recordingGuide struct{ seen map[int][][]int }

func (g *recordingGuide) Score(row int, cands [][]int) ([]float32, error) {
	g.seen[row] = append(g.seen[row], cands...)
	return make([]float32, len(cands)), nil
}

// TestPromptInCaption: with a left-padded prompt that begins the caption,
// each returned row is the start token, the row's prompt words (no bos,
// no padding) and the new tokens; the new tokens are those of the same
// prompt decoded without the flag; and the guide judges the prompt words
// and the new tokens together.
func TestPromptInCaption(t *testing.T) {
	m, in, _ := loadGolden(t, "blip2-tiny-a")
	b := cpu.New()
	n := min(2, in.PixelShape[0])
	pixels := b.Upload(in.Pixels[:n*len(in.Pixels)/in.PixelShape[0]], append([]int{n}, in.PixelShape[1:]...)...)
	defer b.Free(pixels)
	bos, pad := intOr(m.OPT.cfg.BOSTokenID, 2), intOr(m.OPT.cfg.PadTokenID, 1)
	words := [][]int{{7, 9, 11}, {13}}
	prompt := [][]int{{bos, 7, 9, 11}, {pad, pad, bos, 13}}
	mask := [][]int{{1, 1, 1, 1}, {0, 0, 1, 1}}
	o := GenerateOptions{MaxNewTokens: 3, NumBeams: 2, LengthPenalty: 1, GuideWeight: 1}
	plain, err := m.Generate(b, pixels, prompt, mask, o)
	if err != nil {
		t.Fatal(err)
	}
	g := &recordingGuide{seen: map[int][][]int{}}
	o.PromptInCaption, o.Guide = true, g
	got, err := m.Generate(b, pixels, prompt, mask, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		want := append(append([]int{plain.IDs[i][0]}, words[i]...), plain.IDs[i][1:]...)
		if !slices.Equal(got.IDs[i], want) {
			t.Errorf("row %d: %v, want %v", i, got.IDs[i], want)
		}
		if len(g.seen[i]) == 0 {
			t.Fatalf("row %d: the guide saw no candidate", i)
		}
		for _, c := range g.seen[i] {
			if !slices.Equal(c[:len(words[i])], words[i]) {
				t.Errorf("row %d: the guide saw %v, without the prompt words %v first", i, c, words[i])
			}
		}
	}
}

// TestRepetitionPenaltyCountsThePromptWords: with PromptInCaption the
// penalty sees the image's prompt words before its new tokens.
func TestRepetitionPenaltyCountsThePromptWords(t *testing.T) {
	o := GenerateOptions{lead: [][]int{{4, 5}, {6}}}
	if got := o.inCaption(1, []int{7, 8}); !slices.Equal(got, []int{6, 7, 8}) {
		t.Errorf("image 1 holds %v, want [6 7 8]", got)
	}
	if got := (GenerateOptions{}).inCaption(0, []int{7}); !slices.Equal(got, []int{7}) {
		t.Errorf("without prompt words %v, want [7]", got)
	}
	l := process([]float32{1, 1, 1, 1, 2, 2, 2}, o.inCaption(0, []int{6}), 0, 3, GenerateOptions{RepetitionPenalty: 2})
	if !slices.Equal(l, []float32{1, 1, 1, 1, 1, 1, 1}) {
		t.Errorf("penalised logits %v, want the prompt words 4, 5 and the new 6 halved", l)
	}
}
