package gpu

type softmaxParams struct {
	Rows, Cols   uint32
	Scale        float32
	HasMask      uint32
	Heads, MRows uint32
	Stride       uint32
	LD           uint32
}

// Softmax returns softmax(scale·x + mask) over the last dimension of x.
// mask may be nil; otherwise it is additive, with the last dimension of x,
// and is broadcast over a heads axis: x is viewed as (mb, heads, mrows, cols)
// and mask as (mb, mrows, cols), where mrows is mask.Dim(-2) (1 for a 1-D
// mask). So scores (B, H, Tq, Tk) take a mask (B, Tq, Tk) (HF's
// (B, 1, Tq, Tk)), a (Tq, Tk) mask shared by all, or one of their own shape.
// A row whose entries are all −Inf comes out as zeros.
// Kernel softmax_fwd; twin cpu.SoftmaxForward.
func (d *Device) Softmax(x *Tensor, scale float32, mask *Tensor) *Tensor {
	return d.SoftmaxCols(x, x.Cols(), scale, mask)
}

// SoftmaxCols is Softmax over the first cols entries of each row of x, the
// rest of each row coming out as zeros: scores whose rows are padded to a
// length the texture matmuls can copy. The mask has cols columns.
func (d *Device) SoftmaxCols(x *Tensor, cols int, scale float32, mask *Tensor) *Tensor {
	y := d.Scratch(x.shape...)
	rows, ld := x.Rows(), x.Cols()
	if cols > ld || cols < 0 {
		d.failf("softmax: %d columns of x %v", cols, x.shape)
		return y
	}
	prm := softmaxParams{Rows: uint32(rows), Cols: uint32(cols), Scale: scale, Heads: 1, MRows: 1, LD: uint32(ld)}
	m := mask
	if mask != nil {
		mrows := 1
		if len(mask.shape) >= 2 {
			mrows = mask.Dim(-2)
		}
		if mask.Cols() != cols || mask.Rows() == 0 || rows%mask.Rows() != 0 {
			d.failf("softmax: mask %v does not broadcast over x %v", mask.shape, x.shape)
			return y
		}
		mb := mask.Rows() / mrows
		prm.HasMask, prm.Heads, prm.MRows = 1, uint32(rows/(mb*mrows)), uint32(mrows)
	} else {
		m = d.Scratch(1)
		defer m.Release()
	}
	if rows == 0 || cols == 0 {
		return y
	}
	g, stride := Groups1D(rows, 64)
	prm.Stride = stride
	d.Dispatch("softmax_fwd", g, prm, y, x, m)
	return y
}

type softmaxBwdParams struct {
	Rows, Cols uint32
	Scale      float32
	Stride, LD uint32
	_          [3]uint32
}

// SoftmaxBackward returns dx = scale·y⊙(dy − Σ dy⊙y) row by row, the
// gradient through y = Softmax(x, scale, mask).
// Kernel softmax_bwd; twin cpu.SoftmaxBackward.
func (d *Device) SoftmaxBackward(y, dy *Tensor, scale float32) *Tensor {
	return d.SoftmaxBackwardCols(y, dy, y.Cols(), scale)
}

// SoftmaxBackwardCols is the gradient through SoftmaxCols: over the first
// cols entries of each row, the rest of each row of dx zeros.
func (d *Device) SoftmaxBackwardCols(y, dy *Tensor, cols int, scale float32) *Tensor {
	dx := d.Scratch(y.shape...)
	if dy.n != y.n || dy.Cols() != y.Cols() || cols > y.Cols() || cols < 0 {
		d.failf("softmax backward: dy %v does not match y %v (%d columns)", dy.shape, y.shape, cols)
		return dx
	}
	if y.n == 0 {
		return dx
	}
	g, stride := Groups1D(y.Rows(), 64)
	d.Dispatch("softmax_bwd", g, softmaxBwdParams{Rows: uint32(y.Rows()), Cols: uint32(cols), Scale: scale, Stride: stride, LD: uint32(y.Cols())}, dx, y, dy)
	return dx
}
