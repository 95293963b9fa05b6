package sheet

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	if got := Wrap("couple with heart: woman, man, light skin tone", 15, 2); len(got) != 2 || !strings.HasSuffix(got[1], "~") {
		t.Errorf("a cut text: %q", got)
	}
	if got := Wrap("a red apple", 15, 2); len(got) != 1 || got[0] != "a red apple" {
		t.Errorf("a short text: %q", got)
	}
	if got := Wrap("supercalifragilistic", 8, 3); len(got) != 3 || got[0] != "supercal" {
		t.Errorf("a long word: %q", got)
	}
}
