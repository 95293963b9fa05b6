package image

import "math"

// ResizeBicubic resizes like Pillow's Image.resize(size, Image.BICUBIC)
// with reducing_gap=None, which is what Hugging Face's BlipImageProcessor
// calls. Matching Pillow bit for bit matters because every pixel feeds the
// ViT; generic bicubic (a = -0.75, no antialiasing) differs by many levels
// on downscales. Pillow's method, reproduced here:
//
//   - cubic kernel with a = -0.5, support 2, widened by the downscale
//     factor (antialiasing); weights normalised per output pixel;
//   - weights turned into 22-bit fixed point, rounded half away from zero;
//   - horizontal pass first, rounding and clipping to 8 bits, then the
//     vertical pass on that 8-bit intermediate;
//   - a pass is skipped when its dimension does not change.
func ResizeBicubic(src *RGB, w, h int) *RGB {
	if w == src.W && h == src.H {
		return &RGB{W: w, H: h, Pix: append([]uint8(nil), src.Pix...)}
	}
	cur := src
	if w != src.W {
		cur = resampleAxis(cur, w, true)
	}
	if h != src.H {
		cur = resampleAxis(cur, h, false)
	}
	return cur
}

// precisionBits is Pillow's PRECISION_BITS (32 - 8 - 2): weights times
// 255 summed over the kernel must fit an int32.
const precisionBits = 22

func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// kernel holds, per output index, the first input index and the
// fixed-point weights of the inputs it reads.
type kernel struct {
	start   []int
	weights [][]int32
}

// pillowKernel follows Pillow's precompute_coeffs and
// normalize_coeffs_8bpc for the box (0, inSize).
func pillowKernel(inSize, outSize int) kernel {
	scale := float64(inSize) / float64(outSize)
	filterScale := math.Max(scale, 1)
	support := 2 * filterScale
	k := kernel{start: make([]int, outSize), weights: make([][]int32, outSize)}
	for o := 0; o < outSize; o++ {
		center := (float64(o) + 0.5) * scale
		// Go's int() truncates toward zero exactly like the C cast.
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), inSize)
		ss := 1 / filterScale // multiply, not divide: same rounding as Pillow
		ws := make([]float64, hi-lo)
		sum := 0.0
		for i := range ws {
			ws[i] = bicubic((float64(i+lo) - center + 0.5) * ss)
			sum += ws[i]
		}
		fixed := make([]int32, len(ws))
		for i, v := range ws {
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				fixed[i] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				fixed[i] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		k.start[o], k.weights[o] = lo, fixed
	}
	return k
}

// clip8 is Pillow's: drop the fraction bits, saturate to 0..255.
func clip8(v int32) uint8 {
	v >>= precisionBits
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// resampleAxis runs one pass along x (horizontal) or y.
func resampleAxis(src *RGB, n int, horizontal bool) *RGB {
	inSize := src.H
	dst := &RGB{W: src.W, H: n}
	if horizontal {
		inSize = src.W
		dst = &RGB{W: n, H: src.H}
	}
	dst.Pix = make([]uint8, 3*dst.W*dst.H)
	k := pillowKernel(inSize, n)
	for y := 0; y < dst.H; y++ {
		for x := 0; x < dst.W; x++ {
			o, fixed := x, y // o: resampled coordinate, fixed: the other one
			if !horizontal {
				o, fixed = y, x
			}
			var acc [3]int32
			for c := range acc {
				acc[c] = 1 << (precisionBits - 1) // rounds the final shift
			}
			for i, wgt := range k.weights[o] {
				p := k.start[o] + i
				idx := 3 * (fixed*src.W + p)
				if !horizontal {
					idx = 3 * (p*src.W + fixed)
				}
				acc[0] += int32(src.Pix[idx]) * wgt
				acc[1] += int32(src.Pix[idx+1]) * wgt
				acc[2] += int32(src.Pix[idx+2]) * wgt
			}
			d := 3 * (y*dst.W + x)
			dst.Pix[d], dst.Pix[d+1], dst.Pix[d+2] = clip8(acc[0]), clip8(acc[1]), clip8(acc[2])
		}
	}
	return dst
}
