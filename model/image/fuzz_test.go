package image

import (
	"bytes"
	goimage "image"
	"image/png"
	"testing"
)

// FuzzDecode feeds corrupt files to the decoders: errors are fine, panics
// and images larger than the cap are not.
func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, goimage.NewNRGBA(goimage.Rect(0, 0, 3, 2)))
	f.Add(b.Bytes())
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8L"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data)
		if err != nil {
			return
		}
		if img.W*img.H > MaxPixels || len(img.Pix) != 3*img.W*img.H {
			t.Fatalf("bad image %dx%d with %d bytes", img.W, img.H, len(img.Pix))
		}
	})
}
