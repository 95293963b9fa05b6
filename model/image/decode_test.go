package image

import (
	"bytes"
	goimage "image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func encodePNG(t *testing.T, img goimage.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pixelAt(img *RGB, x, y int) [3]uint8 {
	i := 3 * (y*img.W + x)
	return [3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}
}

// Pillow's convert("RGB") drops alpha: a fully transparent pixel keeps its
// stored colour rather than turning white (or black).
func TestDecodePNGDropsAlphaKeepingStoredColour(t *testing.T) {
	src := goimage.NewNRGBA(goimage.Rect(0, 0, 2, 1))
	src.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 0})
	src.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 128})
	img, err := Decode(encodePNG(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if p := pixelAt(img, 0, 0); p != [3]uint8{10, 20, 30} {
		t.Errorf("transparent pixel = %v, want stored colour", p)
	}
	if p := pixelAt(img, 1, 0); p != [3]uint8{200, 100, 50} {
		t.Errorf("half-transparent pixel = %v, want stored colour", p)
	}
}

func TestDecodeGrayAndPalettedPNG(t *testing.T) {
	g := goimage.NewGray(goimage.Rect(0, 0, 1, 1))
	g.SetGray(0, 0, color.Gray{77})
	img, err := Decode(encodePNG(t, g))
	if err != nil || pixelAt(img, 0, 0) != [3]uint8{77, 77, 77} {
		t.Errorf("gray = %v %v", img, err)
	}
	pal := goimage.NewPaletted(goimage.Rect(0, 0, 2, 1), color.Palette{color.NRGBA{1, 2, 3, 255}, color.NRGBA{9, 8, 7, 0}})
	pal.SetColorIndex(1, 0, 1)
	img, err = Decode(encodePNG(t, pal))
	if err != nil || pixelAt(img, 0, 0) != [3]uint8{1, 2, 3} || pixelAt(img, 1, 0) != [3]uint8{9, 8, 7} {
		t.Errorf("paletted = %v %v", img, err)
	}
}

func TestDecodeJPEGAndGIF(t *testing.T) {
	flat := goimage.NewRGBA(goimage.Rect(0, 0, 16, 16))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []uint8{180, 90, 40, 255})
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, flat, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	img, err := Decode(jb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p := pixelAt(img, 8, 8)
	for c, want := range []int{180, 90, 40} {
		if d := int(p[c]) - want; d < -3 || d > 3 {
			t.Errorf("jpeg channel %d = %d, want about %d", c, p[c], want)
		}
	}
	var gb bytes.Buffer
	pal := goimage.NewPaletted(goimage.Rect(0, 0, 3, 2), color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{250, 128, 3, 255}})
	pal.SetColorIndex(2, 1, 1)
	if err := gif.Encode(&gb, pal, nil); err != nil {
		t.Fatal(err)
	}
	img, err = Decode(gb.Bytes())
	if err != nil || img.W != 3 || img.H != 2 || pixelAt(img, 2, 1) != [3]uint8{250, 128, 3} {
		t.Errorf("gif = %v %v", img, err)
	}
}

// testdata/rgba.webp is a lossless 5x4 WebP with alpha made by cwebp
// -exact (see make_fixtures.py); Go cannot encode WebP.
func TestDecodeLosslessWebP(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "rgba.webp"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 5 || img.H != 4 {
		t.Fatalf("size %dx%d", img.W, img.H)
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 5; x++ {
			want := [3]uint8{uint8(x * 60), uint8(y * 80), uint8((x + y) * 30)}
			if p := pixelAt(img, x, y); p != want {
				t.Errorf("(%d,%d) = %v, want %v", x, y, p, want)
			}
		}
	}
}

func TestDecodeRejectsNonImagesAndHugeImages(t *testing.T) {
	if _, err := Decode([]byte("definitely not an image")); err == nil || !strings.Contains(err.Error(), "not a PNG") {
		t.Errorf("text: %v", err)
	}
	if _, err := Decode(nil); err == nil {
		t.Error("empty input accepted")
	}
	var gb bytes.Buffer
	gif.Encode(&gb, goimage.NewPaletted(goimage.Rect(0, 0, 1, 1), color.Palette{color.Black}), nil)
	huge := gb.Bytes()
	// Patch the logical screen size (bytes 6..9, little-endian) to 10000x10000.
	huge[6], huge[7], huge[8], huge[9] = 0x10, 0x27, 0x10, 0x27
	if _, err := Decode(huge); err == nil || !strings.Contains(err.Error(), "pixel limit") {
		t.Errorf("huge gif: %v", err)
	}
	trunc := encodePNG(t, goimage.NewGray(goimage.Rect(0, 0, 4, 4)))
	if _, err := Decode(trunc[:len(trunc)-20]); err == nil {
		t.Error("truncated png accepted")
	}
}

func TestPreprocessNormalisesToCHW(t *testing.T) {
	src := goimage.NewNRGBA(goimage.Rect(0, 0, 2, 2))
	for y := 0; y < 2; y++ {
		src.SetNRGBA(0, y, color.NRGBA{255, 0, 0, 255})
		src.SetNRGBA(1, y, color.NRGBA{0, 0, 255, 255})
	}
	px, err := Preprocess(encodePNG(t, src), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(px) != 12 {
		t.Fatalf("len = %d, want 3*2*2", len(px))
	}
	norm := func(v float64, c int) float32 {
		return (float32(v/255) - CLIPMean[c]) / CLIPStd[c]
	}
	// Plane c holds channel c for pixels in row-major order.
	want := []float32{
		norm(255, 0), norm(0, 0), norm(255, 0), norm(0, 0),
		norm(0, 1), norm(0, 1), norm(0, 1), norm(0, 1),
		norm(0, 2), norm(255, 2), norm(0, 2), norm(255, 2),
	}
	for i := range want {
		if px[i] != want[i] {
			t.Errorf("px[%d] = %v, want %v", i, px[i], want[i])
		}
	}
	if math.Abs(float64(px[0])-1.9303) > 1e-4 {
		t.Errorf("red plane max = %v, want (1-0.48145466)/0.26862954 = 1.9303", px[0])
	}
	if _, err := Preprocess(encodePNG(t, src), 0); err == nil {
		t.Error("size 0 accepted")
	}
}
