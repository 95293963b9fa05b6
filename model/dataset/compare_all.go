package dataset

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
)

// CompareAll runs CompareSVG over every SVG source and prints one line per
// set, saying which renderer the set should use. With perSet > 0 only
// that many icons of each set are drawn, chosen by a hash of their ids:
// rsvg-convert runs as one process per icon, and a whole-set comparison
// takes about 40 minutes on two cores.
func CompareAll(ctx context.Context, f *Fetcher, sources []Source, perSet, workers int, progress, report io.Writer) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ps := &PackageSet{Fetcher: f}
	var results []SetComparison
	for i := range sources {
		src := &sources[i]
		if src.Rasterizer == "" {
			continue // a bitmap set
		}
		items, err := src.Load(ctx, ps, src)
		if err != nil {
			fmt.Fprintf(report, "%s: not compared: %v\n", src.Name, err)
			continue
		}
		if perSet > 0 && len(items) > perSet {
			sort.Slice(items, func(i, j int) bool { return keyHash(items[i].ID) < keyHash(items[j].ID) })
			items = items[:perSet]
		}
		bar := NewProgress(progress, src.Name, len(items))
		c := CompareSVG(ctx, src.Name, items, workers, func() { bar.Add(1) })
		bar.Finish("")
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results = append(results, c)
	}
	for _, c := range results {
		use := "go"
		if c.UseRsvg() {
			use = "rsvg"
		}
		fmt.Fprintf(report, "%s  -> %s\n", c, use)
		for _, w := range c.Worst {
			fmt.Fprintf(report, "    worst: %s\n", w)
		}
	}
	return nil
}
