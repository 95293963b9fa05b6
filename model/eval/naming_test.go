package eval

import "testing"

func TestNamingCountsOwnWordsOutsideTheTemplate(t *testing.T) {
	template := []string{"a", "an", "of", "emoji", "icon", "clip art"}
	cands := []string{
		"an emoji of a dog",     // names "dog"
		"an icon of a square",   // only template words are shared
		"a clip art of a small", // "small" is in its own references
		"an icon of a square",   // "square" is another image's word
	}
	refs := [][]string{
		{"dog face", "an emoji of a dog face"},
		{"arrow left", "an icon of an arrow left"},
		{"small cat", "a clip art of a small cat"},
		{"bell", "an icon of a bell", "bell, ring"},
	}
	got := ScoreNaming(cands, refs, template)
	if got.Share != 0.5 || got.Distinct != 3 {
		t.Fatalf("got %+v, want share 0.5 and 3 distinct", got)
	}
	if n := ScoreNaming(nil, nil, template); n.Share != 0 || n.Distinct != 0 {
		t.Fatalf("no captions: %+v", n)
	}
}

func TestNamingIgnoresCaseAndPunctuation(t *testing.T) {
	got := ScoreNaming([]string{"An EMOJI of a Dog!"}, [][]string{{"dog"}}, []string{"emoji"})
	if got.Share != 1 {
		t.Fatalf("got %+v", got)
	}
}
