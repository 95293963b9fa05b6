package cpu

import "math"

// L2NormForward is the twin of l2norm_fwd, PyTorch's F.normalize(x, dim=-1):
// y = x / max(‖x‖, eps) per row.
func L2NormForward(y, x []float32, rows, cols int, eps float32) {
	for r := 0; r < rows; r++ {
		n := math.Max(rowNorm(x[r*cols:(r+1)*cols]), float64(eps))
		for c := 0; c < cols; c++ {
			y[r*cols+c] = float32(float64(x[r*cols+c]) / n)
		}
	}
}

// L2NormBackward is the twin of l2norm_bwd. Where ‖x‖ > eps,
// dx = (dy − y·⟨y, dy⟩)/‖x‖ with y = x/‖x‖; where the norm is clamped to
// eps, y = x/eps is linear and dx = dy/eps.
func L2NormBackward(dx, dy, x []float32, rows, cols int, eps float32) {
	for r := 0; r < rows; r++ {
		xr, dyr := x[r*cols:(r+1)*cols], dy[r*cols:(r+1)*cols]
		n := rowNorm(xr)
		if n <= float64(eps) {
			for c := range xr {
				dx[r*cols+c] = float32(float64(dyr[c]) / float64(eps))
			}
			continue
		}
		var dot float64
		for c := range xr {
			dot += float64(xr[c]) * float64(dyr[c])
		}
		for c := range xr {
			dx[r*cols+c] = float32((float64(dyr[c]) - float64(xr[c])*dot/(n*n)) / n)
		}
	}
}

func rowNorm(x []float32) float64 {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	return math.Sqrt(ss)
}
