package cpu

// MaxRowsForward is the twin of maxrows_fwd: for x of shape (a, q, c),
// out[i, k] = max over j of x[i, j, k] and arg[i, k] the first j attaining it.
// ITC's sim(image, text) = max over the 32 queries is this with the
// similarities laid out (images, queries, texts); a max over the last axis is
// the case c = 1.
func MaxRowsForward(out []float32, arg []uint32, x []float32, a, q, c int) {
	for i := 0; i < a; i++ {
		for k := 0; k < c; k++ {
			best, bj := x[i*q*c+k], 0
			for j := 1; j < q; j++ {
				if v := x[(i*q+j)*c+k]; v > best {
					best, bj = v, j
				}
			}
			out[i*c+k], arg[i*c+k] = best, uint32(bj)
		}
	}
}

// MaxRowsBackward is the twin of maxrows_bwd: dx (a, q, c) is dy[i, k] at
// j = arg[i, k] and zero elsewhere.
func MaxRowsBackward(dx, dy []float32, arg []uint32, a, q, c int) {
	for i := 0; i < a; i++ {
		for j := 0; j < q; j++ {
			for k := 0; k < c; k++ {
				var g float32
				if int(arg[i*c+k]) == j {
					g = dy[i*c+k]
				}
				dx[(i*q+j)*c+k] = g
			}
		}
	}
}

// MeanRowsForward is the twin of meanrows_fwd: out[i, k] = mean over j of
// x[i, j, k] for x of shape (a, q, c) (ITM averages its logits over queries).
func MeanRowsForward(out, x []float32, a, q, c int) {
	for i := 0; i < a; i++ {
		for k := 0; k < c; k++ {
			var s float64
			for j := 0; j < q; j++ {
				s += float64(x[(i*q+j)*c+k])
			}
			out[i*c+k] = float32(s / float64(q))
		}
	}
}

// MeanRowsBackward is the twin of meanrows_bwd: dx[i, j, k] = dy[i, k]/q.
func MeanRowsBackward(dx, dy []float32, a, q, c int) {
	for i := 0; i < a; i++ {
		for j := 0; j < q; j++ {
			for k := 0; k < c; k++ {
				dx[(i*q+j)*c+k] = dy[i*c+k] / float32(q)
			}
		}
	}
}
