package gpu

// AttentionBackward returns the gradients of q, k and v given dout, the
// gradient of out = Attention(q, k, v, heads, o), and the forward's out and
// lse. The bias gets no gradient (the T5 position bias is frozen).
// Kernels attention_bwd_delta, attention_bwd_dq, attention_bwd_dkv; twins
// cpu.AttentionBackwardDelta, AttentionBackwardDQ, AttentionBackwardDKV.
func (d *Device) AttentionBackward(dout, q, k, v, out, lse *Tensor, heads int, o AttentionOpts) (dq, dk, dv *Tensor) {
	dq, dk, dv = d.Scratch(q.shape...), d.Scratch(k.shape...), d.Scratch(v.shape...)
	p, ok := d.attnSetup("attention backward", q, k, v, heads, o)
	if !ok {
		return
	}
	rows := int(p.B * p.H * p.Tq)
	if dout.n != q.n || out.n != q.n || lse.n != rows {
		d.failf("attention backward: dout %v, out %v, lse %v do not match q %v with %d heads", dout.shape, out.shape, lse.shape, q.shape, heads)
		return
	}
	if q.n == 0 {
		return
	}
	bias, dummy := d.biasOrDummy(o.Bias)
	defer dummy.Release()
	stats := d.Scratch(rows, 2)
	defer stats.Release()

	g, stride := Groups1D(rows, 64)
	p.Stride = stride
	d.Dispatch("attention_bwd_delta", g, p, stats, dout, out, lse)
	g, p.Stride = Groups1D(int(p.B*p.H*ceilDiv(p.Tq, attnRows)), 64)
	d.Dispatch("attention_bwd_dq", g, p, dq, q, k, v, dout, stats, bias)
	g, p.Stride = Groups1D(int(p.B*p.H*ceilDiv(p.Tk, attnKeys)), 64)
	d.Dispatch("attention_bwd_dkv", g, p, dk, dv, q, k, v, dout, stats, bias)
	return
}
