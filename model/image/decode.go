// Package image turns an encoded image (PNG, JPEG, GIF, WebP) into the
// normalised CHW float32 tensor BLIP-2's vision encoder expects, following
// Hugging Face's BlipImageProcessor: convert to RGB, bicubic resize to
// S×S (Pillow's algorithm), rescale by 1/255, normalise with CLIP mean/std.
package image

import (
	"bytes"
	"errors"
	"fmt"
	goimage "image"
	"image/color"
	_ "image/gif" // registers GIF
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// MaxPixels caps decoded images (50 megapixels, 150 MB as RGB): larger
// inputs are rejected from their header before any pixel is decoded.
const MaxPixels = 50_000_000

// RGB is an 8-bit RGB image, rows top to bottom, 3 bytes per pixel.
type RGB struct {
	W, H int
	Pix  []uint8
}

// Decode reads an encoded image and converts it to RGB the way Pillow's
// convert("RGB") does: alpha is dropped, not composited. A transparent
// pixel keeps whatever colour the file stores under it (often black).
// That is what BlipImageProcessor feeds the model, so we match it.
func Decode(data []byte) (*RGB, error) {
	cfg, format, err := goimage.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, goimage.ErrFormat) {
			return nil, errors.New("image: not a PNG, JPEG, GIF or WebP file")
		}
		return nil, fmt.Errorf("image: reading header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("image: %s has empty size %dx%d", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("image: %s is %dx%d, over the %d-pixel limit", format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, _, err := goimage.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image: decoding %s: %w", format, err)
	}
	return ToRGB(img), nil
}

// ToRGB converts any image.Image, dropping alpha like Pillow. For formats
// that store straight (non-premultiplied) colour the stored RGB is kept
// exactly; premultiplied sources are un-premultiplied first.
func ToRGB(img goimage.Image) *RGB {
	b := img.Bounds()
	out := &RGB{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 3*b.Dx()*b.Dy())}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = pixelRGB(img, x, y)
			i += 3
		}
	}
	return out
}

func pixelRGB(img goimage.Image, x, y int) (r, g, b uint8) {
	switch m := img.(type) {
	case *goimage.NRGBA:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *goimage.NRGBA64:
		p := m.Pix[m.PixOffset(x, y):]
		return p[0], p[2], p[4] // high bytes, as Pillow reads 16-bit RGB
	case *goimage.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return v, v, v
	case *goimage.YCbCr:
		c := m.YCbCrAt(x, y)
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case *goimage.NYCbCrA:
		c := m.YCbCrAt(x, y)
		return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
	case *goimage.Paletted:
		return straight(m.Palette[m.ColorIndexAt(x, y)])
	}
	return straight(img.At(x, y))
}

// straight returns the colour's RGB without alpha: NRGBA values as
// stored, anything else un-premultiplied through the NRGBA model.
func straight(c color.Color) (r, g, b uint8) {
	if n, ok := c.(color.NRGBA); ok {
		return n.R, n.G, n.B
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return n.R, n.G, n.B
}
