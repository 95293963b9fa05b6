package gpu

import "blip2/model/cpu"

// LinearQ8 returns x·Wᵀ + bias for x (..., K) and an int8 weight W (N×K)
// packed by cpu.QuantizeQ8: wq (N, K/4) u32, scale (N); bias (N) or nil.
// Kernel matmul_fwd_q8; twin cpu.MatMulForwardQ8.
func (d *Device) LinearQ8(x, wq, scale, bias *Tensor) *Tensor {
	return d.linearQ("linear q8", "matmul_fwd_q8", 4, 0, x, wq, scale, bias)
}

// LinearQ4 returns x·Wᵀ + bias for x (..., K) and an int4 weight W (N×K)
// packed by cpu.QuantizeQ4 (groups of 32 along K): wq (N, K/8) u32,
// scale (N, K/32); bias (N) or nil. Kernel matmul_fwd_q4; twin
// cpu.MatMulForwardQ4.
func (d *Device) LinearQ4(x, wq, scale, bias *Tensor) *Tensor {
	return d.linearQ("linear q4", "matmul_fwd_q4", 8, cpu.Q4Group, x, wq, scale, bias)
}

// linearQ checks the packed shapes: perWord weights per u32, one scale per
// `group` weights of a row (0: one per row).
func (d *Device) linearQ(op, kernel string, perWord, group int, x, wq, scale, bias *Tensor) *Tensor {
	rows, k, n := x.Rows(), x.Cols(), wq.Dim(0)
	if group == 0 {
		group = max(k, 1)
	}
	shape := append(x.Shape()[:max(len(x.shape)-1, 0)], n)
	out := d.Scratch(shape...)
	if k%max(perWord, group) != 0 || len(wq.shape) != 2 || wq.Dim(1) != k/perWord || scale.n != n*k/group {
		d.failf("%s: x %v with packed weight %v, scales %v: want K a multiple of %d, weight (N, K/%d), %d scales per row",
			op, x.shape, wq.shape, scale.shape, max(perWord, group), perWord, k/group)
		return out
	}
	dims := cpu.DenseNT(1, rows, n, k, true)
	dims.B = cpu.Layout{Row: k / perWord}
	dims.Bias = bias != nil
	if bias == nil {
		bias = x // never read (the flag is off); read-only, since WebGPU forbids binding the written out twice
	} else if bias.n < n {
		d.failf("%s: bias %v shorter than N=%d", op, bias.shape, n)
		return out
	}
	d.matmul(op, kernel, dims, rows, k, n, k/perWord, out, x, wq, scale, bias)
	return out
}
