package gpu

type itmPairsParams struct{ B, Stride, _, _ uint32 }

// ITMPairs returns the image and the text of each of ITM's 3B pairs as u32
// tensors (3B), indices into the batch, drawn on the device from ITC's
// i2t logits (B, B) and 2B uniforms u in [0, 1) (the first B for the
// image negatives, the next B for the text negatives). Kernel
// itmpairs_fwd; twin cpu.ITMPairsForward.
func (d *Device) ITMPairs(i2t, u *Tensor) (img, txt *Tensor) {
	b := i2t.Rows()
	img, txt = d.Scratch(3*b), d.Scratch(3*b)
	if len(i2t.shape) != 2 || i2t.Cols() != b || b < 2 || u.n != 2*b {
		d.failf("itm pairs: logits %v must be (B, B) with B ≥ 2 and u %v hold 2B uniforms", i2t.shape, u.shape)
		return
	}
	g, stride := Groups1D(2*b, 64)
	d.Dispatch("itmpairs_fwd", g, itmPairsParams{B: uint32(b), Stride: stride}, img, txt, i2t, u)
	return
}
