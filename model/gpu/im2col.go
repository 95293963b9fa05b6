package gpu

type im2colParams struct{ B, Ch, H, W, P, Stride, _, _ uint32 }

// Im2Col cuts image (B, Ch, H, W) into non-overlapping p×p patches,
// (B, (H/p)·(W/p), Ch·p·p), so that a Conv2d(stride p) with weight
// (hidden, Ch, p, p) is a matmul with the weight viewed as (hidden, Ch·p·p).
// Kernel im2col_fwd; twin cpu.Im2ColForward.
func (d *Device) Im2Col(image *Tensor, p int) *Tensor {
	if len(image.shape) != 4 || p <= 0 || image.shape[2] < p || image.shape[3] < p {
		d.failf("im2col: image %v must be (B, C, H, W) with H, W ≥ patch %d", image.shape, p)
		return d.Scratch(0)
	}
	b, ch, h, w := image.shape[0], image.shape[1], image.shape[2], image.shape[3]
	out := d.Scratch(b, (h/p)*(w/p), ch*p*p)
	g, stride := Groups1D(out.n, 256)
	d.Dispatch("im2col_fwd", g, im2colParams{B: uint32(b), Ch: uint32(ch), H: uint32(h), W: uint32(w), P: uint32(p), Stride: stride}, out, image)
	return out
}

// Im2ColBackward returns the gradient of the image, of shape imageShape
// (B, Ch, H, W), from that of the patches. Kernel im2col_bwd; twin
// cpu.Im2ColBackward.
func (d *Device) Im2ColBackward(dpatches *Tensor, imageShape []int, p int) *Tensor {
	dimage := d.Scratch(imageShape...)
	if len(imageShape) != 4 || p <= 0 {
		d.failf("im2col backward: image shape %v must be (B, C, H, W), patch %d positive", imageShape, p)
		return dimage
	}
	b, ch, h, w := imageShape[0], imageShape[1], imageShape[2], imageShape[3]
	if dpatches.n != b*(h/p)*(w/p)*ch*p*p {
		d.failf("im2col backward: dpatches %v do not match image %v with patch %d", dpatches.shape, imageShape, p)
		return dimage
	}
	g, stride := Groups1D(dimage.n, 256)
	d.Dispatch("im2col_bwd", g, im2colParams{B: uint32(b), Ch: uint32(ch), H: uint32(h), W: uint32(w), P: uint32(p), Stride: stride}, dimage, dpatches)
	return dimage
}
