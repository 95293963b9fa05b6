package cpu

import "math"

// ITMPairsForward is the twin of itmpairs_fwd: the image and text of each
// of ITM's 3B pairs, img and txt (3b), from ITC's i2t logits (b, b) and 2b
// uniforms in [0, 1). Block 0 is the positives, block 1 pairs text p with
// an image drawn from softmax(i2t column p) without image p (uniform u[p]),
// block 2 pairs image p with a text drawn from softmax(i2t row p) without
// text p (uniform u[b + p]). It computes in float32 in the kernel's order,
// so both draw the same pair except when u·s lands within rounding of a
// boundary of the running sum. It needs b ≥ 2.
func ITMPairsForward(img, txt []uint32, logits, u []float32, b int) {
	for r := 0; r < b; r++ {
		img[r], img[2*b+r] = uint32(r), uint32(r)
		txt[r], txt[b+r] = uint32(r), uint32(r)
		img[b+r] = uint32(DrawNegative(func(c int) float32 { return logits[c*b+r] }, b, r, u[r]))
		txt[2*b+r] = uint32(DrawNegative(func(c int) float32 { return logits[r*b+c] }, b, r, u[b+r]))
	}
}

// DrawNegative draws a candidate c ≠ pos of n with probability
// softmax(x)[c] renormalised without pos, by inverse CDF on u.
func DrawNegative(x func(c int) float32, n, pos int, u float32) int {
	mx := float32(-math.MaxFloat32)
	for c := 0; c < n; c++ {
		if c != pos {
			mx = max(mx, x(c))
		}
	}
	var s float32
	for c := 0; c < n; c++ {
		if c != pos {
			s += exp32(x(c) - mx)
		}
	}
	target, acc, last := u*s, float32(0), pos
	for c := 0; c < n; c++ {
		if c == pos {
			continue
		}
		w := exp32(x(c) - mx)
		if w > 0 {
			last = c
		}
		if acc += w; target < acc {
			return c
		}
	}
	return last
}

func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }
