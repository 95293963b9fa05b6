package gpu

type middleParams struct{ A, Q, C, Stride uint32 }

func dims3(t *Tensor) (a, q, c int, ok bool) {
	if len(t.shape) != 3 {
		return 0, 0, 0, false
	}
	return t.shape[0], t.shape[1], t.shape[2], t.shape[1] > 0
}

// MaxRows returns the max over the middle axis of x (A, Q, C) as (A, C),
// and the index of the first maximum as a u32 tensor (A, C) for
// MaxRowsBackward. For a max over the last axis, pass x reshaped to
// (A, Q, 1). Kernel maxrows_fwd; twin cpu.MaxRowsForward.
func (d *Device) MaxRows(x *Tensor) (out, arg *Tensor) {
	a, q, c, ok := dims3(x)
	out, arg = d.Scratch(a, c), d.Scratch(a, c)
	if !ok {
		d.failf("maxrows: x %v must be (A, Q, C) with Q > 0", x.shape)
		return
	}
	g, stride := Groups1D(a*c, 64)
	d.Dispatch("maxrows_fwd", g, middleParams{A: uint32(a), Q: uint32(q), C: uint32(c), Stride: stride}, out, arg, x)
	return
}

// MaxRowsBackward returns dx (A, Q, C): dy where the max was taken, zero
// elsewhere. Kernel maxrows_bwd; twin cpu.MaxRowsBackward.
func (d *Device) MaxRowsBackward(dy, arg *Tensor, q int) *Tensor {
	a, c := dy.Rows(), dy.Cols()
	dx := d.Scratch(a, q, c)
	if arg.n != dy.n || q <= 0 {
		d.failf("maxrows backward: dy %v, arg %v, q %d: arg must match dy", dy.shape, arg.shape, q)
		return dx
	}
	g, stride := Groups1D(a*q*c, 256)
	d.Dispatch("maxrows_bwd", g, middleParams{A: uint32(a), Q: uint32(q), C: uint32(c), Stride: stride}, dx, dy, arg)
	return dx
}

// MeanRows returns the mean over the middle axis of x (A, Q, C) as (A, C).
// Kernel meanrows_fwd; twin cpu.MeanRowsForward.
func (d *Device) MeanRows(x *Tensor) *Tensor {
	a, q, c, ok := dims3(x)
	out := d.Scratch(a, c)
	if !ok {
		d.failf("meanrows: x %v must be (A, Q, C) with Q > 0", x.shape)
		return out
	}
	g, stride := Groups1D(a*c, 64)
	d.Dispatch("meanrows_fwd", g, middleParams{A: uint32(a), Q: uint32(q), C: uint32(c), Stride: stride}, out, x)
	return out
}

// MeanRowsBackward returns dx (A, Q, C) = dy/Q broadcast over Q. Kernel
// meanrows_bwd; twin cpu.MeanRowsBackward.
func (d *Device) MeanRowsBackward(dy *Tensor, q int) *Tensor {
	a, c := dy.Rows(), dy.Cols()
	dx := d.Scratch(a, q, c)
	if q <= 0 {
		d.failf("meanrows backward: dy %v, q %d: q must be positive", dy.shape, q)
		return dx
	}
	g, stride := Groups1D(a*q*c, 256)
	d.Dispatch("meanrows_bwd", g, middleParams{A: uint32(a), Q: uint32(q), C: uint32(c), Stride: stride}, dx, dy)
	return dx
}
