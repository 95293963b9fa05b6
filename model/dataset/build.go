package dataset

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Options configure one build.
type Options struct {
	Out      string
	Fetcher  *Fetcher
	Sources  []Source
	Master   bool // also write the 224×224 masters
	Sample   int  // > 0: keep only about this many pairs, spread over sources and splits
	Workers  int  // rendering goroutines; 0 means one per CPU
	Corpus   bool // also write the text corpus (needs wordnet-base)
	Progress io.Writer

	// afterItem is called after each rendered item; tests use it to
	// interrupt a build at a known point.
	afterItem func()
}

// Result is what a build produced.
type Result struct {
	Items    []Item // the pairs in the manifest, without their raw image data
	Problems []Problem
	Counts   map[string]int // pairs per source
}

// Build makes the dataset in opt.Out. It can be interrupted at any time
// (ctx) and run again: images already written are kept, every file is
// written under a temporary name and renamed into place, and the
// manifest, checksums and notices are written last, from the items, so a
// finished build depends only on its inputs.
func Build(ctx context.Context, opt Options) (*Result, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return nil, err
	}
	removeTempFiles(opt.Out)
	ps := &PackageSet{Fetcher: opt.Fetcher}
	var all []Item
	loaded := map[string]*Source{}
	for i := range opt.Sources {
		src := &opt.Sources[i]
		items, err := src.Load(ctx, ps, src)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			ps.problem(src.Name, "source", "skipped: %v", err)
			continue
		}
		loaded[src.Name] = src
		all = append(all, items...)
	}
	AssignSplits(all)
	if opt.Sample > 0 {
		all = Sample(all, opt.Sample)
	}
	res := &Result{Counts: map[string]int{}}
	for i := range opt.Sources {
		src := &opt.Sources[i]
		if loaded[src.Name] == nil {
			continue
		}
		var mine []Item
		for _, it := range all {
			if it.Source == src.Name {
				mine = append(mine, it)
			}
		}
		ok, err := renderSource(ctx, opt, src, mine, ps)
		if err != nil {
			return nil, err
		}
		for _, it := range ok {
			it.Data = nil
			res.Items = append(res.Items, it)
		}
		res.Counts[src.Name] = len(ok)
	}
	if opt.Corpus {
		if err := WriteCorpus(ctx, opt.Out, ps, res.Items); err != nil {
			ps.problem("corpus", "corpus.txt", "not written: %v", err)
		}
	}
	sort.Slice(ps.Problems, func(i, j int) bool { return ps.Problems[i].String() < ps.Problems[j].String() })
	res.Problems = ps.Problems
	if err := writeOutputs(ctx, opt, ps, loaded, res); err != nil {
		return nil, err
	}
	return res, nil
}

// imagePath is where an item's image of one size lives in the output.
func imagePath(out string, size int, id string) string {
	return filepath.Join(out, "images", fmt.Sprint(size), filepath.FromSlash(id)+".png")
}

// renderSource writes the images of one source and returns the items that
// rendered; the others are reported as problems.
func renderSource(ctx context.Context, opt Options, src *Source, items []Item, ps *PackageSet) ([]Item, error) {
	bar := NewProgress(opt.Progress, src.Name, len(items))
	failed := make([]error, len(items))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				failed[i] = renderOne(opt, src, &items[i])
				bar.Add(1)
				if opt.afterItem != nil {
					opt.afterItem()
				}
			}
		}()
	}
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		bar.Finish("interrupted")
		return nil, ctx.Err()
	}
	var ok []Item
	for i, it := range items {
		if failed[i] != nil {
			ps.problem(src.Name, it.ID, "skipped: %v", failed[i])
			continue
		}
		ok = append(ok, it)
	}
	note := ""
	if n := len(items) - len(ok); n > 0 {
		note = fmt.Sprintf("%d skipped", n)
	}
	bar.Finish(note)
	return ok, nil
}

// renderOne renders an item unless its files are already there from an
// earlier, interrupted run.
func renderOne(opt Options, src *Source, it *Item) error {
	small := imagePath(opt.Out, WorkSize, it.ID)
	big := imagePath(opt.Out, MasterSize, it.ID)
	if exists(small) && (!opt.Master || exists(big)) {
		return nil
	}
	work, master, err := renderItem(it, src.Rasterizer, opt.Master)
	if err != nil {
		return err
	}
	if opt.Master {
		if err := writeAtomic(big, master); err != nil {
			return err
		}
	}
	return writeAtomic(small, work)
}

// removeTempFiles deletes what a killed run left half-written.
func removeTempFiles(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			os.Remove(p)
		}
		return nil
	})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeAtomic writes data under a temporary name in the same folder and
// renames it, so a reader never sees a half-written file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
