package gpu

// RMSNorm is T5's LayerNorm over the last dimension of x: y = x·rstd·weight,
// no mean, no bias. It returns y and the per-row rstd for RMSNormBackward.
// Kernel rmsnorm_fwd; twin cpu.RMSNormForward.
func (d *Device) RMSNorm(x, weight *Tensor, eps float32) (y, rstd *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	y, rstd = d.Scratch(x.shape...), d.Scratch(rows)
	if weight.n != cols || cols == 0 {
		d.failf("rmsnorm: x %v with weight %v: weight must have x's last dimension", x.shape, weight.shape)
		return
	}
	g, stride := Groups1D(rows, rowsWG)
	d.Dispatch("rmsnorm_fwd", g, rowParams{Rows: uint32(rows), Cols: uint32(cols), Eps: eps, Stride: stride}, y, rstd, x, weight)
	return
}

// RMSNormBackward returns dx (x's shape) and dweight (C). Kernels
// rmsnorm_bwd_input and rmsnorm_bwd_weight; twins cpu.RMSNormBackwardInput
// and cpu.RMSNormBackwardWeight.
func (d *Device) RMSNormBackward(dy, x, weight, rstd *Tensor) (dx, dweight *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	dx, dweight = d.Scratch(x.shape...), d.Scratch(cols)
	if dy.n != x.n || weight.n != cols || rstd.n != rows || cols == 0 {
		d.failf("rmsnorm backward: dy %v, x %v, weight %v, rstd %v: dy must match x, weight its last dimension, rstd its rows", dy.shape, x.shape, weight.shape, rstd.shape)
		return
	}
	g, stride := Groups1D(rows, rowsWG)
	d.Dispatch("rmsnorm_bwd_input", g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, dx, dy, x, weight, rstd)
	g, stride = Groups1D(cols, rowsWG)
	d.Dispatch("rmsnorm_bwd_weight", g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, dweight, dy, x, rstd)
	return
}
