package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"

	"golang.org/x/image/draw"
)

// Working sizes: the models train on 64×64; 224 is kept as the master for
// larger encoders later.
const (
	WorkSize   = 64
	MasterSize = 224
)

// onWhite draws img, scaled to fit inside a size×size square with its
// aspect ratio kept and centred, over an opaque white background. The
// result is RGB in practice (alpha is always 255).
func onWhite(img image.Image, size int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	stddraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, stddraw.Src)
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return dst
	}
	tw, th := size, size
	if w > h {
		th = max(1, (h*size+w/2)/w)
	} else if h > w {
		tw = max(1, (w*size+h/2)/h)
	}
	r := image.Rect((size-tw)/2, (size-th)/2, (size-tw)/2+tw, (size-th)/2+th)
	if tw == w && th == h {
		stddraw.Draw(dst, r, img, b.Min, stddraw.Over)
		return dst
	}
	draw.CatmullRom.Scale(dst, r, img, b, draw.Over, nil)
	return dst
}

// toRGB drops the alpha channel of an image composed on white, so the PNG
// is stored as 8-bit RGB.
func toRGB(img *image.RGBA) image.Image {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	copy(out.Pix, img.Pix)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255
	}
	return out
}

// pngEncoder always uses the same compression, so equal pixels give equal
// bytes: the encoder writes no time stamps or other varying chunks.
var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeBitmap decodes a PNG, refusing images too large to be an icon.
func decodeBitmap(data []byte) (image.Image, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	if cfg.Width*cfg.Height > 8192*8192 {
		return nil, fmt.Errorf("png: %dx%d is too large", cfg.Width, cfg.Height)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	return img, nil
}

// renderItem turns an item's raw image into the master and working images.
// SVG is drawn at the master size and scaled down, so that both sizes come
// from one rasterization.
func renderItem(it *Item, rasterizer string, master bool) (work, big []byte, err error) {
	var src image.Image
	switch it.Format {
	case "png":
		src, err = decodeBitmap(it.Data)
	case "svg":
		if rasterizer == "rsvg" {
			src, err = RasterizeRsvg(it.Data, MasterSize)
		} else {
			src, err = RasterizeGo(it.Data, MasterSize)
		}
	default:
		err = fmt.Errorf("unknown image format %q", it.Format)
	}
	if err != nil {
		return nil, nil, err
	}
	m := onWhite(src, MasterSize)
	w := onWhite(m, WorkSize)
	if it.Format == "png" {
		w = onWhite(src, WorkSize) // scale the original once, not twice
	}
	if work, err = encodePNG(toRGB(w)); err != nil {
		return nil, nil, err
	}
	if master {
		if big, err = encodePNG(toRGB(m)); err != nil {
			return nil, nil, err
		}
	}
	return work, big, nil
}
