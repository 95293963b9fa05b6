package cpu

import (
	"math"
)

// SumSqForward is the twin of sumsq_fwd: partials[slot+g] is the sum of
// squares of chunk g of x, for `groups` chunks of ceil(n/groups) elements.
func SumSqForward(partials, x []float32, n, slot, groups int) {
	chunk := (n + groups - 1) / groups
	for g := 0; g < groups; g++ {
		var s float64
		for i := g * chunk; i < min(n, (g+1)*chunk); i++ {
			s += float64(x[i]) * float64(x[i])
		}
		partials[slot+g] = float32(s)
	}
}

// ClipScaleForward is the twin of clipscale_fwd: from the n partial sums of
// squares it writes out[slot] = min(1, maxNorm/(norm+1e-6)) (1 if
// maxNorm ≤ 0), out[slot+1] = 1 and out[slot+2] = norm; if the total is not
// finite, it writes 0, 0 and +Inf. The factor is formed in float32 as
// PyTorch's clip_grad_norm_ forms it on a float32 norm.
func ClipScaleForward(out, partials []float32, n, slot int, maxNorm float32) {
	var s float64
	for _, v := range partials[:n] {
		s += float64(v)
	}
	total := float32(s)
	if math.IsNaN(float64(total)) || math.IsInf(float64(total), 0) {
		out[slot], out[slot+1], out[slot+2] = 0, 0, float32(math.Inf(1))
		return
	}
	norm := float32(math.Sqrt(float64(total)))
	scale := float32(1)
	if maxNorm > 0 {
		scale = min(1, maxNorm/(norm+1e-6))
	}
	out[slot], out[slot+1], out[slot+2] = scale, 1, norm
}

// FiniteCheckForward is the twin of finitecheck_fwd: flags[slot] = 1 if
// any of x[:n] is NaN or ±Inf; otherwise flags is untouched.
func FiniteCheckForward(flags, x []float32, n, slot int) {
	for _, v := range x[:n] {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			flags[slot] = 1
			return
		}
	}
}

// AdamWStep is the twin of adamw_step: PyTorch's AdamW update of p, m, v
// in place, in float32 as PyTorch computes it, with the gradient scaled by
// stats[slot] and no update at all if stats[slot+1] is 0. decay = 1−lr·wd,
// omb1 = 1−β1, omb2 = 1−β2, stepSize = lr/(1−β1^t), bc2Sqrt = sqrt(1−β2^t)
// (see AdamWConstants).
func AdamWStep(p, m, v, g, stats []float32, n, slot int, decay, beta1, omb1, beta2, omb2, stepSize, bc2Sqrt, eps float32) {
	if stats[slot+1] == 0 {
		return
	}
	scale := stats[slot]
	for i := 0; i < n; i++ {
		gi := g[i] * scale
		pd := p[i] * decay
		mi := float32(m[i]*beta1) + float32(gi*omb1)
		vi := float32(v[i]*beta2) + float32(float32(omb2*gi)*gi)
		m[i], v[i] = mi, vi
		den := float32(float32(math.Sqrt(float64(vi)))/bc2Sqrt) + eps
		p[i] = pd - float32(stepSize*float32(mi/den))
	}
}

// AdamWConstants turns AdamW's hyper-parameters and the 1-based step count
// t into the float32 constants adamw_step takes, computed in float64 as
// PyTorch computes them in Python.
func AdamWConstants(lr, wd, beta1, beta2 float64, t int) (decay, omb1, omb2, stepSize, bc2Sqrt float32) {
	bc1 := 1 - math.Pow(beta1, float64(t))
	bc2 := 1 - math.Pow(beta2, float64(t))
	return float32(1 - lr*wd), float32(1 - beta1), float32(1 - beta2), float32(lr / bc1), float32(math.Sqrt(bc2))
}
