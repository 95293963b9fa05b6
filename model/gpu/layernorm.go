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
// LayerNormBackward needs. Kernel layernorm_fwd, or layernorm_fwd_tex where
// LayerNormKernel chooses it; twin cpu.LayerNormForward.
func (d *Device) LayerNorm(x, gamma, beta *Tensor, eps float32) (y, mean, rstd *Tensor) {
	return d.LayerNormWith(d.LayerNormKernel(x.Rows(), x.Cols()), x, gamma, beta, eps)
}

// LayerNormBackward returns dx (x's shape), dgamma and dbeta (C) from the
// upstream gradient dy and what LayerNorm saved. Kernels
// layernorm_bwd_input and layernorm_bwd_weight (or their _tex forms, with
// layernorm_fwd_tex); twins
// cpu.LayerNormBackwardInput and cpu.LayerNormBackwardWeight.
func (d *Device) LayerNormBackward(dy, x, gamma, mean, rstd *Tensor) (dx, dgamma, dbeta *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	dx, dgamma, dbeta = d.Scratch(x.shape...), d.Scratch(cols), d.Scratch(cols)
	if dy.n != x.n || gamma.n != cols || mean.n != rows || rstd.n != rows || cols == 0 {
		d.failf("layernorm backward: dy %v, x %v, gamma %v, mean %v, rstd %v: dy must match x, gamma its last dimension, mean and rstd its rows", dy.shape, x.shape, gamma.shape, mean.shape, rstd.shape)
		return
	}
	d.layerNormBwdInputWith(d.rowKernel("layernorm_bwd_input", rows, cols), dx, dy, x, gamma, mean, rstd)
	d.layerNormBwdWeightWith(d.rowKernel("layernorm_bwd_weight", rows, cols), dgamma, dbeta, dy, x, mean, rstd)
	return
}

// LayerNormBackwardInput returns only dx, for a LayerNorm whose gamma and
// beta are frozen (the language model's): the column reductions of
// LayerNormBackward are skipped. Kernel layernorm_bwd_input (or its _tex
// form); twin cpu.LayerNormBackwardInput.
func (d *Device) LayerNormBackwardInput(dy, x, gamma, mean, rstd *Tensor) *Tensor {
	return d.LayerNormBackwardInputWith(d.rowKernel("layernorm_bwd_input", x.Rows(), x.Cols()), dy, x, gamma, mean, rstd)
}

// LayerNormBackwardWeight returns only dgamma and dbeta (C), for a
// LayerNorm whose input needs no gradient (ln_vision over the frozen ViT's
// features). Kernel layernorm_bwd_weight (or its _tex form); twin
// cpu.LayerNormBackwardWeight.
func (d *Device) LayerNormBackwardWeight(dy, x, mean, rstd *Tensor) (dgamma, dbeta *Tensor) {
	return d.LayerNormBackwardWeightWith(d.rowKernel("layernorm_bwd_weight", x.Rows(), x.Cols()), dy, x, mean, rstd)
}
