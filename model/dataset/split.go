package dataset

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"
)

// The split rule keeps every concept on one side, so evaluation measures
// generalisation to unseen concepts (icons, clip art) or unseen renderings
// of seen concepts (emoji).
//
// Icons and clip art: the concept key is the normalised name, shared by all
// sets, and the key's hash sends it to train (90%), val (5%) or test (5%).
//
// Emoji: the concept key is the base hexcode together with the style
// ("1f436@emoji-google"); skin tones share their base's key. For a base
// shown in at least four styles, the base's hash picks one style for val
// and another for test; all other keys go to train. A model is thus
// evaluated on a rendering of "dog face" it has never seen, while other
// renderings of it are in training.

const (
	Train = "train"
	Val   = "val"
	Test  = "test"
)

// styleSuffixes are words that name a drawing style, not a concept.
var styleSuffixes = map[string]bool{
	"outline": true, "outlined": true, "filled": true, "fill": true, "thin": true,
	"light": true, "regular": true, "bold": true, "duotone": true, "solid": true,
}

// NameKey is the concept key of an icon or clip-art name: lower case,
// words separated by single spaces, style words at the end removed.
func NameKey(name string) string {
	words := strings.Fields(humanName(name))
	for len(words) > 1 && styleSuffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return "name:" + strings.Join(words, " ")
}

// EmojiKey is the concept key of one emoji style.
func EmojiKey(base, source string) string { return "emoji:" + base + "@" + source }

func keyHash(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(h[:8])
}

// NameSplit sends a name key to train, val or test, 90/5/5.
func NameSplit(key string) string {
	switch r := keyHash(key) % 100; {
	case r < 90:
		return Train
	case r < 95:
		return Val
	}
	return Test
}

// EmojiSplits returns the split of each style of one base emoji, given the
// styles (sources) that show it.
func EmojiSplits(base string, styles []string) map[string]string {
	s := append([]string(nil), styles...)
	sort.Strings(s)
	out := map[string]string{}
	for _, st := range s {
		out[st] = Train
	}
	if len(s) < 4 {
		return out
	}
	h := keyHash("emoji:" + base)
	v := int(h % uint64(len(s)))
	t := (v + 1 + int((h>>32)%uint64(len(s)-1))) % len(s)
	out[s[v]] = Val
	out[s[t]] = Test
	return out
}

// AssignSplits fills in Split on every item. Emoji need all sources at once
// because a base's split depends on the styles available for it.
func AssignSplits(items []Item) {
	styles := map[string][]string{}
	seen := map[string]bool{}
	for _, it := range items {
		if it.Base != "" && !seen[it.Base+"@"+it.Source] {
			seen[it.Base+"@"+it.Source] = true
			styles[it.Base] = append(styles[it.Base], it.Source)
		}
	}
	perBase := map[string]map[string]string{}
	for base, st := range styles {
		perBase[base] = EmojiSplits(base, st)
	}
	for i := range items {
		it := &items[i]
		if it.Base != "" {
			it.Split = perBase[it.Base][it.Source]
		} else {
			it.Split = NameSplit(it.Key)
		}
	}
}
