package gpu

// L2Normalize returns x / max(‖x‖, eps) over the last dimension, as
// PyTorch's F.normalize(x, dim=-1) (eps 1e-12 there). Kernel l2norm_fwd;
// twin cpu.L2NormForward.
func (d *Device) L2Normalize(x *Tensor, eps float32) *Tensor {
	y := d.Scratch(x.shape...)
	if x.Cols() == 0 {
		d.failf("l2norm: x %v has no columns", x.shape)
		return y
	}
	g, stride := Groups1D(x.Rows(), rowsWG)
	d.Dispatch("l2norm_fwd", g, rowParams{Rows: uint32(x.Rows()), Cols: uint32(x.Cols()), Eps: eps, Stride: stride}, y, x)
	return y
}

// L2NormalizeBackward returns dx from dy and the forward's input x (the
// norm is recomputed). Kernel l2norm_bwd; twin cpu.L2NormBackward.
func (d *Device) L2NormalizeBackward(dy, x *Tensor, eps float32) *Tensor {
	dx := d.Scratch(x.shape...)
	if dy.n != x.n || x.Cols() == 0 {
		d.failf("l2norm backward: dy %v, x %v: dy must match x", dy.shape, x.shape)
		return dx
	}
	g, stride := Groups1D(x.Rows(), rowsWG)
	d.Dispatch("l2norm_bwd", g, rowParams{Rows: uint32(x.Rows()), Cols: uint32(x.Cols()), Eps: eps, Stride: stride}, dx, dy, x)
	return dx
}
