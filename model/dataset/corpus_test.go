package dataset

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWordnetTexts(t *testing.T) {
	data := "  1 This software and database is being provided\n" +
		`02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 023 @ 02083346 n 0000 | a member of the genus Canis; "the dog barked all night"` + "\n" +
		`00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived to have its own distinct existence` + "\n"
	g, e := wordnetTexts([]byte(data))
	if want := []string{"a member of the genus Canis", "that which is perceived to have its own distinct existence"}; !reflect.DeepEqual(g, want) {
		t.Errorf("glosses %q, want %q", g, want)
	}
	if want := []string{"the dog barked all night"}; !reflect.DeepEqual(e, want) {
		t.Errorf("examples %q, want %q", e, want)
	}
}

// TestCorpusWithoutWordnet: a missing WordNet package is reported, and the
// corpus is still written from the captions, each text once.
func TestCorpusWithoutWordnet(t *testing.T) {
	out := t.TempDir()
	ps := &PackageSet{Fetcher: &Fetcher{CacheDir: t.TempDir(), Offline: true}}
	items := []Item{
		{Label: "dog", Kind: "icon", Tags: []string{"pet"}},
		{Label: "dog", Kind: "icon", Tags: []string{"pet"}},
	}
	if err := WriteCorpus(t.Context(), out, ps, items); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(out, "corpus.txt"))
	if got, want := string(b), "dog\nan icon of a dog\ndog, pet\npet\n"; got != want {
		t.Errorf("corpus %q, want %q", got, want)
	}
	if len(ps.Problems) != 1 || !strings.Contains(ps.Problems[0].String(), "WordNet left out") {
		t.Errorf("problems %v", ps.Problems)
	}
}

func TestContactSheets(t *testing.T) {
	out := t.TempDir()
	if err := WriteContactSheets(sampleDir, out); err != nil {
		t.Fatal(err)
	}
	sheets, _ := filepath.Glob(filepath.Join(out, "*.png"))
	if len(sheets) != len(Sources()) {
		t.Errorf("%d sheets for %d sources", len(sheets), len(Sources()))
	}
}
