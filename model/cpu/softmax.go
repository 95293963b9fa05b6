package cpu

import "math"

// MaxFloat32 is written as the log-sum-exp of a row whose every entry is
// masked (−Inf): exp(s − MaxFloat32) is 0 for every score s, so a backward
// pass that recomputes probabilities from it gets an all-zero row without
// special cases, and the output stays finite.
const MaxFloat32 = math.MaxFloat32

// negInf reports whether a score is masked out completely. Only −Inf is:
// Hugging Face builds masks from finfo(float32).min, which is finite, and
// then a fully masked row is a softmax over equal values (uniform), exactly
// as PyTorch computes it.
func negInf(s float32) bool { return s < -math.MaxFloat32 }

// softmaxRow writes y = softmax(scale·x + mask) for one row (mask may be
// nil) and returns the row's log-sum-exp. A row whose entries are all −Inf
// gives y = 0 and lse = MaxFloat32 (PyTorch gives NaN there; no BLIP-2 mask
// produces such a row).
func softmaxRow(y, x, mask []float32, scale float32) float32 {
	m := float32(math.Inf(-1))
	for j := range x {
		s := scale * x[j]
		if mask != nil {
			s += mask[j]
		}
		y[j] = s
		if s > m {
			m = s
		}
	}
	if negInf(m) {
		for j := range y {
			y[j] = 0
		}
		return MaxFloat32
	}
	var l float64
	for j, s := range y {
		e := math.Exp(float64(s - m))
		y[j] = float32(e)
		l += e
	}
	for j := range y {
		y[j] = float32(float64(y[j]) / l)
	}
	return m + float32(math.Log(l))
}

// SoftmaxForward is the twin of softmax_fwd: y = softmax(scale·x + mask)
// over the first cols entries of each row of x and y, rows ld ≥ cols apart
// (attention scores keep rows a texture copy can take); entries cols..ld of
// y are written 0. x is viewed as (mb, heads, mrows, ·) and mask, when not
// nil, as (mb, mrows, cols) (rows cols apart), broadcast over the heads
// axis: row r of x adds mask row (r / (heads·mrows))·mrows + r % mrows. An
// attention mask (B, Tq, Tk) over scores (B, H, Tq, Tk) is heads = H,
// mrows = Tq; one (Tq, Tk) mask for every batch is heads = B·H.
func SoftmaxForward(y, x, mask []float32, rows, cols int, scale float32, heads, mrows, ld int) {
	for r := 0; r < rows; r++ {
		var mr []float32
		if mask != nil {
			mi := (r/(heads*mrows))*mrows + r%mrows
			mr = mask[mi*cols : (mi+1)*cols]
		}
		softmaxRow(y[r*ld:r*ld+cols], x[r*ld:r*ld+cols], mr, scale)
		clear(y[r*ld+cols : (r+1)*ld])
	}
}

// SoftmaxBackward is the twin of softmax_bwd: for y = softmax(scale·x + m),
// dx = scale·y⊙(dy − Σ dy⊙y) over the first cols entries of each row, rows
// ld apart as in SoftmaxForward; entries cols..ld of dx are written 0.
func SoftmaxBackward(dx, y, dy []float32, rows, cols int, scale float32, ld int) {
	for r := 0; r < rows; r++ {
		yr, dyr := y[r*ld:r*ld+cols], dy[r*ld:r*ld+cols]
		var dot float64
		for j := range yr {
			dot += float64(yr[j]) * float64(dyr[j])
		}
		for j := range yr {
			dx[r*ld+j] = scale * yr[j] * (dyr[j] - float32(dot))
		}
		clear(dx[r*ld+cols : (r+1)*ld])
	}
}
