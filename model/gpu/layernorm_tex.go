package gpu

// LayerNormKernel names the forward kernel LayerNorm runs for x of
// rows × cols on this adapter: layernorm_fwd_tex on CPU-class adapters when
// x can be copied into a texture (rows of a multiple of 64 columns, within
// the adapter's texture size), else layernorm_fwd. The backward follows it
// (layernorm_bwd_input_tex and layernorm_bwd_weight_tex with the first).
func (d *Device) LayerNormKernel(rows, cols int) string {
	return d.rowKernel("layernorm_fwd", rows, cols)
}

// LayerNormWith is LayerNorm on a named kernel (parity tests run both).
func (d *Device) LayerNormWith(kernel string, x, gamma, beta *Tensor, eps float32) (y, mean, rstd *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	y, mean, rstd = d.Scratch(x.shape...), d.Scratch(rows), d.Scratch(rows)
	if gamma.n != cols || beta.n != cols || cols == 0 {
		d.failf("layernorm: x %v with gamma %v and beta %v: both must have x's last dimension", x.shape, gamma.shape, beta.shape)
		return
	}
	d.layerNormFwd(kernel, y, mean, rstd, x, gamma, beta, eps)
	return
}

// LayerNormBackwardInputWith is LayerNormBackwardInput on a named kernel.
func (d *Device) LayerNormBackwardInputWith(kernel string, dy, x, gamma, mean, rstd *Tensor) *Tensor {
	rows, cols := x.Rows(), x.Cols()
	dx := d.Scratch(x.shape...)
	if dy.n != x.n || gamma.n != cols || mean.n != rows || rstd.n != rows || cols == 0 {
		d.failf("layernorm backward input: dy %v, x %v, gamma %v, mean %v, rstd %v: dy must match x, gamma its last dimension, mean and rstd its rows", dy.shape, x.shape, gamma.shape, mean.shape, rstd.shape)
		return dx
	}
	d.layerNormBwdInputWith(kernel, dx, dy, x, gamma, mean, rstd)
	return dx
}

// LayerNormBackwardWeightWith is LayerNormBackwardWeight on a named kernel.
func (d *Device) LayerNormBackwardWeightWith(kernel string, dy, x, mean, rstd *Tensor) (dgamma, dbeta *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	dgamma, dbeta = d.Scratch(cols), d.Scratch(cols)
	if dy.n != x.n || mean.n != rows || rstd.n != rows || cols == 0 {
		d.failf("layernorm backward weight: dy %v, x %v, mean %v, rstd %v: dy must match x, mean and rstd its rows", dy.shape, x.shape, mean.shape, rstd.shape)
		return
	}
	d.layerNormBwdWeightWith(kernel, dgamma, dbeta, dy, x, mean, rstd)
	return
}

func (d *Device) layerNormBwdWeightWith(kernel string, dgamma, dbeta, dy, x, mean, rstd *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	if kernel != "layernorm_bwd_weight_tex" {
		g, stride := Groups1D(cols, rowsWG)
		d.Dispatch(kernel, g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, dgamma, dbeta, dy, x, mean, rstd)
		return
	}
	if views := d.rowTextures(kernel, rows, cols, dy, x); views != nil {
		g, stride := Groups1D(cols/4, rowsWG)
		d.dispatch(kernel, g, rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}, []*Tensor{dgamma, dbeta, mean, rstd}, views)
	}
}

func (d *Device) layerNormFwd(kernel string, y, mean, rstd, x, gamma, beta *Tensor, eps float32) {
	rows, cols := x.Rows(), x.Cols()
	g, stride := Groups1D(rows, rowsWG)
	prm := rowParams{Rows: uint32(rows), Cols: uint32(cols), Eps: eps, Stride: stride}
	if kernel != "layernorm_fwd_tex" {
		d.Dispatch(kernel, g, prm, y, mean, rstd, x, gamma, beta)
		return
	}
	if views := d.rowTextures(kernel, rows, cols, x); views != nil {
		d.dispatch(kernel, g, prm, []*Tensor{y, mean, rstd, gamma, beta}, views)
	}
}

func (d *Device) layerNormBwdInputWith(kernel string, dx, dy, x, gamma, mean, rstd *Tensor) {
	rows, cols := x.Rows(), x.Cols()
	g, stride := Groups1D(rows, rowsWG)
	prm := rowBwdParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride}
	if kernel != "layernorm_bwd_input_tex" {
		d.Dispatch(kernel, g, prm, dx, dy, x, gamma, mean, rstd)
		return
	}
	if views := d.rowTextures(kernel, rows, cols, dy, x); views != nil {
		d.dispatch(kernel, g, prm, []*Tensor{dx, gamma, mean, rstd}, views)
	}
}
