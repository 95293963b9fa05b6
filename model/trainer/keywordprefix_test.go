package trainer

import (
	"fmt"
	"strings"
	"testing"

	"blip2/model/tokenizer"
	"blip2/model/train"
)

func TestKeywordLines(t *testing.T) {
	pairs := []Pair{
		{ID: "a", Captions: []string{"lobster", "an emoji of a lobster", "lobster, animal, seafood"}},
		{ID: "c", Captions: []string{"cat", "an emoji of a cat"}},
		{ID: "d", Captions: []string{"hammer", "an icon of a hammer", "hammer, tool"}},
	}
	got := keywordLines(pairs, map[string]bool{"an icon of a hammer": true})
	want := []keywordLine{{" lobster, animal, seafood", "an emoji of a lobster"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q (none for a pair without tags or with a val/test caption)", got, want)
	}
}

// TestKeywordSequence: the keywords fill exactly the prompt's places,
// spelt as the sentence spells its words, and only the sentence and its
// </s> are learnt.
func TestKeywordSequence(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"an emoji of a lobster", "lobster, animal, seafood", "a cat and a lobster"}
	if err := writeBPE(dir, lines, 269); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.LoadBPE(dir, tokenizer.OPTOptions())
	if err != nil {
		t.Fatal(err)
	}
	l := keywordLine{" lobster, animal, seafood", "an emoji of a lobster"}
	const P, n = 20, 48
	ids, mask, labels := keywordSequence(tok, l, P, n)
	kw := tok.Encode(l.keywords)[1:]
	sentence := tok.Encode(l.sentence)
	if fmt.Sprint(ids[:len(kw)]) != fmt.Sprint(kw) || len(kw) >= P {
		t.Fatalf("prefix %v does not start with the keywords %v", ids[:P], kw)
	}
	again := tok.Encode(", lobster, animal, seafood")[1:]
	if fmt.Sprint(ids[len(kw):P]) != fmt.Sprint(again[:P-len(kw)]) {
		t.Errorf("the places after the keywords hold %v, want them repeated after a comma %v", ids[len(kw):P], again)
	}
	lobster := tok.Encode(" lobster")[1:]
	if fmt.Sprint(kw[:len(lobster)]) != fmt.Sprint(lobster) || fmt.Sprint(sentence[len(sentence)-len(lobster):]) != fmt.Sprint(lobster) {
		t.Errorf("the keyword %v and the sentence's last word %v are spelt differently", kw, sentence)
	}
	if ids[P] != sentence[0] || sentence[0] != train.OPTEOS {
		t.Errorf("place %d holds %d, want the BOS </s>", P, ids[P])
	}
	end := P + len(sentence)
	if ids[end] != train.OPTEOS || mask[end] != 1 || mask[end+1] != 0 {
		t.Errorf("the sentence does not end with </s> at %d: %v %v", end, ids, mask)
	}
	for i := range labels {
		want := -100
		if i > P && i <= end {
			want = ids[i]
		}
		if labels[i] != want {
			t.Errorf("label %d = %d, want %d", i, labels[i], want)
		}
	}
}

func TestKeywordLinesAreForTheLanguageModel(t *testing.T) {
	for _, c := range []struct {
		stage string
		share float64
	}{{"stage1", 0.5}, {"stage0-lm", 1}, {"stage0-lm", -0.1}} {
		o := Stage1Defaults()
		o.Stage, o.Data, o.Init, o.KeywordLines = c.stage, "data", "init", c.share
		if err := o.check(); err == nil || !strings.Contains(err.Error(), "-keyword-lines") {
			t.Errorf("-keyword-lines %g for %s: %v", c.share, c.stage, err)
		}
	}
}
