package trainer

import (
	"fmt"
	"strings"
	"testing"
)

func TestContextLines(t *testing.T) {
	pairs := []Pair{
		{ID: "a", Captions: []string{"lobster", "an emoji of a lobster", "lobster, animal, bisque, claws, seafood"}},
		{ID: "b", Captions: []string{"shield", "an icon of a shield", "shield, security"}},
		{ID: "c", Captions: []string{"cat", "an emoji of a cat"}},
		{ID: "d", Captions: []string{"hammer", "an icon of a hammer", "hammer, tool"}},
	}
	got := ContextLines(pairs, map[string]bool{"an icon of a hammer": true})
	want := []string{"lobster, animal, bisque, claws. an emoji of a lobster", "shield, security. an icon of a shield"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q,\nwant %q (three tags at most; none for a pair without tags or with a val/test caption)", got, want)
	}
}

func TestContextLinesAreForTheLanguageModel(t *testing.T) {
	o := Stage1Defaults()
	o.Data, o.Init, o.ContextLines = "data", "init", true
	if err := o.check(); err == nil || !strings.Contains(err.Error(), "-context-lines") {
		t.Errorf("-context-lines for stage1: %v", err)
	}
}
