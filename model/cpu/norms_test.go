package cpu

import "testing"

func TestRMSNormBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := newRng()
	const rows, cols = 3, 9
	const eps = 1e-6
	x, weight, w := randn(rng, rows*cols, 1), randn(rng, cols, 1), randn(rng, rows*cols, 1)
	y, rstd := make([]float32, rows*cols), make([]float32, rows)
	loss := func() float64 { RMSNormForward(y, rstd, x, weight, rows, cols, eps); return dot64(w, y) }
	loss()
	dx, dweight := make([]float32, rows*cols), make([]float32, cols)
	RMSNormBackwardInput(dx, w, x, weight, rstd, rows, cols)
	RMSNormBackwardWeight(dweight, w, x, rstd, rows, cols)
	checkGrad(t, "dx", x, dx, loss, 1e-2, 2e-3, 2e-3)
	checkGrad(t, "dweight", weight, dweight, loss, 1e-2, 1e-3, 1e-3)
}

func TestL2NormBackwardMatchesFiniteDifferences(t *testing.T) {
	// Row 0 has a norm below eps (the clamped, linear branch), rows 1-2 above.
	rng := newRng()
	const rows, cols = 3, 6
	const eps = 0.5
	x, w := randn(rng, rows*cols, 1), randn(rng, rows*cols, 1)
	for c := 0; c < cols; c++ {
		x[c] *= 0.05
	}
	y := make([]float32, rows*cols)
	loss := func() float64 { L2NormForward(y, x, rows, cols, eps); return dot64(w, y) }
	dx := make([]float32, rows*cols)
	L2NormBackward(dx, w, x, rows, cols, eps)
	checkGrad(t, "dx", x, dx, loss, 1e-3, 1e-3, 1e-3)
}

func TestEmbeddingBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := newRng()
	const n, v, c, offset = 6, 5, 3, 1
	ids := []uint32{0, 3, 0, 2, 3, 9} // repeats, and one row outside the table
	table, w := randn(rng, v*c, 1), randn(rng, n*c, 1)
	out := make([]float32, n*c)
	loss := func() float64 { EmbeddingForward(out, ids, table, n, v, c, offset); return dot64(w, out) }
	dtable := make([]float32, v*c)
	EmbeddingBackward(dtable, w, ids, n, v, c, offset)
	checkGrad(t, "dtable", table, dtable, loss, 1e-2, 1e-4, 1e-4)
}

func TestMaxRowsBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := newRng()
	const a, q, c = 2, 5, 3
	x, w := randn(rng, a*q*c, 1), randn(rng, a*c, 1)
	out, arg := make([]float32, a*c), make([]uint32, a*c)
	loss := func() float64 { MaxRowsForward(out, arg, x, a, q, c); return dot64(w, out) }
	loss()
	dx := make([]float32, a*q*c)
	MaxRowsBackward(dx, w, arg, a, q, c)
	// A step smaller than the gap between the largest two keeps the argmax.
	checkGrad(t, "dx", x, dx, loss, 1e-4, 1e-3, 1e-3)
}

func TestMeanRowsBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := newRng()
	const a, q, c = 2, 5, 3
	x, w := randn(rng, a*q*c, 1), randn(rng, a*c, 1)
	out := make([]float32, a*c)
	loss := func() float64 { MeanRowsForward(out, x, a, q, c); return dot64(w, out) }
	dx := make([]float32, a*q*c)
	MeanRowsBackward(dx, w, a, q, c)
	checkGrad(t, "dx", x, dx, loss, 1e-2, 1e-4, 1e-4)
}

func TestIm2ColBackwardMatchesFiniteDifferences(t *testing.T) {
	// 7×8 with p = 3: the last row and the last two columns are dropped.
	rng := newRng()
	const b, ch, h, wd, p = 2, 3, 7, 8, 3
	img := randn(rng, b*ch*h*wd, 1)
	patches := make([]float32, b*(h/p)*(wd/p)*ch*p*p)
	w := randn(rng, len(patches), 1)
	loss := func() float64 { Im2ColForward(patches, img, b, ch, h, wd, p); return dot64(w, patches) }
	dimg := make([]float32, len(img))
	Im2ColBackward(dimg, w, b, ch, h, wd, p)
	checkGrad(t, "dimage", img, dimg, loss, 1e-2, 1e-4, 1e-4)
}

func TestIm2ColMatchesConvolutionLayout(t *testing.T) {
	// patches · Wᵀ must equal a direct Conv2d(stride p) with W (hidden, ch, p, p).
	rng := newRng()
	const ch, h, wd, p, hidden = 3, 6, 9, 3, 2
	img, wt := randn(rng, ch*h*wd, 1), randn(rng, hidden*ch*p*p, 1)
	gh, gw, k := h/p, wd/p, ch*p*p
	patches := make([]float32, gh*gw*k)
	Im2ColForward(patches, img, 1, ch, h, wd, p)
	for o := 0; o < hidden; o++ {
		for gy := 0; gy < gh; gy++ {
			for gx := 0; gx < gw; gx++ {
				var conv, mm float64
				for c := 0; c < ch; c++ {
					for y := 0; y < p; y++ {
						for x := 0; x < p; x++ {
							conv += float64(wt[((o*ch+c)*p+y)*p+x]) * float64(img[(c*h+gy*p+y)*wd+gx*p+x])
						}
					}
				}
				for j := 0; j < k; j++ {
					mm += float64(patches[(gy*gw+gx)*k+j]) * float64(wt[o*k+j])
				}
				if d := conv - mm; d > 1e-9 || d < -1e-9 {
					t.Fatalf("output %d at (%d,%d): conv %g, im2col·Wᵀ %g", o, gy, gx, conv, mm)
				}
			}
		}
	}
}
