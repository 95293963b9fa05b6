package dataset

import (
	"sort"
	"strings"
)

// Item is one image–text pair before rendering: the raw image as the
// package ships it and the text that describes it.
type Item struct {
	ID      string // "<source>/<name>", also the image's file name without extension
	Source  string
	Package Package // the package the image comes from
	Licence string  // SPDX identifier of the image's licence
	Key     string  // concept key, see split.go
	Base    string  // emoji only: base hexcode that skin tones share
	Label   string  // canonical caption
	Tags    []string
	Kind    string // "emoji", "icon" or "clip art": used in the templated caption
	Data    []byte
	Format  string // "png" or "svg"
	Split   string // filled in by AssignSplits
}

// Captions returns the canonical caption followed by its alternates: a
// templated sentence, and the label with its tags. Training samples one of
// them; evaluation scores against the canonical one.
func (it *Item) Captions() (canonical string, alternates []string) {
	canonical = it.Label
	alternates = append(alternates, article(it.Kind)+" "+it.Kind+" of "+article(it.Label)+" "+it.Label)
	var extra []string
	seen := map[string]bool{strings.ToLower(it.Label): true}
	for _, t := range it.Tags {
		lt := strings.ToLower(t)
		if !seen[lt] {
			seen[lt] = true
			extra = append(extra, t)
		}
	}
	if len(extra) > 0 {
		alternates = append(alternates, it.Label+", "+strings.Join(extra, ", "))
	}
	return canonical, alternates
}

// The kinds of image, as the templated sentence names them.
const (
	KindEmoji   = "emoji"
	KindIcon    = "icon"
	KindClipArt = "clip art"
)

// TemplateWords are the words the templated sentence adds to a label (its
// articles, "of" and the kinds): every caption of a kind shares them, so
// they say nothing about one image.
func TemplateWords() []string {
	return []string{"a", "an", "of", KindEmoji, KindIcon, KindClipArt}
}

func article(word string) string {
	if word == "" {
		return "a"
	}
	switch word[0] {
	case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
		return "an"
	}
	return "a"
}

// cleanTags trims, lower-cases and de-duplicates tags, keeping their order,
// and drops markers such as "*new*" that describe the package, not the image.
func cleanTags(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || strings.HasPrefix(t, "*") || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// splitList splits a comma-separated tag string as OpenMoji writes them.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// humanName turns an icon file name such as "arrow-big-down_2" into
// "arrow big down 2".
func humanName(name string) string {
	f := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	return strings.ToLower(strings.Join(f, " "))
}

func sortItems(items []Item) {
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
}
