// Package trainer drives training runs over the image–text dataset that
// `server data` builds: it loads and checks the pairs, caches the frozen
// encoder's features, runs the device training step, logs, checkpoints
// atomically and resumes bit-identically.
package trainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"blip2/model/dataset"
)

// Pair is one image–caption pair of a split.
type Pair struct {
	ID, File, Source, Key string
	// Master is the larger rendering that augmentation crops from (File
	// when the dataset was built without masters).
	Master string
	// Captions holds the canonical caption first, then the alternates.
	Captions []string
}

// LoadPairs reads a built dataset's manifest and returns the pairs of one
// split (train, val or test) in manifest order. It checks what a run would
// otherwise find out hours later: a missing folder or manifest, an empty
// split, image paths that leave the dataset folder or do not exist.
func LoadPairs(dataDir, split string) ([]Pair, error) {
	if dataDir == "" {
		return nil, errors.New("trainer: no dataset folder given (-data DIR, built by `server data -out DIR`)")
	}
	if st, err := os.Stat(dataDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("trainer: dataset folder %s does not exist (build it with `go run ./server data -out %s`)", dataDir, dataDir)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "manifest.jsonl")); err != nil {
		return nil, fmt.Errorf("trainer: %s has no manifest.jsonl: not a dataset built by `server data`", dataDir)
	}
	entries, err := dataset.ReadManifest(dataDir)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", dataDir, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("trainer: %s/manifest.jsonl is empty", dataDir)
	}
	var out []Pair
	var missing []string
	for _, e := range entries {
		if e.Split != split {
			continue
		}
		if !inside(e.File) || (e.Master != "" && !inside(e.Master)) {
			return nil, fmt.Errorf("trainer: manifest entry %s: image path %q or %q is not inside the dataset folder", e.ID, e.File, e.Master)
		}
		if e.Caption == "" {
			return nil, fmt.Errorf("trainer: manifest entry %s has no caption", e.ID)
		}
		master := e.Master
		if master == "" {
			master = e.File
		}
		if _, err := os.Stat(filepath.Join(dataDir, e.File)); err != nil {
			missing = append(missing, e.File)
			continue
		}
		if _, err := os.Stat(filepath.Join(dataDir, master)); err != nil {
			missing = append(missing, master)
			continue
		}
		out = append(out, Pair{ID: e.ID, File: e.File, Master: master, Source: e.Source, Key: e.Key,
			Captions: append([]string{e.Caption}, e.Alternates...)})
	}
	if len(missing) > 0 {
		show := missing[:min(len(missing), 3)]
		return nil, fmt.Errorf("trainer: %d images of split %q are missing from %s, e.g. %s", len(missing), split, dataDir, strings.Join(show, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trainer: split %q of %s has no pairs (splits are train, val, test)", split, dataDir)
	}
	return out, nil
}

// inside reports whether a manifest path stays inside the dataset folder.
func inside(p string) bool {
	return p != "" && !filepath.IsAbs(p) && !strings.HasPrefix(filepath.Clean(p), "..")
}
