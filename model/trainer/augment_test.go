package trainer

import (
	"bytes"
	goimage "image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSquarePNG(t *testing.T, path string, side int) {
	t.Helper()
	img := goimage.NewRGBA(goimage.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A model small enough that every crop of the working image is still a
// downscale crops the working image; a larger one needs the master. The
// master here is missing, so reading it is an error naming it.
func TestAugmentedPixelsCropsTheSmallestImageLargeEnough(t *testing.T) {
	dir := t.TempDir()
	writeSquarePNG(t, filepath.Join(dir, "small.png"), 64)
	p := Pair{ID: "x", File: "small.png", Master: "master.png"}
	for _, size := range []int{16, 32, 41} {
		px, err := augmentedPixels(dir, p, size, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if len(px) != 3*size*size {
			t.Fatalf("size %d: %d values", size, len(px))
		}
	}
	for _, size := range []int{42, 64} {
		_, err := augmentedPixels(dir, p, size, rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), "master.png") {
			t.Fatalf("size %d: want the master read, got %v", size, err)
		}
	}
	writeSquarePNG(t, filepath.Join(dir, "master.png"), 224)
	if _, err := augmentedPixels(dir, p, 64, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
}
