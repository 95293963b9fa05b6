package gpu

type mulParams struct{ N, BN, Stride, _ uint32 }

// Mul returns a·b, where b is broadcast over a as in Add: b's element count
// must divide a's. Kernel mul_fwd; twin cpu.MulForward.
func (d *Device) Mul(a, b *Tensor) *Tensor {
	out := d.Scratch(a.shape...)
	if b.n == 0 || a.n%b.n != 0 {
		d.failf("mul: %v · %v: the second operand must tile the first", a.shape, b.shape)
		return out
	}
	g, stride := Groups1D(a.n, 256)
	d.Dispatch("mul_fwd", g, mulParams{N: uint32(a.n), BN: uint32(b.n), Stride: stride}, out, a, b)
	return out
}

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
