package gpu

type axpyParams struct {
	N      uint32
	Alpha  float32
	Stride uint32
	_      uint32
}

// Axpy returns alpha·x + y for x and y of equal size. Kernel axpy_fwd; twin
// cpu.AxpyForward.
func (d *Device) Axpy(alpha float32, x, y *Tensor) *Tensor {
	out := d.Scratch(y.shape...)
	if x.n != y.n {
		d.failf("axpy: x %v and y %v differ in size", x.shape, y.shape)
		return out
	}
	g, stride := Groups1D(x.n, 256)
	d.Dispatch("axpy_fwd", g, axpyParams{N: uint32(x.n), Alpha: alpha, Stride: stride}, out, x, y)
	return out
}
