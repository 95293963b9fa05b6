package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// iconItem is an icon named by its file name.
func iconItem(src *Source, style, name string, tags []string) Item {
	id := src.Name + "/" + name
	if style != "" {
		id = src.Name + "/" + style + "/" + name
	}
	return Item{
		ID: id, Source: src.Name, Package: src.Packages[0], Licence: src.Licence,
		Kind: KindIcon, Label: humanName(name), Tags: cleanTags(tags), Key: NameKey(name),
	}
}

// tagsOrProblem decodes a tag file, reporting a missing or unreadable one:
// the icons are still used, captioned by their names alone.
func tagsOrProblem(ps *PackageSet, src *Source, files Files, name string, v any) bool {
	raw, ok := files[name]
	if !ok {
		ps.problem(src.Name, name, "tag file missing: icons captioned by name only")
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		ps.problem(src.Name, name, "tag file unreadable: %v", err)
		return false
	}
	return true
}

// loadTabler reads the 240×240 PNGs of @tabler/icons-png, with names,
// categories and tags from @tabler/icons at the same version.
func loadTabler(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	imgs, err := ps.Open(ctx, src.Packages[0], prefixed("icons/"))
	if err != nil {
		return nil, err
	}
	meta, err := ps.Open(ctx, src.Packages[1], func(n string) bool { return n == "icons.json" || isLicenceFile(n) })
	if err != nil {
		ps.problem(src.Name, src.Packages[1].String(), "unreadable: %v", err)
		meta = Files{}
	}
	var info map[string]struct {
		Category string `json:"category"`
		Tags     []any  `json:"tags"` // some tags are JSON numbers
	}
	tagsOrProblem(ps, src, meta, "icons.json", &info)
	var items []Item
	for _, style := range []string{"outline", "filled"} {
		for _, f := range filesUnder(imgs, "icons/"+style+"/", ".png") {
			var tags []string
			if m, ok := info[f[0]]; ok {
				tags = append(tags, m.Category)
				for _, t := range m.Tags {
					tags = append(tags, fmt.Sprint(t))
				}
			}
			it := iconItem(src, style, f[0], tags)
			it.Data, it.Format = imgs[f[1]], "png"
			items = append(items, it)
		}
	}
	sortItems(items)
	return items, nil
}

// loadMDI reads @mdi/svg with aliases and tags from meta.json.
func loadMDI(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	files, err := ps.Open(ctx, src.Packages[0], func(n string) bool {
		return n == "meta.json" || isLicenceFile(n) || strings.HasPrefix(n, "svg/")
	})
	if err != nil {
		return nil, err
	}
	var meta []struct {
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
		Tags    []string `json:"tags"`
	}
	tagsOrProblem(ps, src, files, "meta.json", &meta)
	tags := map[string][]string{}
	for _, m := range meta {
		var t []string
		for _, a := range m.Aliases {
			t = append(t, humanName(a))
		}
		tags[m.Name] = append(t, m.Tags...)
	}
	var items []Item
	for _, f := range filesUnder(files, "svg/", ".svg") {
		it := iconItem(src, "", f[0], tags[f[0]])
		it.Data, it.Format = files[f[1]], "svg"
		items = append(items, it)
	}
	return items, nil
}

// loadLucide reads lucide-static with tags from tags.json.
func loadLucide(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	files, err := ps.Open(ctx, src.Packages[0], func(n string) bool {
		return n == "tags.json" || isLicenceFile(n) || strings.HasPrefix(n, "icons/")
	})
	if err != nil {
		return nil, err
	}
	var tags map[string][]string
	tagsOrProblem(ps, src, files, "tags.json", &tags)
	var items []Item
	for _, f := range filesUnder(files, "icons/", ".svg") {
		it := iconItem(src, "", f[0], tags[f[0]])
		it.Data, it.Format = files[f[1]], "svg"
		items = append(items, it)
	}
	return items, nil
}

var phosphorWeights = []string{"regular", "thin", "light", "bold", "fill", "duotone"}

// Phosphor's metadata is only shipped as JavaScript; the entries are plain
// object literals, so two patterns find each icon's name and tag list.
var (
	phosphorName = regexp.MustCompile(`(?m)^\s+name: "([^"]+)"`)
	phosphorTags = regexp.MustCompile(`(?s)tags: \[(.*?)\]`)
	quoted       = regexp.MustCompile(`"([^"]*)"`)
)

func phosphorMeta(js string) map[string][]string {
	out := map[string][]string{}
	locs := phosphorName.FindAllStringSubmatchIndex(js, -1)
	for i, l := range locs {
		end := len(js)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		name := js[l[2]:l[3]]
		if m := phosphorTags.FindStringSubmatch(js[l[1]:end]); m != nil {
			for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
				out[name] = append(out[name], q[1])
			}
		}
	}
	return out
}

// loadPhosphor reads the six weights of @phosphor-icons/core.
func loadPhosphor(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	files, err := ps.Open(ctx, src.Packages[0], func(n string) bool {
		return n == "dist/index.mjs" || isLicenceFile(n) || strings.HasPrefix(n, "assets/")
	})
	if err != nil {
		return nil, err
	}
	var tags map[string][]string
	if js, ok := files["dist/index.mjs"]; ok {
		tags = phosphorMeta(string(js))
	} else {
		ps.problem(src.Name, "dist/index.mjs", "tag file missing: icons captioned by name only")
	}
	var items []Item
	for _, w := range phosphorWeights {
		for _, f := range filesUnder(files, "assets/"+w+"/", ".svg") {
			name := strings.TrimSuffix(f[0], "-"+w)
			it := iconItem(src, w, name, tags[name])
			it.Data, it.Format = files[f[1]], "svg"
			items = append(items, it)
		}
	}
	sortItems(items)
	return items, nil
}
