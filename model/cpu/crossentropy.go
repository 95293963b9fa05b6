package cpu

import (
	"math"
)

// CrossEntropyForward is the twin of crossentropy_fwd: for each of `rows`
// rows of `cols` logits, lse[r] = log Σ exp(x) and
// loss[r] = (1−eps)·(lse − x[y]) + eps·(lse − mean(x)),
// PyTorch's cross_entropy with label_smoothing=eps for one row. Rows whose
// label is `ignore` get loss 0 and lse 0; a label outside [0, cols) that is
// not `ignore` gets loss NaN (PyTorch raises there).
func CrossEntropyForward(loss, lse, logits []float32, labels []int32, rows, cols int, ignore int32, eps float32) {
	for r := 0; r < rows; r++ {
		x := logits[r*cols : (r+1)*cols]
		y := labels[r]
		if y == ignore {
			loss[r], lse[r] = 0, 0
			continue
		}
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, float64(v))
		}
		var s, sx float64
		for _, v := range x {
			s += math.Exp(float64(v) - m)
			sx += float64(v)
		}
		l := m + math.Log(s)
		lse[r] = float32(l)
		if y < 0 || int(y) >= cols {
			loss[r] = float32(math.NaN())
			continue
		}
		e := float64(eps)
		loss[r] = float32((1-e)*(l-float64(x[y])) + e*(l-sx/float64(cols)))
	}
}

// LossMeanForward is the twin of lossmean_fwd: out[slot] is the mean of
// loss over the rows whose label is not `ignore` (NaN if there are none)
// and out[slot+1] is their count.
func LossMeanForward(out, loss []float32, labels []int32, rows int, ignore int32, slot int) {
	var s float64
	n := 0
	for r := 0; r < rows; r++ {
		s += float64(loss[r])
		if labels[r] != ignore {
			n++
		}
	}
	out[slot] = float32(math.NaN())
	if n > 0 {
		out[slot] = float32(s / float64(n))
	}
	out[slot+1] = float32(n)
}

// CrossEntropyBackward is the twin of crossentropy_bwd: the gradient of
// g · mean-over-valid-rows of the smoothed loss,
// dlogits = (softmax(x) − (1−eps)·onehot(y) − eps/cols) · g / count,
// with count = stats[slot+1] from LossMeanForward, and zeros on rows
// whose label is `ignore` or out of range.
func CrossEntropyBackward(dlogits, logits []float32, labels []int32, lse, stats []float32, rows, cols int, ignore int32, eps, g float32, slot int) {
	scale := float64(g) / float64(stats[slot+1])
	off := float64(eps) / float64(cols)
	for r := 0; r < rows; r++ {
		x, dx := logits[r*cols:(r+1)*cols], dlogits[r*cols:(r+1)*cols]
		y := labels[r]
		if y == ignore || y < 0 || int(y) >= cols {
			for c := range dx {
				dx[c] = 0
			}
			continue
		}
		l := float64(lse[r])
		for c, v := range x {
			t := off
			if c == int(y) {
				t += 1 - float64(eps)
			}
			dx[c] = float32((math.Exp(float64(v)-l) - t) * scale)
		}
	}
}
