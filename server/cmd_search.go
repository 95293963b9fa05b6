//go:build !(js && wasm)

package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"blip2/model/app"
	"blip2/model/tokenizer"
)

func init() {
	register("search", "rank a folder of images for texts with a BLIP-2 retrieval checkpoint (ITC, then ITM re-ranking)", runSearch)
}

func runSearch(args []string) error {
	fl := flag.NewFlagSet("search", flag.ContinueOnError)
	ckpt := fl.String("checkpoint", defaultModel, "model folder (streaming format or Hugging Face layout) with its BERT tokenizer files, or a fine-tuned weights file (.safetensors) laid over the shipped model")
	gallery := fl.String("gallery", "", "folder of images, searched recursively (files that are not images are skipped)")
	query := fl.String("query", "", "the text to search for")
	queries := fl.String("queries", "", "file of texts to search for, one a line")
	k := fl.Int("k", 10, "results per query")
	rerank := fl.Int("rerank", 16, "how many ITC results ITM re-ranks (0: none)")
	asJSON := fl.Bool("json", false, `one JSON line per query: {"query":…,"results":[{"path":…,"score":…},…]}`)
	device := fl.String("device", "gpu", "gpu or cpu")
	maxLen := fl.Int("max-text-len", 35, "text tokens at most")
	if err := fl.Parse(args); err != nil {
		return err
	}
	texts, err := searchTexts(*query, *queries)
	if err != nil || *gallery == "" {
		return fmt.Errorf("usage: search [-checkpoint DIR] -gallery DIR (-query TEXT | -queries FILE) [-k N] [-rerank M] [-json]%s", errSuffix(err))
	}
	b, done, err := openBackend(*device)
	if err != nil {
		return err
	}
	defer done()
	m, dir, err := loadModel(*ckpt, b)
	if err != nil {
		return err
	}
	tok, err := tokenizer.LoadWordPiece(dir)
	if err != nil {
		return err
	}
	paths, err := galleryImages(*gallery)
	if err != nil {
		return err
	}
	x := &app.Index{Model: m, Backend: b, Tok: tok, Rerank: *rerank}
	defer x.Free()
	if err := encodeGallery(x, paths); err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, q := range texts {
		if n := len(tok.Encode(q)); n > *maxLen {
			return fmt.Errorf("query %q is %d tokens, over -max-text-len %d", q, n, *maxLen)
		}
		hits, _, err := x.Search(q, *k)
		if err != nil {
			return err
		}
		hits = hits[:min(*k, len(hits))]
		if *asJSON {
			type result struct {
				Path  string  `json:"path"`
				Score float32 `json:"score"`
				ITC   float32 `json:"itc"`
				ITM   float32 `json:"itm,omitempty"`
			}
			rs := []result{}
			for _, h := range hits {
				rs = append(rs, result{Path: h.ID, Score: h.Score, ITC: h.ITC, ITM: max(h.ITM, 0)})
			}
			js, _ := json.Marshal(map[string]any{"query": q, "results": rs})
			fmt.Fprintln(out, string(js))
			continue
		}
		fmt.Fprintf(out, "# %s\nrank\titm\titc\timage\n", q)
		for i, h := range hits {
			itm := "-"
			if h.ITM >= 0 {
				itm = fmt.Sprintf("%.4f", h.ITM)
			}
			fmt.Fprintf(out, "%d\t%s\t%.4f\t%s\n", i+1, itm, h.ITC, h.ID)
		}
	}
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// searchTexts is -query or the lines of -queries.
func searchTexts(query, file string) ([]string, error) {
	switch {
	case query != "" && file != "":
		return nil, fmt.Errorf("-query and -queries exclude each other")
	case query != "":
		return []string{query}, nil
	case file == "":
		return nil, fmt.Errorf("no -query or -queries")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no queries", file)
	}
	return out, nil
}

// galleryImages lists the regular files under dir, sorted (symlinks are
// not followed).
func galleryImages(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	return paths, nil
}

// encodeGallery embeds every decodable image of paths in batches of 16,
// with progress, into an index whose ids are the paths.
func encodeGallery(x *app.Index, paths []string) error {
	size := x.Model.Config.Vision.ImageSize
	var ids []string
	var px [][]float32
	skipped := 0
	flush := func() error {
		err := x.Add(ids, px)
		ids, px = ids[:0], px[:0]
		fmt.Fprintf(os.Stderr, "\rencoded %d images", x.Len())
		return err
	}
	for _, p := range paths {
		v, err := readImage(p, size)
		if err != nil {
			skipped++
			continue
		}
		ids, px = append(ids, p), append(px, v)
		if len(ids) == 16 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\rencoded %d images (%d files skipped: not images)\n", x.Len(), skipped)
	if x.Len() == 0 {
		return fmt.Errorf("no images in the gallery")
	}
	return nil
}
