package dataset

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one line of manifest.jsonl.
type Entry struct {
	ID         string   `json:"id"`
	File       string   `json:"file"`             // 64×64 image, relative to the dataset folder
	Master     string   `json:"master,omitempty"` // 224×224 image, when built
	Source     string   `json:"source"`
	Package    string   `json:"package"`
	Version    string   `json:"version"`
	Licence    string   `json:"licence"`
	Key        string   `json:"key"`
	Split      string   `json:"split"`
	Caption    string   `json:"caption"`
	Alternates []string `json:"alternates"`
	Tags       []string `json:"tags,omitempty"`
}

func entryOf(it Item, master bool) Entry {
	c, alt := it.Captions()
	e := Entry{
		ID: it.ID, File: "images/64/" + it.ID + ".png", Source: it.Source,
		Package: it.Package.Registry + ":" + it.Package.Name, Version: it.Package.Version,
		Licence: it.Licence, Key: it.Key, Split: it.Split, Caption: c, Alternates: alt, Tags: it.Tags,
	}
	if master {
		e.Master = "images/224/" + it.ID + ".png"
	}
	return e
}

// ReadManifest reads manifest.jsonl of a built dataset.
func ReadManifest(dir string) ([]Entry, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("manifest.jsonl:%d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// writeOutputs writes manifest.jsonl, NOTICE, PROBLEMS.txt and, last,
// SHA256SUMS over every file of the dataset. Nothing in them depends on
// the time or the order in which images were rendered.
func writeOutputs(ctx context.Context, opt Options, ps *PackageSet, loaded map[string]*Source, res *Result) error {
	var man bytes.Buffer
	enc := json.NewEncoder(&man)
	enc.SetEscapeHTML(false)
	files := []string{"manifest.jsonl", "NOTICE", "PROBLEMS.txt"}
	for _, it := range res.Items {
		e := entryOf(it, opt.Master)
		if err := enc.Encode(e); err != nil {
			return err
		}
		files = append(files, e.File)
		if e.Master != "" {
			files = append(files, e.Master)
		}
	}
	if err := writeAtomic(filepath.Join(opt.Out, "manifest.jsonl"), man.Bytes()); err != nil {
		return err
	}
	notice, err := noticeText(ctx, opt, ps, loaded)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(opt.Out, "NOTICE"), notice); err != nil {
		return err
	}
	var probs bytes.Buffer
	fmt.Fprintf(&probs, "%d problems; each was skipped\n", len(res.Problems))
	for _, p := range res.Problems {
		fmt.Fprintln(&probs, p.String())
	}
	if err := writeAtomic(filepath.Join(opt.Out, "PROBLEMS.txt"), probs.Bytes()); err != nil {
		return err
	}
	if opt.Corpus && exists(filepath.Join(opt.Out, "corpus.txt")) {
		files = append(files, "corpus.txt")
	}
	sort.Strings(files)
	var sums bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(opt.Out, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(b), f)
	}
	return writeAtomic(filepath.Join(opt.Out, "SHA256SUMS"), sums.Bytes())
}

// noticeText gathers, per source, the package versions, the licence, the
// attribution the licence asks for and the licence texts the packages ship.
func noticeText(ctx context.Context, opt Options, ps *PackageSet, loaded map[string]*Source) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("Image–text dataset: sources, licences and attributions\n")
	b.WriteString("=======================================================\n\n")
	texts := map[string]string{}
	var order []string
	for _, src := range opt.Sources {
		if loaded[src.Name] == nil {
			continue
		}
		fmt.Fprintf(&b, "%s\n  licence of the images: %s\n  %s\n", src.Name, src.Licence, src.Attribution)
		for _, p := range src.Packages {
			fmt.Fprintf(&b, "  package: %s\n", p)
			if _, seen := texts[p.String()]; seen {
				continue
			}
			t, err := licenceTexts(ctx, ps, p)
			if err != nil {
				t = "(licence text not readable: " + err.Error() + ")"
			}
			texts[p.String()] = t
			order = append(order, p.String())
		}
		b.WriteString("\n")
	}
	if exists(filepath.Join(opt.Out, "corpus.txt")) {
		fmt.Fprintf(&b, "corpus.txt (text corpus)\n  %s\n  package: %s\n", wordnetAttribution, wordnet)
		t, err := licenceTexts(ctx, ps, wordnet)
		if err == nil {
			texts[wordnet.String()] = t
			order = append(order, wordnet.String())
		}
	}
	for _, p := range order {
		if texts[p] == "" {
			continue
		}
		fmt.Fprintf(&b, "\n----- licence files shipped in %s -----\n\n%s\n", p, texts[p])
	}
	return b.Bytes(), nil
}

func licenceTexts(ctx context.Context, ps *PackageSet, p Package) (string, error) {
	files, err := ps.Open(ctx, p, func(n string) bool {
		return isLicenceFile(n) || (strings.HasPrefix(n, "usr/share/doc/") && strings.HasSuffix(n, "/copyright"))
	})
	if err != nil {
		return "", err
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, n+":\n"+strings.TrimSpace(string(files[n])))
	}
	return strings.Join(parts, "\n\n"), nil
}
