package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"sort"
	"strings"

	"golang.org/x/net/html/charset"
)

// maxTitleShare is how many distinct drawings may share a title before it
// is taken for a collection name ("Gramastar", "Lemon SVG theme", "card")
// rather than a description of the drawing.
const maxTitleShare = 8

// clipMeta is what the Dublin Core block of an Open Clip Art SVG says.
type clipMeta struct {
	Title, Description, Creator string
	Subjects                    []string
}

// readClipMeta pulls title, description, creator and subject keywords out
// of the SVG's RDF metadata with a streaming parse, so that a drawing
// whose body is not valid XML still yields its metadata when that comes first.
func readClipMeta(svg []byte) (clipMeta, error) {
	var m clipMeta
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel // some drawings are Latin-1
	var stack []string
	for {
		tok, err := d.Token()
		if err != nil {
			if m.Title != "" {
				return m, nil
			}
			return m, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if t.Name.Local == "metadata" {
				return m, nil
			}
		case xml.CharData:
			s := strings.TrimSpace(string(t))
			if s == "" || len(stack) < 2 {
				continue
			}
			in := strings.Join(stack, "/")
			switch {
			case strings.HasSuffix(in, "Work/title"):
				m.Title = s
			case strings.HasSuffix(in, "Work/description"):
				m.Description = s
			case strings.HasSuffix(in, "creator/Agent/title"):
				m.Creator = s
			case strings.HasSuffix(in, "subject/Bag/li"):
				m.Subjects = append(m.Subjects, s)
			}
		}
	}
}

// loadClipart takes the pre-rendered PNGs of openclipart-png and the
// captions from the metadata of the matching openclipart-svg file. Usable
// drawings: distinct content, a title with a letter in it that at most
// maxTitleShare drawings share, a PNG beside the SVG, and not in the
// "logos" folder (trademarks).
func loadClipart(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error) {
	const svgDir, pngDir = "usr/share/openclipart/svg/", "usr/share/openclipart/png/"
	svgs, err := ps.Open(ctx, src.Packages[1], prefixed(svgDir, "usr/share/doc/openclipart-svg/copyright"))
	if err != nil {
		return nil, err
	}
	pngs, err := ps.Open(ctx, src.Packages[0], prefixed(pngDir))
	if err != nil {
		return nil, err
	}
	type cand struct {
		rel  string
		meta clipMeta
	}
	var names []string
	for n := range svgs {
		if strings.HasPrefix(n, svgDir) && strings.HasSuffix(n, ".svg") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	seen := map[[32]byte]bool{}
	var cands []cand
	share := map[string]int{}
	for _, n := range names {
		h := sha256.Sum256(svgs[n])
		if seen[h] {
			continue // the same drawing filed under a second category
		}
		seen[h] = true
		rel := strings.TrimSuffix(strings.TrimPrefix(n, svgDir), ".svg")
		if strings.HasPrefix(rel, "logos/") {
			continue
		}
		m, err := readClipMeta(svgs[n])
		if err != nil {
			ps.problem(src.Name, rel, "metadata unreadable: %v", err)
			continue
		}
		m.Title = clipTitle(m.Title)
		if strings.IndexFunc(m.Title, func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
			continue
		}
		share[m.Title]++
		cands = append(cands, cand{rel, m})
	}
	var items []Item
	for _, c := range cands {
		if share[c.meta.Title] > maxTitleShare {
			continue
		}
		png, ok := pngs[pngDir+c.rel+".png"]
		if !ok {
			ps.problem(src.Name, c.rel, "no PNG beside the SVG")
			continue
		}
		var tags []string
		creator := strings.ToLower(c.meta.Creator)
		for _, s := range c.meta.Subjects {
			if strings.ToLower(s) != creator {
				tags = append(tags, s)
			}
		}
		it := Item{
			ID: src.Name + "/" + c.rel, Source: src.Name, Package: src.Packages[0], Licence: src.Licence,
			Kind: KindClipArt, Label: c.meta.Title, Tags: cleanTags(tags), Key: NameKey(c.meta.Title),
			Data: png, Format: "png",
		}
		items = append(items, it)
	}
	sortItems(items)
	return items, nil
}

// clipTitle lower-cases a title, turns underscores into spaces and drops
// the "clipart by AUTHOR - " prefix that one artist put on every title.
func clipTitle(t string) string {
	t = strings.ToLower(strings.ReplaceAll(t, "_", " "))
	if rest, ok := strings.CutPrefix(t, "clipart by "); ok {
		if _, name, ok := strings.Cut(rest, " - "); ok {
			t = name
		}
	}
	return strings.Join(strings.Fields(t), " ")
}
