//go:build js && wasm

package main

import (
	"bytes"
	"fmt"
	goimage "image"
	"math"
	"syscall/js"

	"blip2/model/image"
	"blip2/wasm/jsutil"
)

// downscaleSide is the longest side a huge image is brought to before it
// reaches Go: far above any model's input, far below the decode limit.
const downscaleSide = 2048

// fitForDecode returns data unchanged when Go may decode it, and otherwise
// (an image over image.MaxPixels) the file redrawn by the browser at most
// downscaleSide pixels on a side, as PNG, with a note saying so. The
// browser's decoder streams the big file; Go never holds its pixels.
func fitForDecode(file js.Value, data []byte) ([]byte, string, error) {
	cfg, _, err := goimage.DecodeConfig(bytes.NewReader(data))
	if err != nil || int64(cfg.Width)*int64(cfg.Height) <= image.MaxPixels {
		return data, "", nil // small, or not an image: image.Decode says which
	}
	s := downscaleSide / math.Max(float64(cfg.Width), float64(cfg.Height))
	w, h := max(1, int(float64(cfg.Width)*s)), max(1, int(float64(cfg.Height)*s))
	bmp, err := jsutil.Await(js.Global().Call("createImageBitmap", file,
		map[string]any{"resizeWidth": w, "resizeHeight": h, "resizeQuality": "high"}))
	if err != nil {
		return nil, "", fmt.Errorf("the browser could not downscale the %d×%d image: %w", cfg.Width, cfg.Height, err)
	}
	defer bmp.Call("close")
	canvas := js.Global().Get("OffscreenCanvas").New(w, h)
	canvas.Call("getContext", "2d").Call("drawImage", bmp, 0, 0)
	blob, err := jsutil.Await(canvas.Call("convertToBlob", map[string]any{"type": "image/png"}))
	if err != nil {
		return nil, "", err
	}
	out, err := jsutil.BlobBytes(blob)
	return out, fmt.Sprintf("downscaled in the browser from %d×%d to %d×%d; ", cfg.Width, cfg.Height, w, h), err
}
