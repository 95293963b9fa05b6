package gpu

// broadcastParams is the Params of add_fwd and mul_fwd.
type broadcastParams struct{ N, BN, Stride, _ uint32 }

// Add returns a + b, where b is broadcast over a: b's element count must
// divide a's (a bias row added to every row, or an equal-shaped tensor).
// Kernel add_fwd; twin cpu.AddForward.
func (d *Device) Add(a, b *Tensor) *Tensor { return d.broadcast("add_fwd", "+", a, b) }

// Mul returns a·b, where b is broadcast over a as in Add. Kernel mul_fwd;
// twin cpu.MulForward.
func (d *Device) Mul(a, b *Tensor) *Tensor { return d.broadcast("mul_fwd", "·", a, b) }

// broadcast runs an elementwise kernel whose second operand tiles the first.
func (d *Device) broadcast(kernel, op string, a, b *Tensor) *Tensor {
	out := d.Scratch(a.shape...)
	if b.n == 0 || a.n%b.n != 0 {
		d.failf("%s: %v %s %v: the second operand must tile the first", kernel[:3], a.shape, op, b.shape)
		return out
	}
	g, stride := Groups1D(a.n, 256)
	d.Dispatch(kernel, g, broadcastParams{N: uint32(a.n), BN: uint32(b.n), Stride: stride}, out, a, b)
	return out
}
