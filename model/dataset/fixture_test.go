package dataset

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// writeTgz writes an npm-style package archive (files under "package/").
func writeTgz(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := []byte(files[n])
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dotPNG is a 64×64 PNG with a coloured square on transparent.
func dotPNG(c color.NRGBA) string {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 16; y < 48; y++ {
		for x := 16; x < 48; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.String()
}

const fixtureStrokeSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M4 4h16v16H4z"/><circle cx="12" cy="12" r="4"/></svg>`
const fixtureFillSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M2 2H22V22H2Z"/></svg>`

// fixture is a package cache with small versions of three real source
// layouts: an emoji set joined to emojibase, an SVG icon set with a tag
// file (lucide) and one without (mdi's layout).
type fixture struct {
	cache   string
	sources []Source
}

func newFixture(t *testing.T, nIcons int) fixture {
	t.Helper()
	cache := t.TempDir()
	eb := Package{"npm", "emojibase-data", "0.0.1-test"}
	ds := Package{"npm", "emoji-datasource-google", "0.0.1-test"}
	lu := Package{"npm", "lucide-static", "0.0.1-test"}
	md := Package{"npm", "@mdi/svg", "0.0.1-test"}
	writeTgz(t, filepath.Join(cache, eb.FileName()), map[string]string{
		"en/data.json": `[{"label":"dog face","hexcode":"1F436","tags":["dog","pet"]},
			{"label":"waving hand","hexcode":"1F44B","tags":["wave"],"skins":[{"label":"waving hand: light skin tone","hexcode":"1F44B-1F3FB"}]},
			{"label":"red heart","hexcode":"2764-FE0F","tags":["love"]}]`,
		"LICENSE": "MIT fixture licence",
	})
	writeTgz(t, filepath.Join(cache, ds.FileName()), map[string]string{
		"emoji.json": `[{"name":"DOG FACE","unified":"1F436","image":"1f436.png"},
			{"name":"WAVING HAND SIGN","unified":"1F44B","image":"1f44b.png","skin_variations":{"1F3FB":{"unified":"1F44B-1F3FB","image":"1f44b-1f3fb.png"}}},
			{"name":"HEAVY BLACK HEART","unified":"2764-FE0F","image":"2764-fe0f.png"}]`,
		"img/google/64/1f436.png":       dotPNG(color.NRGBA{200, 120, 40, 255}),
		"img/google/64/1f44b.png":       dotPNG(color.NRGBA{250, 200, 60, 255}),
		"img/google/64/1f44b-1f3fb.png": dotPNG(color.NRGBA{250, 220, 180, 255}),
		"img/google/64/2764-fe0f.png":   dotPNG(color.NRGBA{220, 20, 40, 255}),
		"LICENSE":                       "MIT fixture licence",
	})
	names := []string{"dog", "house", "arrow-left", "arrow-left-outline", "cloud", "tree", "car", "boat", "star", "moon"}
	lucide := map[string]string{"tags.json": `{"dog":["animal","pet"],"house":["home"]}`, "LICENSE": "ISC fixture licence"}
	mdi := map[string]string{"LICENSE": "Apache fixture licence", "meta.json": `[{"name":"dog","aliases":["puppy"],"tags":["Animal"]}]`}
	for i := 0; i < nIcons; i++ {
		n := names[i%len(names)]
		if i >= len(names) {
			n += "-" + string(rune('a'+i/len(names)))
		}
		lucide["icons/"+n+".svg"] = fixtureStrokeSVG
		mdi["svg/"+n+".svg"] = fixtureFillSVG
	}
	writeTgz(t, filepath.Join(cache, lu.FileName()), lucide)
	writeTgz(t, filepath.Join(cache, md.FileName()), mdi)
	// The loaders read emojibase through the package-level pin; the
	// fixture's sources use their own copy under the same name.
	real := emojibase
	emojibase = eb
	t.Cleanup(func() { emojibase = real })
	return fixture{cache: cache, sources: []Source{
		{Name: "emoji-google", Licence: "Apache-2.0", Packages: []Package{ds, eb}, Attribution: "fixture emoji", Load: loadDatasource("google")},
		{Name: "lucide", Licence: "ISC", Packages: []Package{lu}, Attribution: "fixture lucide", Rasterizer: "go", Load: loadLucide},
		{Name: "mdi", Licence: "Apache-2.0", Packages: []Package{md}, Attribution: "fixture mdi", Rasterizer: "go", Load: loadMDI},
	}}
}

func (f fixture) options(out string) Options {
	return Options{Out: out, Fetcher: &Fetcher{CacheDir: f.cache, Offline: true}, Sources: f.sources, Master: true, Workers: 2}
}

// readTree returns every file under dir with its contents.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}
