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
		px, err := augmentations["standard"].pixels(dir, p, size, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if len(px) != 3*size*size {
			t.Fatalf("size %d: %d values", size, len(px))
		}
	}
	for _, size := range []int{42, 64} {
		_, err := augmentations["standard"].pixels(dir, p, size, rand.New(rand.NewPCG(1, 2)))
		if err == nil || !strings.Contains(err.Error(), "master.png") {
			t.Fatalf("size %d: want the master read, got %v", size, err)
		}
	}
	writeSquarePNG(t, filepath.Join(dir, "master.png"), 224)
	if _, err := augmentations["standard"].pixels(dir, p, 64, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
}

// -augment none is the inference view; mild crops about 80 % of the area
// or more (a window clipped by the image's side at the extreme aspect
// keeps 77 %); an unknown strength is refused by name.
func TestAugmentStrengths(t *testing.T) {
	dir := t.TempDir()
	writeSquarePNG(t, filepath.Join(dir, "a.png"), 64)
	p := Pair{ID: "x", File: "a.png", Master: "a.png"}
	view, err := viewFunc(dir, "none", 32)
	if err != nil {
		t.Fatal(err)
	}
	got, err := view(p, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadImage(dir, p, 32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("none: value %d is %g, the inference view's %g", i, got[i], want[i])
		}
	}
	img, err := decodeFile(dir, p, p.File)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		c := randomCrop(img, augmentations["mild"].cropMinArea, rng)
		if area := float64(c.W*c.H) / float64(64*64); area < 0.76 {
			t.Fatalf("mild crop of %d×%d: %.2f of the area", c.W, c.H, area)
		}
	}
	if _, err := viewFunc(dir, "strong", 32); err == nil || !strings.Contains(err.Error(), `"strong"`) {
		t.Fatalf("unknown strength: %v", err)
	}
	o := Stage1Defaults()
	o.Init, o.Augment = "x", "mild"
	if err := o.check(); err == nil || !strings.Contains(err.Error(), "stage0-vision only") {
		t.Fatalf("-augment on stage1: %v", err)
	}
}
