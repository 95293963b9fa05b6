package cpu

import "math"

// RMSNormForward is the twin of rmsnorm_fwd, T5's LayerNorm: no mean
// subtraction, no bias. y = x·rstd·weight with rstd = 1/sqrt(mean(x²)+eps)
// per row, saved for the backward pass.
func RMSNormForward(y, rstd, x, weight []float32, rows, cols int, eps float32) {
	for r := 0; r < rows; r++ {
		var ss float64
		for c := 0; c < cols; c++ {
			v := float64(x[r*cols+c])
			ss += v * v
		}
		rs := 1 / math.Sqrt(ss/float64(cols)+float64(eps))
		for c := 0; c < cols; c++ {
			y[r*cols+c] = float32(float64(x[r*cols+c]) * rs * float64(weight[c]))
		}
		rstd[r] = float32(rs)
	}
}

// RMSNormBackwardInput is the twin of rmsnorm_bwd_input. With xh = x·rstd
// and g = dy·weight, dx = rstd·(g − xh·mean(g·xh)) per row.
func RMSNormBackwardInput(dx, dy, x, weight, rstd []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		rs := float64(rstd[r])
		var sgx float64
		for c := 0; c < cols; c++ {
			i := r*cols + c
			sgx += float64(dy[i]) * float64(weight[c]) * float64(x[i]) * rs
		}
		sgx /= float64(cols)
		for c := 0; c < cols; c++ {
			i := r*cols + c
			dx[i] = float32(rs * (float64(dy[i])*float64(weight[c]) - float64(x[i])*rs*sgx))
		}
	}
}

// RMSNormBackwardWeight is the twin of rmsnorm_bwd_weight: dweight summed
// over rows in row order.
func RMSNormBackwardWeight(dweight, dy, x, rstd []float32, rows, cols int) {
	for c := 0; c < cols; c++ {
		var s float64
		for r := 0; r < rows; r++ {
			i := r*cols + c
			s += float64(dy[i]) * float64(x[i]) * float64(rstd[r])
		}
		dweight[c] = float32(s)
	}
}
