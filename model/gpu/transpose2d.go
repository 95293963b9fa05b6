package gpu

type transpose2DParams struct{ Rows, Cols, _, _ uint32 }

// Transpose2D returns the (cols, rows) transpose of a 2-D tensor.
// Kernel transpose2d_fwd; twin cpu.Transpose2DForward.
func (d *Device) Transpose2D(x *Tensor) *Tensor {
	if len(x.shape) != 2 {
		d.failf("transpose2d: %v is not 2-D", x.shape)
		return d.Scratch(x.shape...)
	}
	rows, cols := x.shape[0], x.shape[1]
	out := d.Scratch(cols, rows)
	gx, gy := (cols+15)/16, (rows+15)/16
	if gx > 65535 || gy > 65535 {
		d.failf("transpose2d: %v is over 65535×16 on a side", x.shape)
		return out
	}
	d.Dispatch("transpose2d_fwd", [3]uint32{uint32(max(gx, 1)), uint32(max(gy, 1)), 1}, transpose2DParams{Rows: uint32(rows), Cols: uint32(cols)}, out, x)
	return out
}
