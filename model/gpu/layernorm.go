package gpu

// rowParams is the uniform of the row-wise normalisations (layernorm_fwd,
// rmsnorm_fwd): one invocation per row.
type rowParams struct {
	Rows, Cols uint32
	Eps        float32
	Stride     uint32
}

// rowBwdParams is the uniform of their backward kernels. N is the number of
// invocations (rows, or columns for the weight gradients).
type rowBwdParams struct{ Rows, Cols, Stride, _ uint32 }

// rowsWG is the workgroup size of the one-invocation-per-row kernels.
const rowsWG = 64

// LayerNorm normalises each row of x (…, C) and applies gamma and beta (C).
// It returns y (x's shape) and the per-row mean and rstd (rows) that
// LayerNormBackward needs. Kernel layernorm_fwd; twin cpu.LayerNormForward.
func (d *Device) LayerNorm(x, gamma, beta *Tensor, eps float32) (y, mean, rstd *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	y, mean, rstd = d.Scratch(x.shape...), d.Scratch(rows), d.Scratch(rows)
	if gamma.n != cols || beta.n != cols || cols == 0 {
		d.failf("layernorm: x %v with gamma %v and beta %v: both must have x's last dimension", x.shape, gamma.shape, beta.shape)
		return
	}
	g, stride := Groups1D(rows, rowsWG)
	d.Dispatch("layernorm_fwd", g, rowParams{Rows: uint32(rows), Cols: uint32(cols), Eps: eps, Stride: stride}, y, mean, rstd, x, gamma, beta)
	return
}

// LayerNormBackward returns dx (x's shape), dgamma and dbeta (C) from the
// upstream gradient dy and what LayerNorm saved. Kernels
// layernorm_bwd_input and layernorm_bwd_weight; twins
// cpu.LayerNormBackwardInput and cpu.LayerNormBackwardWeight.
func (d *Device) LayerNormBackward(dy, x, gamma, mean, rstd *Tensor) (dx, dgamma, dbeta *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	dx, dgamma, dbeta = d.Scratch(x.shape...), d.Scratch(cols), d.Scratch(cols)
	if dy.n != x.n || gamma.n != cols || mean.n != rows || rstd.n != rows || cols == 0 {
		d.failf("layernorm backward: dy %v, x %v, gamma %v, mean %v, rstd %v: dy must match x, gamma its last dimension, mean and rstd its rows", dy.shape, x.shape, gamma.shape, mean.shape, rstd.shape)
		return
	}
	g, stride := Groups1D(rows, rowsWG)
	d.Dispatch("layernorm_bwd_input", g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, dx, dy, x, gamma, mean, rstd)
	g, stride = Groups1D(cols, rowsWG)
	d.Dispatch("layernorm_bwd_weight", g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, dgamma, dbeta, dy, x, mean, rstd)
	return
}
