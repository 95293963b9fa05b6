package app

import (
	"slices"
	"strings"
	"testing"

	"blip2/model/cpu"
)

// TestParsePrefixesRefusesBadFiles: every malformed prefix list is an
// error that names the problem.
func TestParsePrefixesRefusesBadFiles(t *testing.T) {
	ok := `{"prefixes":[{"text":"an emoji of a","examples":["an emoji of a dog"]},{"text":"an icon of a","examples":["an icon of a map"]}]}`
	if _, err := ParsePrefixes([]byte(ok)); err != nil {
		t.Fatalf("a good file: %v", err)
	}
	for _, c := range []struct{ file, want string }{
		{`{"prefixes":`, "unexpected end"},
		{`{"prefixes":[{"text":"an emoji of a","examples":["an emoji of a dog"]}]}`, "at least 2"},
		{`{"prefixes":[{"text":" ","examples":["x"]},{"text":"an icon of a","examples":["an icon of a map"]}]}`, "empty"},
		{`{"prefixes":[{"text":"an emoji of a"},{"text":"an icon of a","examples":["an icon of a map"]}]}`, "no example"},
		{`{"prefixes":[{"text":"an emoji of a","examples":["an icon of a dog"]},{"text":"an icon of a","examples":["an icon of a map"]}]}`, "does not begin"},
	} {
		_, err := ParsePrefixes([]byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.file, err, c.want)
		}
	}
}

// lmWords is a stand-in language-model tokenizer: bos 2, then one id per
// word.
type lmWords struct{}

func (lmWords) Encode(text string) []int {
	ids := []int{2}
	for _, f := range strings.Fields(text) {
		ids = append(ids, 4+len(f))
	}
	return ids
}

func (lmWords) Decode([]int, bool) string { return "" }

// TestPrefixBankChoosesTheNearestExample: each image gets the prefix of
// the example caption search ranks first for it by ITC, as a prompt row of
// bos and the prefix's tokens, left padded to the longest prefix.
func TestPrefixBankChoosesTheNearestExample(t *testing.T) {
	m, imgs := refImages(t)
	b := cpu.New()
	q := wordIDs{vocab: m.Config.QFormer.VocabSize}
	p := &CaptionPrefixes{Prefixes: []CaptionPrefix{
		{Text: "an emoji of a", Examples: []string{"an emoji of a dog face", "an emoji of a red apple tree"}},
		{Text: "an icon of", Examples: []string{"an icon of arrows", "an icon of a big blue map pin"}},
		{Text: "a clip art", Examples: []string{"a clip art lighthouse", "a clip art of seven small birds"}},
	}}
	k, err := NewPrefixBank(m, b, lmWords{}, q, p)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Free()
	pixels := uploadAll(b, m, imgs)
	defer b.Free(pixels)
	d, err := PrepareDecoding(m, b, lmWords{}, q, false, k, pixels)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release()
	ids, mask := d.IDs, d.Mask
	if len(ids) != len(imgs) {
		t.Fatalf("%d prompt rows for %d images", len(ids), len(imgs))
	}
	for i := range imgs {
		x := &Index{Model: m, Backend: b, Tok: q}
		if err := x.Add([]string{"img"}, imgs[i:i+1]); err != nil {
			t.Fatal(err)
		}
		best, want := float32(-2), -1
		for j, pr := range p.Prefixes {
			for _, e := range pr.Examples {
				hits, _, err := x.Search(e, 1)
				if err != nil {
					t.Fatal(err)
				}
				if hits[0].ITC > best {
					best, want = hits[0].ITC, j
				}
			}
		}
		x.Free()
		lead := lmWords{}.Encode(p.Prefixes[want].Text)
		row := append(slices.Repeat([]int{1}, 5-len(lead)), lead...) // pad 1; "an emoji of a" is bos + 4 words
		m1 := append(slices.Repeat([]int{0}, 5-len(lead)), slices.Repeat([]int{1}, len(lead))...)
		if !slices.Equal(ids[i], row) || !slices.Equal(mask[i], m1) {
			t.Errorf("image %d: prompt %v mask %v, want %v %v (prefix %q)", i, ids[i], mask[i], row, m1, p.Prefixes[want].Text)
		}
	}
}
