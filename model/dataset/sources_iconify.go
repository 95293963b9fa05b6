package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// loadIconify reads an @iconify-json emoji set. Its chars map is empty in
// the pinned versions, so icons are joined to emojibase by name: Iconify
// names emoji by their CLDR label in kebab case ("1st-place-medal").
// Icons that match no emojibase label (renamed or non-standard ones) are
// left out, as the join is what gives them a caption and a concept key.
func loadIconify(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	idx, err := loadEmojibase(ctx, ps)
	if err != nil {
		return nil, err
	}
	files, err := ps.Open(ctx, src.Packages[0], func(n string) bool { return n == "icons.json" || isLicenceFile(n) })
	if err != nil {
		return nil, err
	}
	raw, ok := files["icons.json"]
	if !ok {
		return nil, fmt.Errorf("%s: icons.json missing", src.Packages[0])
	}
	type icon struct {
		Body   string  `json:"body"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	}
	var set struct {
		Icons   map[string]icon `json:"icons"`
		Aliases map[string]struct {
			Parent string `json:"parent"`
		} `json:"aliases"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("%s: icons.json: %w", src.Packages[0], err)
	}
	// Icons first, then aliases, each in name order: a hexcode reached by
	// both keeps the icon's own name.
	names := func(m map[string]bool) []string {
		var s []string
		for n := range m {
			s = append(s, n)
		}
		sort.Strings(s)
		return s
	}
	own, alias := map[string]bool{}, map[string]bool{}
	for n := range set.Icons {
		own[n] = true
	}
	for n := range set.Aliases {
		alias[n] = true
	}
	var items []Item
	seen := map[string]bool{}
	for _, group := range [][]string{names(own), names(alias)} {
		for _, n := range group {
			t, ok := idx.bySlug[n]
			if !ok || seen[t.Hex] {
				continue
			}
			body := n
			if a, isAlias := set.Aliases[n]; isAlias {
				body = a.Parent
			}
			ic, ok := set.Icons[body]
			if !ok {
				ps.problem(src.Name, n, "alias of missing icon %q", body)
				continue
			}
			seen[t.Hex] = true
			w, h := ic.Width, ic.Height
			if w == 0 {
				w = set.Width
			}
			if h == 0 {
				h = set.Height
			}
			if w == 0 || h == 0 {
				w, h = 16, 16 // Iconify's documented default
			}
			it := emojiItem(src, idx, t.Hex, t.Label, t.Base, nil)
			it.Data = []byte(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 %g %g">%s</svg>`, w, h, ic.Body))
			it.Format = "svg"
			items = append(items, it)
		}
	}
	sortItems(items)
	return items, nil
}
