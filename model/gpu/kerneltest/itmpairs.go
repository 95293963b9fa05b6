package kerneltest

import (
	"fmt"
	"math/rand/v2"

	"blip2/model/cpu"
	"blip2/model/gpu"
)

// ITM's pairs with device-drawn negatives: the smallest batch (one
// candidate each), odd sizes, a uniform of 0 and the largest below 1, a
// row whose exponentials underflow to zero but one, and training batches.
// The indices must match exactly: a draw differs only where u·s falls
// within rounding of a boundary of the running sum, and these seeds do not.
func init() {
	for _, s := range []struct {
		b       int
		scale   float32
		browser bool
		what    string
	}{
		{2, 1, true, "one candidate"}, {3, 1, true, ""}, {17, 3, true, "peaked"}, {9, 200, true, "underflow"},
		{32, 10, false, "batch 32"}, {96, 10, false, "batch 96"},
	} {
		b, scale := s.b, s.scale
		register(Case{
			Kernels: []string{"itmpairs_fwd"}, Shape: fmt.Sprintf("(%d,%d) %s", b, b, s.what), Atol: 0, Rtol: 0, Browser: s.browser,
			Run: func(d *gpu.Device, rng *rand.Rand) ([]float32, []float32, error) {
				logits := randn(rng, b*b, scale)
				u := make([]float32, 2*b)
				for i := range u {
					u[i] = rng.Float32()
				}
				u[0], u[len(u)-1] = 0, 0.99999994
				img, txt := make([]uint32, 3*b), make([]uint32, 3*b)
				cpu.ITMPairsForward(img, txt, logits, u, b)
				tl, tu := d.Upload(logits, b, b), d.Upload(u, 2*b)
				defer release(tl, tu)
				gi, gt := d.ITMPairs(tl, tu)
				defer release(gi, gt)
				gotImg, err := gi.ReadU32()
				if err != nil {
					return nil, nil, err
				}
				gotTxt, err := gt.ReadU32()
				return concat(u32f(gotImg), u32f(gotTxt)), concat(u32f(img), u32f(txt)), err
			},
		})
	}
}
