package image

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// pattern rebuilds the synthetic image of testdata/make_fixtures.py.
func pattern(w, h int) *RGB {
	img := &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				img.Pix[3*(y*w+x)+c] = uint8((x*37 + y*91 + c*53 + (x*y)%17*11 + (x^y)*5) % 256)
			}
		}
	}
	return img
}

// Outputs of Pillow 9.4's Image.resize(BICUBIC, reducing_gap=None) for
// down-, up- and one-axis resizes must be reproduced exactly.
func TestResizeMatchesPillowExactly(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "pillow_bicubic.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		In, Out [2]int
		RGB     string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		want, _ := base64.StdEncoding.DecodeString(c.RGB)
		got := ResizeBicubic(pattern(c.In[0], c.In[1]), c.Out[0], c.Out[1])
		diffs := 0
		for i := range want {
			if got.Pix[i] != want[i] {
				if diffs < 3 {
					t.Errorf("%v -> %v: byte %d = %d, Pillow %d", c.In, c.Out, i, got.Pix[i], want[i])
				}
				diffs++
			}
		}
		if diffs > 0 {
			t.Errorf("%v -> %v: %d of %d bytes differ", c.In, c.Out, diffs, len(want))
		}
	}
}

func TestResizeSameSizeIsIdentity(t *testing.T) {
	src := pattern(9, 7)
	got := ResizeBicubic(src, 9, 7)
	for i := range src.Pix {
		if got.Pix[i] != src.Pix[i] {
			t.Fatalf("byte %d changed", i)
		}
	}
	got.Pix[0]++
	if src.Pix[0] == got.Pix[0] {
		t.Error("identity resize must copy, not alias")
	}
}

func TestResizeKeepsConstantImageConstant(t *testing.T) {
	src := &RGB{W: 13, H: 11, Pix: make([]uint8, 3*13*11)}
	for i := range src.Pix {
		src.Pix[i] = []uint8{200, 7, 255}[i%3]
	}
	for _, size := range [][2]int{{4, 4}, {30, 17}, {13, 3}, {1, 1}} {
		got := ResizeBicubic(src, size[0], size[1])
		for i, v := range got.Pix {
			if want := []uint8{200, 7, 255}[i%3]; v != want {
				t.Fatalf("%v: byte %d = %d, want %d", size, i, v, want)
			}
		}
	}
}

// referenceResize is an independent float64 statement of Pillow's method
// (antialiased a=-0.5 cubic, normalised weights, 8-bit rounding between
// the passes), without the fixed-point weights. It may differ from
// Pillow by one level where a value sits near .5.
func referenceResize(src *RGB, w, h int) *RGB {
	weights := func(in, out int) [][]float64 {
		scale := float64(in) / float64(out)
		fs := math.Max(scale, 1)
		rows := make([][]float64, out)
		for o := range rows {
			center := (float64(o) + 0.5) * scale
			row := make([]float64, in)
			sum := 0.0
			for i := range row {
				// distance between pixel centres, in output pixels
				d := math.Abs(float64(i)+0.5-center) / fs
				if d < 1 {
					row[i] = 1.5*d*d*d - 2.5*d*d + 1
				} else if d < 2 {
					row[i] = -0.5*d*d*d + 2.5*d*d - 4*d + 2
				}
				sum += row[i]
			}
			for i := range row {
				row[i] /= sum
			}
			rows[o] = row
		}
		return rows
	}
	round8 := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Floor(v+0.5)))) }
	wx, wy := weights(src.W, w), weights(src.H, h)
	tmp := &RGB{W: w, H: src.H, Pix: make([]uint8, 3*w*src.H)}
	for y := 0; y < src.H; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				s := 0.0
				for i, k := range wx[x] {
					s += k * float64(src.Pix[3*(y*src.W+i)+c])
				}
				tmp.Pix[3*(y*w+x)+c] = round8(s)
			}
		}
	}
	out := &RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				s := 0.0
				for i, k := range wy[y] {
					s += k * float64(tmp.Pix[3*(i*w+x)+c])
				}
				out.Pix[3*(y*w+x)+c] = round8(s)
			}
		}
	}
	return out
}

func TestResizeTwoTimesDownscaleMatchesFloatReference(t *testing.T) {
	src := pattern(16, 12)
	got := ResizeBicubic(src, 8, 6)
	want := referenceResize(src, 8, 6)
	for i := range want.Pix {
		if d := int(got.Pix[i]) - int(want.Pix[i]); d < -1 || d > 1 {
			t.Errorf("byte %d = %d, float reference %d", i, got.Pix[i], want.Pix[i])
		}
	}
	// Hand check: a 2x downscale of a horizontal ramp 0,10,20,... keeps it
	// a ramp. Output x=1 is centred at input 2.5; with support 4 the
	// weights are symmetric around it, so the value is 25.
	ramp := &RGB{W: 8, H: 1, Pix: make([]uint8, 24)}
	for i := range ramp.Pix {
		ramp.Pix[i] = uint8(10 * (i / 3))
	}
	if v := ResizeBicubic(ramp, 4, 1).Pix[3]; v != 25 {
		t.Errorf("ramp midpoint = %d, want 25", v)
	}
}
