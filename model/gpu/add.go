package gpu

type addParams struct{ N, BN, Stride, _ uint32 }

// Add returns a + b, where b is broadcast over a: b's element count must
// divide a's (a bias row added to every row, or an equal-shaped tensor).
// Kernel add_fwd; twin cpu.AddForward.
func (d *Device) Add(a, b *Tensor) *Tensor {
	out := d.Scratch(a.shape...)
	if b.n == 0 || a.n%b.n != 0 {
		d.failf("add: %v + %v: the second operand must tile the first", a.shape, b.shape)
		return out
	}
	g, stride := Groups1D(a.n, 256)
	d.Dispatch("add_fwd", g, addParams{N: uint32(a.n), BN: uint32(b.n), Stride: stride}, out, a, b)
	return out
}
