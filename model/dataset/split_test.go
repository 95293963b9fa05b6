package dataset

import (
	"fmt"
	"testing"
)

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"account-outline": "name:account",
		"Dog_Face":        "name:dog face",
		"arrow-up-bold":   "name:arrow up",
		"outline":         "name:outline", // a name that is only a style word stays
		"box 2 filled":    "name:box 2",
	} {
		if got := NameKey(in); got != want {
			t.Errorf("NameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameSplitProportions(t *testing.T) {
	n := map[string]int{}
	for i := 0; i < 20000; i++ {
		n[NameSplit(NameKey(fmt.Sprint("concept ", i)))]++
	}
	if n[Train] < 17600 || n[Train] > 18400 || n[Val] < 800 || n[Test] < 800 {
		t.Errorf("split sizes %v, want about 90/5/5 %%", n)
	}
}

// TestSplitsKeepKeysApart builds items the way the sources do, with the
// same concept in several sets and styles, and checks that no concept key
// lands in two splits, and that emoji seen in four or more styles have
// exactly one val and one test style.
func TestSplitsKeepKeysApart(t *testing.T) {
	var items []Item
	emojiStyles := []string{"emoji-google", "emoji-twitter", "openmoji-color", "openmoji-black", "noto-v1"}
	for b := 0; b < 300; b++ {
		base := fmt.Sprintf("1f%03x", b)
		styles := emojiStyles[:1+b%len(emojiStyles)]
		for _, s := range styles {
			items = append(items, Item{ID: s + "/" + base, Source: s, Base: base, Key: EmojiKey(base, s)})
			items = append(items, Item{ID: s + "/" + base + "-1f3fb", Source: s, Base: base, Key: EmojiKey(base, s)})
		}
	}
	for i := 0; i < 500; i++ {
		name := fmt.Sprint("thing-", i)
		for _, s := range []string{"tabler", "mdi", "lucide", "phosphor"} {
			items = append(items, Item{ID: s + "/" + name, Source: s, Key: NameKey(name)})
			items = append(items, Item{ID: s + "/" + name + "-outline", Source: s, Key: NameKey(name + "-outline")})
		}
	}
	AssignSplits(items)
	splitOf := map[string]string{}
	styleSplits := map[string]map[string]int{}
	for _, it := range items {
		if s, ok := splitOf[it.Key]; ok && s != it.Split {
			t.Fatalf("key %s in %s and %s", it.Key, s, it.Split)
		}
		splitOf[it.Key] = it.Split
		if it.Base != "" {
			if styleSplits[it.Base] == nil {
				styleSplits[it.Base] = map[string]int{}
			}
			styleSplits[it.Base][it.Source+" "+it.Split] = 1
		}
	}
	for base, m := range styleSplits {
		n := map[string]int{}
		for k := range m {
			n[k[len(k)-4:]]++
		}
		styles := len(m)
		if styles >= 4 && (n[" val"] != 1 || n["test"] != 1) {
			t.Errorf("emoji %s in %d styles: %v", base, styles, m)
		}
		if styles < 4 && (n[" val"] != 0 || n["test"] != 0) {
			t.Errorf("emoji %s in %d styles has held-out styles: %v", base, styles, m)
		}
	}
}
