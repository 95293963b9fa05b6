//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"blip2/model/dataset"
)

func init() {
	register("gallery", "pick the page's search gallery from a dataset's test split (make gallery)", runGallery)
}

// GalleryItem is one entry of the page's gallery.json.
type GalleryItem struct {
	ID      string `json:"id"`
	File    string `json:"file"` // beside gallery.json
	Caption string `json:"caption"`
	Source  string `json:"source"`
	Package string `json:"package"`
	Version string `json:"version"`
	Licence string `json:"licence"`
}

func runGallery(args []string) error {
	fs := flag.NewFlagSet("gallery", flag.ContinueOnError)
	data := fs.String("data", "", "dataset folder built by `server data`")
	out := fs.String("out", "web/gallery", "output folder: the images, gallery.json and NOTICE.txt")
	n := fs.Int("n", 200, "images, spread evenly over the test split (at most 500)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *n < 1 || *n > 500 {
		return fmt.Errorf("usage: gallery -data DIR [-out DIR] [-n 1..500]")
	}
	entries, err := dataset.ReadManifest(*data)
	if err != nil {
		return err
	}
	var test []dataset.Entry
	for _, e := range entries {
		if e.Split == "test" {
			test = append(test, e)
		}
	}
	if len(test) < *n {
		return fmt.Errorf("%s has %d test images, fewer than -n %d", *data, len(test), *n)
	}
	sort.Slice(test, func(a, b int) bool { return test[a].ID < test[b].ID })
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var items []GalleryItem
	sources := map[string]bool{}
	for i := 0; i < *n; i++ {
		e := test[i*len(test) / *n] // evenly over the sorted ids: every source
		file := strings.NewReplacer("/", "-", " ", "_").Replace(e.ID) + filepath.Ext(e.File)
		b, err := os.ReadFile(filepath.Join(*data, e.File))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, file), b, 0o644); err != nil {
			return err
		}
		items = append(items, GalleryItem{ID: e.ID, File: file, Caption: e.Caption, Source: e.Source, Package: e.Package, Version: e.Version, Licence: e.Licence})
		sources[e.Source] = true
	}
	js, _ := json.MarshalIndent(items, "", " ")
	if err := os.WriteFile(filepath.Join(*out, "gallery.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	// The dataset's NOTICE, cut to the sources the gallery draws on: their
	// licences and the attributions those licences ask for.
	raw, err := os.ReadFile(filepath.Join(*data, "NOTICE"))
	if err != nil {
		return err
	}
	notice := "The gallery's images are from the test split of the project's dataset (`server data`);\n" +
		"gallery.json names each one's package and licence. Their sources:\n\n"
	for _, block := range strings.Split(string(raw), "\n\n") {
		if first, _, _ := strings.Cut(strings.TrimSpace(block), "\n"); sources[first] {
			notice += strings.TrimSpace(block) + "\n\n"
		}
	}
	fmt.Printf("%d images from %d sources in %s\n", len(items), len(sources), *out)
	return os.WriteFile(filepath.Join(*out, "NOTICE.txt"), []byte(notice), 0o644)
}
