package dataset

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleDir = "../../testdata/data-sample"

// checkDataset checks a built dataset folder: every image decodes at its
// size, every pair has a licence, a version and a split, no concept key is
// in two splits, and SHA256SUMS matches the files.
func checkDataset(t *testing.T, dir string) []Entry {
	t.Helper()
	entries, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	splitOf := map[string]string{}
	for _, e := range entries {
		if e.Licence == "" || e.Version == "" || e.Package == "" || e.Source == "" {
			t.Errorf("%s: licence %q, package %q, version %q", e.ID, e.Licence, e.Package, e.Version)
		}
		if e.Caption == "" || len(e.Alternates) == 0 {
			t.Errorf("%s: caption %q, %d alternates", e.ID, e.Caption, len(e.Alternates))
		}
		if e.Split != Train && e.Split != Val && e.Split != Test {
			t.Errorf("%s: split %q", e.ID, e.Split)
		}
		if s, ok := splitOf[e.Key]; ok && s != e.Split {
			t.Errorf("concept key %s is in both %s and %s", e.Key, s, e.Split)
		}
		splitOf[e.Key] = e.Split
		checkImage(t, filepath.Join(dir, e.File), WorkSize)
		if e.Master != "" {
			checkImage(t, filepath.Join(dir, e.Master), MasterSize)
		}
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad SHA256SUMS line %q", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("SHA256SUMS lists %s: %v", name, err)
			continue
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != sum {
			t.Errorf("%s: sha256 %s, listed %s", name, got, sum)
		}
		listed++
	}
	if listed < len(entries) {
		t.Errorf("SHA256SUMS lists %d files for %d pairs", listed, len(entries))
	}
	return entries
}

func checkImage(t *testing.T, path string, size int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Errorf("%s: %dx%d, want %dx%d", path, b.Dx(), b.Dy(), size, size)
	}
}

func TestCommittedSample(t *testing.T) {
	entries := checkDataset(t, sampleDir)
	if len(entries) < 250 {
		t.Fatalf("sample has %d pairs, want about 300", len(entries))
	}
	perSource, perSplit := map[string]int{}, map[string]int{}
	for _, e := range entries {
		perSource[e.Source]++
		perSplit[e.Split]++
	}
	for _, s := range Sources() {
		if perSource[s.Name] == 0 {
			t.Errorf("sample has no pair from %s", s.Name)
		}
	}
	for _, sp := range []string{Train, Val, Test} {
		if perSplit[sp] == 0 {
			t.Errorf("sample has no %s pair", sp)
		}
	}
	notice, err := os.ReadFile(filepath.Join(sampleDir, "NOTICE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Sources() {
		if !strings.Contains(string(notice), s.Attribution) {
			t.Errorf("NOTICE lacks the attribution of %s", s.Name)
		}
	}
	// The sample's splits are the ones the split rule gives.
	for _, e := range entries {
		if strings.HasPrefix(e.Key, "name:") && NameSplit(e.Key) != e.Split {
			t.Errorf("%s: split %s, rule says %s", e.ID, e.Split, NameSplit(e.Key))
		}
	}
}
