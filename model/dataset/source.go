package dataset

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Source is one image set: where its files come from, how they are turned
// into Items, and under which licence they may be used.
type Source struct {
	Name     string
	Licence  string    // SPDX identifier of the images
	Packages []Package // Packages[0] ships the images; the others ship text
	// Attribution is the notice the licence asks to keep with the images.
	Attribution string
	// Rasterizer names how SVG images are drawn: "go" (oksvg with the
	// normalising pre-pass) or "rsvg" (rsvg-convert). The choice per set
	// comes from the comparison recorded in docs/data.md.
	Rasterizer string
	Load       func(ctx context.Context, ps *PackageSet, src *Source) ([]Item, error)
}

// Problem is one piece of bad input that was skipped. Problems never stop
// a build; they are counted and listed at its end.
type Problem struct {
	Source string
	What   string // an item id, a package or a file inside a package
	Reason string
}

func (p Problem) String() string { return p.Source + ": " + p.What + ": " + p.Reason }

// PackageSet opens the packages of a build through the Fetcher and records
// the problems that sources report.
type PackageSet struct {
	Fetcher  *Fetcher
	Problems []Problem
	cache    map[string]Files // emojibase is read by several sources
}

// Open returns the files of p that keep selects.
func (ps *PackageSet) Open(ctx context.Context, p Package, keep func(string) bool) (Files, error) {
	file, err := ps.Fetcher.Path(ctx, p)
	if err != nil {
		return nil, err
	}
	return ReadArchive(ctx, file, keep)
}

// openCached is Open for small metadata packages that several sources share.
func (ps *PackageSet) openCached(ctx context.Context, p Package, keep func(string) bool) (Files, error) {
	if ps.cache == nil {
		ps.cache = map[string]Files{}
	}
	if f, ok := ps.cache[p.String()]; ok {
		return f, nil
	}
	f, err := ps.Open(ctx, p, keep)
	if err != nil {
		return nil, err
	}
	ps.cache[p.String()] = f
	return f, nil
}

func (ps *PackageSet) problem(src, what, format string, args ...any) {
	ps.Problems = append(ps.Problems, Problem{src, what, fmt.Sprintf(format, args...)})
}

// prefixed keeps the files under one of the given folders or with one of
// the given exact names.
func prefixed(names ...string) func(string) bool {
	return func(n string) bool {
		for _, p := range names {
			if n == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(n, p)) {
				return true
			}
		}
		return false
	}
}

// licenceFiles keeps the licence texts that a package ships at its top.
func isLicenceFile(n string) bool {
	u := strings.ToUpper(n)
	return !strings.Contains(n, "/") && (strings.HasPrefix(u, "LICENSE") || strings.HasPrefix(u, "LICENCE") || strings.HasPrefix(u, "COPYING"))
}

// filesUnder lists the files directly under dir with the given extension,
// sorted, as (stem, path) pairs.
func filesUnder(files Files, dir, ext string) [][2]string {
	var out [][2]string
	for n := range files {
		if strings.HasPrefix(n, dir) && strings.HasSuffix(n, ext) && !strings.Contains(n[len(dir):], "/") {
			out = append(out, [2]string{strings.TrimSuffix(n[len(dir):], ext), n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
