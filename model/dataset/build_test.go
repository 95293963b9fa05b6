package dataset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBuildIsDeterministic(t *testing.T) {
	f := newFixture(t, 12)
	a, b := t.TempDir(), t.TempDir()
	ra, err := Build(context.Background(), f.options(a))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), f.options(b)); err != nil {
		t.Fatal(err)
	}
	if len(ra.Problems) != 0 {
		t.Errorf("unexpected problems: %v", ra.Problems)
	}
	if want := 4 + 12 + 12; len(ra.Items) != want {
		t.Errorf("got %d items, want %d", len(ra.Items), want)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != len(tb) {
		t.Fatalf("runs wrote %d and %d files", len(ta), len(tb))
	}
	for name, body := range ta {
		if tb[name] != body {
			t.Errorf("%s differs between two runs", name)
		}
	}
	for _, n := range []string{"manifest.jsonl", "SHA256SUMS", "NOTICE", "PROBLEMS.txt"} {
		if _, ok := ta[n]; !ok {
			t.Errorf("%s not written", n)
		}
	}
	if !strings.Contains(ta["NOTICE"], "ISC fixture licence") {
		t.Errorf("NOTICE lacks the licence text shipped in a package")
	}
	checkDataset(t, a)
}

func TestBuildResumesAfterInterruption(t *testing.T) {
	f := newFixture(t, 20)
	clean := t.TempDir()
	if _, err := Build(context.Background(), f.options(clean)); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	opt := f.options(out)
	opt.afterItem = func() {
		if n.Add(1) == 10 {
			cancel()
		}
	}
	if _, err := Build(ctx, opt); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted build returned %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.jsonl")); err == nil {
		t.Fatal("an interrupted build wrote a manifest")
	}
	done := len(readTree(t, out))
	// The second run must keep the images of the first as they are.
	opt = f.options(out)
	before := readTree(t, out)
	// What a run killed mid-write leaves behind is cleaned up.
	os.WriteFile(filepath.Join(out, "images", ".tmp-123"), []byte("half"), 0o644)
	if _, err := Build(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	after := readTree(t, out)
	for name, body := range before {
		if after[name] != body {
			t.Errorf("%s rewritten with other content by the resumed run", name)
		}
	}
	if done == 0 {
		t.Error("the interrupted run wrote nothing; the test interrupts too early")
	}
	want := readTree(t, clean)
	if len(after) != len(want) {
		t.Errorf("resumed build has %d files, clean build %d", len(after), len(want))
	}
	for name, body := range want {
		if after[name] != body {
			t.Errorf("%s differs between resumed and clean build", name)
		}
	}
}

func TestBadInputIsReportedAndSkipped(t *testing.T) {
	f := newFixture(t, 5)
	// A truncated package: the emoji set's archive cut in half.
	ds := filepath.Join(f.cache, f.sources[0].Packages[0].FileName())
	b, _ := os.ReadFile(ds)
	os.WriteFile(ds, b[:len(b)/2], 0o644)
	// An unreadable SVG and a missing tag file in the lucide set.
	lu := filepath.Join(f.cache, f.sources[1].Packages[0].FileName())
	writeTgz(t, lu, map[string]string{
		"icons/dog.svg":    fixtureStrokeSVG,
		"icons/broken.svg": `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M4 4 L`,
		"icons/nonsvg.svg": `this is not xml`,
	})
	out := t.TempDir()
	res, err := Build(context.Background(), f.options(out))
	if err != nil {
		t.Fatalf("bad input aborted the build: %v", err)
	}
	want := []string{"emoji-google: source: skipped", "lucide: tags.json: tag file missing", "lucide: lucide/broken: skipped", "lucide: lucide/nonsvg: skipped"}
	got := ""
	for _, p := range res.Problems {
		got += p.String() + "\n"
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problem %q not reported; got:\n%s", w, got)
		}
	}
	if res.Counts["lucide"] != 1 || res.Counts["mdi"] != 5 || res.Counts["emoji-google"] != 0 {
		t.Errorf("counts %v, want lucide 1, mdi 5, emoji-google 0", res.Counts)
	}
	report, _ := os.ReadFile(filepath.Join(out, "PROBLEMS.txt"))
	if !strings.HasPrefix(string(report), "4 problems") {
		t.Errorf("PROBLEMS.txt starts %q", strings.SplitN(string(report), "\n", 2)[0])
	}
	checkDataset(t, out)
}

func TestFetcherOfflineReportsMissingPackage(t *testing.T) {
	f := &Fetcher{CacheDir: t.TempDir(), Offline: true}
	if _, err := f.Path(context.Background(), Package{"npm", "left-pad", "1.3.0"}); err == nil {
		t.Fatal("offline fetch of a package not in the cache succeeded")
	}
	if got := (Package{"npm", "@tabler/icons-png", "3.48.0"}).FileName(); got != "tabler-icons-png-3.48.0.tgz" {
		t.Errorf("npm file name %q", got)
	}
	if got := (Package{"deb", "wordnet-base", "1:3.0-37"}).FileName(); got != "wordnet-base_1%3a3.0-37_all.deb" {
		t.Errorf("deb file name %q", got)
	}
}
