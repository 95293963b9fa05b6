package cpu

import "math"

// LayerNormForward is the twin of layernorm_fwd: each row of x (rows, cols)
// is normalised to zero mean and unit variance (biased, as PyTorch), then
// scaled by gamma and shifted by beta. mean and rstd = 1/sqrt(var+eps) are
// saved per row for the backward pass.
func LayerNormForward(y, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float32) {
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		m := s / float64(cols)
		var ss float64
		for _, v := range row {
			d := float64(v) - m
			ss += d * d
		}
		rs := 1 / math.Sqrt(ss/float64(cols)+float64(eps))
		for c, v := range row {
			y[r*cols+c] = float32((float64(v)-m)*rs*float64(gamma[c]) + float64(beta[c]))
		}
		mean[r], rstd[r] = float32(m), float32(rs)
	}
}

// LayerNormBackwardInput is the twin of layernorm_bwd_input: the gradient
// with respect to x, from the saved mean and rstd. With xh = (x-mean)·rstd
// and g = dy·gamma, dx = rstd·(g − mean(g) − xh·mean(g·xh)) per row.
func LayerNormBackwardInput(dx, dy, x, gamma, mean, rstd []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		m, rs := float64(mean[r]), float64(rstd[r])
		var sg, sgx float64
		for c := 0; c < cols; c++ {
			i := r*cols + c
			g := float64(dy[i]) * float64(gamma[c])
			sg += g
			sgx += g * (float64(x[i]) - m) * rs
		}
		sg /= float64(cols)
		sgx /= float64(cols)
		for c := 0; c < cols; c++ {
			i := r*cols + c
			g := float64(dy[i]) * float64(gamma[c])
			dx[i] = float32(rs * (g - sg - (float64(x[i])-m)*rs*sgx))
		}
	}
}

// LayerNormBackwardWeight is the twin of layernorm_bwd_weight: dgamma and
// dbeta summed over rows, in row order (the kernel sums in the same order,
// so the result does not depend on scheduling).
func LayerNormBackwardWeight(dgamma, dbeta, dy, x, mean, rstd []float32, rows, cols int) {
	for c := 0; c < cols; c++ {
		var sg, sb float64
		for r := 0; r < rows; r++ {
			i := r*cols + c
			sg += float64(dy[i]) * (float64(x[i]) - float64(mean[r])) * float64(rstd[r])
			sb += float64(dy[i])
		}
		dgamma[c], dbeta[c] = float32(sg), float32(sb)
	}
}
