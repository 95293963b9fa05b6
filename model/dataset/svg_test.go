package dataset

import (
	"image"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"M1.5.5a1 1 0 015 5":                     "M 1.5 0.5 a 1 1 0 0 1 5 5",
		"M0 0 1 1 2 2z":                          "M 0 0 L 1 1 L 2 2 z",
		"m0,0l1-1-1-1h2v2Z":                      "m 0 0 l 1 -1 l -1 -1 h 2 v 2 Z",
		"M1e2-3.5E-1c1 2 3 4 5 6 7 8 9 10 11 12": "M 100 -0.35 c 1 2 3 4 5 6 c 7 8 9 10 11 12",
	} {
		got, err := NormalizePath(in)
		if err != nil || got != want {
			t.Errorf("NormalizePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1 2", "M 1", "M0 0a1 1 0 2 0 5 5", "M0 0 L x"} {
		if _, err := NormalizePath(bad); err == nil {
			t.Errorf("NormalizePath(%q) gave no error", bad)
		}
	}
}

func TestNormalizeSVGMovesRootStyle(t *testing.T) {
	in := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="24" height="24" fill="none" stroke="currentColor" inkscape:version="1"><metadata><x/></metadata><path d="M1 1 2 2"/></svg>`
	out, err := NormalizeSVG([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g fill="none" stroke="#000000"><path d="M 1 1 L 2 2"></path></g></svg>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	for _, bad := range []string{"", "not xml", "<html></html>", `<svg><path d="M 1"/></svg>`} {
		if _, err := NormalizeSVG([]byte(bad)); err == nil {
			t.Errorf("NormalizeSVG(%q) gave no error", bad)
		}
	}
}

// darkFraction is the share of pixels darker than mid grey once the image
// is put on white.
func darkFraction(img image.Image) float64 {
	w := onWhite(img, WorkSize)
	n := 0
	for i := 0; i < len(w.Pix); i += 4 {
		if w.Pix[i] < 128 {
			n++
		}
	}
	return float64(n) / float64(WorkSize*WorkSize)
}

// TestRasterizeGoScalesStrokes checks the two silent oksvg failures the
// pre-pass exists for: root stroke attributes and stroke widths that do
// not scale with the viewBox. A 2-unit stroke of a 16-unit square in a
// 24-unit box covers about 26% of the image.
func TestRasterizeGoScalesStrokes(t *testing.T) {
	img, err := RasterizeGo([]byte(fixtureStrokeSVG), MasterSize)
	if err != nil {
		t.Fatal(err)
	}
	if f := darkFraction(img); f < 0.2 || f > 0.4 {
		t.Errorf("stroked icon covers %.1f%% of the image, want about 26%%", 100*f)
	}
	img, err = RasterizeGo([]byte(fixtureFillSVG), MasterSize)
	if err != nil {
		t.Fatal(err)
	}
	if f := darkFraction(img); f < 0.6 || f > 0.8 {
		t.Errorf("filled icon covers %.1f%% of the image, want about 69%%", 100*f)
	}
	if _, err := RasterizeGo([]byte(strings.Replace(fixtureFillSVG, `viewBox="0 0 24 24"`, "", 1)), 64); err == nil {
		t.Error("an SVG without viewBox or size rendered")
	}
}

func TestPixelMismatch(t *testing.T) {
	a, _ := RasterizeGo([]byte(fixtureFillSVG), MasterSize)
	b, _ := RasterizeGo([]byte(fixtureStrokeSVG), MasterSize)
	if m := PixelMismatch(a, a); m != 0 {
		t.Errorf("an image mismatches itself on %.2f of its pixels", m)
	}
	if m := PixelMismatch(a, b); m < mismatchPixels {
		t.Errorf("different icons mismatch on only %.2f of their pixels", m)
	}
}
