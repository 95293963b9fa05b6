package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var emojibase = Package{"npm", "emojibase-data", "17.0.0"}

// emojiText is the caption text of one emoji from emojibase.
type emojiText struct {
	Hex   string // normalised hexcode
	Base  string // normalised hexcode of the base emoji (itself when no skin tone)
	Label string
	Tags  []string
}

// emojiIndex maps normalised hexcodes and label slugs to emojibase text.
type emojiIndex struct {
	byHex  map[string]emojiText
	bySlug map[string]emojiText
}

// normHex lower-cases a hexcode and drops the FE0F variation selector,
// which packages write inconsistently ("2764-FE0F" vs "2764").
func normHex(h string) string {
	var parts []string
	for _, p := range strings.Split(strings.ToLower(strings.TrimSpace(h)), "-") {
		if p != "fe0f" && p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "-")
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// slug is how Iconify names emoji: the CLDR label in kebab case.
func slug(s string) string {
	return strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func loadEmojibase(ctx context.Context, ps *PackageSet) (*emojiIndex, error) {
	files, err := ps.openCached(ctx, emojibase, prefixed("en/data.json"))
	if err != nil {
		return nil, err
	}
	raw, ok := files["en/data.json"]
	if !ok {
		return nil, fmt.Errorf("%s: en/data.json missing", emojibase)
	}
	type entry struct {
		Label   string   `json:"label"`
		Hexcode string   `json:"hexcode"`
		Tags    []string `json:"tags"`
		Skins   []entry  `json:"skins"`
	}
	var data []entry
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("%s: en/data.json: %w", emojibase, err)
	}
	idx := &emojiIndex{byHex: map[string]emojiText{}, bySlug: map[string]emojiText{}}
	add := func(e entry, base string, tags []string) {
		t := emojiText{normHex(e.Hexcode), base, e.Label, cleanTags(tags)}
		idx.byHex[t.Hex] = t
		idx.bySlug[slug(e.Label)] = t
	}
	for _, e := range data {
		base := normHex(e.Hexcode)
		add(e, base, e.Tags)
		for _, s := range e.Skins {
			add(s, base, e.Tags) // skin tones have no tags of their own
		}
	}
	return idx, nil
}

// emojiItem fills the caption fields of an emoji item from emojibase,
// falling back to the image package's own name when emojibase lacks it.
func emojiItem(src *Source, idx *emojiIndex, hex, fallbackLabel, fallbackBase string, extraTags []string) Item {
	it := Item{Source: src.Name, Package: src.Packages[0], Licence: src.Licence, Kind: KindEmoji}
	hex = normHex(hex)
	it.ID = src.Name + "/" + hex
	if t, ok := idx.byHex[hex]; ok {
		it.Label, it.Base, it.Tags = t.Label, t.Base, t.Tags
	} else {
		it.Label, it.Base = strings.ToLower(fallbackLabel), normHex(fallbackBase)
	}
	it.Tags = cleanTags(append(append([]string(nil), it.Tags...), extraTags...))
	it.Key = EmojiKey(it.Base, src.Name)
	return it
}

// loadDatasource reads the 64×64 PNGs of emoji-datasource-<style>; its
// emoji.json names every image, including skin-tone variations.
func loadDatasource(style string) func(context.Context, *PackageSet, *Source) ([]Item, error) {
	return func(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
		idx, err := loadEmojibase(ctx, ps)
		if err != nil {
			return nil, err
		}
		dir := "img/" + style + "/64/"
		files, err := ps.Open(ctx, src.Packages[0], func(n string) bool {
			return n == "emoji.json" || isLicenceFile(n) || strings.HasPrefix(n, dir)
		})
		if err != nil {
			return nil, err
		}
		type variation struct {
			Unified string `json:"unified"`
			Image   string `json:"image"`
		}
		type entry struct {
			Name       string               `json:"name"`
			Unified    string               `json:"unified"`
			Image      string               `json:"image"`
			ShortNames []string             `json:"short_names"`
			Skins      map[string]variation `json:"skin_variations"`
		}
		var data []entry
		if raw, ok := files["emoji.json"]; !ok {
			ps.problem(src.Name, "emoji.json", "missing: captions come from emojibase only")
		} else if err := json.Unmarshal(raw, &data); err != nil {
			ps.problem(src.Name, "emoji.json", "unreadable: %v", err)
		}
		var items []Item
		seen := map[string]bool{}
		addImage := func(unified, image, name, base string) {
			b, ok := files[dir+image]
			if !ok || seen[image] {
				return
			}
			seen[image] = true
			it := emojiItem(src, idx, unified, name, base, nil)
			it.Data, it.Format = b, "png"
			items = append(items, it)
		}
		for _, e := range data {
			addImage(e.Unified, e.Image, e.Name, e.Unified)
			keys := make([]string, 0, len(e.Skins))
			for k := range e.Skins {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v := e.Skins[k]
				addImage(v.Unified, v.Image, e.Name+": "+k, e.Unified)
			}
		}
		// Images that emoji.json does not list still carry their hexcode
		// in the file name.
		for _, f := range filesUnder(files, dir, ".png") {
			addImage(f[0], f[0]+".png", f[0], strings.Split(f[0], "-")[0])
		}
		sortItems(items)
		return items, nil
	}
}

// loadOpenmoji reads OpenMoji's colour or black SVGs with the annotation
// and the human-written tags of data/openmoji.json.
func loadOpenmoji(variant string) func(context.Context, *PackageSet, *Source) ([]Item, error) {
	return func(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
		idx, err := loadEmojibase(ctx, ps)
		if err != nil {
			return nil, err
		}
		dir := variant + "/svg/"
		files, err := ps.Open(ctx, src.Packages[0], func(n string) bool {
			return n == "data/openmoji.json" || isLicenceFile(n) || strings.HasPrefix(n, dir)
		})
		if err != nil {
			return nil, err
		}
		type entry struct {
			Hexcode  string `json:"hexcode"`
			Label    string `json:"annotation"`
			Tags     string `json:"tags"`
			OwnTags  string `json:"openmoji_tags"`
			BaseCode string `json:"skintone_base_hexcode"`
		}
		meta := map[string]entry{}
		var data []entry
		if raw, ok := files["data/openmoji.json"]; !ok {
			ps.problem(src.Name, "data/openmoji.json", "missing: captions from emojibase or file names")
		} else if err := json.Unmarshal(raw, &data); err != nil {
			ps.problem(src.Name, "data/openmoji.json", "unreadable: %v", err)
		}
		for _, e := range data {
			meta[strings.ToUpper(e.Hexcode)] = e
		}
		var items []Item
		for _, f := range filesUnder(files, dir, ".svg") {
			e, ok := meta[strings.ToUpper(f[0])]
			if !ok {
				e = entry{Hexcode: f[0], Label: strings.ToLower(f[0])}
			}
			base := e.BaseCode
			if base == "" {
				base = e.Hexcode
			}
			extra := append(splitList(e.Tags), splitList(e.OwnTags)...)
			it := emojiItem(src, idx, e.Hexcode, e.Label, base, extra)
			it.Data, it.Format = files[f[1]], "svg"
			items = append(items, it)
		}
		sortItems(items)
		return items, nil
	}
}
