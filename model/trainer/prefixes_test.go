package trainer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"blip2/model/app"
)

// TestCaptionPrefixes: the sentences' starts up to "of", whichever article
// follows, or on to a first word that enough sentences share as a word of
// its own; in order of first appearance; examples evenly spread over each
// start's sentences; kinds with too few sentences left out; and what is
// written reads back as a valid prefix file.
func TestCaptionPrefixes(t *testing.T) {
	var pairs []Pair
	add := func(n int, label, sentence string) {
		for i := range n {
			pairs = append(pairs, Pair{Captions: []string{label, fmt.Sprintf(sentence, i), label + ", tag"}})
		}
	}
	add(32, "dog", "an emoji of a dog %d")
	add(8, "apple", "an emoji of an apple %d")
	add(30, "map", "an icon of a map %d")
	add(20, "arrow", "an icon of an arrow %d")
	// 35 + 5 sentences share "a woman"; the last 5 not as a word of its own.
	add(minHeadSentences-5, "woman", "an emoji of a woman golfing %d")
	add(5, "woman", "an emoji of a woman: tone %d")
	add(5, "bird", "a clip art of a bird %d") // too few
	add(10, "plain", "no template %d")
	p := CaptionPrefixes(pairs, 8)
	if p == nil || len(p.Prefixes) != 3 {
		t.Fatalf("prefixes %+v, want 3", p)
	}
	for i, want := range []string{"an emoji of", "an icon of", "an emoji of a woman"} {
		if p.Prefixes[i].Text != want {
			t.Errorf("prefix %d is %q, want %q", i, p.Prefixes[i].Text, want)
		}
	}
	if ex := p.Prefixes[0].Examples; len(ex) != 8 || ex[0] != "an emoji of a dog 0" || ex[1] != "an emoji of a dog 5" || ex[7] != "an emoji of an apple 7" {
		t.Errorf("examples of the first prefix %q, want 8 evenly over its 45", ex)
	}
	if ex := p.Prefixes[2].Examples; len(ex) != headExamples || ex[0] != "an emoji of a woman golfing 0" || ex[headExamples-1] != "an emoji of a woman golfing 32" {
		t.Errorf("examples of the long prefix %q, want %d", ex, headExamples)
	}
	if CaptionPrefixes(pairs[:40], 8) != nil {
		t.Error("one kind is no choice, yet prefixes were made")
	}
	dir := t.TempDir()
	if ok, err := WriteCaptionPrefixes(dir, pairs); !ok || err != nil {
		t.Fatalf("written: %v, %v", ok, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, app.PrefixesFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ParsePrefixes(raw); err != nil {
		t.Error(err)
	}
}
