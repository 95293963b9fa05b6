package trainer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"blip2/model/app"
)

// TestCaptionPrefixes: the sentences' starts up to "of", in order of
// first appearance, whichever article follows; examples evenly spread over
// each start's sentences; starts with too few sentences left out; and what
// is written reads back as a valid prefix file.
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
	add(5, "bird", "a clip art of a bird %d") // too few
	add(10, "plain", "no template %d")
	p := CaptionPrefixes(pairs, 8)
	if p == nil || len(p.Prefixes) != 2 {
		t.Fatalf("prefixes %+v, want 2", p)
	}
	for i, want := range []string{"an emoji of", "an icon of"} {
		if p.Prefixes[i].Text != want {
			t.Errorf("prefix %d is %q, want %q", i, p.Prefixes[i].Text, want)
		}
	}
	if ex := p.Prefixes[0].Examples; len(ex) != 8 || ex[0] != "an emoji of a dog 0" || ex[1] != "an emoji of a dog 5" || ex[7] != "an emoji of an apple 3" {
		t.Errorf("examples of the first prefix %q, want every 5th of the 40", ex)
	}
	if CaptionPrefixes(pairs[:40], 8) != nil {
		t.Error("one start is no choice, yet prefixes were made")
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
